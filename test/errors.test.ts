// Typed errors: each errno has its class, names come from the platform, messages read like Node's.
import { thrown } from './helpers/thrown';
import * as os from 'node:os';
import * as util from 'node:util';

import {
  AF_INET,
  AddressInUseError,
  ConnectionRefusedError,
  SOCK_DGRAM,
  SocketError,
  WouldBlockError,
  bind,
  connect,
  errnoName,
  isSocketError,
  recv,
  send,
  socket,
  socketError,
  strerror,
  type KnownSocketError,
} from '../lib';
import { boundUdp, closeAll, closedUdpPort, track } from './helpers/sockets';

afterEach(closeAll);

const errno = os.constants.errno;


describe('SocketError', () => {
  it('EADDRINUSE: binding a taken address gives AddressInUseError with the address in the message', () => {
    const taken = boundUdp();
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    const err = thrown(() => bind(fd, taken.addr));
    expect(err).toBeInstanceOf(AddressInUseError);
    expect(err).toBeInstanceOf(SocketError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: 'AddressInUseError',
      code: 'EADDRINUSE',
      errno: errno.EADDRINUSE,
      syscall: 'bind',
      message: `bind EADDRINUSE 127.0.0.1:${taken.addr.port}`,
    });
    expect((err as SocketError).description).toMatch(/in use/i);
  });

  it('errors read like Node\'s SystemError: address a string, port a number, the object kept as socketAddress', () => {
    const taken = boundUdp();
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    const err = thrown(() => bind(fd, taken.addr)) as SocketError;
    expect(err).toMatchObject({ address: '127.0.0.1', port: taken.addr.port, socketAddress: taken.addr });
    // Node's errno is negative, the platform's (bsdsock's) is not: util names both.
    expect(util.getSystemErrorName(-err.errno)).toBe(err.code);
    // What Node's own sockets report for the same failure has the same fields.
    const unix = socketError(errno.ENOENT, 'connect', { family: 'AF_UNIX', path: '/nonexistent/sock' });
    expect(unix).toMatchObject({ address: '/nonexistent/sock', socketAddress: { family: 'AF_UNIX', path: '/nonexistent/sock' } });
    expect(unix.port).toBeUndefined();
    expect(socketError(errno.EBADF, 'close')).not.toHaveProperty('address');
  });

  it('ECONNREFUSED on a connected UDP socket is a ConnectionRefusedError that isSocketError recognises', () => {
    const fd = boundUdp().fd;
    connect(fd, closedUdpPort());
    send(fd, Buffer.from('x'));
    const err = thrown(() => recv(fd, Buffer.alloc(4)));
    expect(isSocketError(err)).toBe(true);
    expect(isSocketError(err, 'ECONNREFUSED')).toBe(true);
    expect(isSocketError(err, 'EAGAIN')).toBe(false);
    expect(isSocketError(new Error('plain'))).toBe(false);
    expect(isSocketError({ code: 'ECONNREFUSED' }, 'ECONNREFUSED')).toBe(false);
    if (isSocketError(err, 'ECONNREFUSED')) {
      // The guard narrows: this line only compiles because err is a ConnectionRefusedError.
      const refused: ConnectionRefusedError = err;
      expect(refused.code).toBe('ECONNREFUSED');
    }
  });

  it('switch (err.code) narrows a KnownSocketError', () => {
    const err = socketError(errno.EAGAIN, 'recv') as KnownSocketError;
    let seen = '';
    switch (err.code) {
      case 'EAGAIN':
      case 'EWOULDBLOCK': {
        const wouldBlock: WouldBlockError = err;
        seen = wouldBlock.syscall;
        break;
      }
      default:
        seen = 'other';
    }
    expect(seen).toBe('recv');
  });

  it.each([
    ['ECONNREFUSED', 'ConnectionRefusedError'],
    ['ECONNRESET', 'ConnectionResetError'],
    ['EADDRINUSE', 'AddressInUseError'],
    ['EADDRNOTAVAIL', 'AddressNotAvailableError'],
    ['EAGAIN', 'WouldBlockError'],
    ['EWOULDBLOCK', 'WouldBlockError'],
    ['EMSGSIZE', 'MessageTooLongError'],
    ['ENOTCONN', 'NotConnectedError'],
    ['EISCONN', 'AlreadyConnectedError'],
    ['EDESTADDRREQ', 'DestinationAddressRequiredError'],
    ['EBADF', 'BadDescriptorError'],
    ['EACCES', 'PermissionDeniedError'],
    ['EPERM', 'PermissionDeniedError'],
    ['EHOSTUNREACH', 'HostUnreachableError'],
    ['ENETUNREACH', 'NetworkUnreachableError'],
    ['EAFNOSUPPORT', 'AddressFamilyNotSupportedError'],
    ['EINVAL', 'InvalidArgumentError'],
    ['ETIMEDOUT', 'TimedOutError'],
    ['EPIPE', 'BrokenPipeError'],
    ['EMFILE', 'TooManyOpenFilesError'],
    ['ENFILE', 'TooManyOpenFilesError'],
  ])('%s (this platform\'s number) becomes %s', (code, className) => {
    const number = (errno as Record<string, number>)[code]!;
    const err = socketError(number, 'sendto', { family: 'AF_INET', address: '127.0.0.1', port: 9 });
    const lib = require('../lib') as Record<string, unknown>;
    expect(err).toBeInstanceOf(lib[className] as new () => unknown);
    expect(err.errno).toBe(number);
    expect(isSocketError(err, code as keyof import('../lib').SocketErrorByCode)).toBe(true);
    expect(err.message).toBe(`sendto ${err.code} 127.0.0.1:9`);
  });

  it('an errno libuv has no name for (EINPROGRESS, ETIME) still gets the platform\'s name and text', () => {
    for (const name of ['EINPROGRESS', 'EALREADY']) {
      const err = socketError(errno[name as keyof typeof errno] as number, 'connect');
      expect(err.code).toBe(name);
      expect(err.description).not.toMatch(/^unknown/i);
    }
  });

  it('an errno without a class of its own is a plain SocketError with its platform name', () => {
    const err = socketError(errno.ENOTSOCK, 'recvfrom');
    expect(err.constructor).toBe(SocketError);
    expect(err).toMatchObject({ code: 'ENOTSOCK', errno: errno.ENOTSOCK, message: 'recvfrom ENOTSOCK' });
  });

  it('errnoName and strerror use the platform tables', () => {
    expect(errnoName(errno.ECONNREFUSED)).toBe('ECONNREFUSED');
    expect(strerror(errno.ECONNREFUSED)).toMatch(/refused/i);
    expect(errnoName(99999)).toBe('E99999');
  });

  it('IPv6 and AF_UNIX addresses are formatted in messages', () => {
    expect(socketError(errno.EINVAL, 'bind', { family: 'AF_INET6', address: '::1', port: 80 }).message).toBe('bind EINVAL [::1]:80');
    expect(socketError(errno.ENOENT, 'connect', { family: 'AF_UNIX', path: '/tmp/x' }).message).toBe('connect ENOENT /tmp/x');
    expect(socketError(errno.ENOENT, 'connect', { family: 'AF_UNIX', path: '\0abs' }).message).toBe('connect ENOENT @abs');
  });
});
