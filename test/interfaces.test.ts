// if_nametoindex, if_indextoname and if_nameindex: names and indices agree with each other, and
// an unknown interface is a typed error rather than C's silent 0.
import { NoSuchDeviceError, SocketError, if_indextoname, if_nameindex, if_nametoindex } from '../lib';
import { itOnLinux } from './helpers/platform';
import { outcome } from './helpers/thrown';

const LO = process.platform === 'linux' ? 'lo' : 'lo0';

describe('interfaces', () => {
  it('if_nameindex lists the loopback interface, and every entry round-trips through both calls', () => {
    const list = if_nameindex();
    expect(list.map((entry) => entry.name)).toContain(LO);
    for (const { index, name } of list) {
      expect(index).toBeGreaterThan(0);
      expect(if_nametoindex(name)).toBe(index);
      expect(if_indextoname(index)).toBe(name);
    }
  });

  it('an unknown name is a typed error naming the call, not 0', () => {
    let caught: unknown;
    try {
      if_nametoindex('nosuch0');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SocketError);
    expect(caught).toMatchObject({ syscall: 'if_nametoindex' });
  });

  itOnLinux('Linux: an unknown name is ENODEV, an unknown index ENXIO (both NoSuchDeviceError)', () => {
    expect(outcome(() => if_nametoindex('nosuch0'))).toBe('NoSuchDeviceError ENODEV');
    const unused = Math.max(...if_nameindex().map((entry) => entry.index)) + 1000;
    expect(outcome(() => if_indextoname(unused))).toBe('NoSuchDeviceError ENXIO');
    expect(() => if_indextoname(0)).toThrow(NoSuchDeviceError);
  });

  it('a name that C would cut short is unknown: an embedded NUL, or longer than IF_NAMESIZE', () => {
    expect(() => if_nametoindex(`${LO}\0x`)).toThrow(SocketError);
    expect(() => if_nametoindex('x'.repeat(64))).toThrow(SocketError);
    expect(() => if_nametoindex('')).toThrow(SocketError);
  });

  it.each<[string, () => unknown, string]>([
    ['if_nametoindex(5)', () => if_nametoindex(5 as never), 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['if_nametoindex(undefined)', () => if_nametoindex(undefined as never), 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ["if_indextoname('1')", () => if_indextoname('1' as never), 'ArgumentTypeError ERR_INVALID_ARG_TYPE'],
    ['if_indextoname(-1)', () => if_indextoname(-1), 'ArgumentRangeError ERR_OUT_OF_RANGE'],
    ['if_indextoname(1.5)', () => if_indextoname(1.5), 'ArgumentRangeError ERR_OUT_OF_RANGE'],
    ['if_indextoname(2**32)', () => if_indextoname(2 ** 32), 'ArgumentRangeError ERR_OUT_OF_RANGE'],
  ])('bad input: %s', (_label, call, expected) => {
    expect(outcome(call)).toBe(expected);
  });
});
