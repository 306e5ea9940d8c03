// Point 2: the UDP client/server sequence, the calls of Stevens' figure 8.1, in one thread.
import { SOL_SOCKET, SO_RCVTIMEO, formatAddress, getsockname, recvfrom, sendto, setsockopt } from 'bsdsock';
import { attempt, is, portOf, timed, type Section, type Tour } from '../context';

const section: Section = {
  point: 2,
  title: 'the UDP client/server sequence',
  run(t: Tour) {
    t.claim('2', '“Server: socket() → bind() → recvfrom() (blocks until a client\'s datagram arrives) → process ' +
      'the request → sendto() the reply. Client: socket() → sendto() the request → recvfrom() the reply → close().”');

    t.step('server: socket() and bind()');
    const server = t.udp({ bound: true });
    t.step('server: recvfrom() with no client yet blocks; a 200 ms SO_RCVTIMEO makes it give up here');
    setsockopt(server.fd, SOL_SOCKET, SO_RCVTIMEO, 200);
    const buf = Buffer.alloc(1500);
    const wait = timed(() => attempt(() => recvfrom(server.fd, buf)));
    t.safety(server.fd);

    t.step('client: socket() and sendto() the request (no bind: the kernel picks its port now)');
    const client = t.udp();
    sendto(client, Buffer.from('hello, server'), 0, server.addr);
    const clientAddr = getsockname(client);
    t.step('server: recvfrom() returns the request and who sent it; it processes it (upper case) and replies');
    const request = recvfrom(server.fd, buf);
    const reply = Buffer.from(buf.toString('latin1', 0, request.bytes).toUpperCase(), 'latin1');
    sendto(server.fd, reply, 0, request.from);
    t.step('client: recvfrom() the reply, close()');
    const answer = recvfrom(client, buf);
    const replyText = buf.toString('latin1', 0, answer.bytes);
    t.close(client);
    t.closeAll();

    const waited = is(wait.result, 'EAGAIN');
    t.kernel(`with nothing sent, recvfrom waited ${Math.round(wait.ms)} ms and gave up (${wait.result ? wait.result.code : 'it returned!'}); ` +
      `then it returned the request from ${formatAddress(request.from)} (the client is ${formatAddress(clientAddr)}), ` +
      `and the client got "${replyText}" from ${formatAddress(answer.from)}.`);
    // The unbound client is bound to 0.0.0.0 (any address) and a port: the port identifies it.
    t.check('2', waited && portOf(request.from) === portOf(clientAddr) && replyText === 'HELLO, SERVER' &&
      formatAddress(answer.from) === formatAddress(server.addr),
    'the sequence works as drawn: recvfrom blocks until a datagram is there, and tells the server whom to answer.',
    'the exchange did not go as the notes draw it (see the kernel\'s answers above).');
  },
};

export default section;
