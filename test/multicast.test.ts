// The Socket's multicast and broadcast helpers (node:dgram's names) on the loopback interface,
// bound and unbound; two real hosts are in family-netns.test.ts.
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_UNICAST_HOPS,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_TTL,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_BROADCAST,
  Socket,
  if_nametoindex,
  type InetAddress,
} from '../lib';
import { outcome } from './helpers/thrown';

const LO = process.platform === 'linux' ? 'lo' : 'lo0';
const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function udp(family = AF_INET): Socket {
  const s = new Socket(family, SOCK_DGRAM);
  open.push(s);
  return s;
}

/** A member bound to the wildcard, and its port. */
function member(): { s: Socket; port: number } {
  const s = udp();
  s.bind({ family: 'AF_INET', address: '0.0.0.0', port: 0 });
  return { s, port: (s.getsockname() as InetAddress).port };
}

function sender(address = '127.0.0.1'): Socket {
  const s = udp();
  s.bind({ family: 'AF_INET', address, port: 0 });
  s.setMulticastInterface(LO);
  return s;
}

async function next(s: Socket): Promise<{ text: string; from: string }> {
  const { data, from } = await s.recvfrom({ timeout: 5000 });
  return { text: data.toString(), from: (from as InetAddress).address };
}

function to(group: string, port: number): InetAddress {
  return { family: 'AF_INET', address: group, port };
}

describe('memberships', () => {
  it.each([
    ['an interface address', '127.0.0.1'],
    ['an interface name', LO],
    ['an interface index', 'index'],
  ])('addMembership with %s, made before bind: the group reaches the socket; dropMembership twice is EADDRNOTAVAIL', async (_label, given) => {
    const iface = given === 'index' ? if_nametoindex(LO) : given;
    const s = udp();
    s.addMembership('239.255.20.1', iface); // unbound: works as in dgram
    s.bind({ family: 'AF_INET', address: '0.0.0.0', port: 0 });
    const port = (s.getsockname() as InetAddress).port;
    await sender().sendto(Buffer.from('hello group'), to('239.255.20.1', port));
    expect(await next(s)).toEqual({ text: 'hello group', from: '127.0.0.1' });
    s.dropMembership('239.255.20.1', iface);
    expect(outcome(() => s.dropMembership('239.255.20.1', iface))).toBe('AddressNotAvailableError EADDRNOTAVAIL');
  });

  it('addMembership without an interface: the kernel chooses, and joining twice is EADDRINUSE', () => {
    const { s } = member();
    s.addMembership('239.255.20.2', '127.0.0.1');
    expect(outcome(() => s.addMembership('239.255.20.2', '127.0.0.1'))).toBe('AddressInUseError EADDRINUSE');
  });

  it.each([
    ['an interface address', '127.0.0.1'],
    ['an interface name', LO],
  ])('addSourceSpecificMembership with %s: only the named source is delivered; drop works once', async (_label, iface) => {
    const { s, port } = member();
    s.addSourceSpecificMembership('127.0.0.1', '232.2.2.2', iface);
    await sender('127.0.0.3').sendto(Buffer.from('other source'), to('232.2.2.2', port));
    await sender('127.0.0.1').sendto(Buffer.from('the source'), to('232.2.2.2', port));
    expect(await next(s)).toEqual({ text: 'the source', from: '127.0.0.1' });
    s.dropSourceSpecificMembership('127.0.0.1', '232.2.2.2', iface);
    // Not a member any more: the kernel refuses (Linux says EINVAL, BSD EADDRNOTAVAIL).
    expect(outcome(() => s.dropSourceSpecificMembership('127.0.0.1', '232.2.2.2', iface))).toMatch(/^(InvalidArgumentError EINVAL|AddressNotAvailableError EADDRNOTAVAIL)$/);
  });

  it('IPv6: addMembership by interface name and by dgram\'s "::%name" form are one membership', () => {
    const s = udp(AF_INET6);
    s.addMembership('ff15::20', LO);
    expect(outcome(() => s.addMembership('ff15::20', `::%${LO}`))).toBe('AddressInUseError EADDRINUSE');
    s.dropMembership('ff15::20', if_nametoindex(LO));
  });
});

describe('sending options', () => {
  it('setMulticastLoopback returns the flag and sets IP_MULTICAST_LOOP (its effect needs a real link: family-netns.test.ts)', () => {
    // On the loopback interface the datagram is delivered by the link itself, loop or not.
    const s = udp();
    expect(s.setMulticastLoopback(false)).toBe(false);
    expect(s.getsockopt(IPPROTO_IP, IP_MULTICAST_LOOP)).toBe(0);
    expect(s.setMulticastLoopback(true)).toBe(true);
    expect(s.getsockopt(IPPROTO_IP, IP_MULTICAST_LOOP)).toBe(1);
  });

  it('setMulticastTTL and setTTL return the value and set IP_MULTICAST_TTL / IP_TTL; 0 for IP_TTL is EINVAL', () => {
    const s = udp();
    expect(s.setMulticastTTL(7)).toBe(7);
    expect(s.getsockopt(IPPROTO_IP, IP_MULTICAST_TTL)).toBe(7);
    expect(s.setTTL(33)).toBe(33);
    expect(s.getsockopt(IPPROTO_IP, IP_TTL)).toBe(33);
    expect(outcome(() => s.setTTL(0))).toBe('InvalidArgumentError EINVAL');
  });

  it('on an IPv6 socket they set the hop limits and the interface index', () => {
    const s = udp(AF_INET6);
    s.setMulticastTTL(9);
    expect(s.getsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS)).toBe(9);
    s.setTTL(44);
    expect(s.getsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS)).toBe(44);
    s.setMulticastInterface(LO);
    expect(s.getsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF)).toBe(if_nametoindex(LO));
    s.setMulticastInterface(0);
    expect(s.getsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF)).toBe(0);
  });

  it('setBroadcast sets SO_BROADCAST (what it allows is shown between two hosts)', () => {
    const s = udp();
    s.setBroadcast(true);
    expect(s.getsockopt(SOL_SOCKET, SO_BROADCAST)).not.toBe(0);
    s.setBroadcast(false);
    expect(s.getsockopt(SOL_SOCKET, SO_BROADCAST)).toBe(0);
  });
});

describe('bad input and closed sockets', () => {
  it.each<[string, (s: Socket) => unknown, string]>([
    ['a number as group', (s) => s.addMembership(5 as never), 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['a host name as group', (s) => s.addMembership('localhost'), 'ArgumentRangeError ERR_INVALID_IP_ADDRESS'],
    ['a host name as source', (s) => s.addSourceSpecificMembership('localhost', '232.1.1.1'), 'ArgumentRangeError ERR_INVALID_IP_ADDRESS'],
    ['an unknown interface name', (s) => s.addMembership('239.1.1.1', 'nosuch0'), 'NoSuchDeviceError ENODEV'],
    ['an unknown interface for sending', (s) => s.setMulticastInterface('nosuch0'), 'NoSuchDeviceError ENODEV'],
    ['a ttl string', (s) => s.setTTL('1' as never), 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['a multicast ttl of 1.5', (s) => s.setMulticastTTL(1.5), 'ArgumentRangeError ERR_OUT_OF_RANGE'],
    ['a broadcast flag of 1', (s) => s.setBroadcast(1 as never), 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['a loopback flag of undefined', (s) => s.setMulticastLoopback(undefined as never), 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['a multicast ttl of 256', (s) => s.setMulticastTTL(256), 'InvalidArgumentError EINVAL'],
  ])('%s', (_label, call, expected) => {
    expect(outcome(() => call(udp()))).toBe(expected);
  });

  it('every helper on a closed socket is SocketClosedError', () => {
    const s = new Socket(AF_INET, SOCK_DGRAM);
    s.close();
    for (const call of [
      () => s.addMembership('239.1.1.1'),
      () => s.dropMembership('239.1.1.1'),
      () => s.addSourceSpecificMembership('127.0.0.1', '232.1.1.1'),
      () => s.dropSourceSpecificMembership('127.0.0.1', '232.1.1.1'),
      () => s.setMulticastInterface(LO),
      () => s.setMulticastTTL(1),
      () => s.setMulticastLoopback(true),
      () => s.setBroadcast(true),
      () => s.setTTL(1),
    ]) {
      expect(outcome(call)).toBe('SocketClosedError ERR_SOCKET_CLOSED');
    }
  });
});
