// Point 1: UDP is message-oriented. Two datagrams stay two datagrams; two TCP writes need not
// stay two reads. (Unreliability is shown by points 3 and 6: no error for a datagram sent into
// the void, and datagrams dropped by a full receive buffer.)
import { IPPROTO_TCP, TCP_NODELAY, connect, read, recvfrom, sendto, setsockopt, write } from 'bsdsock';
import type { Section, Tour } from '../context';

const section: Section = {
  point: 1,
  title: 'UDP is a message-oriented, unreliable datagram protocol',
  run(t: Tour) {
    t.claim('1', '“UDP is a message-oriented, unreliable datagram protocol.”');

    t.step('a bound receiver and a sender; two datagrams of 3 and 5 bytes');
    const receiver = t.udp({ bound: true });
    const sender = t.udp();
    sendto(sender, Buffer.from('one'), 0, receiver.addr);
    sendto(sender, Buffer.from('three'), 0, receiver.addr);
    t.step('both are queued now; each recvfrom, with room for both, returns one datagram');
    const buf = Buffer.alloc(64);
    const first = recvfrom(receiver.fd, buf).bytes;
    const second = recvfrom(receiver.fd, buf).bytes;

    t.step('for contrast, TCP: two writes of 3 and 5 bytes, then one read');
    const listener = t.tcpListener();
    const client = t.tcp();
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, 1); // each write leaves at once (no Nagle wait)
    connect(client, listener.addr);
    const server = t.accept(listener.fd);
    write(client, Buffer.from('one'));
    write(client, Buffer.from('three'));
    const streamed = read(server, buf);
    t.closeAll();

    t.kernel(`UDP: recvfrom returned ${first} bytes, then ${second} bytes. TCP: one read returned ${streamed} bytes ` +
      (streamed === 8 ? '(both writes together: a stream has no message boundaries).' : '(TCP keeps no boundaries either way).'));
    t.check('1', first === 3 && second === 5,
      'UDP kept each message whole and separate. Its unreliability shows in points 3.3 and 6.',
      `UDP did not return the datagrams as sent (${first} and ${second} bytes for 3 and 5).`);
  },
};

export default section;
