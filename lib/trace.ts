/**
 * An strace-style trace of the flat API: one line per syscall, as the kernel answered it.
 *
 * ```text
 * socket(AF_INET, SOCK_DGRAM, 0) = 3
 * sendto(3, "hello", 5, 0, 127.0.0.1:9000) = 5
 * recvfrom(3, …, 1500, 0, …) = -1 ECONNREFUSED (Connection refused)
 * ```
 *
 * Off by default. `BSDSOCK_TRACE=1` in the environment turns it on (lines go to stderr), and
 * {@link setTrace} switches it at run time. The switch is per thread: a worker starts from the
 * environment and has its own `setTrace`.
 *
 * Lines show what the program asked for and what the kernel answered: names, not numbers
 * (`AF_INET`, `SOL_SOCKET`, `MSG_PEEK|MSG_DONTWAIT`), data as an escaped C string cut at 32
 * bytes, output arguments after the call (`…` when it failed), errors as
 * `-1 ECONNREFUSED (Connection refused)`. A call refused by the argument checks never reaches
 * the kernel and prints nothing.
 *
 * When off, a flat call pays one boolean test: `flat.ts` reads {@link enabled} and calls the
 * printers below only when it is true, so no string is built.
 * @module
 */
import * as fs from 'node:fs';

import type { SocketAddress } from './address';
import { constants, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_NONBLOCK, SOL_SOCKET, SO_ERROR, SO_RCVTIMEO, SO_SNDTIMEO, SO_TYPE } from './constants';
import { ArgumentTypeError, errnoName, strerror } from './errors';
import { formatAddress } from './format';

/** Where trace lines go when {@link setTrace} is given a function: one line, without newline. */
export type TraceSink = (line: string) => void;

/** @internal True while tracing is on; flat.ts tests it before every trace call. */
export let enabled = false;
let sink: TraceSink = writeToStderr;
let setting: boolean | TraceSink = false;

function writeToStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Turn the trace on (`true`: lines to stderr), off (`false`), or on with each line handed to
 * `sink` (to capture or redirect it). Returns the previous setting, so a caller can restore it.
 * `BSDSOCK_TRACE=1` in the environment is the same as `setTrace(true)` at load time.
 */
export function setTrace(on: boolean | TraceSink): boolean | TraceSink {
  if (typeof on !== 'boolean' && typeof on !== 'function') {
    throw new ArgumentTypeError(
      'ERR_INVALID_ARG_TYPE',
      `The "on" argument must be a boolean or a function. Received ${on === null ? 'null' : typeof on}`,
    );
  }
  const previous = setting;
  setting = on;
  enabled = on !== false;
  sink = typeof on === 'function' ? on : writeToStderr;
  return previous;
}

const fromEnvironment = process.env.BSDSOCK_TRACE;
if (fromEnvironment !== undefined && fromEnvironment !== '' && fromEnvironment !== '0') setTrace(true);

/* ---------------------------------------------------------------------------------------------
 * Names. Several constants share a value (on Linux AF_UNIX, SOCK_STREAM, SOL_SOCKET,
 * IPPROTO_ICMP, IP_TOS and TCP_NODELAY are all 1), so each argument is named from its own
 * namespace only: the domain from AF_*, the level from the levels, the option from the options
 * of that level. The tables are built from the platform's constants the first time a line is
 * printed, never when tracing is off.
 * ------------------------------------------------------------------------------------------- */

interface Names {
  family: Map<number, string>;
  type: Map<number, string>;
  typeFlags: Map<number, string>;
  protocol: Map<number, string>;
  level: Map<number, string>;
  option: Map<number, Map<number, string>>;
  msg: Map<number, string>;
  shut: Map<number, string>;
  fcntl: Map<number, string>;
}

let names: Names | undefined;

/** value → name for the constants whose name starts with `prefix`; the first name of a value wins. */
function namespace(prefix: string, except: readonly string[] = []): Map<number, string> {
  const map = new Map<number, string>();
  for (const [name, value] of Object.entries(constants)) {
    if (typeof value !== 'number' || !name.startsWith(prefix) || except.includes(name)) continue;
    if (!map.has(value)) map.set(value, name);
  }
  return map;
}

function ofNames(list: readonly string[]): Map<number, string> {
  const map = new Map<number, string>();
  const all = constants as unknown as Record<string, number | undefined>;
  for (const name of list) {
    const value = all[name];
    if (value !== undefined && !map.has(value)) map.set(value, name);
  }
  return map;
}

function getNames(): Names {
  if (names) return names;
  const option = new Map<number, Map<number, string>>();
  // SO_EE_ORIGIN_* are values of the error queue's ee_origin, not option names.
  option.set(constants.SOL_SOCKET, namespace('SO_', Object.keys(constants).filter((name) => name.startsWith('SO_EE_'))));
  // IP_PMTUDISC_* are values of IP_MTU_DISCOVER, not option names (and collide with IP_TOS...).
  option.set(constants.IPPROTO_IP, namespace('IP_', ['IP_PMTUDISC_DONT', 'IP_PMTUDISC_WANT', 'IP_PMTUDISC_DO']));
  option.set(constants.IPPROTO_IPV6, namespace('IPV6_'));
  option.set(constants.IPPROTO_TCP, namespace('TCP_'));
  // The protocol-independent multicast options (RFC 3678) live at both IP levels.
  for (const [value, name] of namespace('MCAST_')) {
    for (const level of [constants.IPPROTO_IP, constants.IPPROTO_IPV6]) if (!option.get(level)!.has(value)) option.get(level)!.set(value, name);
  }
  names = {
    family: namespace('AF_', ['AF_LOCAL']), // AF_LOCAL is another name for AF_UNIX
    type: namespace('SOCK_', ['SOCK_NONBLOCK', 'SOCK_CLOEXEC']),
    typeFlags: ofNames(['SOCK_NONBLOCK', 'SOCK_CLOEXEC']), // Linux: or-ed into the type
    protocol: ofNames(['IPPROTO_UDP', 'IPPROTO_TCP', 'IPPROTO_ICMP', 'IPPROTO_ICMPV6', 'IPPROTO_RAW', 'IPPROTO_IPV6', 'IPPROTO_IP']),
    // SOL_SOCKET first: on Linux it is 1, as IPPROTO_ICMP is, and a level of 1 means SOL_SOCKET.
    level: ofNames(['SOL_SOCKET', 'IPPROTO_IP', 'IPPROTO_IPV6', 'IPPROTO_TCP', 'IPPROTO_UDP']),
    option,
    msg: namespace('MSG_'),
    shut: namespace('SHUT_'),
    fcntl: ofNames(['F_GETFD', 'F_SETFD', 'F_GETFL', 'F_SETFL']),
  };
  return names;
}

function named(map: Map<number, string>, value: number): string {
  return map.get(value) ?? String(value);
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

/** A mask as `A|B|0x100`: the named bits in rising order, then what no name covers. */
function mask(map: Map<number, string>, value: number): string {
  if (value === 0) return '0';
  const parts: string[] = [];
  let rest = value;
  for (const bit of [...map.keys()].sort((a, b) => a - b)) {
    if (bit !== 0 && (bit & (bit - 1)) === 0 && (rest & bit) !== 0) {
      parts.push(map.get(bit)!);
      rest &= ~bit;
    }
  }
  if (rest !== 0) parts.push(hex(rest));
  return parts.join('|');
}

function socketType(type: number): string {
  let base = type;
  const parts: string[] = [];
  for (const [bit, name] of getNames().typeFlags) {
    if ((base & bit) !== 0) {
      parts.push(name);
      base &= ~bit;
    }
  }
  return [named(getNames().type, base), ...parts].join('|');
}

// Protocol 0 means "the default for the type", and is shown as 0, as strace shows it.
function protocol(value: number): string {
  return value === 0 ? '0' : named(getNames().protocol, value);
}

function optionName(level: number, name: number): string {
  const options = getNames().option.get(level);
  return options ? named(options, name) : String(name);
}

/** File status flags (F_GETFL / F_SETFL): the access mode, then O_NONBLOCK, then the rest. */
function statusFlags(value: number): string {
  const { O_RDONLY, O_WRONLY, O_RDWR } = fs.constants;
  const ACCMODE = 3; // O_ACCMODE on Linux and macOS
  const modes = new Map([[O_RDONLY, 'O_RDONLY'], [O_WRONLY, 'O_WRONLY'], [O_RDWR, 'O_RDWR']]);
  const parts = [modes.get(value & ACCMODE) ?? hex(value & ACCMODE)];
  let rest = value & ~ACCMODE;
  if ((rest & O_NONBLOCK) !== 0) {
    parts.push('O_NONBLOCK');
    rest &= ~O_NONBLOCK;
  }
  if (rest !== 0) parts.push(hex(rest));
  return parts.join('|');
}

function descriptorFlags(value: number): string {
  return mask(new Map([[FD_CLOEXEC, 'FD_CLOEXEC']]), value);
}

/* ---------------------------------------------------------------------------------------------
 * Values.
 * ------------------------------------------------------------------------------------------- */

const SHOWN_BYTES = 32; // strace's default -s

/** The first `length` bytes of `buf` as strace shows a buffer: a C string, cut at 32 bytes. */
function quoteBytes(buf: ArrayBufferView, length: number): string {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, Math.min(length, buf.byteLength));
  } catch {
    return '<detached>'; // the memory went away (a transferred ArrayBuffer): nothing to show
  }
  const shown = Math.min(bytes.length, SHOWN_BYTES);
  let out = '"';
  for (let i = 0; i < shown; i++) {
    const c = bytes[i]!;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x09: out += '\\t'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0b: out += '\\v'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0d: out += '\\r'; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += String.fromCharCode(c);
        } else {
          // Octal, as in C: the short form unless an octal digit follows and would join it.
          const next = i + 1 < shown ? bytes[i + 1]! : -1;
          const octal = c.toString(8);
          out += next >= 0x30 && next <= 0x37 ? `\\${octal.padStart(3, '0')}` : `\\${octal}`;
        }
    }
  }
  out += '"';
  return bytes.length > SHOWN_BYTES ? `${out}...` : out;
}

/** `-1 ECONNREFUSED (Connection refused)`, from a native result of -errno. */
function failure(result: number): string {
  const errno = -result;
  const text = strerror(errno);
  return `-1 ${errnoName(errno)} (${text.charAt(0).toUpperCase()}${text.slice(1)})`;
}

function emit(call: string, answer: string): void {
  const line = `${call} = ${answer}`;
  try {
    sink(line);
  } catch (err) {
    // The syscall has happened (a descriptor may have been created): a failing sink must not
    // hide its result from the caller. Its error is reported as an uncaught exception instead.
    queueMicrotask(() => {
      throw err;
    });
  }
}

/** The common case: the call's text, then its number or its error. */
function done(call: string, result: number): void {
  emit(call, result < 0 ? failure(result) : String(result));
}

function address(addr: SocketAddress): string {
  return formatAddress(addr);
}

function timeval(ms: number): string {
  return `{tv_sec=${Math.floor(ms / 1000)}, tv_usec=${(ms % 1000) * 1000}}`;
}

function isTimeval(level: number, name: number): boolean {
  return level === SOL_SOCKET && (name === SO_RCVTIMEO || name === SO_SNDTIMEO);
}

/* ---------------------------------------------------------------------------------------------
 * One printer per syscall, called by flat.ts with the arguments and the native result (a value,
 * or -errno on failure).
 * ------------------------------------------------------------------------------------------- */

/** @internal */
export function socket(domain: number, type: number, proto: number, result: number): void {
  done(`socket(${named(getNames().family, domain)}, ${socketType(type)}, ${protocol(proto)})`, result);
}

/** @internal */
export function socketpair(domain: number, type: number, proto: number, result: [number, number] | number): void {
  const call = `socketpair(${named(getNames().family, domain)}, ${socketType(type)}, ${protocol(proto)}`;
  if (typeof result === 'number') emit(`${call}, …)`, failure(result));
  else emit(`${call}, [${result[0]}, ${result[1]}])`, '0');
}

/** @internal */
export function close(fd: number, result: number): void {
  done(`close(${fd})`, result);
}

/** @internal */
export function bind(fd: number, addr: SocketAddress, result: number): void {
  done(`bind(${fd}, ${address(addr)})`, result);
}

/** @internal */
export function connect(fd: number, addr: SocketAddress, result: number): void {
  done(`connect(${fd}, ${address(addr)})`, result);
}

/** @internal */
export function listen(fd: number, backlog: number, result: number): void {
  done(`listen(${fd}, ${backlog})`, result);
}

/** @internal */
export function accept(fd: number, result: [number, SocketAddress] | number): void {
  if (typeof result === 'number') emit(`accept(${fd}, …)`, failure(result));
  else emit(`accept(${fd}, ${address(result[1])})`, String(result[0]));
}

/** @internal */
export function shutdown(fd: number, how: number, result: number): void {
  done(`shutdown(${fd}, ${named(getNames().shut, how)})`, result);
}

/** @internal */
export function sendto(fd: number, buf: ArrayBufferView, size: number, flags: number, addr: SocketAddress, result: number): void {
  done(`sendto(${fd}, ${quoteBytes(buf, size)}, ${size}, ${mask(getNames().msg, flags)}, ${address(addr)})`, result);
}

/** @internal */
export function send(fd: number, buf: ArrayBufferView, size: number, flags: number, result: number): void {
  done(`send(${fd}, ${quoteBytes(buf, size)}, ${size}, ${mask(getNames().msg, flags)})`, result);
}

/** @internal */
export function write(fd: number, buf: ArrayBufferView, count: number, result: number): void {
  done(`write(${fd}, ${quoteBytes(buf, count)}, ${count})`, result);
}

/** The bytes received (the output argument), or `…` when the call failed. */
function received(buf: ArrayBufferView, result: number): string {
  return result < 0 ? '…' : quoteBytes(buf, result);
}

/** @internal `from` is the sender, decoded only when the call succeeded. */
export function recvfrom(
  fd: number, buf: ArrayBufferView, size: number, flags: number, result: number, from: SocketAddress | undefined,
): void {
  const sender = result < 0 || from === undefined ? '…' : address(from);
  done(`recvfrom(${fd}, ${received(buf, result)}, ${size}, ${mask(getNames().msg, flags)}, ${sender})`, result);
}

/** @internal */
export function recv(fd: number, buf: ArrayBufferView, size: number, flags: number, result: number): void {
  done(`recv(${fd}, ${received(buf, result)}, ${size}, ${mask(getNames().msg, flags)})`, result);
}

/** @internal */
export function read(fd: number, buf: ArrayBufferView, count: number, result: number): void {
  done(`read(${fd}, ${received(buf, result)}, ${count})`, result);
}

/** @internal getsockname and getpeername. */
export function sockname(syscall: 'getsockname' | 'getpeername', fd: number, result: SocketAddress | number): void {
  if (typeof result === 'number') emit(`${syscall}(${fd}, …)`, failure(result));
  else emit(`${syscall}(${fd}, ${address(result)})`, '0');
}

/** @internal `value` as given to setsockopt (milliseconds for the timeval options). */
export function setsockopt(fd: number, level: number, name: number, value: number | boolean | ArrayBufferView | object | string, result: number): void {
  let shown: string;
  if (ArrayBuffer.isView(value)) shown = quoteBytes(value, value.byteLength);
  else if (typeof value === 'object' || typeof value === 'string') shown = structValue(value);
  else if (typeof value === 'boolean') shown = `[${value ? 1 : 0}]`;
  else if (isTimeval(level, name)) shown = timeval(value);
  else shown = `[${value}]`;
  done(`setsockopt(${fd}, ${named(getNames().level, level)}, ${optionName(level, name)}, ${shown})`, result);
}

/** @internal An integer option's value (milliseconds for the timeval options), or -errno. */
export function getsockopt(fd: number, level: number, name: number, result: number, value: number): void {
  const call = `getsockopt(${fd}, ${named(getNames().level, level)}, ${optionName(level, name)}`;
  if (result < 0) return emit(`${call}, …)`, failure(result));
  let shown: string;
  if (isTimeval(level, name)) shown = timeval(value);
  else if (level === SOL_SOCKET && name === SO_ERROR && value !== 0) shown = `[${errnoName(value)}]`;
  else if (level === SOL_SOCKET && name === SO_TYPE) shown = `[${named(getNames().type, value)}]`;
  else shown = `[${value}]`;
  emit(`${call}, ${shown})`, '0');
}

/** @internal A struct-valued option read as an object or string, or -errno. */
export function getsockoptStruct(fd: number, level: number, name: number, value: object | string | number): void {
  const call = `getsockopt(${fd}, ${named(getNames().level, level)}, ${optionName(level, name)}`;
  if (typeof value === 'number') emit(`${call}, …)`, failure(value));
  else emit(`${call}, ${structValue(value)})`, '0');
}

// A struct-valued option as strace shows one: {imr_multiaddr=...} becomes the object's fields.
function structValue(value: object | string): string {
  if (typeof value === 'string') return `"${value}"`;
  const fields = Object.entries(value).map(([key, field]) => `${key}=${typeof field === 'string' ? `"${field}"` : String(field)}`);
  return `{${fields.join(', ')}}`;
}

/** @internal getsockopt into a caller's buffer: `result` is the option's length, or -errno. */
export function getsockoptRaw(fd: number, level: number, name: number, buf: ArrayBufferView, result: number): void {
  const call = `getsockopt(${fd}, ${named(getNames().level, level)}, ${optionName(level, name)}`;
  if (result < 0) emit(`${call}, …)`, failure(result));
  else emit(`${call}, ${quoteBytes(buf, result)}, [${result}])`, '0');
}

/** @internal */
export function fcntl(fd: number, cmd: number, arg: number, result: number): void {
  const name = named(getNames().fcntl, cmd);
  if (cmd === F_GETFL || cmd === F_GETFD) {
    // strace: fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)
    const flags = cmd === F_GETFL ? statusFlags : descriptorFlags;
    emit(`fcntl(${fd}, ${name})`, result < 0 ? failure(result) : `${hex(result)} (flags ${flags(result)})`);
  } else if (cmd === F_SETFL) {
    done(`fcntl(${fd}, ${name}, ${statusFlags(arg)})`, result);
  } else if (cmd === F_SETFD) {
    done(`fcntl(${fd}, ${name}, ${descriptorFlags(arg)})`, result);
  } else {
    done(`fcntl(${fd}, ${name}, ${hex(arg)})`, result);
  }
}

/** @internal strace prints the vector as `[{msg_hdr=...}, ...]`; a count says as much here. */
export function sendmmsg(fd: number, count: number, flags: number, first: SocketAddress | undefined, result: number): void {
  const to = first ? `, ${address(first)}${count > 1 ? ', ...' : ''}` : '';
  done(`sendmmsg(${fd}, [${count} messages${to}], ${count}, ${mask(getNames().msg, flags)})`, result);
}

/** @internal */
export function recvmmsg(fd: number, count: number, flags: number, result: number): void {
  done(`recvmmsg(${fd}, [${count} buffers], ${count}, ${mask(getNames().msg, flags)}, NULL)`, result);
}

/** @internal `sendmsg(fd, {iov: N parts, B bytes, to, control}, flags)`, strace-like and short. */
export function sendmsg(fd: number, buffers: readonly ArrayBufferView[], flags: number, to: SocketAddress | undefined, control: boolean, result: number): void {
  const bytes = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  const name = to ? `msg_name=${address(to)}, ` : '';
  done(`sendmsg(${fd}, {${name}msg_iov=[${buffers.length} parts, ${bytes} bytes]${control ? ', msg_control=[...]' : ''}}, ${mask(getNames().msg, flags)})`, result);
}

/** @internal */
export function recvmsg(fd: number, parts: number, flags: number, from: SocketAddress | undefined, controls: number, result: number): void {
  const name = result >= 0 && from && from.family !== 'AF_UNSPEC' ? `msg_name=${address(from)}, ` : '';
  const control = result >= 0 && controls > 0 ? `, msg_control=[${controls} entries]` : '';
  done(`recvmsg(${fd}, {${name}msg_iov=[${parts} parts]${control}}, ${mask(getNames().msg, flags)})`, result);
}
