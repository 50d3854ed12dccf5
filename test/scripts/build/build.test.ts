import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../../lib/packageRoot';
import { removeDir, tempDir } from '../../support/serverProcess';

/**
 * scripts/build/build.js on a copy of the package (so the dist/ other suites run stays as it
 * is): `--if-stale`, what npm start runs, skips an unchanged tree and rebuilds a changed one
 * (by content); a deleted source leaves no output behind.
 */
const root = packageRoot();
let copy: string;
const build = (...args: string[]) =>
  execFileSync(process.execPath, [path.join(copy, 'scripts', 'build', 'build.js'), ...args], { cwd: copy, encoding: 'utf8', stdio: 'pipe' });
const dist = (file: string) => path.join(copy, 'dist', file);

beforeAll(() => {
  copy = tempDir('build');
  // test/support too: bench/ imports it, so tsc compiles it.
  const include = JSON.parse(readFileSync(path.join(root, 'tsconfig.json'), 'utf8')).include as string[];
  for (const entry of [...include, 'test/support', 'scripts/build', 'tsconfig.json', 'package.json', 'package-lock.json', 'buf.yaml']) {
    cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
  build();
}, 120_000);
afterAll(() => removeDir(copy));

it('builds nothing when nothing changed', () => {
  expect(existsSync(dist('bin/usersvc.js'))).toBe(true);
  expect(build('--if-stale')).toBe('build: dist/ is up to date\n');
});

it('compiles a new source, and removes its output once the source is deleted', () => {
  writeFileSync(path.join(copy, 'handlers', 'probe.ts'), 'export const probe = 41;\n');
  build('--if-stale');
  expect(readFileSync(dist('handlers/probe.js'), 'utf8')).toContain('probe = 41');
  // Changed content with an old modification time (cp -p, tar, a stash) is still a change.
  writeFileSync(path.join(copy, 'handlers', 'probe.ts'), 'export const probe = 43;\n');
  utimesSync(path.join(copy, 'handlers', 'probe.ts'), new Date(2000, 0, 1), new Date(2000, 0, 1));
  build('--if-stale');
  expect(readFileSync(dist('handlers/probe.js'), 'utf8')).toContain('probe = 43');
  unlinkSync(path.join(copy, 'handlers', 'probe.ts'));
  expect(build('--if-stale')).toContain('removed dist/handlers/probe.js (its source is gone)');
  expect(existsSync(dist('handlers/probe.js'))).toBe(false);
  expect(build('--if-stale')).toBe('build: dist/ is up to date\n');
}, 120_000);

it('builds the contract again when proto/ changes, and only then', () => {
  expect(build()).toContain('contract: dist/contract is up to date');
  const proto = path.join(copy, 'proto', 'user_service.proto');
  writeFileSync(proto, readFileSync(proto, 'utf8').replace('message User {', 'message User {\n  // the build test was here'));
  expect(build('--if-stale')).toMatch(/^contract: dist\/contract\/userservice\.binpb, dist\/contract\/grpc-services\.binpb and dist\/contract\/openapi\.json/m);
}, 120_000);

it('emits an output deleted from dist/ again, though tsc --incremental would not', () => {
  unlinkSync(dist('lib/code.js'));
  build('--if-stale');
  expect(existsSync(dist('lib/code.js'))).toBe(true);
}, 120_000);
