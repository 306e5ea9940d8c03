// Point 7: connect on a UDP socket records the peer; write/read (send/recv) then need no address.
import {
  MSG_DONTWAIT, connect, formatAddress, getpeername, getsockname, read, recv, recvfrom, send, sendto, write,
} from 'bsdsock';
import { attempt, is, type Section, type Tour } from '../context';

const section: Section = {
  point: 7,
  title: 'connect on UDP',
  run(t: Tour) {
    t.claim('7', '“The kernel (1) checks for (and from then on reports) asynchronous errors, and (2) records the ' +
      'peer\'s IP address and port. After connect, sendto/recvfrom are not needed: write/read (or send/recv) work, ' +
      'and what is written goes to the connected peer.”');
    const buf = Buffer.alloc(1500);

    t.step('connect sends nothing: the kernel records the peer, and picks the local address and port');
    const server = t.udp({ bound: true });
    const client = t.udp();
    connect(client, server.addr);
    const peer = getpeername(client);
    const local = getsockname(client);

    t.step('write: no address; the server sees it come from the client');
    const written = write(client, Buffer.from('via write'));
    const got = recvfrom(server.fd, buf);
    t.step('a stranger sends to the client first, then the server replies; the client read()s');
    const stranger = t.udp();
    sendto(stranger, Buffer.from('from a stranger'), 0, local);
    sendto(server.fd, Buffer.from('reply'), 0, got.from);
    const n = read(client, buf);
    const reply = buf.toString('latin1', 0, n);
    const nothingElse = attempt(() => recv(client, buf, MSG_DONTWAIT));
    t.step('send and recv work the same way');
    send(client, Buffer.from('via send'));
    const got2 = recvfrom(server.fd, buf);
    sendto(server.fd, Buffer.from('reply 2'), 0, got2.from);
    const n2 = recv(client, buf);
    t.closeAll();

    t.kernel(`getpeername says ${formatAddress(peer)}; write sent ${written} bytes, which the server received from ` +
      `${formatAddress(got.from)} (the client's own ${formatAddress(local)}); read returned "${reply}"; the stranger's ` +
      `datagram was never queued (recv then: ${nothingElse ? nothingElse.code : 'data!'}); send/recv: ${got2.bytes} and ${n2} bytes.`);
    t.check('7', formatAddress(peer) === formatAddress(server.addr) && written === 9 &&
      formatAddress(got.from) === formatAddress(local) && reply === 'reply' && got2.bytes === 8 && n2 === 7,
    'the kernel recorded the peer; write/read and send/recv talked to it without any address ' +
      `(and a connected socket only hears its peer${is(nothingElse, 'EAGAIN') ? '' : ' — not seen here'}). ` +
      'Asynchronous errors after connect: point 3.3.',
    'connect did not make write/read talk to the recorded peer (see above).');
  },
};

export default section;
