// The lines of standard input, read with blocking read(2) calls as fgets() reads them: each
// line keeps its '\n' (the last may lack one). The book's dg_cli() loops on fgets(); so do the
// clients here. Node's own readline is asynchronous, and these programs are not.
import * as fs from 'node:fs';

export function* stdinLines(): Generator<string> {
  const chunk = Buffer.alloc(4096);
  let pending = '';
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(0, chunk, 0, chunk.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EOF') n = 0; // Windows consoles; harmless here
      else throw err;
    }
    if (n === 0) break;
    pending += chunk.toString('utf8', 0, n);
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      yield pending.slice(0, end + 1);
      pending = pending.slice(end + 1);
    }
  }
  if (pending !== '') yield pending;
}
