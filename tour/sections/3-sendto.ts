// Point 3: what sendto and recvfrom say about addresses, the zero-length datagram, and what a
// successful sendto does (not) promise.
import {
  IPPROTO_IP, IP_RECVERR, MSG_ERRQUEUE, SOL_SOCKET, SO_ERROR, SO_RCVTIMEO, bind, connect, formatAddress, getsockname,
  getsockopt, recv, recvfrom, recvmsg, send, sendto, setsockopt, type ErrorQueueMessage, type RecvmsgResult,
  type SocketAddress,
} from 'bsdsock';
import { attempt, is, type Section, type Tour } from '../context';

/** A loopback port where nothing listens: one the kernel just handed out, closed again. */
function freePort(t: Tour): SocketAddress {
  const probe = t.udp();
  bind(probe, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
  const addr = getsockname(probe);
  t.close(probe);
  return addr;
}

const section: Section = {
  point: 3,
  title: 'sendto',
  run(t: Tour) {
    const buf = Buffer.alloc(1500);

    // 3.1 -----------------------------------------------------------------------------------
    t.claim('3.1', '“sendto names the receiver\'s socket address; recvfrom reports the sender\'s.”');
    t.step('two senders, each bound to its own port, send to one receiver');
    const receiver = t.udp({ bound: true });
    const a = t.udp({ bound: true });
    const b = t.udp({ bound: true });
    sendto(a.fd, Buffer.from('from a'), 0, receiver.addr);
    sendto(b.fd, Buffer.from('from b'), 0, receiver.addr);
    const first = recvfrom(receiver.fd, buf).from;
    const second = recvfrom(receiver.fd, buf).from;
    t.kernel(`the datagrams sent to ${formatAddress(receiver.addr)} arrived there; recvfrom reported ` +
      `${formatAddress(first)} and ${formatAddress(second)}; the senders are ${formatAddress(a.addr)} and ${formatAddress(b.addr)}.`);
    t.check('3.1', formatAddress(first) === formatAddress(a.addr) && formatAddress(second) === formatAddress(b.addr),
      'each datagram reached the address sendto named, and recvfrom named its sender exactly (address and port).',
      'recvfrom did not report the senders\' own addresses.');

    // 3.2 -----------------------------------------------------------------------------------
    t.claim('3.2', '“A datagram with no data is legal: it is just an IP header plus a UDP header.”');
    t.step('sendto with an empty buffer');
    const sentEmpty = sendto(a.fd, Buffer.alloc(0), 0, receiver.addr);
    const empty = recvfrom(receiver.fd, buf);
    t.kernel(`sendto sent ${sentEmpty} bytes without complaint; recvfrom returned a datagram of ${empty.bytes} bytes ` +
      `from ${formatAddress(empty.from)}.`);
    t.check('3.2', sentEmpty === 0 && empty.bytes === 0 && formatAddress(empty.from) === formatAddress(a.addr),
      'a zero-length datagram is sent and delivered like any other, sender address included.',
      'the zero-length datagram was refused or not delivered.');
    t.closeAll();

    // 3.3 -----------------------------------------------------------------------------------
    t.claim('3.3', '“A successful sendto only means there was room in the send buffer, not that the datagram ' +
      'arrived. If the server is not running, the resulting ICMP error (port unreachable) is not returned to the ' +
      'process on an unconnected socket. Calling connect on the UDP socket is the way to get such asynchronous ' +
      'errors reported (as ECONNREFUSED).”');
    t.step('a loopback port where nothing listens: one the kernel just gave out, closed again');
    const nobody = freePort(t);
    t.step('an unconnected socket sends there, then waits 300 ms (SO_RCVTIMEO) for anything at all');
    const loner = t.udp();
    setsockopt(loner, SOL_SOCKET, SO_RCVTIMEO, 300);
    const sent = sendto(loner, Buffer.from('anyone there?'), 0, nobody);
    const silence = attempt(() => recvfrom(loner, buf));
    const pending = getsockopt(loner, SOL_SOCKET, SO_ERROR);
    t.step('the same datagram from a connected socket');
    const asker = t.udp();
    connect(asker, nobody);
    const sentConnected = send(asker, Buffer.from('anyone there?'));
    const refused = attempt(() => recv(asker, buf));
    t.closeAll();

    t.kernel(`sendto returned ${sent} with nothing listening. The unconnected socket heard ` +
      `${silence ? `nothing (${silence.code} after its timeout)` : 'a datagram!'} and has no pending error (SO_ERROR ${pending}). ` +
      `The connected one: send returned ${sentConnected}, and the next recv failed with ${refused ? refused.code : 'nothing'}.`);
    t.check('3.3', sent === 13 && is(silence, 'EAGAIN') && pending === 0 && is(refused, 'ECONNREFUSED'),
      'sendto succeeded into the void; the ICMP port unreachable reached only the connected socket, as ECONNREFUSED.',
      'the kernel did not answer as the notes say (see above).');

    // Beyond the notes (Linux): the advanced calls see the lost error after all ---------------
    if (IP_RECVERR === undefined || MSG_ERRQUEUE === undefined) return;
    t.step('beyond the notes, on Linux: the unconnected socket again, with IP_RECVERR on; then the error queue is ' +
      'read with recvmsg(MSG_ERRQUEUE)');
    const listener = t.udp();
    setsockopt(listener, IPPROTO_IP, IP_RECVERR, 1);
    sendto(listener, Buffer.from('anyone there?'), 0, nobody);
    let report: ErrorQueueMessage | undefined;
    for (let tries = 0; tries < 50 && !report; tries++) {
      let got: RecvmsgResult | undefined;
      const failed = attempt(() => {
        got = recvmsg(listener, [Buffer.alloc(64)], MSG_ERRQUEUE);
      });
      if (got) report = got.control.find((entry): entry is ErrorQueueMessage => entry.kind === 'error');
      else if (is(failed, 'EAGAIN')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // still on its way
      else break;
    }
    t.closeAll();
    t.kernel(report
      ? `the error queue held the whole report: ${report.error.code} for the datagram to ` +
        `${formatAddress(report.destination)}, sent back by ${report.offender && 'address' in report.offender ? report.offender.address : 'this host'} ` +
        `as ICMP type ${report.icmpType} code ${report.icmpCode} (destination unreachable: port unreachable). An unconnected ` +
        'socket can learn which peer refused, and from whom: see docs/advanced.md.'
      : 'no report arrived in the error queue.');
  },
};

export default section;
