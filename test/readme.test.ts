// The README's example must run as printed: it is compiled and run against the package.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..');

it('the README example compiles and runs, printing the refused receive', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toBeDefined();
  const js = ts.transpileModule(example!, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const out = execFileSync(process.execPath, ['-e', js.outputText], { cwd: root, encoding: 'utf8', timeout: 15000 });
  expect(out.trim()).toBe('recv ECONNREFUSED');
});
