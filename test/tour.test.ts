// `npm start` is the tour of the UDP course notes (tour/, in TypeScript, compiled to tour/dist/ by
// `npm run build:ts`; compiled again here first). It runs here as a user runs it, and
// every claim the kernel can settle must come out CONFIRMED. Point 9 is a measurement: the test
// checks that it reports both rates and a verdict, never which verdict (no timing is asserted).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { onLinux } from './helpers/platform';

const root = path.join(__dirname, '..');
const run = promisify(execFile);

/** Runs the tour (or `command` instead of node) and returns its exit code and output. */
async function tour(args: string[] = [], command = process.execPath, commandArgs = [path.join(root, 'tour', 'dist', 'index.js')]) {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
  delete env.BSDSOCK_TRACE;
  try {
    const { stdout, stderr } = await run(command, [...commandArgs, ...args], { cwd: root, env, timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** The summary at the end of the run: claim id → verdict. */
function verdicts(stdout: string): Map<string, string> {
  const summary = stdout.slice(stdout.lastIndexOf('\nSummary\n'));
  return new Map([...summary.matchAll(/^ {2}(\S+)\s+(CONFIRMED|NOT CONFIRMED|CONTRADICTED)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('the tour (npm start)', () => {
  let all: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    // Strict TypeScript on the public API only: a type error fails here (tsc exits non-zero).
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tour/tsconfig.json'], { cwd: root, timeout: 120000 });
    all = await tour();
  }, 180000);

  it('is TypeScript that imports only the package\'s public name', () => {
    const sources = ['index.ts', 'context.ts', 'tcp-worker.ts', ...fs.readdirSync(path.join(root, 'tour', 'sections')).map((f) => `sections/${f}`)];
    expect(fs.readdirSync(path.join(root, 'tour')).filter((f) => f.endsWith('.js'))).toEqual([]);
    for (const file of sources) {
      const text = fs.readFileSync(path.join(root, 'tour', file), 'utf8');
      for (const [, from] of text.matchAll(/from '([^']+)'/g)) expect(from).toMatch(/^(bsdsock|node:.+|\.\.?\/.+)$/);
      expect(text).not.toMatch(/lib\/|require\(/);
    }
  });

  it('runs all nine points, one section each, and exits 0', () => {
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    const headings = [...all.stdout.matchAll(/^Point (\d) of 9: /gm)].map((m) => Number(m[1]));
    expect(headings).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('confirms every claim of points 1 to 8 on this kernel', () => {
    const got = verdicts(all.stdout);
    const ids = ['1', '2', '3.1', '3.2', '3.3', '4', '5/UDP', '5/TCP', '6', '7', '8.1', '8.2', '8/TCP'];
    expect(Object.fromEntries([...got].filter(([id]) => id !== '9'))).toEqual(Object.fromEntries(ids.map((id) => [id, 'CONFIRMED'])));
  });

  it('measures point 9 in the run and reports both rates, their ratio and a verdict from them', () => {
    expect(all.stdout).toMatch(/unconnected sendto: [\d,]+ datagrams\/s; connected send: [\d,]+ datagrams\/s; ratio connected\/unconnected \d+\.\d\d/);
    expect(['CONFIRMED', 'NOT CONFIRMED', 'CONTRADICTED']).toContain(verdicts(all.stdout).get('9'));
  });

  it('shows the calls as strace-style lines and what the kernel answered', () => {
    // Names and flags as the kernel got them (strace's view): SOCK_CLOEXEC and MSG_NOSIGNAL
    // where bsdsock adds them, recv() as the recvfrom syscall, recvfrom() as recvmsg.
    expect(all.stdout).toMatch(/^ {4}socket\(AF_INET, SOCK_DGRAM(\|SOCK_CLOEXEC)?, IPPROTO_IP\) = \d+$/m);
    expect(all.stdout).toMatch(/^ {4}sendto\(\d+, "anyone there\?", 13, (MSG_NOSIGNAL|0), 127\.0\.0\.1:\d+\) = 13$/m);
    // A comment names the bsdsock call where the syscall is named otherwise.
    expect(all.stdout).toMatch(/^ {4}recvfrom\(\d+, …, 1500, 0, NULL\) = -1 ECONNREFUSED \(Connection refused\) {3}# recv\(\)$/m);
    expect(all.stdout).toMatch(/^ {4}recvmsg\(\d+, \{msg_name=127\.0\.0\.1:\d+, msg_iov=\[\{iov_base="hello, server", iov_len=1500\}\], msg_iovlen=1, msg_controllen=0, msg_flags=0\}, 0\) = 13 {3}# recvfrom\(\)$/m);
    // A receive that waits shows as strace shows a blocked call.
    expect(all.stdout).toMatch(/^ {4}recvmsg\(\d+, <unfinished \.\.\.> {3}# recvfrom\(\)\n {4}<\.\.\. recvmsg resumed>…, 0\) = -1 EAGAIN/m);
    // The tour's own safety timeouts are not in what students read.
    expect(all.stdout).not.toContain('SO_RCVTIMEO, {tv_sec=2, tv_usec=0}');
    expect(all.stdout).toMatch(/^ {4}connect\(\d+, 127\.0\.0\.1:\d+\) = -1 EISCONN \((Socket|Transport endpoint) is already connected\)$/m);
    expect(all.stdout).toMatch(/^ {4}Kernel: /m);
    // Point 6 names where its drop count comes from.
    if (process.platform === 'linux') expect(all.stdout).toContain('the kernel\'s own count for this socket (the "drops" column of /proc/net/udp');
    else expect(all.stdout).toContain('sent minus received');
  });

  it('quotes the course notes that live in the repository (docs/notes), word for word', () => {
    const plain = (text: string) => text.replace(/[*`]/g, '').replace(/\s+/g, ' ').trim();
    const notes = plain(fs.readFileSync(path.join(root, 'docs', 'notes', 'udp-notes.en.md'), 'utf8'));
    const quotes = [...all.stdout.matchAll(/The notes say: “([^”]*)”/g)].map((m) => m[1]!);
    expect(quotes.length).toBeGreaterThanOrEqual(9);
    // An ellipsis marks a cut: each piece between cuts is quoted exactly.
    for (const quote of quotes) {
      for (const piece of quote.split('…').map(plain).filter((p) => p !== '')) expect(notes).toContain(piece);
    }
    expect(fs.existsSync(path.join(root, 'docs', 'notes', 'udp-notes.zh.txt'))).toBe(true);
  });

  it('prints plain text when stdout is not a terminal', () => {
    expect(all.stdout).not.toContain('\x1b[');
  });

  // util-linux's script(1) gives the tour a terminal; BSD script takes other arguments.
  const hasScript = process.platform === 'linux' && !spawnSync('script', ['--version'], { stdio: 'ignore' }).error;
  (hasScript ? it : it.skip)('colours its output on a terminal', async () => {
    const env = { ...process.env };
    delete env.NO_COLOR;
    const { stdout } = await run('script', ['-qec', `${process.execPath} tour/dist/index.js --section 4`, '/dev/null'], { cwd: root, env, timeout: 60000 });
    expect(stdout).toContain('\x1b[32m\x1b[1mCONFIRMED\x1b[22m\x1b[39m');
  }, 60000);

  it('--section N runs that section only', async () => {
    const one = await tour(['--section', '3']);
    expect(one.code).toBe(0);
    expect([...one.stdout.matchAll(/^Point (\d) of 9: /gm)].map((m) => m[1])).toEqual(['3']);
    expect([...verdicts(one.stdout)]).toEqual([['3.1', 'CONFIRMED'], ['3.2', 'CONFIRMED'], ['3.3', 'CONFIRMED']]);
    if (onLinux) {
      // Point 3.3 ends with what the error queue tells an unconnected socket.
      expect(one.stdout).toMatch(/recvmsg\(\d+, \{msg_name=127\.0\.0\.1:\d+, msg_iov=\[\{iov_base="anyone there\?", iov_len=\d+\}\], msg_iovlen=1, msg_control=\[\{cmsg_level=SOL_IP, cmsg_type=IP_RECVERR, cmsg_data=\{ee_errno=ECONNREFUSED, ee_origin=SO_EE_ORIGIN_ICMP, ee_type=3, ee_code=3, ee_info=0, ee_data=0, offender=127\.0\.0\.1:0\}\}\], msg_controllen=\d+, msg_flags=MSG_ERRQUEUE\}, MSG_ERRQUEUE(\|MSG_CMSG_CLOEXEC)?\) = 13/);
      expect(one.stdout).toMatch(/the error queue held the whole report: ECONNREFUSED for the datagram to 127\.0\.0\.1:\d+, sent back by 127\.0\.0\.1 as ICMP type 3 code 3/);
    }
    const other = await tour(['--section=7']);
    expect([...verdicts(other.stdout).keys()]).toEqual(['7']);
  }, 60000);

  it('refuses a section that does not exist, with a usage line', async () => {
    const bad = await tour(['--section', '10']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^usage: npm start \[-- --section N\]/);
  }, 60000);

  it('is what `npm start` runs', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node tour/dist/index.js');
    expect(pkg.scripts['build:ts']).toContain('tsc -p tour/tsconfig.json');
    const viaNpm = await tour([], 'npm', ['start', '--silent', '--', '--section', '4']);
    expect(viaNpm.code).toBe(0);
    expect([...verdicts(viaNpm.stdout)]).toEqual([['4', 'CONFIRMED']]);
  }, 60000);
});
