// What the build reads and what it writes, and whether dist/ is older than the sources: the
// facts scripts/build/build.js decides by. Modification times, read from the file system only.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'dist');
/** Written last by a successful build; its mtime is when that build started. */
const stampFile = path.join(dist, '.build-stamp');
const tsBuildInfo = path.join(dist, '.tsbuildinfo');
const contractOutputs = [path.join(dist, 'contract', 'userservice.binpb'), path.join(dist, 'contract', 'openapi.json')];

/** The folders tsc compiles (tsconfig.json `include`), relative to the root. */
function sourceDirs() {
  return JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')).include;
}

/** Every file and folder under `dir` (folders too: deleting or renaming a file touches its folder). */
function walk(dir, out = []) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (error.code === 'ENOENT') return out;
    throw error;
  }
  out.push(dir);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
};

/** The newest modification among files and folders (-Infinity for none). */
const newest = (files) => Math.max(-Infinity, ...files.map((f) => mtime(f) ?? -Infinity));

/** The TypeScript sources of the compiled folders, each with the .js tsc emits for it. */
function sources() {
  const isSource = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts');
  return sourceDirs()
    .flatMap((dir) => walk(path.join(root, dir)))
    .filter(isSource)
    .map((ts) => ({ ts, js: path.join(dist, path.relative(root, ts)).replace(/\.ts$/, '.js') }));
}

/** Every .js (and .js.map) tsc wrote into dist/, with the source it came from: the compiled
 * folders, and files outside them that those import (bench/ imports test/support/). */
function outputs() {
  return walk(dist)
    .filter((f) => /\.js(\.map)?$/.test(f) && !f.startsWith(path.join(dist, 'contract') + path.sep))
    .map((js) => ({ js, ts: path.join(root, path.relative(dist, js)).replace(/\.js(\.map)?$/, '.ts') }));
}

/** Everything a build reads: the compiled folders (proto/ among them), any other source with an
 * output and its folder, the configs, the package's version and dependencies, and these scripts. */
function buildInputs() {
  const configs = ['tsconfig.json', 'package.json', 'package-lock.json', 'buf.yaml'].map((f) => path.join(root, f));
  const imported = outputs().flatMap(({ ts }) => [ts, path.dirname(ts)]);
  return [...sourceDirs().flatMap((dir) => walk(path.join(root, dir))), ...imported, ...configs, ...walk(__dirname)];
}

/** Why dist/ must be rebuilt, or undefined when it is at least as new as every input. */
function staleReason() {
  const stamp = mtime(stampFile);
  if (stamp === undefined) return 'no finished build in dist/';
  const missing = [...contractOutputs, ...sources().map((s) => s.js)].find((f) => mtime(f) === undefined);
  if (missing) return `${path.relative(root, missing)} is missing`;
  if (newest(buildInputs()) >= stamp) return 'sources changed since the last build';
  return undefined;
}

/** The inputs of the contract step: proto/, buf.yaml, the version in package.json, and the
 * compiled generator (gateway/, and the proto/ and lib/ modules it loads). */
function contractIsStale() {
  const inputs = [...walk(path.join(root, 'proto')), path.join(root, 'buf.yaml'), path.join(root, 'package.json')];
  const generator = ['gateway', 'proto', 'lib'].flatMap((dir) => walk(path.join(dist, dir)));
  const oldestOutput = Math.min(...contractOutputs.map((f) => mtime(f) ?? -Infinity));
  return newest([...inputs, ...generator]) >= oldestOutput;
}

module.exports = { root, dist, stampFile, tsBuildInfo, sources, outputs, staleReason, contractIsStale };
