// Struct-valued socket options as plain objects (multicast memberships and filters,
// IP_MULTICAST_IF, IPV6_MULTICAST_IF, SO_LINGER), the new constants, and their bad input.
// Multicast here stays on the loopback interface; two hosts are in multicast-netns.test.ts.
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_RAW,
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  IPV6_MULTICAST_IF,
  IP_ADD_MEMBERSHIP,
  IP_ADD_SOURCE_MEMBERSHIP,
  IP_BLOCK_SOURCE,
  IP_DROP_MEMBERSHIP,
  IP_HDRINCL,
  IP_MULTICAST_IF,
  MCAST_JOIN_GROUP,
  MCAST_JOIN_SOURCE_GROUP,
  MCAST_LEAVE_GROUP,
  NoSuchDeviceError,
  SOL_SOCKET,
  SO_LINGER,
  bind,
  constants,
  getsockname,
  getsockopt,
  if_nametoindex,
  recvfrom,
  sendto,
  setsockopt,
  type InetAddress,
  type Linger,
} from '../lib';
import { itOnLinux, itOnMacos } from './helpers/platform';
import { closeAll, closeTracked, udpSocket } from './helpers/sockets';
import { outcome } from './helpers/thrown';

afterEach(closeAll);

const LO = process.platform === 'linux' ? 'lo' : 'lo0';

/** A receiver bound to the wildcard (multicast arrives addressed to the group). */
function receiver(family = AF_INET): { fd: number; port: number } {
  const fd = udpSocket(family);
  bind(fd, family === AF_INET ? { family: 'AF_INET', address: '0.0.0.0', port: 0 } : { family: 'AF_INET6', address: '::', port: 0 });
  return { fd, port: (getsockname(fd) as InetAddress).port };
}

/** A sender from `address` whose multicast leaves by the loopback interface. */
function sender(address: string): number {
  const fd = udpSocket(AF_INET);
  bind(fd, { family: 'AF_INET', address, port: 0 });
  setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, LO);
  return fd;
}

function receiveText(fd: number): { text: string; from: string } {
  const buf = Buffer.alloc(64);
  const { bytes, from } = recvfrom(fd, buf);
  return { text: buf.toString('utf8', 0, bytes), from: (from as InetAddress).address };
}

function sendText(fd: number, text: string, group: string, port: number): void {
  sendto(fd, Buffer.from(text), 0, { family: 'AF_INET', address: group, port });
}

describe('constants', () => {
  it('the multicast, raw and ICMP constants are the platform numbers, distinct where C has them distinct', () => {
    for (const value of [IPPROTO_RAW, IP_HDRINCL, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP, MCAST_JOIN_GROUP!]) {
      expect(Number.isInteger(value)).toBe(true);
    }
    expect(IPV6_JOIN_GROUP).not.toBe(IPV6_LEAVE_GROUP);
    expect(MCAST_JOIN_GROUP).not.toBe(MCAST_LEAVE_GROUP);
    expect(constants.EAI_NONAME).not.toBe(constants.EAI_AGAIN);
  });

  itOnLinux('Linux has IP_MULTICAST_ALL and SO_BINDTODEVICE, and no IP_BOUND_IF', () => {
    expect(typeof constants.IP_MULTICAST_ALL).toBe('number');
    expect(typeof constants.SO_BINDTODEVICE).toBe('number');
    expect(constants.IP_BOUND_IF).toBeUndefined();
  });

  itOnMacos('macOS has IP_BOUND_IF, and no SO_BINDTODEVICE', () => {
    expect(typeof constants.IP_BOUND_IF).toBe('number');
    expect(constants.SO_BINDTODEVICE).toBeUndefined();
  });
});

describe('IPv4 memberships as objects', () => {
  it.each([
    ['an interface address', '127.0.0.1'],
    ['an interface name', LO],
  ])('IP_ADD_MEMBERSHIP with %s: the group is delivered; joining again is EADDRINUSE; after IP_DROP_MEMBERSHIP, dropping again is EADDRNOTAVAIL', (_label, iface) => {
    const { fd, port } = receiver();
    const membership = { multiaddr: '239.255.10.1', interface: iface };
    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, membership);
    sendText(sender('127.0.0.1'), 'to the group', '239.255.10.1', port);
    expect(receiveText(fd).text).toBe('to the group');
    expect(outcome(() => setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, membership))).toBe('AddressInUseError EADDRINUSE');
    setsockopt(fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, membership);
    expect(outcome(() => setsockopt(fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, membership))).toBe('AddressNotAvailableError EADDRNOTAVAIL');
  });

  it('raw bytes still pass unchanged: a hand-packed ip_mreq joins the group the object form names', () => {
    const { fd } = receiver();
    const mreq = Buffer.from([239, 255, 10, 9, 127, 0, 0, 1]); // imr_multiaddr, imr_interface (network order)
    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq);
    expect(outcome(() => setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.255.10.9', interface: '127.0.0.1' }))).toBe('AddressInUseError EADDRINUSE');
  });

  itOnLinux('IP_ADD_MEMBERSHIP by index (ip_mreqn) joins the same group as by name', () => {
    const { fd } = receiver();
    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.255.10.2', interface: if_nametoindex(LO) });
    expect(outcome(() => setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.255.10.2', interface: LO }))).toBe('AddressInUseError EADDRINUSE');
  });

  it('source-specific (IP_ADD_SOURCE_MEMBERSHIP, each platform\'s ip_mreq_source): only the named source is delivered', () => {
    const anySource = receiver();
    const specific = receiver();
    setsockopt(anySource.fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '232.1.1.1', interface: '127.0.0.1' });
    setsockopt(specific.fd, IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP!, { multiaddr: '232.1.1.1', sourceaddr: '127.0.0.1', interface: '127.0.0.1' });
    for (const { port } of [anySource, specific]) {
      sendText(sender('127.0.0.2'), 'other source', '232.1.1.1', port);
      sendText(sender('127.0.0.1'), 'named source', '232.1.1.1', port);
    }
    expect(receiveText(anySource.fd)).toEqual({ text: 'other source', from: '127.0.0.2' });
    // The other source's datagram was sent first: the kernel filtered it out.
    expect(receiveText(specific.fd)).toEqual({ text: 'named source', from: '127.0.0.1' });
  });

  it('MCAST_JOIN_SOURCE_GROUP with an interface name does the same', () => {
    const { fd, port } = receiver();
    setsockopt(fd, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP!, { multiaddr: '232.1.1.2', sourceaddr: '127.0.0.1', interface: LO });
    sendText(sender('127.0.0.2'), 'other source', '232.1.1.2', port);
    sendText(sender('127.0.0.1'), 'named source', '232.1.1.2', port);
    expect(receiveText(fd)).toEqual({ text: 'named source', from: '127.0.0.1' });
  });

  it('IP_BLOCK_SOURCE filters one source out of an any-source membership', () => {
    const { fd, port } = receiver();
    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.255.10.3', interface: '127.0.0.1' });
    setsockopt(fd, IPPROTO_IP, IP_BLOCK_SOURCE!, { multiaddr: '239.255.10.3', sourceaddr: '127.0.0.2', interface: '127.0.0.1' });
    sendText(sender('127.0.0.2'), 'blocked', '239.255.10.3', port);
    sendText(sender('127.0.0.1'), 'allowed', '239.255.10.3', port);
    expect(receiveText(fd).text).toBe('allowed');
  });

  it('MCAST_JOIN_GROUP / MCAST_LEAVE_GROUP take the IPv4 group and an interface index', () => {
    const { fd } = receiver();
    const group = { multiaddr: '239.255.10.4', interface: if_nametoindex(LO) };
    setsockopt(fd, IPPROTO_IP, MCAST_JOIN_GROUP!, group);
    expect(outcome(() => setsockopt(fd, IPPROTO_IP, MCAST_JOIN_GROUP!, group))).toBe('AddressInUseError EADDRINUSE');
    setsockopt(fd, IPPROTO_IP, MCAST_LEAVE_GROUP!, group);
  });
});

describe('IPv6 memberships and interfaces', () => {
  it('IPV6_JOIN_GROUP by interface name, IPV6_LEAVE_GROUP by index: the same membership', () => {
    const { fd } = receiver(AF_INET6);
    setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr: 'ff15::1234', interface: LO });
    expect(outcome(() => setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr: 'ff15::1234', interface: LO }))).toBe('AddressInUseError EADDRINUSE');
    setsockopt(fd, IPPROTO_IPV6, IPV6_LEAVE_GROUP, { multiaddr: 'ff15::1234', interface: if_nametoindex(LO) });
    expect(outcome(() => setsockopt(fd, IPPROTO_IPV6, IPV6_LEAVE_GROUP, { multiaddr: 'ff15::1234', interface: LO }))).toBe('AddressNotAvailableError EADDRNOTAVAIL');
  });

  it('IPV6_MULTICAST_IF takes an interface name and reads back its index', () => {
    const fd = udpSocket(AF_INET6);
    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, LO);
    expect(getsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF)).toBe(if_nametoindex(LO));
  });
});

describe('IP_MULTICAST_IF and SO_LINGER read back as values', () => {
  it('IP_MULTICAST_IF: an address reads back as that address; an index (Linux: ip_mreqn) as 0.0.0.0', () => {
    const fd = udpSocket();
    expect(getsockopt<string>(fd, IPPROTO_IP, IP_MULTICAST_IF)).toBe('0.0.0.0');
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, '127.0.0.1');
    expect(getsockopt<string>(fd, IPPROTO_IP, IP_MULTICAST_IF)).toBe('127.0.0.1');
    if (process.platform === 'linux') {
      setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, if_nametoindex(LO));
      expect(getsockopt<string>(fd, IPPROTO_IP, IP_MULTICAST_IF)).toBe('0.0.0.0');
    }
  });

  it('SO_LINGER as { onoff, linger }, and the same bytes as a raw struct linger', () => {
    const fd = udpSocket();
    setsockopt(fd, SOL_SOCKET, SO_LINGER, { onoff: true, linger: 7 });
    expect(getsockopt<Linger>(fd, SOL_SOCKET, SO_LINGER)).toEqual({ onoff: 1, linger: 7 });
    const raw = new Int32Array(2);
    expect(getsockopt(fd, SOL_SOCKET, SO_LINGER, raw)).toBe(8);
    expect([...raw]).toEqual([1, 7]);
    // Off again (Linux keeps the old linger time beside onoff 0: only onoff is asserted).
    setsockopt(fd, SOL_SOCKET, SO_LINGER, { onoff: false, linger: 0 });
    expect(getsockopt<Linger>(fd, SOL_SOCKET, SO_LINGER).onoff).toBe(0);
  });
});

describe('interfaces by name for the binding options', () => {
  itOnLinux('SO_BINDTODEVICE takes an interface name (its bytes); an unknown one is the kernel\'s ENODEV; \'\' unbinds', () => {
    const fd = udpSocket();
    setsockopt(fd, SOL_SOCKET, constants.SO_BINDTODEVICE!, LO);
    const name = Buffer.alloc(constants.IF_NAMESIZE);
    const length = getsockopt(fd, SOL_SOCKET, constants.SO_BINDTODEVICE!, name);
    expect(name.toString('latin1', 0, length).replace(/\0+$/, '')).toBe(LO);
    expect(outcome(() => setsockopt(fd, SOL_SOCKET, constants.SO_BINDTODEVICE!, 'nosuch0'))).toBe('NoSuchDeviceError ENODEV');
    expect(outcome(() => setsockopt(fd, SOL_SOCKET, constants.SO_BINDTODEVICE!, 'l\0o'))).toBe('ArgumentRangeError ERR_INVALID_ARG_VALUE');
    setsockopt(fd, SOL_SOCKET, constants.SO_BINDTODEVICE!, '');
    expect(getsockopt(fd, SOL_SOCKET, constants.SO_BINDTODEVICE!, name)).toBe(0);
  });

  itOnMacos('IP_BOUND_IF takes an interface name and reads back its index', () => {
    const fd = udpSocket();
    setsockopt(fd, IPPROTO_IP, constants.IP_BOUND_IF!, LO);
    expect(getsockopt(fd, IPPROTO_IP, constants.IP_BOUND_IF!)).toBe(if_nametoindex(LO));
  });
});

describe('bad struct values are typed errors, before any syscall', () => {
  it.each<[string, number, number, unknown, string]>([
    ['no multiaddr', IPPROTO_IP, IP_ADD_MEMBERSHIP, {}, 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['a host name as multiaddr', IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: 'localhost' }, 'ArgumentRangeError ERR_INVALID_IP_ADDRESS'],
    ['an IPv6 group in an IPv4 option', IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: 'ff15::1' }, 'ArgumentRangeError ERR_INVALID_ARG_VALUE'],
    ['an IPv4 group in IPV6_JOIN_GROUP', IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr: '239.1.1.1' }, 'ArgumentRangeError ERR_INVALID_ARG_VALUE'],
    ['a source of the other family', IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP!, { multiaddr: '232.1.1.1', sourceaddr: '::1' }, 'ArgumentRangeError ERR_INVALID_ARG_VALUE'],
    ['no source for a source membership', IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP!, { multiaddr: '232.1.1.1' }, 'ArgumentRangeError ERR_INVALID_ARG_VALUE'],
    ['an interface index in ip_mreq_source', IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP!, { multiaddr: '232.1.1.1', sourceaddr: '127.0.0.1', interface: 1 }, 'ArgumentRangeError ERR_INVALID_ARG_VALUE'],
    ['an interface address in IPV6_JOIN_GROUP', IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr: 'ff15::1', interface: '127.0.0.1' }, 'ArgumentRangeError ERR_INVALID_ARG_VALUE'],
    ['an IPv6 interface address', IPPROTO_IPV6, IPV6_JOIN_GROUP, { multiaddr: 'ff15::1', interface: '::1' }, 'ArgumentRangeError ERR_INVALID_ARG_VALUE'],
    ['an unknown interface name', IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.1.1.1', interface: 'nosuch0' }, 'NoSuchDeviceError ENODEV'],
    ['an interface index of -1', IPPROTO_IP, MCAST_JOIN_GROUP!, { multiaddr: '239.1.1.1', interface: -1 }, 'ArgumentRangeError ERR_OUT_OF_RANGE'],
    ['an interface index of 2**32', IPPROTO_IP, MCAST_JOIN_GROUP!, { multiaddr: '239.1.1.1', interface: 2 ** 32 }, 'ArgumentRangeError ERR_OUT_OF_RANGE'],
    ['an interface object', IPPROTO_IP, MCAST_JOIN_GROUP!, { multiaddr: '239.1.1.1', interface: {} }, 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['a group with a NUL', IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.1.1.1\0' }, 'ArgumentRangeError ERR_INVALID_IP_ADDRESS'],
    ['a string for a membership', IPPROTO_IP, IP_ADD_MEMBERSHIP, '239.1.1.1', 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['null for a membership', IPPROTO_IP, IP_ADD_MEMBERSHIP, null, 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['an object for IP_MULTICAST_IF', IPPROTO_IP, IP_MULTICAST_IF, { interface: LO }, 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['an unknown name for IPV6_MULTICAST_IF', IPPROTO_IPV6, IPV6_MULTICAST_IF, 'nosuch0', 'NoSuchDeviceError ENODEV'],
    ['a linger of 1.5 s', SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 1.5 }, 'ArgumentRangeError ERR_OUT_OF_RANGE'],
    ['a linger onoff string', SOL_SOCKET, SO_LINGER, { onoff: 'yes', linger: 1 }, 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['an object for an integer option', SOL_SOCKET, constants.SO_RCVBUF, { multiaddr: '239.1.1.1' }, 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
  ])('%s', (_label, level, name, value, expected) => {
    const fd = udpSocket();
    expect(outcome(() => setsockopt(fd, level, name, value as never))).toBe(expected);
  });

  it('an unknown interface name is a NoSuchDeviceError naming if_nametoindex', () => {
    const fd = udpSocket();
    let caught: unknown;
    try {
      setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.1.1.1', interface: 'nosuch0' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NoSuchDeviceError);
    expect(caught).toMatchObject({ syscall: 'if_nametoindex' });
  });

  it('a closed descriptor is EBADF, for setting and for reading a struct option', () => {
    const fd = udpSocket();
    closeTracked(fd);
    expect(outcome(() => setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.1.1.1' }))).toBe('BadDescriptorError EBADF');
    expect(outcome(() => getsockopt(fd, SOL_SOCKET, SO_LINGER))).toBe('BadDescriptorError EBADF');
    expect(outcome(() => getsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF))).toBe('BadDescriptorError EBADF');
  });

  it('a getter that throws is the getter\'s error; the option is not set', () => {
    const fd = udpSocket();
    const value = { get multiaddr(): string { throw new Error('from the getter'); } };
    expect(() => setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, value)).toThrow('from the getter');
  });
});
