/**
 * An strace-style trace of the flat API: one line per syscall, as the kernel answered it.
 *
 * ```text
 * socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 3
 * sendto(3, "hello", 5, MSG_NOSIGNAL, 127.0.0.1:9000) = 5
 * recvmsg(3, <unfinished ...>
 * <... recvmsg resumed>{msg_name=127.0.0.1:9000, msg_iov=[{iov_base="hello", iov_len=1500}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 5
 * recvfrom(4, …, 1500, 0, NULL) = -1 ECONNREFUSED (Connection refused)
 * ```
 *
 * Off by default. `BSDSOCK_TRACE=1` in the environment turns it on (lines go to stderr), and
 * {@link setTrace} switches it at run time. The switch is per thread: a worker starts from the
 * environment and has its own `setTrace`.
 *
 * Each line names the syscall bsdsock made, as strace names it, with the flags the kernel got:
 * `recvfrom()` is made with `recvmsg(2)` and printed so; `recv()` and `send()` are the `recvfrom`
 * and `sendto` syscalls; the `SOCK_CLOEXEC` and `MSG_NOSIGNAL` bsdsock adds are shown.
 *
 * A call that waits prints two lines, as strace does when a call blocks: `NAME(fd, <unfinished ...>`
 * before it starts and `<... NAME resumed>REST = RESULT` when it returns. "Waits" is asked of the
 * kernel just before the call, and only while tracing: a receive, `accept`, or send on a blocking
 * descriptor that is not ready (a `poll(2)` with timeout 0, then `F_GETFL`), and a `poll` or
 * `select` with a timeout whose descriptors are not ready yet. These probes are not printed
 * (a real strace shows them). A call with `MSG_DONTWAIT`, on a non-blocking descriptor, or
 * that finds data waiting prints one line.
 *
 * Lines show what the program asked for and what the kernel answered: names, not numbers
 * (`AF_INET`, `SOL_SOCKET`, `MSG_PEEK|MSG_DONTWAIT`), data as an escaped C string cut at 32
 * bytes, output arguments after the call (`…` when it failed), errors as
 * `-1 ECONNREFUSED (Connection refused)` with the platform's strerror(3) text, as strace prints
 * it. A call refused by the argument checks never reaches the kernel and prints nothing.
 *
 * A `Socket` is traced too: each call that moves a datagram prints here, those its native drain
 * makes included ({@link drained}); its attempts that find nothing (EAGAIN) are left out, and
 * none is `<unfinished ...>`, since a Socket never blocks.
 *
 * When off, a flat call pays one boolean test: `flat.ts` reads {@link enabled} and calls the
 * printers below only when it is true, so no string is built.
 * @module
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

import type { SocketAddress } from './address';
import { constants, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, MSG_DONTWAIT, MSG_TRUNC, O_NONBLOCK, POLLIN, POLLOUT, SOL_SOCKET, SO_ERROR, SO_RCVTIMEO, SO_SNDTIMEO, SO_TYPE } from './constants';
import { ArgumentTypeError, errnoName } from './errors';
import { formatAddress } from './format';
import { binding } from './native';

/**
 * Where trace lines go when {@link setTrace} is given a function: one line, without newline.
 * `madeBy` names the bsdsock function that made the call when the syscall has another name
 * (`'recvfrom'` for a `recvmsg(...)` line, `'send'` for `sendto(...)`, `'select'` for
 * `pselect6(...)`), on the first line of that call; it is undefined otherwise.
 */
export type TraceSink = (line: string, madeBy?: string) => void;

/** @internal True while tracing is on; flat.ts tests it before every trace call. */
export let enabled = false;

const { EAGAIN, EWOULDBLOCK } = os.constants.errno;

/**
 * @internal Whether a call a `Socket` made is printed: tracing is on, and the call did not find
 * nothing to do. A Socket never blocks: a call that answers EAGAIN makes it wait for readiness,
 * and such attempts are left out, as its native drain leaves them out (native/socket_handle.cc).
 */
export function socketCall(result: unknown): boolean {
  return enabled && !(typeof result === 'number' && (result === -EAGAIN || result === -EWOULDBLOCK));
}
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
  poll: Map<number, string>;
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
    poll: namespace('POLL'),
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

// Protocol 0 means "the default for the type": strace shows it as IPPROTO_IP for the internet
// families (where IPPROTO_IP is 0) and as 0 for the others.
function protocol(domain: number, value: number): string {
  if (value === 0) return domain === constants.AF_INET || domain === constants.AF_INET6 ? 'IPPROTO_IP' : '0';
  return named(getNames().protocol, value);
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
  return `-1 ${errnoName(errno)} (${binding.strerror(errno)})`; // strace prints strerror(3)'s text
}

function emit(call: string, answer: string, madeBy?: string): void {
  print(`${call} = ${answer}`, madeBy);
}

function print(line: string, madeBy?: string): void {
  try {
    if (madeBy === undefined) sink(line);
    else sink(line, madeBy);
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
 * Calls that wait: the syscall names as strace prints them, the probe, and the two-line form.
 * ------------------------------------------------------------------------------------------- */

/** What bsdsock adds to each call, and what the platform names it (native/addon.cc). */
const kernel = binding.kernelCalls;

/** The syscall strace shows for each flat function, where the two differ. */
const syscallOf: Readonly<Record<string, string>> = {
  recvfrom: 'recvmsg', // made with recvmsg(2), for a portable MSG_TRUNC (native/syscalls.cc)
  recv: 'recvfrom', // recv() and send() are the recvfrom and sendto syscalls
  send: 'sendto',
  accept: kernel.accept, // accept4 where SOCK_CLOEXEC can be passed
  // Without sendmmsg/recvmmsg (macOS, the portable build) a batch is one sendmsg/recvmsg per
  // message, and each is printed (native/batch.cc).
  ...(kernel.mmsg ? {} : { sendmmsg: 'sendmsg', recvmmsg: 'recvmsg' }),
  poll: kernel.poll,
  select: kernel.select, // pselect6 on Linux
};

function syscall(call: string): string {
  return syscallOf[call] ?? call;
}

/** The bsdsock function's name, for the sink, when the syscall is named otherwise. */
function madeBy(call: string): string | undefined {
  return syscall(call) === call ? undefined : call;
}

/**
 * @internal Before a call on `fd` that may wait to read (`receive`: receives and accept, for
 * POLLIN) or to write (sends, for POLLOUT): when the kernel says it would block now, prints
 * `NAME(fd, <unfinished ...>` and returns true; the call's printer then prints the `resumed`
 * line. Called after the call's arguments are checked, so a refused call prints nothing.
 */
export function begins(call: string, fd: number, receive: boolean, flags = 0): boolean {
  if ((flags & MSG_DONTWAIT) !== 0) return false;
  // A probe that fails (EBADF...) says nothing: the call itself reports the error in one line.
  if (binding.wouldWait(fd, receive ? POLLIN : POLLOUT) !== 1) return false;
  print(`${syscall(call)}(${fd}, <unfinished ...>`, madeBy(call));
  return true;
}

/** A call on a descriptor: `NAME(fd, REST = ANSWER`, or only its resumed half after begins(). */
function line(call: string, fd: number, rest: string, answer: string, blocked: boolean): void {
  const name = syscall(call);
  if (blocked) emit(`<... ${name} resumed>${rest}`, answer);
  else emit(`${name}(${fd}, ${rest}`, answer, madeBy(call));
}

function answerOf(result: number): string {
  return result < 0 ? failure(result) : String(result);
}

/* ---------------------------------------------------------------------------------------------
 * Control messages, as strace decodes them (without cmsg_len, which the parsed entries lack).
 * ------------------------------------------------------------------------------------------- */

/** A control message, received (ControlMessage) or to send (ControlInput): only `kind` is common. */
type AnyControl = { kind: string; [field: string]: unknown };

function inetAddr(family: unknown, address: unknown): string {
  return family === 'AF_INET6' || (typeof address === 'string' && address.includes(':'))
    ? `inet_pton(AF_INET6, "${String(address)}")`
    : `inet_addr("${String(address)}")`;
}

function cmsg(level: string, type: string, data: string): string {
  return `{cmsg_level=${level}, cmsg_type=${type}, cmsg_data=${data}}`;
}

function controlEntry(c: AnyControl): string {
  switch (c.kind) {
    case 'pktinfo': {
      const v6 = c.family === 'AF_INET6' || (typeof c.address === 'string' && c.address.includes(':'));
      const ifindex = Number(c.ifindex ?? 0);
      if (v6) return cmsg('SOL_IPV6', 'IPV6_PKTINFO', `{ipi6_addr=${inetAddr('AF_INET6', c.address ?? '::')}, ipi6_ifindex=${ifindex}}`);
      const spec = c.specDst ?? c.address ?? '0.0.0.0';
      return cmsg('SOL_IP', 'IP_PKTINFO', `{ipi_ifindex=${ifindex}, ipi_spec_dst=${inetAddr('AF_INET', spec)}, ipi_addr=${inetAddr('AF_INET', c.address ?? '0.0.0.0')}}`);
    }
    case 'dropped': return cmsg('SOL_SOCKET', 'SO_RXQ_OVFL', `[${String(c.count)}]`);
    case 'ttl': return cmsg('SOL_IP', 'IP_TTL', `[${String(c.ttl)}]`);
    case 'tos': return cmsg('SOL_IP', 'IP_TOS', `[${hex(Number(c.tos))}]`);
    case 'hopLimit': return cmsg('SOL_IPV6', 'IPV6_HOPLIMIT', `[${String(c.hopLimit)}]`);
    case 'rights': return cmsg('SOL_SOCKET', 'SCM_RIGHTS', `[${(c.fds as number[]).join(', ')}]`);
    case 'dstaddr': return cmsg('SOL_IP', 'IP_RECVDSTADDR', inetAddr('AF_INET', c.address));
    case 'interface': return cmsg('SOL_IP', 'IP_RECVIF', `{ifindex=${String(c.ifindex)}}`);
    case 'gro': return cmsg('SOL_UDP', 'UDP_GRO', `[${String(c.segmentSize)}]`);
    case 'timestamp': {
      const ns = c.ns as bigint;
      // The entry does not say whether SO_TIMESTAMP or SO_TIMESTAMPNS delivered it.
      return cmsg('SOL_SOCKET', 'SO_TIMESTAMP(NS)', `{tv_sec=${ns / 1000000000n}, tv_nsec=${ns % 1000000000n}}`);
    }
    case 'error': {
      const error = c.error as { code: string; errno: number };
      const destination = c.destination as SocketAddress | undefined;
      const v6 = destination?.family === 'AF_INET6';
      const offender = c.offender ? address(c.offender as SocketAddress) : 'NULL';
      return cmsg(v6 ? 'SOL_IPV6' : 'SOL_IP', v6 ? 'IPV6_RECVERR' : 'IP_RECVERR',
        `{ee_errno=${error.code}, ee_origin=SO_EE_ORIGIN_${String(c.origin)}, ee_type=${String(c.icmpType)}, ` +
        `ee_code=${String(c.icmpCode)}, ee_info=${String(c.info)}, ee_data=${String(c.data)}, offender=${offender}}`);
    }
    case 'raw': {
      const data = c.data as ArrayBufferView;
      return cmsg(named(getNames().level, Number(c.level)), optionName(Number(c.level), Number(c.type)), quoteBytes(data, data.byteLength));
    }
    default: return `{${c.kind}}`;
  }
}

/** `msg_control=[...], msg_controllen=N`; `controllen` is the bytes the kernel used. */
function controlField(entries: readonly AnyControl[], controllen: number): string {
  if (entries.length === 0) return `msg_controllen=${controllen}`;
  return `msg_control=[${entries.map(controlEntry).join(', ')}], msg_controllen=${controllen}`;
}

/** `msg_iov=[{iov_base="..", iov_len=N}, ...], msg_iovlen=K`: the data in order, `filled` bytes in all. */
function iovField(buffers: readonly ArrayBufferView[], filled: number): string {
  let left = filled;
  const parts = buffers.map((b) => {
    let size = 0;
    try {
      size = b.byteLength;
    } catch {
      // detached after the call: shown as such by quoteBytes
    }
    const shown = filled < 0 ? '…' : quoteBytes(b, Math.min(left, size));
    left = Math.max(0, left - size);
    return `{iov_base=${shown}, iov_len=${size}}`;
  });
  return `msg_iov=[${parts.join(', ')}], msg_iovlen=${buffers.length}`;
}

/**
 * A received `struct msghdr` as strace shows it, or `…` when the call failed (nothing filled).
 * A sender without an address (an unbound AF_UNIX socket) has no msg_name.
 */
function messageField(
  buffers: readonly ArrayBufferView[], result: number, from: SocketAddress | undefined,
  control: readonly AnyControl[], controllen: number, msgFlags: number,
): string {
  if (result < 0) return '…';
  const name = from && from.family !== 'AF_UNSPEC' ? `msg_name=${address(from)}, ` : '';
  return `{${name}${iovField(buffers, result)}, ${controlField(control, controllen)}, msg_flags=${mask(getNames().msg, msgFlags)}}`;
}

/* ---------------------------------------------------------------------------------------------
 * One printer per syscall, called by flat.ts with the arguments and the native result (a value,
 * or -errno on failure). `blocked` is what begins() returned for a call that may wait.
 * ------------------------------------------------------------------------------------------- */

/** @internal `type` as given; the kernel also got SOCK_CLOEXEC where the platform has it. */
export function socket(domain: number, type: number, proto: number, result: number): void {
  done(`socket(${named(getNames().family, domain)}, ${socketType(type | kernel.socketTypeFlags)}, ${protocol(domain, proto)})`, result);
}

/** @internal */
export function socketpair(domain: number, type: number, proto: number, result: [number, number] | number): void {
  const call = `socketpair(${named(getNames().family, domain)}, ${socketType(type | kernel.socketTypeFlags)}, ${protocol(domain, proto)}`;
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

/** @internal accept4(fd, peer, SOCK_CLOEXEC) on Linux, accept(fd, peer) elsewhere. */
export function accept(fd: number, result: [number, SocketAddress] | number, blocked: boolean): void {
  const flags = kernel.socketTypeFlags !== 0 ? `, ${socketType(kernel.socketTypeFlags).replace(/^[^|]*\|/, '')}` : '';
  if (typeof result === 'number') line('accept', fd, `…${flags})`, failure(result), blocked);
  else line('accept', fd, `${address(result[1])}${flags})`, String(result[0]), blocked);
}

/** @internal */
export function shutdown(fd: number, how: number, result: number): void {
  done(`shutdown(${fd}, ${named(getNames().shut, how)})`, result);
}

/** The send flags as the kernel got them: bsdsock adds MSG_NOSIGNAL where it exists. */
function sendFlags(flags: number): string {
  return mask(getNames().msg, flags | kernel.sendFlags);
}

/** @internal */
export function sendto(fd: number, buf: ArrayBufferView, size: number, flags: number, addr: SocketAddress, result: number, blocked: boolean): void {
  line('sendto', fd, `${quoteBytes(buf, size)}, ${size}, ${sendFlags(flags)}, ${address(addr)})`, answerOf(result), blocked);
}

/** @internal send() is the sendto syscall with no address. */
export function send(fd: number, buf: ArrayBufferView, size: number, flags: number, result: number, blocked: boolean): void {
  line('send', fd, `${quoteBytes(buf, size)}, ${size}, ${sendFlags(flags)}, NULL)`, answerOf(result), blocked);
}

/** @internal */
export function write(fd: number, buf: ArrayBufferView, count: number, result: number, blocked: boolean): void {
  line('write', fd, `${quoteBytes(buf, count)}, ${count})`, answerOf(result), blocked);
}

/** The bytes received (the output argument), or `…` when the call failed. */
function received(buf: ArrayBufferView, result: number): string {
  return result < 0 ? '…' : quoteBytes(buf, result);
}

/**
 * @internal recvfrom() is made with recvmsg(2) and printed so. `from` is the sender and
 * `msgFlags` the msg_flags, decoded only when the call succeeded.
 */
export function recvfrom(
  fd: number, buf: ArrayBufferView, flags: number, result: number, from: SocketAddress | undefined,
  msgFlags: number, blocked: boolean,
): void {
  const message = messageField([buf], result, from, [], 0, msgFlags);
  line('recvfrom', fd, `${message}, ${mask(getNames().msg, flags)})`, answerOf(result), blocked);
}

/** @internal recv() is the recvfrom syscall with no address. */
export function recv(fd: number, buf: ArrayBufferView, size: number, flags: number, result: number, blocked: boolean): void {
  line('recv', fd, `${received(buf, result)}, ${size}, ${mask(getNames().msg, flags)}, NULL)`, answerOf(result), blocked);
}

/** @internal */
export function read(fd: number, buf: ArrayBufferView, count: number, result: number, blocked: boolean): void {
  line('read', fd, `${received(buf, result)}, ${count})`, answerOf(result), blocked);
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
export function sendmmsg(
  fd: number, buffers: readonly ArrayBufferView[], targets: readonly (SocketAddress | undefined)[] | undefined,
  flags: number, result: number, blocked: boolean,
): void {
  const count = buffers.length;
  if (kernel.mmsg) {
    const first = targets?.[0];
    const to = first ? `, ${address(first)}${count > 1 ? ', ...' : ''}` : '';
    line('sendmmsg', fd, `[${count} messages${to}], ${count}, ${sendFlags(flags)})`, answerOf(result), blocked);
    return;
  }
  // One sendmsg per message, until one fails (native/batch.cc).
  const message = (i: number): string => {
    const to = targets?.[i];
    return `{${to ? `msg_name=${address(to)}, ` : ''}${iovField([buffers[i]!], buffers[i]!.byteLength)}, msg_controllen=0, msg_flags=0}, ${sendFlags(flags)})`;
  };
  if (result < 0) return line('sendmmsg', fd, message(0), failure(result), blocked);
  for (let i = 0; i < result; i++) {
    if (i === 0) line('sendmmsg', fd, message(0), String(buffers[0]!.byteLength), blocked);
    else emit(`sendmsg(${fd}, ${message(i)}`, String(buffers[i]!.byteLength));
  }
  // The loop stops at a failing message and reports only the count: its errno is not known here.
  if (result < count) emit(`sendmsg(${fd}, ${message(result)}`, '-1 (the error ends the batch and is not reported)');
}

/** @internal `received`: the datagrams, or -errno when the first receive failed. */
export function recvmmsg(
  fd: number, buffers: readonly ArrayBufferView[], flags: number,
  received: readonly { bytes: number; from: SocketAddress; truncated: boolean }[] | number, blocked: boolean,
): void {
  const count = buffers.length;
  if (kernel.mmsg) {
    if (typeof received === 'number') {
      line('recvmmsg', fd, `[${count} buffers], ${count}, ${mask(getNames().msg, flags)}, NULL)`, failure(received), blocked);
      return;
    }
    // As strace: the messages received, each with its msg_len.
    const messages = received.map((r, i) => `{msg_hdr=${messageField([buffers[i]!], r.bytes, r.from, [], 0, r.truncated ? MSG_TRUNC : 0)}, msg_len=${r.bytes}}`);
    line('recvmmsg', fd, `[${messages.join(', ')}], ${count}, ${mask(getNames().msg, flags)}, NULL)`, String(received.length), blocked);
    return;
  }
  // One recvmsg per buffer: the first as asked, the others only if a datagram is already queued.
  const flagsOf = (i: number): string => mask(getNames().msg, i === 0 ? flags : flags | MSG_DONTWAIT);
  if (typeof received === 'number') return line('recvmmsg', fd, `…, ${flagsOf(0)})`, failure(received), blocked);
  received.forEach((r, i) => {
    const rest = `${messageField([buffers[i]!], r.bytes, r.from, [], 0, r.truncated ? MSG_TRUNC : 0)}, ${flagsOf(i)})`;
    if (i === 0) line('recvmmsg', fd, rest, String(r.bytes), blocked);
    else emit(`recvmsg(${fd}, ${rest}`, String(r.bytes));
  });
  if (received.length < count) emit(`recvmsg(${fd}, …, ${flagsOf(received.length)})`, '-1 (the error ends the batch and is not reported)');
}

/** What a Socket's native drain received, in order, for {@link drained}. */
export interface DrainedDatagram {
  /** Where it was received: the caller's buffer, or the Buffer of its size handed out. */
  buf: ArrayBufferView;
  bytes: number;
  from: SocketAddress;
  truncated: boolean;
}

const { traceCallStride } = binding.SocketHandle.limits;
const noBuffer = new Uint8Array(0);

/**
 * @internal The receive syscalls a Socket's native drain made (native/socket_handle.cc):
 * `calls` holds [flags, vlen, result or -errno] each, `datagrams` what they received, in
 * order. Each prints as the flat recvmmsg's (a loop of recvmsg where recvmmsg does not exist).
 * The drain reports no call that found nothing (EAGAIN).
 */
export function drained(fd: number, calls: readonly number[], datagrams: readonly DrainedDatagram[]): void {
  let next = 0;
  for (let i = 0; i < calls.length; i += traceCallStride) {
    const flags = calls[i]!;
    const vlen = calls[i + 1]!;
    const result = calls[i + 2]!;
    const got = result < 0 ? [] : datagrams.slice(next, next + result);
    next += got.length;
    // Without recvmmsg the batch is a loop of recvmsg that ends at the first EAGAIN (its count
    // says only that much): that attempt is left out as every other one that found nothing.
    const shown = kernel.mmsg || result < 0 ? vlen : got.length;
    const buffers = Array.from({ length: shown }, (_, k) => got[k]?.buf ?? noBuffer);
    recvmmsg(fd, buffers, flags, result < 0 ? result : got, false);
  }
}

/** @internal The message as strace decodes it, control messages included; MSG_NOSIGNAL as added. */
export function sendmsg(
  fd: number, buffers: readonly ArrayBufferView[], flags: number, to: SocketAddress | undefined,
  control: readonly object[] | ArrayBufferView | null, result: number, blocked: boolean,
): void {
  const bytes = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  let entries: readonly AnyControl[] = [];
  let controllen = 0;
  if (control !== null && ArrayBuffer.isView(control)) {
    controllen = control.byteLength;
    entries = binding.parseControl(new Uint8Array(control.buffer, control.byteOffset, control.byteLength), controllen);
  } else if (control !== null) {
    entries = control as readonly AnyControl[];
    controllen = binding.encodeControl(control as readonly object[]).length;
  }
  const name = to ? `msg_name=${address(to)}, ` : '';
  line('sendmsg', fd, `{${name}${iovField(buffers, bytes)}, ${controlField(entries, controllen)}, msg_flags=0}, ${sendFlags(flags)})`, answerOf(result), blocked);
}

/**
 * @internal The message received, its control messages decoded. `msgFlags` and `controllen`
 * are the kernel's msg_flags and msg_controllen; the kernel also got MSG_CMSG_CLOEXEC on Linux.
 */
export function recvmsg(
  fd: number, buffers: readonly ArrayBufferView[], flags: number, from: SocketAddress | undefined,
  control: readonly object[], msgFlags: number, controllen: number, result: number, blocked: boolean,
): void {
  const message = messageField(buffers, result, from, control as readonly AnyControl[], controllen, msgFlags);
  line('recvmsg', fd, `${message}, ${mask(getNames().msg, flags | (kernel.recvmsgFlags & ~flags))})`, answerOf(result), blocked);
}

/* ---------------------------------------------------------------------------------------------
 * poll and select: strace's forms, `= 0 (Timeout)` included.
 * ------------------------------------------------------------------------------------------- */

function pollHead(entries: Int32Array, count: number, timeout: number): string {
  const list: string[] = [];
  for (let i = 0; i < count; i++) list.push(`{fd=${entries[3 * i]}, events=${mask(getNames().poll, entries[3 * i + 1]!)}}`);
  return `${syscall('poll')}([${list.join(', ')}], ${count}, ${timeout}`;
}

/** @internal Before a poll with a timeout: prints the unfinished line when nothing is ready yet. */
export function pollBegins(entries: Int32Array, count: number, timeout: number): boolean {
  if (timeout === 0) return false;
  const probe = entries.slice(0, 3 * count);
  if (binding.poll(probe, count, 0) !== 0) return false;
  print(`${pollHead(entries, count, timeout)} <unfinished ...>`, madeBy('poll'));
  return true;
}

/** @internal `entries` holds (fd, events, revents) triples, revents as the kernel set them. */
export function poll(entries: Int32Array, count: number, timeout: number, result: number, blocked: boolean): void {
  const call = blocked ? `<... ${syscall('poll')} resumed>)` : `${pollHead(entries, count, timeout)})`;
  const by = blocked ? undefined : madeBy('poll');
  if (result <= 0) return emit(call, result < 0 ? failure(result) : '0 (Timeout)', by);
  const ready: string[] = [];
  for (let i = 0; i < count; i++) {
    const revents = entries[3 * i + 2]!;
    if (revents !== 0) ready.push(`{fd=${entries[3 * i]}, revents=${mask(getNames().poll, revents)}}`);
  }
  emit(call, `${result} ([${ready.join(', ')}])`, by);
}

type Sets = readonly [Int32Array, Int32Array, Int32Array];

function fdList(set: Int32Array): string {
  return set.length === 0 ? 'NULL' : `[${Array.from(set).join(' ')}]`;
}

function selectHead(sets: Sets, timeout: number): string {
  let nfds = 0;
  for (const set of sets) for (const fd of set) nfds = Math.max(nfds, fd + 1);
  const name = syscall('select');
  let time = 'NULL';
  if (timeout >= 0) {
    time = name === 'pselect6'
      ? `{tv_sec=${Math.floor(timeout / 1000)}, tv_nsec=${(timeout % 1000) * 1000000}}`
      : timeval(timeout);
  }
  // pselect6 takes a sixth argument, glibc's { signal mask, its size }: bsdsock passes no mask.
  const mask6 = name === 'pselect6' ? `, {sigmask=NULL, sigsetsize=${kernel.sigsetSize}}` : '';
  return `${name}(${nfds}, ${sets.map(fdList).join(', ')}, ${time}${mask6}`;
}

/** @internal Before a select with a timeout: prints the unfinished line when nothing is ready yet. */
export function selectBegins(sets: Sets, timeout: number): boolean {
  if (timeout === 0) return false;
  const probe = new Uint8Array(sets[0].length + sets[1].length + sets[2].length);
  if (binding.select(sets[0], sets[1], sets[2], 0, probe) !== 0) return false;
  print(`${selectHead(sets, timeout)} <unfinished ...>`, madeBy('select'));
  return true;
}

/** @internal `ready` marks the ready descriptors of the three sets laid end to end. */
export function select(sets: Sets, timeout: number, ready: Uint8Array, result: number, blocked: boolean): void {
  const call = blocked ? `<... ${syscall('select')} resumed>)` : `${selectHead(sets, timeout)})`;
  const by = blocked ? undefined : madeBy('select');
  if (result <= 0) return emit(call, result < 0 ? failure(result) : '0 (Timeout)', by);
  const parts: string[] = [];
  let at = 0;
  ['in', 'out', 'except'].forEach((label, s) => {
    const fds: number[] = [];
    for (const fd of sets[s]!) if (ready[at++] === 1) fds.push(fd);
    if (fds.length > 0) parts.push(`${label} [${fds.join(' ')}]`);
  });
  emit(call, `${result} (${parts.join(', ')})`, by);
}
