// What every section of the tour shares: printing (claims, the trace, the kernel's answers,
// verdicts), and the sockets a section opens, so that each one is closed when it ends.
'use strict';

const bsdsock = require('bsdsock');

const {
  AF_INET, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO,
  socket, bind, getsockname, setsockopt, close, setTrace,
} = bsdsock;

/** How long any blocking receive in the tour may wait: nothing can hang. */
const SAFETY_TIMEOUT_MS = 2000;

/** The three answers a claim can get. */
const CONFIRMED = 'CONFIRMED';
const NOT_CONFIRMED = 'NOT CONFIRMED';
const CONTRADICTED = 'CONTRADICTED';

// Colour only on a terminal (and not when NO_COLOR asks for none): piped output stays plain text.
function palette(enabled) {
  const wrap = (open, close) => (text) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    cyan: wrap(36, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    red: wrap(31, 39),
  };
}

class Tour {
  /**
   * `colour`: ANSI colours. `width`: wrap prose to this many columns (on a terminal); 0 leaves one
   * line per paragraph, for pipes and files that grep reads. Trace lines are never wrapped.
   */
  constructor({ colour = false, width = 0, write = (text) => process.stdout.write(text) } = {}) {
    this.c = palette(colour);
    this.width = width;
    this.write = write;
    this.results = []; // { id, status, why }
    this.open = new Set();
  }

  print(line = '') {
    this.write(`${line}\n`);
  }

  /**
   * Prose after a label: `label` (plain, for measuring; `shown` is how it is printed, coloured)
   * then `text`, wrapped to the width with the following lines under the start of the text.
   */
  paragraph(label, shown, text) {
    const lines = [''];
    for (const word of text.split(' ')) {
      const last = lines[lines.length - 1];
      if (this.width > 0 && last !== '' && label.length + last.length + 1 + word.length > this.width) lines.push(word);
      else lines[lines.length - 1] = last === '' ? word : `${last} ${word}`;
    }
    const pad = ' '.repeat(label.length);
    this.print(lines.map((line, i) => (i === 0 ? shown : pad) + line).join('\n'));
  }

  /** The section's heading: the point of the notes it checks. */
  section(point, title) {
    const heading = `Point ${point} of 9: ${title} `;
    this.print();
    this.print(this.c.bold(heading + '─'.repeat(Math.max(4, 78 - heading.length))));
  }

  /** What the notes claim (quoted from docs/notes/udp-notes.en.md). */
  claim(id, quote) {
    this.print();
    const label = `${id}  The notes say: `;
    this.paragraph(label, this.c.bold(label), quote);
  }

  /** A comment between the trace lines: what the program does next and why. */
  step(text) {
    this.print(this.c.dim(`    # ${text}`));
  }

  /** One line of the strace-style trace. */
  traceLine(line) {
    this.print(`    ${this.c.cyan(line)}`);
  }

  /** What the kernel answered, in words. */
  kernel(text) {
    this.paragraph('    Kernel: ', `    ${this.c.bold('Kernel:')} `, text);
  }

  /** The verdict on one claim: CONFIRMED, NOT CONFIRMED or CONTRADICTED, said plainly. */
  verdict(id, status, why) {
    const colour = status === CONFIRMED ? this.c.green : status === CONTRADICTED ? this.c.red : this.c.yellow;
    this.results.push({ id, status, why });
    this.paragraph(`    ${status} — `, `    ${colour(this.c.bold(status))} — `, why);
  }

  /** CONFIRMED when `ok`, CONTRADICTED otherwise, each with its own explanation. */
  check(id, ok, ifConfirmed, ifContradicted) {
    this.verdict(id, ok ? CONFIRMED : CONTRADICTED, ok ? ifConfirmed : ifContradicted);
  }

  /** Print the trace while `fn` runs (the section bodies run inside this). */
  async traced(fn) {
    const previous = setTrace((line) => this.traceLine(line));
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
  condensed(fn) {
    const lines = [];
    const previous = setTrace((line) => lines.push(line));
    try {
      return fn();
    } finally {
      setTrace(previous);
      if (lines.length <= 4) {
        for (const line of lines) this.traceLine(line);
      } else {
        const middle = lines.slice(2, -1);
        const counts = new Map();
        for (const line of middle) {
          const name = line.slice(0, line.indexOf('('));
          counts.set(name, (counts.get(name) ?? 0) + 1);
        }
        const summary = [...counts].map(([name, n]) => `${n} × ${name}`).join(', ');
        this.traceLine(lines[0]);
        this.traceLine(lines[1]);
        this.print(this.c.dim(`    … ${middle.length} more calls like these (${summary}) …`));
        this.traceLine(lines[lines.length - 1]);
      }
    }
  }

  /** Run `fn` with tracing off entirely: a measurement must not pay for printing. */
  untraced(fn) {
    const previous = setTrace(false);
    try {
      return fn();
    } finally {
      setTrace(previous);
    }
  }

  /** Remember a descriptor so that it is closed when the section ends. */
  track(fd) {
    this.open.add(fd);
    return fd;
  }

  /** A socket with a receive timeout, so that a receive that gets nothing gives up (EAGAIN). */
  socket(type, timeoutMs = SAFETY_TIMEOUT_MS) {
    const fd = this.track(socket(AF_INET, type, 0));
    this.safety(fd, timeoutMs);
    return fd;
  }

  /**
   * The tour's own safety net, not part of any lesson: a receive timeout set with the trace off,
   * so that it does not clutter what students read (a real strace would show it).
   */
  safety(fd, timeoutMs = SAFETY_TIMEOUT_MS) {
    this.untraced(() => setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeoutMs));
  }

  /** A UDP socket; with `bound`, bound to a port the kernel picks on 127.0.0.1. */
  udp({ bound = false } = {}) {
    const fd = this.socket(SOCK_DGRAM);
    if (!bound) return fd;
    bind(fd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
    return { fd, addr: getsockname(fd) };
  }

  /** A TCP socket. */
  tcp() {
    return this.socket(SOCK_STREAM);
  }

  /** A TCP listening socket on a port the kernel picks on 127.0.0.1. */
  tcpListener() {
    const fd = this.tcp();
    bind(fd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
    bsdsock.listen(fd, 5);
    return { fd, addr: getsockname(fd) };
  }

  /** accept() a connection: the new descriptor, tracked and with the receive timeout. */
  accept(listener) {
    const fd = this.track(bsdsock.accept(listener).fd);
    this.safety(fd);
    return fd;
  }

  /** Forget a descriptor that someone else (a worker thread) now owns and will close. */
  handOver(fd) {
    this.open.delete(fd);
  }

  /**
   * close() a descriptor of the section. Always through here: the number may be reused at once
   * (by a worker thread, even), so the section must never close it a second time.
   */
  close(fd) {
    this.open.delete(fd);
    close(fd);
  }

  /** close() every descriptor the section still holds; their trace fits on one line. */
  closeAll() {
    const lines = [];
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
function attempt(fn) {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!bsdsock.isSocketError(err)) throw err;
    return err;
  }
}

/** True when `err` is the socket error `code` (by number: EWOULDBLOCK matches EAGAIN). */
function is(err, code) {
  return bsdsock.isSocketError(err, code);
}

/** Milliseconds `fn` took, with its result. */
function timed(fn) {
  const start = process.hrtime.bigint();
  const result = fn();
  return { result, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

module.exports = { Tour, attempt, is, timed, CONFIRMED, NOT_CONFIRMED, CONTRADICTED, SAFETY_TIMEOUT_MS };
