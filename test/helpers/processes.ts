// Child processes for the tests that run programs as a user would (examples/, and peers that
// are not ours, and processes under their own limits): a long-running one whose stdout is
// watched, polling for what it prints, and a one-shot node script that reports in JSON.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** Polls until `get` returns something (programs print after they act), for at most 10 s. */
export async function waitFor<T>(get: () => T | undefined | false | null, what: string): Promise<T> {
  for (let waited = 0; waited < 10000; waited += 20) {
    const value = get();
    if (value !== undefined && value !== false && value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Child {
  output(): string;
  /** Resolves with the first match of `pattern` in the child's stdout (10 s at most). */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

/** Spawns a long-running program (a server, or ncat) in the project's root; stop() ends it. */
export function start(command: string, args: string[], input?: string): Child {
  const child = spawn(command, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const closed = once(child, 'close');
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  if (input !== undefined) child.stdin.write(input); // and keep stdin open: ncat quits at its end
  return {
    output: () => out,
    waitFor: (pattern) => waitFor(() => pattern.exec(out), `${pattern} from ${command}; got: ${out}`),
    async stop() {
      child.stdin.end();
      child.kill('SIGTERM');
      await closed;
    },
  };
}

/** What {@link runNode} accepts. */
export interface RunNodeOptions {
  /** The child's descriptor limit (`ulimit -n`), so that it can run out without the test. */
  openFiles?: number;
  /** Kill the child after this many milliseconds (20 s by default). */
  timeout?: number;
}

/**
 * Runs `script` in a new node process in the project's root (so `require('bsdsock')` is the
 * package as users have it) and resolves to the JSON object it prints on its last line. The
 * child fails the test when it exits non-zero or prints no JSON.
 */
export function runNode(script: string, options: RunNodeOptions = {}): Promise<Record<string, unknown>> {
  const [command, args] =
    options.openFiles === undefined
      ? [process.execPath, ['-e', script]]
      : ['/bin/sh', ['-c', `ulimit -n ${options.openFiles} && exec "$0" -e "$1"`, process.execPath, script]];
  // Under the sanitizer build (scripts/with-asan.sh) the runtime writes even a warning to a
  // report file it opens then: with every descriptor taken it cannot, and it ends the process.
  // A child that runs out of descriptors on purpose reports to stderr instead (a real report
  // still halts it, and the test then fails on its missing result).
  const env =
    options.openFiles === undefined
      ? process.env
      : {
          ...process.env,
          ...(process.env.ASAN_OPTIONS !== undefined && { ASAN_OPTIONS: `${process.env.ASAN_OPTIONS}:log_path=stderr` }),
          ...(process.env.UBSAN_OPTIONS !== undefined && { UBSAN_OPTIONS: `${process.env.UBSAN_OPTIONS}:log_path=stderr` }),
        };
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: root, env, encoding: 'utf8', timeout: options.timeout ?? 20000 }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (error || !last.startsWith('{')) reject(new Error(`node child failed (${error?.message ?? 'no JSON'}): ${stdout}${stderr}`));
      else resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}
