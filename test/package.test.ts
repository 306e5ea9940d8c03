// The package as users install it: require('bsdsock'), import from 'bsdsock', its type
// declarations, and which build of the addon is loaded.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { buildInfo } from '../lib';

const root = path.join(__dirname, '..');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

describe('the bsdsock package', () => {
  it("require('bsdsock') gives the flat API, errors and constants", () => {
    const out = node([
      '-e',
      `const b = require('bsdsock');
       const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
       b.bind(fd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
       const me = b.getsockname(fd);
       b.close(fd);
       console.log([typeof b.recvfrom, typeof b.ConnectionRefusedError, me.family, me.port > 0].join(' '));`,
    ]);
    expect(out).toBe('function function AF_INET true');
  });

  it("import { ... } from 'bsdsock' works from an ES module", () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { socket, close, AF_INET, SOCK_DGRAM, SocketError } from 'bsdsock';
       import bsdsock from 'bsdsock';
       const fd = socket(AF_INET, SOCK_DGRAM);
       close(fd);
       console.log(typeof SocketError, typeof bsdsock.sendto);`,
    ]);
    expect(out).toBe('function function');
  });

  it('ships type declarations that a strict TypeScript consumer compiles against', () => {
    expect(fs.existsSync(path.join(root, 'dist', 'index.d.ts'))).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { types: string };
    expect(pkg.types).toBe('dist/index.d.ts');
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    // Throws (failing the test) with the compiler's message if a declaration is wrong.
    node([tsc, '-p', path.join(root, 'test', 'fixtures', 'consumer', 'tsconfig.json')]);
  }, 60000);

  it('reports which build system built the loaded addon', () => {
    expect(['node-gyp', 'cmake-js']).toContain(buildInfo.buildSystem);
    expect(buildInfo.napiVersion).toBe(8);
    if (process.env.BSDSOCK_EXPECT_BUILD) expect(buildInfo.buildSystem).toBe(process.env.BSDSOCK_EXPECT_BUILD);
  });
});
