// What every section of the tour shares: printing (claims, the trace, the kernel's answers,
// verdicts), and the sockets a section opens, so that each one is closed when it ends.
import {
  AF_INET, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO,
  accept, bind, close, getsockname, isSocketError, listen, setsockopt, setTrace, socket,
  type InetAddress, type SocketAddress, type SocketError,
} from 'bsdsock';

/** How long any blocking receive in the tour may wait: nothing can hang. */
export const SAFETY_TIMEOUT_MS = 2000;

/** The three answers a claim can get. */
export const CONFIRMED = 'CONFIRMED';
export const NOT_CONFIRMED = 'NOT CONFIRMED';
export const CONTRADICTED = 'CONTRADICTED';
export type Status = typeof CONFIRMED | typeof NOT_CONFIRMED | typeof CONTRADICTED;

/** One section of the tour: a point of the notes, checked. */
export interface Section {
  point: number;
  title: string;
  run(t: Tour): void | Promise<void>;
}

type Paint = (text: string) => string;

// Colour only on a terminal (and not when NO_COLOR asks for none): piped output stays plain text.
function palette(enabled: boolean) {
  const wrap = (open: number, close: number): Paint => (text) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    cyan: wrap(36, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    red: wrap(31, 39),
  };
}

export class Tour {
  readonly c: ReturnType<typeof palette>;
  readonly width: number;
  readonly write: (text: string) => void;
  readonly results: { id: string; status: Status; why: string }[] = [];
  private readonly open = new Set<number>();

  /**
   * `colour`: ANSI colours. `width`: wrap prose to this many columns (on a terminal); 0 leaves one
   * line per paragraph, for pipes and files that grep reads. Trace lines are never wrapped.
   */
  constructor({ colour = false, width = 0, write = (text: string) => void process.stdout.write(text) } = {}) {
    this.c = palette(colour);
    this.width = width;
    this.write = write;
  }

  print(line = ''): void {
    this.write(`${line}\n`);
  }

  /**
   * Prose after a label: `label` (plain, for measuring; `shown` is how it is printed, coloured)
   * then `text`, wrapped to the width with the following lines under the start of the text.
   */
  paragraph(label: string, shown: string, text: string): void {
    const lines = [''];
    for (const word of text.split(' ')) {
      const last = lines[lines.length - 1]!;
      if (this.width > 0 && last !== '' && label.length + last.length + 1 + word.length > this.width) lines.push(word);
      else lines[lines.length - 1] = last === '' ? word : `${last} ${word}`;
    }
    const pad = ' '.repeat(label.length);
    this.print(lines.map((line, i) => (i === 0 ? shown : pad) + line).join('\n'));
  }

  /** The section's heading: the point of the notes it checks. */
  section(point: number, title: string): void {
    const heading = `Point ${point} of 9: ${title} `;
    this.print();
    this.print(this.c.bold(heading + '─'.repeat(Math.max(4, 78 - heading.length))));
  }

  /** What the notes claim (quoted from docs/notes/udp-notes.en.md). */
  claim(id: string, quote: string): void {
    this.print();
    const label = `${id}  The notes say: `;
    this.paragraph(label, this.c.bold(label), quote);
  }

  /** A comment between the trace lines: what the program does next and why. */
  step(text: string): void {
    this.print(this.c.dim(`    # ${text}`));
  }

  /**
   * One line of the strace-style trace. Where the syscall has another name than the bsdsock
   * function that made it (recvfrom() is made with recvmsg), a comment after it says which.
   */
  traceLine(line: string, madeBy?: string): void {
    this.print(`    ${this.c.cyan(line)}${madeBy ? this.c.dim(`   # ${madeBy}()`) : ''}`);
  }

  /** What the kernel answered, in words. */
  kernel(text: string): void {
    this.paragraph('    Kernel: ', `    ${this.c.bold('Kernel:')} `, text);
  }

  /** The verdict on one claim: CONFIRMED, NOT CONFIRMED or CONTRADICTED, said plainly. */
  verdict(id: string, status: Status, why: string): void {
    const colour = status === CONFIRMED ? this.c.green : status === CONTRADICTED ? this.c.red : this.c.yellow;
    this.results.push({ id, status, why });
    this.paragraph(`    ${status} — `, `    ${colour(this.c.bold(status))} — `, why);
  }

  /** CONFIRMED when `ok`, CONTRADICTED otherwise, each with its own explanation. */
  check(id: string, ok: boolean, ifConfirmed: string, ifContradicted: string): void {
    this.verdict(id, ok ? CONFIRMED : CONTRADICTED, ok ? ifConfirmed : ifContradicted);
  }

  /** Print the trace while `fn` runs (the section bodies run inside this). */
  async traced<T>(fn: () => Promise<T>): Promise<T> {
    const previous = setTrace((line, madeBy) => this.traceLine(line, madeBy));
    try {
      return await fn();
    } finally {
      setTrace(previous);
    }
  }

  /**
   * Run a loop whose trace would be hundreds of lines: keep the first two lines and the last,
   * and count the rest by call.
   */
  condensed<T>(fn: () => T): T {
    const lines: string[] = [];
    const previous = setTrace((line) => lines.push(line));
    try {
      return fn();
    } finally {
      setTrace(previous);
      if (lines.length <= 4) {
        for (const line of lines) this.traceLine(line);
      } else {
        const middle = lines.slice(2, -1);
        const counts = new Map<string, number>();
        for (const line of middle) {
          const name = line.slice(0, line.indexOf('('));
          counts.set(name, (counts.get(name) ?? 0) + 1);
        }
        const summary = [...counts].map(([name, n]) => `${n} × ${name}`).join(', ');
        this.traceLine(lines[0]!);
        this.traceLine(lines[1]!);
        this.print(this.c.dim(`    … ${middle.length} more calls like these (${summary}) …`));
        this.traceLine(lines[lines.length - 1]!);
      }
    }
  }

  /** Run `fn` with tracing off entirely: a measurement must not pay for printing. */
  untraced<T>(fn: () => T): T {
    const previous = setTrace(false);
    try {
      return fn();
    } finally {
      setTrace(previous);
    }
  }

  /** Remember a descriptor so that it is closed when the section ends. */
  track(fd: number): number {
    this.open.add(fd);
    return fd;
  }

  /** A socket with a receive timeout, so that a receive that gets nothing gives up (EAGAIN). */
  socket(type: number, timeoutMs = SAFETY_TIMEOUT_MS): number {
    const fd = this.track(socket(AF_INET, type, 0));
    this.safety(fd, timeoutMs);
    return fd;
  }

  /**
   * The tour's own safety net, not part of any lesson: a receive timeout set with the trace off,
   * so that it does not clutter what students read (a real strace would show it).
   */
  safety(fd: number, timeoutMs = SAFETY_TIMEOUT_MS): void {
    this.untraced(() => setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeoutMs));
  }

  /** A UDP socket; with `bound`, bound to a port the kernel picks on 127.0.0.1. */
  udp(): number;
  udp(options: { bound: true }): { fd: number; addr: InetAddress };
  udp({ bound = false }: { bound?: boolean } = {}): number | { fd: number; addr: InetAddress } {
    const fd = this.socket(SOCK_DGRAM);
    if (!bound) return fd;
    bind(fd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
    return { fd, addr: getsockname(fd) as InetAddress };
  }

  /** A TCP socket. */
  tcp(): number {
    return this.socket(SOCK_STREAM);
  }

  /** A TCP listening socket on a port the kernel picks on 127.0.0.1. */
  tcpListener(): { fd: number; addr: InetAddress } {
    const fd = this.tcp();
    bind(fd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
    listen(fd, 5);
    return { fd, addr: getsockname(fd) as InetAddress };
  }

  /** accept() a connection: the new descriptor, tracked and with the receive timeout. */
  accept(listener: number): number {
    const fd = this.track(accept(listener).fd);
    this.safety(fd);
    return fd;
  }

  /** Forget a descriptor that someone else (a worker thread) now owns and will close. */
  handOver(fd: number): void {
    this.open.delete(fd);
  }

  /**
   * close() a descriptor of the section. Always through here: the number may be reused at once
   * (by a worker thread, even), so the section must never close it a second time.
   */
  close(fd: number): void {
    this.open.delete(fd);
    close(fd);
  }

  /** close() every descriptor the section still holds; their trace fits on one line. */
  closeAll(): void {
    const lines: string[] = [];
    const previous = setTrace((line) => lines.push(line));
    try {
      for (const fd of [...this.open]) this.close(fd);
    } finally {
      setTrace(previous);
    }
    if (lines.length > 0) this.traceLine(lines.join('; '));
  }
}

/** The error `fn` throws, or undefined: for calls whose failure is the point. */
export function attempt(fn: () => unknown): SocketError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!isSocketError(err)) throw err;
    return err;
  }
}

/** True when `err` is the socket error `code` (by number: EWOULDBLOCK matches EAGAIN). */
export function is(err: unknown, code: string): boolean {
  return isSocketError(err, code);
}

/** The port of an internet address (undefined for any other family). */
export function portOf(addr: SocketAddress): number | undefined {
  return addr.family === 'AF_INET' || addr.family === 'AF_INET6' ? addr.port : undefined;
}

/** Milliseconds `fn` took, with its result. */
export function timed<T>(fn: () => T): { result: T; ms: number } {
  const start = process.hrtime.bigint();
  const result = fn();
  return { result, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

