// Multicast, broadcast, ping and raw ICMP, and a name lookup served by the test's own DNS
// server, between two real hosts: network namespaces made here, joined by a veth pair.
//
//   host a  198.18.7.1/24 (+ .3), fd00:7::1/64 (+ ::3) --veth-- 198.18.7.2/24, fd00:7::2/64  host b
//   host b  198.18.8.1/24 --veth-- 198.18.8.2/24  host c  (b forwards: traceroute's router)
//
// Every datagram goes to an address inside these namespaces (their multicast groups, their
// link's broadcast address, their own 127.0.0.1). Skipped, saying why, where namespaces cannot
// be made: the condition is canMakeNamespaces().
import { TwoHosts, canMakeNamespaces, type Host, type Out } from './helpers/netns';

const netns = canMakeNamespaces();
const describeNetns = netns.ok ? describe : describe.skip;
const title = netns.ok ? 'multicast, broadcast, ICMP between two hosts' : `multicast, broadcast, ICMP between two hosts (skipped: ${netns.reason})`;

const hosts = new TwoHosts('f', 7);
const { a, b: bHost } = hosts;
const PORT = 40007;
let c: Host;

/** A receiver in host b: `setup` joins; it then reports the first datagram (or the error). */
function receiver(setup: string, family: 'AF_INET' | 'AF_INET6' = 'AF_INET'): string {
  const wildcard = family === 'AF_INET' ? '0.0.0.0' : '::';
  return `
    const s = new b.Socket(b.${family}, b.SOCK_DGRAM);
    s.setsockopt(b.SOL_SOCKET, b.SO_REUSEADDR, true);
    s.bind({ family: '${family}', address: '${wildcard}', port: ${PORT} });
    ${setup}
    ready();
    try {
      const { data, from } = await s.recvfrom({ timeout: 5000 });
      out.text = data.toString();
      out.from = from.address;
      out.scoped = from.scopeId > 0;
    } catch (e) { out.error = kind(e); }
    s.close();`;
}

async function exchange(receive: string, send: string, family: 'AF_INET' | 'AF_INET6' = 'AF_INET'): Promise<{ received: Out; sent: Out }> {
  const running = hosts.start(bHost, receiver(receive, family));
  await running.ready;
  const sent = await hosts.run(a, send);
  return { received: await running.done, sent };
}

describeNetns(title, () => {
  beforeAll(async () => {
    await hosts.setUp();
    hosts.addAddress(a, '198.18.7.3/24');
    hosts.addAddress(a, 'fd00:7::3/64', 'nodad');
    hosts.etcFile(a, 'resolv.conf', 'nameserver 127.0.0.1\noptions timeout:5 attempts:1\n');
    c = await hosts.addHostBehind(bHost, a, 8);
  });
  afterAll(() => hosts.tearDown());

  it('IPv4 any-source multicast: a joins nothing, b joins by interface name, a sends by setMulticastInterface', async () => {
    const { received, sent } = await exchange(
      `s.addMembership('239.7.7.7', '${bHost.dev}');`,
      `const s = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
       s.setMulticastInterface('${a.dev}');
       s.setMulticastTTL(1);
       out.bytes = await s.sendto(Buffer.from('to the group'), { family: 'AF_INET', address: '239.7.7.7', port: ${PORT} });
       s.close();`,
    );
    expect(sent).toEqual({ bytes: 12 });
    expect(received).toMatchObject({ text: 'to the group', from: a.ipv4 });
  });

  it('IPv4 source-specific multicast: from the other source of the same host nothing arrives, from the named one it does', async () => {
    const { received, sent } = await exchange(
      `s.addSourceSpecificMembership('${a.ipv4}', '232.7.7.7', '${bHost.ipv4}');`,
      `for (const [source, text] of [['198.18.7.3', 'other source'], ['${a.ipv4}', 'named source']]) {
         const s = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
         s.bind({ family: 'AF_INET', address: source, port: 0 });
         s.setMulticastInterface(source);
         await s.sendto(Buffer.from(text), { family: 'AF_INET', address: '232.7.7.7', port: ${PORT} });
         s.close();
       }
       out.sent = true;`,
    );
    expect(sent).toEqual({ sent: true });
    // The other source's datagram went first on the same link: b's kernel filtered it out.
    expect(received).toMatchObject({ text: 'named source', from: a.ipv4 });
  });

  it("IPv6 multicast with the interface given by name: it arrives from a's link-local address", async () => {
    const { received } = await exchange(
      `s.addMembership('ff12::7:7', '${bHost.dev}');`,
      `const s = new b.Socket(b.AF_INET6, b.SOCK_DGRAM);
       s.setMulticastInterface('${a.dev}');
       await s.sendto(Buffer.from('v6 group'), { family: 'AF_INET6', address: 'ff12::7:7', port: ${PORT} });
       s.close();`,
      'AF_INET6',
    );
    expect(received.text).toBe('v6 group');
    expect(received.from).toMatch(/^fe80:/);
    expect(received.scoped).toBe(true);
  });

  it('IPv6 source-specific multicast (MCAST_JOIN_SOURCE_GROUP underneath): only the named source is delivered', async () => {
    const { received } = await exchange(
      `s.addSourceSpecificMembership('${a.ipv6}', 'ff3e::7:7', '${bHost.dev}');`,
      `for (const [source, text] of [['fd00:7::3', 'other source'], ['${a.ipv6}', 'named source']]) {
         const s = new b.Socket(b.AF_INET6, b.SOCK_DGRAM);
         s.bind({ family: 'AF_INET6', address: source, port: 0 });
         s.setMulticastInterface('${a.dev}');
         await s.sendto(Buffer.from(text), { family: 'AF_INET6', address: 'ff3e::7:7', port: ${PORT} });
         s.close();
       }`,
      'AF_INET6',
    );
    expect(received).toMatchObject({ text: 'named source', from: a.ipv6 });
  });

  it('setMulticastLoopback(false): a member on the sending host hears only the looping sender', async () => {
    const out = await hosts.run(bHost, `
      const member = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
      member.bind({ family: 'AF_INET', address: '0.0.0.0', port: 0 });
      member.addMembership('239.7.7.8', '${bHost.dev}');
      const port = member.getsockname().port;
      for (const [loop, text] of [[false, 'not looped'], [true, 'looped']]) {
        const s = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
        s.setMulticastInterface('${bHost.dev}');
        s.setMulticastLoopback(loop);
        await s.sendto(Buffer.from(text), { family: 'AF_INET', address: '239.7.7.8', port });
        s.close();
      }
      out.first = (await member.recvfrom({ timeout: 5000 })).data.toString();
      member.close();`);
    expect(out).toEqual({ first: 'looped' });
  });

  it('broadcast: refused with EACCES until setBroadcast(true), then delivered (flat API and Socket)', async () => {
    const { received, sent } = await exchange(
      '',
      `const to = { family: 'AF_INET', address: '198.18.7.255', port: ${PORT} };
       const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
       try { b.sendto(fd, Buffer.from('x'), 0, to); out.flat = 'sent'; } catch (e) { out.flat = kind(e); }
       b.close(fd);
       const s = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
       s.bind({ family: 'AF_INET', address: '${a.ipv4}', port: 0 });
       try { await s.sendto(Buffer.from('x'), to); out.socket = 'sent'; } catch (e) { out.socket = kind(e); }
       s.setBroadcast(true);
       out.allowed = await s.sendto(Buffer.from('to everyone'), to);
       s.close();`,
    );
    expect(sent).toEqual({ flat: 'PermissionDeniedError EACCES', socket: 'PermissionDeniedError EACCES', allowed: 11 });
    expect(received).toMatchObject({ text: 'to everyone', from: a.ipv4 });
  });

  it('ping socket: refused while net.ipv4.ping_group_range excludes us, then an echo request is answered (IPv4 and IPv6)', async () => {
    const before = await hosts.run(a, `
      try { b.close(b.socket(b.AF_INET, b.SOCK_DGRAM, b.IPPROTO_ICMP)); out.socket = 'made'; } catch (e) { out.socket = kind(e); }`);
    // The range is per namespace: a new one starts at "1 0" (nobody).
    expect(before).toEqual({ socket: 'PermissionDeniedError EACCES' });
    hosts.sysctl(a, 'net.ipv4.ping_group_range', '0 2147483647');
    const out = await hosts.run(a, `
      const fd = b.socket(b.AF_INET, b.SOCK_DGRAM, b.IPPROTO_ICMP);
      b.setsockopt(fd, b.SOL_SOCKET, b.SO_RCVTIMEO, 5000);
      const request = Buffer.alloc(8 + 5);
      request[0] = b.ICMP_ECHO;          // the kernel sets the id and the checksum
      request.writeUInt16BE(7, 6);       // sequence
      request.write('hello', 8);
      b.sendto(fd, request, 0, { family: 'AF_INET', address: '${bHost.ipv4}', port: 0 });
      const reply = Buffer.alloc(64);
      const { bytes, from } = b.recvfrom(fd, reply);
      out.type = reply[0] === b.ICMP_ECHOREPLY ? 'echo reply' : reply[0];
      out.sequence = reply.readUInt16BE(6);
      out.payload = reply.toString('utf8', 8, bytes);
      out.from = from.address;
      b.close(fd);`);
    expect(out).toEqual({ type: 'echo reply', sequence: 7, payload: 'hello', from: bHost.ipv4 });
    // The same range allows ICMPv6 ping sockets.
    const v6 = await hosts.run(a, `
      const fd = b.socket(b.AF_INET6, b.SOCK_DGRAM, b.IPPROTO_ICMPV6);
      b.setsockopt(fd, b.SOL_SOCKET, b.SO_RCVTIMEO, 5000);
      const request = Buffer.alloc(8 + 2);
      request[0] = b.ICMP6_ECHO_REQUEST;
      request.writeUInt16BE(8, 6);
      request.write('v6', 8);
      b.sendto(fd, request, 0, { family: 'AF_INET6', address: '${bHost.ipv6}', port: 0 });
      const reply = Buffer.alloc(64);
      const { bytes, from } = b.recvfrom(fd, reply);
      out.type = reply[0] === b.ICMP6_ECHO_REPLY ? 'echo reply' : reply[0];
      out.sequence = reply.readUInt16BE(6);
      out.payload = reply.toString('utf8', 8, bytes);
      out.from = from.address;
      b.close(fd);`);
    expect(v6).toEqual({ type: 'echo reply', sequence: 8, payload: 'v6', from: bHost.ipv6 });
  });

  it('raw ICMP socket: an echo request built by hand (checksum and all) is answered; the reply comes with its IP header', async () => {
    const out = await hosts.run(a, `
      const fd = b.socket(b.AF_INET, b.SOCK_RAW, b.IPPROTO_ICMP);
      b.setsockopt(fd, b.SOL_SOCKET, b.SO_RCVTIMEO, 5000);
      const request = Buffer.alloc(8 + 4);
      request[0] = b.ICMP_ECHO;
      request.writeUInt16BE(0xbeef, 4);  // identifier: a raw socket sees every ICMP message
      request.writeUInt16BE(3, 6);
      request.write('ping', 8);
      let sum = 0;
      for (let i = 0; i < request.length; i += 2) sum += request.readUInt16BE(i);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      request.writeUInt16BE(~sum & 0xffff, 2);
      b.sendto(fd, request, 0, { family: 'AF_INET', address: '${bHost.ipv4}', port: 0 });
      const packet = Buffer.alloc(128);
      for (;;) {
        const { bytes, from } = b.recvfrom(fd, packet);
        const ihl = (packet[0] & 0x0f) * 4;   // the IPv4 header comes first on a raw socket
        if (packet[ihl] !== b.ICMP_ECHOREPLY || packet.readUInt16BE(ihl + 4) !== 0xbeef) continue;
        out.version = packet[0] >> 4;
        out.sequence = packet.readUInt16BE(ihl + 6);
        out.payload = packet.toString('utf8', ihl + 8, bytes);
        out.from = from.address;
        break;
      }
      b.close(fd);`);
    expect(out).toEqual({ version: 4, sequence: 3, payload: 'ping', from: bHost.ipv4 });
  });

  // The Internet checksum, for the programs below (as examples/ping.js has it).
  const CHECKSUM = `
    const checksum = (buf) => {
      let sum = 0;
      for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      return ~sum & 0xffff;
    };
    const echo = (id, seq, text) => {
      const icmp = Buffer.alloc(8 + text.length);
      icmp[0] = b.ICMP_ECHO;
      icmp.writeUInt16BE(id, 4);
      icmp.writeUInt16BE(seq, 6);
      icmp.write(text, 8);
      icmp.writeUInt16BE(checksum(icmp), 2);
      return icmp;
    };
    const ipv4 = (payload) => {
      // version 4, 5 words; Linux fills in the total length and the header checksum.
      const header = Buffer.alloc(20);
      header[0] = 0x45;
      header[8] = 64;                 // TTL
      header[9] = b.IPPROTO_ICMP;
      Buffer.from('${a.ipv4}'.split('.').map(Number)).copy(header, 12);
      Buffer.from('${bHost.ipv4}'.split('.').map(Number)).copy(header, 16);
      return Buffer.concat([header, payload]);
    };
    const replyTo = (fd, id) => {
      const packet = Buffer.alloc(256);
      for (;;) {
        const { bytes } = b.recvfrom(fd, packet);
        const ihl = (packet[0] & 0x0f) * 4;
        if (packet[ihl] === b.ICMP_ECHOREPLY && packet.readUInt16BE(ihl + 4) === id) {
          return { sequence: packet.readUInt16BE(ihl + 6), payload: packet.toString('utf8', ihl + 8, bytes) };
        }
      }
    };`;

  it('IPPROTO_RAW (IP_HDRINCL implied) sends a whole IPv4 packet written by hand; the reply arrives on an ICMP raw socket', async () => {
    const out = await hosts.run(a, `${CHECKSUM}
      const listener = b.socket(b.AF_INET, b.SOCK_RAW, b.IPPROTO_ICMP);
      b.setsockopt(listener, b.SOL_SOCKET, b.SO_RCVTIMEO, 5000);
      const fd = b.socket(b.AF_INET, b.SOCK_RAW, b.IPPROTO_RAW);
      out.hdrincl = b.getsockopt(fd, b.IPPROTO_IP, b.IP_HDRINCL);
      out.sent = b.sendto(fd, ipv4(echo(0xcafe, 11, 'whole packet')), 0, { family: 'AF_INET', address: '${bHost.ipv4}', port: 0 });
      out.reply = replyTo(listener, 0xcafe);
      b.close(fd);
      b.close(listener);`);
    expect(out).toEqual({ hdrincl: 1, sent: 20 + 8 + 12, reply: { sequence: 11, payload: 'whole packet' } });
  });

  it('IP_HDRINCL on an ICMP raw socket: the header is ours, the reply comes back to the same socket', async () => {
    const out = await hosts.run(a, `${CHECKSUM}
      const fd = b.socket(b.AF_INET, b.SOCK_RAW, b.IPPROTO_ICMP);
      b.setsockopt(fd, b.SOL_SOCKET, b.SO_RCVTIMEO, 5000);
      out.before = b.getsockopt(fd, b.IPPROTO_IP, b.IP_HDRINCL);
      b.setsockopt(fd, b.IPPROTO_IP, b.IP_HDRINCL, true);
      out.after = b.getsockopt(fd, b.IPPROTO_IP, b.IP_HDRINCL);
      b.sendto(fd, ipv4(echo(0xface, 12, 'own header')), 0, { family: 'AF_INET', address: '${bHost.ipv4}', port: 0 });
      out.reply = replyTo(fd, 0xface);
      b.close(fd);`);
    expect(out).toEqual({ before: 0, after: 1, reply: { sequence: 12, payload: 'own header' } });
  });

  it('ICMPv6 raw socket: an echo request (the kernel computes the ICMPv6 checksum) is answered, without an IPv6 header', async () => {
    const out = await hosts.run(a, `
      const fd = b.socket(b.AF_INET6, b.SOCK_RAW, b.IPPROTO_ICMPV6);
      b.setsockopt(fd, b.SOL_SOCKET, b.SO_RCVTIMEO, 5000);
      const request = Buffer.alloc(8 + 6);
      request[0] = b.ICMP6_ECHO_REQUEST;
      request.writeUInt16BE(0xbead, 4);
      request.writeUInt16BE(13, 6);
      request.write('six!!!', 8);
      b.sendto(fd, request, 0, { family: 'AF_INET6', address: '${bHost.ipv6}', port: 0 });
      const reply = Buffer.alloc(256);
      for (;;) {
        const { bytes, from } = b.recvfrom(fd, reply);
        if (reply[0] !== b.ICMP6_ECHO_REPLY || reply.readUInt16BE(4) !== 0xbead) continue; // (neighbour discovery too)
        out.sequence = reply.readUInt16BE(6);
        out.payload = reply.toString('utf8', 8, bytes);
        out.from = from.address;
        break;
      }
      b.close(fd);`);
    expect(out).toEqual({ sequence: 13, payload: 'six!!!', from: bHost.ipv6 });
  });

  it('getaddrinfoAsync and getnameinfoAsync leave the event loop running: the same thread answers the DNS queries they send', async () => {
    // a's resolv.conf names 127.0.0.1 in a's namespace; the program serves DNS there itself. A
    // lookup that blocked the thread could never see its own answer (it would time out).
    const out = await hosts.run(a, `
      const dns = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
      dns.bind({ family: 'AF_INET', address: '127.0.0.1', port: 53 });
      let settled = false;
      const lookup = b.getaddrinfoAsync('served.test', null, { family: b.AF_INET, socktype: b.SOCK_DGRAM });
      lookup.then(() => (settled = true), () => (settled = true));
      const { data: query, from } = await dns.recvfrom({ timeout: 5000 });
      out.settledBeforeQuery = settled;
      // The answer: the query's id and question, one A record 198.18.7.77.
      const question = query.subarray(12);
      const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 7, 77]);
      const header = Buffer.from([query[0], query[1], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
      await dns.sendto(Buffer.concat([header, question, answer]), from);
      out.entries = (await lookup).map((e) => e.address);
      // The reverse lookup too: getnameinfoAsync's PTR query, answered 'served.test'.
      settled = false;
      const reverse = b.getnameinfoAsync({ family: 'AF_INET', address: '198.18.7.77', port: 53 }, b.NI_NAMEREQD | b.NI_NUMERICSERV);
      reverse.then(() => (settled = true), () => (settled = true));
      const { data: ptrQuery, from: asker } = await dns.recvfrom({ timeout: 5000 });
      out.reverseSettledBeforeQuery = settled;
      const ptrQuestion = ptrQuery.subarray(12);
      const name = Buffer.from([6, ...Buffer.from('served'), 4, ...Buffer.from('test'), 0]);
      const ptr = Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 12, 0, 1, 0, 0, 0, 60, 0, name.length]), name]);
      const ptrHeader = Buffer.from([ptrQuery[0], ptrQuery[1], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
      await dns.sendto(Buffer.concat([ptrHeader, ptrQuestion, ptr]), asker);
      out.reverse = await reverse;
      dns.close();`);
    expect(out).toEqual({
      settledBeforeQuery: false,
      entries: [{ family: 'AF_INET', address: '198.18.7.77', port: 0 }],
      reverseSettledBeforeQuery: false,
      reverse: { host: 'served.test', service: '53' },
    });
  });

  describe('the examples, run there', () => {
    it('examples/ping.js with a ping socket (a, whose ping_group_range allows it) and with a raw socket (b, where it does not)', async () => {
      hosts.sysctl(a, 'net.ipv4.ping_group_range', '0 2147483647');
      const viaPing = await hosts.exec(a, ['examples/ping.js', bHost.ipv4, '2', '0']);
      expect(viaPing).toMatch(/with a ping socket/);
      expect(viaPing).toMatch(new RegExp(`^16 bytes from ${bHost.ipv4.replace(/\./g, '\\.')}: icmp_seq=2 time=[\\d.]+ ms$`, 'm'));
      expect(viaPing).toMatch(/^2 packets transmitted, 2 received$/m);
      const viaRaw = await hosts.exec(bHost, ['examples/ping.js', a.ipv4, '2', '0']);
      expect(viaRaw).toMatch(/with a raw socket/);
      expect(viaRaw).toMatch(/^2 packets transmitted, 2 received$/m);
    });

    it('examples/traceroute.js from a to c: b reports time exceeded, c port unreachable', async () => {
      const out = await hosts.exec(a, ['examples/traceroute.js', c.ipv4, '5']);
      const hops = out.trim().split('\n').slice(1).map((line) => line.replace(/[\d.]+ ms/, 'T ms'));
      expect(hops).toEqual([` 1  ${bHost.ipv4}  T ms`, ` 2  ${c.ipv4}  T ms  (ECONNREFUSED)`]);
    });
  });
});
