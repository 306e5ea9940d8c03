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

  it('every export of the CommonJS build is also an ES module named export', () => {
    // Node finds the names with cjs-module-lexer, which follows tsc's `export * from` helpers.
    const out = node([
      '--input-type=module',
      '-e',
      `import * as esm from 'bsdsock';
       import { createRequire } from 'node:module';
       const cjs = createRequire(import.meta.url)('bsdsock');
       const missing = Object.keys(cjs).filter((name) => !(name in esm));
       console.log(Object.keys(cjs).length > 100, JSON.stringify(missing));`,
    ]);
    expect(out).toBe('true []');
  });

  it('publishes no internal member in its declarations (the native callbacks, the adopting constructor, the binding)', () => {
    const socketDts = fs.readFileSync(path.join(root, 'dist', 'socket.d.ts'), 'utf8');
    for (const internal of ['kDeliver', 'kReady', 'kErrors', 'adoptFd']) expect(socketDts).not.toContain(internal);
    expect(fs.readFileSync(path.join(root, 'dist', 'native.d.ts'), 'utf8')).not.toMatch(/export declare const binding\b/);
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

  it('loads BSDSOCK_ADDON, else the build made here, before any prebuilt binary', () => {
    const override = process.env.BSDSOCK_ADDON;
    const localBuild = path.join(root, 'build', 'Release', 'bsdsock.node');
    if (override) {
      expect(buildInfo).toMatchObject({ file: path.resolve(override), prebuilt: false });
    } else if (fs.existsSync(localBuild)) {
      expect(buildInfo).toMatchObject({ file: localBuild, prebuilt: false });
    } else {
      // Only a prebuild is there (after `npm run prebuilds`, which moves the build it makes).
      expect(buildInfo.prebuilt).toBe(true);
      expect(path.relative(path.join(root, 'prebuilds'), buildInfo.file)).toMatch(/^[a-z0-9]+-[a-z0-9]+\/bsdsock\.[a-z.]*node$/);
    }
    expect(Object.isFrozen(buildInfo)).toBe(true);
  });
});

// A copy of the package (dist/ and package.json) in a directory of its own, with the build and
// prebuilds each test lays out: which file does the loader pick, and what does it say when
// there is none? Inside the repository (build-*/ is ignored by git) so that the copy resolves
// node-gyp-build from the repository's node_modules, as an installed package would from its own.
describe('choosing the addon to load', () => {
  const platformArch = `${process.platform}-${process.arch}`;
  const otherArch = process.arch === 'x64' ? 'arm64' : 'x64';
  // The name `npm run prebuilds` gives (prebuildify --napi --tag-libc): glibc tagged on Linux.
  const prebuildName = process.platform === 'linux' ? 'bsdsock.glibc.node' : 'bsdsock.node';
  let pkg: string;

  beforeEach(() => {
    pkg = fs.mkdtempSync(path.join(root, 'build-loader-'));
    fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  });
  afterEach(() => fs.rmSync(pkg, { recursive: true, force: true }));

  /** Copies the addon this suite loaded (built here, or the sanitizer/portable one) to `relative`. */
  function place(relative: string): string {
    const file = path.join(pkg, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(buildInfo.file, file);
    return file;
  }

  /** Loads the copy in a child process without BSDSOCK_ADDON; its stdout, or the error thrown. */
  function loadCopy(): { info?: { prebuilt: boolean; file: string }; error?: string } {
    const env = { ...process.env };
    delete env.BSDSOCK_ADDON;
    delete env.BSDSOCK_PREBUILD;
    const script = `
      try {
        const b = require(${JSON.stringify(path.join(pkg, 'dist', 'index.js'))});
        const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
        b.close(fd);
        console.log(JSON.stringify({ info: b.buildInfo }));
      } catch (e) {
        console.log(JSON.stringify({ error: e.message }));
      }`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: pkg, env, encoding: 'utf8' });
    return JSON.parse(out) as { info?: { prebuilt: boolean; file: string }; error?: string };
  }

  it('a matching prebuild loads when nothing was built here, and says it is prebuilt', () => {
    const prebuild = place(path.join('prebuilds', platformArch, prebuildName));
    expect(loadCopy()).toEqual({ info: expect.objectContaining({ prebuilt: true, file: prebuild }) });
  });

  it('a build made here wins over a matching prebuild', () => {
    place(path.join('prebuilds', platformArch, prebuildName));
    const built = place(path.join('build', 'Release', 'bsdsock.node'));
    expect(loadCopy()).toEqual({ info: expect.objectContaining({ prebuilt: false, file: built }) });
  });

  it('with no build and no matching prebuild, the error names the platform, Node-API and the remedy', () => {
    // Prebuilds for another architecture, and (on Linux) for the other libc: neither matches.
    place(path.join('prebuilds', `${process.platform}-${otherArch}`, prebuildName));
    if (process.platform === 'linux') place(path.join('prebuilds', platformArch, 'bsdsock.musl.node'));
    const { error } = loadCopy();
    expect(error).toContain(`no build of the native addon for ${platformArch}`);
    expect(error).toContain(`Node-API ${process.versions.napi}; bsdsock needs Node-API 8`);
    expect(error).toContain("install a C++ toolchain");
    expect(error).toContain("'npm rebuild bsdsock'");
  });

  it('a matching prebuild that does not load says so and how to build from source', () => {
    const broken = path.join(pkg, 'prebuilds', platformArch, prebuildName);
    fs.mkdirSync(path.dirname(broken), { recursive: true });
    fs.writeFileSync(broken, 'not a shared object');
    const { error } = loadCopy();
    expect(error).toContain(`cannot load the native addon ${broken}`);
    expect(error).toContain("'npm_config_build_from_source=true npm rebuild bsdsock'");
  });
});

// What `npm pack` puts in the tarball (scripts off: no rebuild of dist/ in the middle of a run).
describe('the packed tarball', () => {
  interface PackEntry { path: string }
  let files: string[];
  let size: number;

  beforeAll(() => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    const [pack] = JSON.parse(out) as Array<{ files: PackEntry[]; size: number }>;
    files = pack!.files.map((f) => f.path);
    size = pack!.size;
  }, 60000);

  it('carries the compiled API, its types, LICENSE and README', () => {
    for (const file of ['package.json', 'LICENSE', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/native.js']) {
      expect(files).toContain(file);
    }
    expect(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} bsdsock contributors\n/);
  });

  it('carries every source and build file the fallback build (node-gyp or cmake-js) needs', () => {
    expect(files).toContain('binding.gyp');
    expect(files).toContain('CMakeLists.txt');
    const sources = [...fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8').matchAll(/'(native\/[^']+\.cc)'/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThan(10);
    for (const source of sources) expect(files).toContain(source);
    for (const header of fs.readdirSync(path.join(root, 'native')).filter((f) => f.endsWith('.h'))) {
      expect(files).toContain(`native/${header}`);
    }
  });

  it('carries every prebuilt binary there is, and ships prebuilds/ by name', () => {
    const pkgJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkgJson.files).toContain('prebuilds/');
    const dir = path.join(root, 'prebuilds');
    const prebuilds = fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.node')) : [];
    for (const prebuild of prebuilds) expect(files).toContain(`prebuilds/${prebuild}`);
  });

  it('carries no tests, benches, fuzzers, soak, tour, scripts or builds, and stays under 3 MB', () => {
    const unwanted = files.filter((f) => /^(test|bench|fuzz|soak|tour|examples|scripts|docs|build[^/]*|\.ci|\.github|node_modules)\//.test(f));
    expect(unwanted).toEqual([]);
    expect(size).toBeLessThan(3 * 1024 * 1024);
  });
});
