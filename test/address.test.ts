// Addresses: the input forms accepted, the pre-encoded form for hot loops, and their text.
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  EncodedAddress,
  connect,
  formatAddress,
  getpeername,
  recvfrom,
  sendto,
  sockaddr,
} from '../lib';
import { boundUdp, closeAll } from './helpers/sockets';

afterEach(closeAll);

describe('sockaddr(): an address encoded once', () => {
  it('works wherever an address object does, many times over', () => {
    const server = boundUdp();
    const client = boundUdp();
    const peer = sockaddr(server.addr);
    expect(peer).toBeInstanceOf(EncodedAddress);
    expect(peer.address).toEqual(server.addr);
    expect(String(peer)).toBe(`127.0.0.1:${server.addr.port}`);
    for (let i = 0; i < 5; i++) expect(sendto(client.fd, Buffer.from([i]), 0, peer)).toBe(1);
    const buf = Buffer.alloc(1);
    for (let i = 0; i < 5; i++) {
      expect(recvfrom(server.fd, buf).from).toEqual(client.addr);
      expect(buf[0]).toBe(i);
    }
    connect(client.fd, peer);
    expect(getpeername(client.fd)).toEqual(server.addr);
  });

  it('is immutable, and encoding an encoded address returns it', () => {
    const peer = sockaddr({ family: 'AF_INET', address: '127.0.0.1', port: 7 });
    expect(Object.isFrozen(peer)).toBe(true);
    expect(sockaddr(peer)).toBe(peer);
  });

  it('normalizes numeric families to their names', () => {
    expect(sockaddr({ family: AF_INET, address: '127.0.0.1', port: 1 }).address).toEqual({ family: 'AF_INET', address: '127.0.0.1', port: 1 });
    expect(sockaddr({ family: AF_INET6, address: '::1', port: 2, scopeId: 0 }).address).toEqual({
      family: 'AF_INET6',
      address: '::1',
      port: 2,
      scopeId: 0,
    });
    expect(sockaddr({ family: AF_UNIX, path: '/tmp/s' }).address).toEqual({ family: 'AF_UNIX', path: '/tmp/s' });
  });

  it('an IPv6 zone may name the loopback interface', () => {
    const lo = process.platform === 'linux' ? 'lo' : 'lo0';
    const encoded = sockaddr({ family: 'AF_INET6', address: `fe80::1%${lo}`, port: 5 });
    expect(encoded.address).toMatchObject({ family: 'AF_INET6', address: `fe80::1%${lo}` });
  });
});

describe('received addresses', () => {
  it('a steady receive loop from one peer hands back the same frozen address object', () => {
    const server = boundUdp();
    const client = boundUdp();
    const other = boundUdp();
    sendto(client.fd, Buffer.from('a'), 0, server.addr);
    sendto(client.fd, Buffer.from('b'), 0, server.addr);
    sendto(other.fd, Buffer.from('c'), 0, server.addr);
    const buf = Buffer.alloc(1);
    const first = recvfrom(server.fd, buf).from;
    const second = recvfrom(server.fd, buf).from;
    const third = recvfrom(server.fd, buf).from;
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(third).toEqual(other.addr);
    expect(third).not.toBe(first);
  });

  it('print readably', () => {
    expect(require('node:util').inspect(boundUdp().addr)).toMatch(/^\{ family: 'AF_INET', address: '127\.0\.0\.1', port: \d+ \}$/);
  });
});

describe('formatAddress', () => {
  it.each([
    [{ family: 'AF_INET', address: '10.0.0.1', port: 53 }, '10.0.0.1:53'],
    [{ family: 'AF_INET6', address: '::1', port: 53 }, '[::1]:53'],
    [{ family: 'AF_INET6', address: 'fe80::1', port: 53, scopeId: 2 }, '[fe80::1%2]:53'],
    [{ family: 'AF_UNIX', path: '/run/x.sock' }, '/run/x.sock'],
    [{ family: 'AF_UNIX', path: '\0name' }, '@name'],
    [{ family: 'AF_UNIX', path: '' }, '(unnamed)'],
    [{ family: 'AF_UNSPEC' }, 'AF_UNSPEC'],
  ] as const)('%j → %s', (address, text) => {
    expect(formatAddress(address)).toBe(text);
  });
});
