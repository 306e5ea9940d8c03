// The flat sendto with a plain address object remembers the last few encodings (lib/address.ts),
// and a caller never notices: an object changed after a send sends to its new address, an
// object with getters is read as always, and a bad address is refused every time.
import { bind, getsockname, MSG_DONTWAIT, recvfrom, sendto, sockaddr, WouldBlockError, type InetAddress } from '../lib';
import { closeAll, udpSocket } from './helpers/sockets';

afterEach(closeAll);

function receiver(): { fd: number; port: number } {
  const fd = udpSocket();
  bind(fd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
  return { fd, port: (getsockname(fd) as InetAddress).port };
}

/** What is queued on `fd`, as strings. */
function queued(fd: number): string[] {
  const buf = Buffer.alloc(64);
  const out: string[] = [];
  for (;;) {
    try {
      out.push(buf.toString('latin1', 0, recvfrom(fd, buf, MSG_DONTWAIT).bytes));
    } catch (err) {
      if (err instanceof WouldBlockError) return out;
      throw err;
    }
  }
}

describe('sendto with a plain address object, again and again', () => {
  it('sends to what the object holds at each call: a changed port, a changed address, and back', () => {
    const a = receiver();
    const b = receiver();
    const s = udpSocket();
    const to: { family: 'AF_INET'; address: string; port: number } = { family: 'AF_INET', address: '127.0.0.1', port: a.port };
    sendto(s, Buffer.from('a1'), 0, to);
    sendto(s, Buffer.from('a2'), 0, to);
    to.port = b.port;
    sendto(s, Buffer.from('b1'), 0, to);
    to.port = a.port;
    sendto(s, Buffer.from('a3'), 0, to);
    to.port = b.port;
    sendto(s, Buffer.from('b2'), 0, to);
    expect(queued(a.fd)).toEqual(['a1', 'a2', 'a3']);
    expect(queued(b.fd)).toEqual(['b1', 'b2']);
  });

  it('many objects in turn each reach their own peer', () => {
    const peers = Array.from({ length: 6 }, receiver);
    const s = udpSocket();
    const objects = peers.map((p) => ({ family: 'AF_INET' as const, address: '127.0.0.1', port: p.port }));
    for (let round = 0; round < 3; round++) objects.forEach((to, i) => sendto(s, Buffer.from(`${i}:${round}`), 0, to));
    peers.forEach((p, i) => expect(queued(p.fd)).toEqual([0, 1, 2].map((round) => `${i}:${round}`)));
  });

  it('an object with getters is read at every call', () => {
    const a = receiver();
    const b = receiver();
    const s = udpSocket();
    let port = a.port;
    let reads = 0;
    const to = {
      family: 'AF_INET',
      address: '127.0.0.1',
      get port() {
        reads++;
        return port;
      },
    };
    sendto(s, Buffer.from('x'), 0, to as InetAddress);
    port = b.port;
    sendto(s, Buffer.from('y'), 0, to as InetAddress);
    expect(reads).toBeGreaterThanOrEqual(2);
    expect([queued(a.fd), queued(b.fd)]).toEqual([['x'], ['y']]);
  });

  it('an object made invalid after a good send is refused, typed, and nothing is sent', () => {
    const a = receiver();
    const s = udpSocket();
    const to: { family: 'AF_INET'; address: string; port: number } = { family: 'AF_INET', address: '127.0.0.1', port: a.port };
    sendto(s, Buffer.from('ok'), 0, to);
    to.port = 70000;
    expect(() => sendto(s, Buffer.from('no'), 0, to)).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_BAD_PORT' }));
    to.address = 'nope';
    to.port = a.port;
    expect(() => sendto(s, Buffer.from('no'), 0, to)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_IP_ADDRESS' }));
    expect(queued(a.fd)).toEqual(['ok']);
  });

  it('sockaddr() of an unchanged object is the same frozen encoding, of a changed one a new one', () => {
    const to = { family: 'AF_INET' as const, address: '127.0.0.1', port: 5 };
    const first = sockaddr(to);
    expect(sockaddr(to)).toBe(first);
    to.port = 6;
    const second = sockaddr(to);
    expect(second).not.toBe(first);
    expect([first.address, second.address]).toEqual([
      { family: 'AF_INET', address: '127.0.0.1', port: 5 },
      { family: 'AF_INET', address: '127.0.0.1', port: 6 },
    ]);
    expect(Object.isFrozen(second)).toBe(true);
  });
});
