// Point 8: a UDP socket may connect again (to retarget, or with AF_UNSPEC to dissolve); a TCP
// socket connects once.
import { connect, formatAddress, getpeername, getsockname, recvfrom, send, sendto } from 'bsdsock';
import { attempt, is, portOf, type Section, type Tour } from '../context';

const section: Section = {
  point: 8,
  title: 'UDP connect can be called many times; TCP only once',
  run(t: Tour) {
    const buf = Buffer.alloc(1500);
    t.claim('8.1', '“UDP connect can be called many times … (1) point the socket at a new peer IP/port”');
    const first = t.udp({ bound: true });
    const second = t.udp({ bound: true });
    const client = t.udp();
    connect(client, first.addr);
    send(client, Buffer.from('1'));
    t.step('connect again, to another peer');
    connect(client, second.addr);
    send(client, Buffer.from('2'));
    const peer = getpeername(client);
    const atFirst = recvfrom(first.fd, buf);
    const firstGot = buf.toString('latin1', 0, atFirst.bytes);
    const atSecond = recvfrom(second.fd, buf);
    const secondGot = buf.toString('latin1', 0, atSecond.bytes);
    t.kernel(`both connects returned 0; "1" went to ${formatAddress(first.addr)} (it got "${firstGot}"), ` +
      `"2" to ${formatAddress(second.addr)} (it got "${secondGot}"); getpeername now says ${formatAddress(peer)}.`);
    t.check('8.1', firstGot === '1' && secondGot === '2' && formatAddress(peer) === formatAddress(second.addr),
      'a second connect simply pointed the UDP socket at a new peer.',
      'connecting again did not retarget the socket (see above).');

    t.claim('8.2', '“(2) dissolve the association: call connect with an address whose family is AF_UNSPEC.”');
    t.step('the local address before and after: the kernel chose it at connect (there was no bind)');
    const before = getsockname(client);
    connect(client, { family: 'AF_UNSPEC' });
    const after = getsockname(client);
    const noPeer = attempt(() => getpeername(client));
    const noDestination = attempt(() => send(client, Buffer.from('3')));
    t.step('unconnected again: sendto with an address works');
    sendto(client, Buffer.from('4'), 0, first.addr);
    const backAtFirst = recvfrom(first.fd, buf);
    t.closeAll();
    const released = portOf(before) !== 0 && portOf(after) === 0;
    t.kernel(`connect(AF_UNSPEC) returned 0; getpeername: ${noPeer ? noPeer.code : 'still a peer!'}; send without ` +
      `an address: ${noDestination ? noDestination.code : 'sent!'}; sendto: delivered (${backAtFirst.bytes} byte). ` +
      `getsockname went from ${formatAddress(before)} to ${formatAddress(after)}` +
      (released ? ': Linux gave back the port it had chosen at connect (BSD and macOS keep it).' : '.'));
    t.check('8.2', is(noPeer, 'ENOTCONN') && is(noDestination, 'EDESTADDRREQ') && backAtFirst.bytes === 1,
      'AF_UNSPEC dissolved the association: no peer, send needs an address again, sendto works.',
      'connect(AF_UNSPEC) did not dissolve the association (see above).');

    t.claim('8/TCP', '“… TCP only once.”');
    const listener = t.tcpListener();
    const stream = t.tcp();
    connect(stream, listener.addr);
    const again = attempt(() => connect(stream, listener.addr));
    t.closeAll();
    t.kernel(`the first TCP connect returned 0; the second failed with ${again ? `${again.code} (${again.description})` : 'nothing!'}.`);
    t.check('8/TCP', is(again, 'EISCONN'),
      'a connected TCP socket refuses a second connect (EISCONN); a new connection needs a new socket.',
      'a second TCP connect did not fail with EISCONN.');
  },
};

export default section;
