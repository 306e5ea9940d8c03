// Point 4: a return of 0 means "an empty datagram" on UDP and "end of stream" on TCP.
import { SHUT_WR, connect, formatAddress, read, recvfrom, sendto, shutdown, write } from 'bsdsock';
import type { Section, Tour } from '../context';

const section: Section = {
  point: 4,
  title: 'recvfrom returning 0 against read returning 0',
  run(t: Tour) {
    t.claim('4', '“recvfrom returning 0 is fine (a zero-length datagram arrived), whereas read returning 0 on TCP ' +
      'means the peer closed the connection.”');
    const buf = Buffer.alloc(1500);

    t.step('UDP: a zero-length datagram, then an ordinary one');
    const receiver = t.udp({ bound: true });
    const sender = t.udp({ bound: true });
    sendto(sender.fd, Buffer.alloc(0), 0, receiver.addr);
    sendto(sender.fd, Buffer.from('still here'), 0, receiver.addr);
    const zero = recvfrom(receiver.fd, buf);
    const next = recvfrom(receiver.fd, buf);

    t.step('TCP: the client writes, then closes its side; the server reads until read returns 0');
    const listener = t.tcpListener();
    const client = t.tcp();
    connect(client, listener.addr);
    const server = t.accept(listener.fd);
    write(client, Buffer.from('last words'));
    shutdown(client, SHUT_WR); // what close() does to the stream, keeping the descriptor for the tour
    const data = read(server, buf);
    const eof = read(server, buf);
    const again = read(server, buf);
    t.closeAll();

    t.kernel(`UDP: recvfrom returned ${zero.bytes} bytes from ${formatAddress(zero.from)}, and the next datagram ` +
      `(${next.bytes} bytes) came after it on the same socket. TCP: read returned ${data}, then ${eof}, then ${again}.`);
    t.check('4', zero.bytes === 0 && formatAddress(zero.from) === formatAddress(sender.addr) && next.bytes === 10 &&
      data === 10 && eof === 0 && again === 0,
    'on UDP 0 is a datagram like any other (it has a sender, and the socket goes on); on TCP 0 is end of stream, for good.',
    'a return of 0 did not mean what the notes say (see above).');
  },
};

export default section;
