// examples/unix-logger: a TypeScript example (an AF_UNIX datagram logger and its client),
// compiled here under its own strict tsconfig as a user would compile it, then run: lines from
// its client and from socat arrive whole, each with its sender, and the socket file is removed
// when the logger stops.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { start } from './helpers/processes';

const root = path.join(__dirname, '..');
const dir = path.join(root, 'examples', 'unix-logger');
const compiled = (name: string): string => path.join(dir, 'dist', name);
const hasSocat = spawnSync('socat', ['-V']).status === 0;

let socketPath = '';

beforeAll(() => {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  // Throws, with the compiler's messages, if the example does not compile under strict.
  execFileSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], { cwd: root, encoding: 'utf8', timeout: 60000 });
  socketPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-logger-')), 'log.sock');
}, 70000);

afterAll(() => {
  fs.rmSync(path.dirname(socketPath), { recursive: true, force: true });
});

describe('examples/unix-logger (TypeScript)', () => {
  it('logs each datagram of its client as one line with the sender, and removes its socket file on SIGTERM', async () => {
    const logger = start(process.execPath, [compiled('logger.js'), socketPath]);
    try {
      await logger.waitFor(/^logging datagrams sent to /m);
      const sent = execFileSync(process.execPath, [compiled('client.js'), socketPath, 'first line', '', 'third: no boundary lost'], {
        cwd: root,
        encoding: 'utf8',
        timeout: 10000,
      });
      expect(sent).toBe('sent 10 bytes\nsent 0 bytes\nsent 23 bytes\n');
      const lines = await logger.waitFor(/unix-logger-client-\d+\.sock: third: no boundary lost$/m);
      expect(lines).toBeTruthy();
      const logged = logger.output().split('\n').filter((l) => l.includes('unix-logger-client-'));
      // One line per datagram, in order, the empty datagram included.
      expect(logged.map((l) => l.replace(/^\S+ \S+: ?/, ''))).toEqual(['first line', '', 'third: no boundary lost']);
    } finally {
      await logger.stop();
    }
    expect(fs.existsSync(socketPath)).toBe(false);
  });

  (hasSocat ? it : it.skip)('logs what socat sends from an unbound socket as (unbound)', async () => {
    const logger = start(process.execPath, [compiled('logger.js'), socketPath]);
    try {
      await logger.waitFor(/^logging datagrams sent to /m);
      execFileSync('socat', ['-u', '-', `UNIX-SENDTO:${socketPath}`], { input: 'from socat\n', timeout: 10000 });
      await logger.waitFor(/ \(unbound\): from socat$/m);
    } finally {
      await logger.stop();
    }
  });

  it('the client fails with a typed error when nobody listens at the path', () => {
    const result = spawnSync(process.execPath, [compiled('client.js'), path.join(path.dirname(socketPath), 'nobody.sock'), 'x'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 10000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/sendto ENOENT/);
  });
});
