// What the build reads and what it writes, and whether dist/ was built from the sources as they
// are now: the facts scripts/build/build.js decides by. Decided by content (SHA-256 of every
// input), not modification times, so a file restored with an old mtime is still seen as changed.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'dist');
/** Written last by a successful build: the fingerprint of the inputs it compiled. */
const stampFile = path.join(dist, '.build-stamp');
const tsBuildInfo = path.join(dist, '.tsbuildinfo');
const contractDir = path.join(dist, 'contract');
const contractOutputs = ['userservice.binpb', 'grpc-services.binpb', 'openapi.json'].map((f) => path.join(contractDir, f));
const contractStamp = path.join(contractDir, '.inputs');

/** The folders tsc compiles (tsconfig.json `include`), relative to the root. */
function sourceDirs() {
  return JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')).include;
}

/** Every file under `dir` (none when it does not exist). */
function walk(dir, out = []) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (error.code === 'ENOENT') return out;
    throw error;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

/** The TypeScript sources of the compiled folders, each with the .js tsc emits for it. */
function sources() {
  const isSource = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts');
  return sourceDirs()
    .flatMap((dir) => walk(path.join(root, dir)))
    .filter(isSource)
    .map((ts) => ({ ts, js: path.join(dist, path.relative(root, ts)).replace(/\.ts$/, '.js') }));
}

/** Every .js (and .js.map) tsc wrote into dist/, with the source it came from: the compiled
 * folders, and any file outside them that one of those imports. */
function outputs() {
  return walk(dist)
    .filter((f) => /\.js(\.map)?$/.test(f) && !f.startsWith(contractDir + path.sep))
    .map((js) => ({ js, ts: path.join(root, path.relative(dist, js)).replace(/\.js(\.map)?$/, '.ts') }));
}

/** SHA-256 of each file's content, by path relative to the root (a missing file has none). */
function hashes(files) {
  const out = new Map();
  for (const file of new Set(files)) {
    if (fs.existsSync(file)) out.set(path.relative(root, file), crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  }
  return out;
}

/** One fingerprint of a set of files: their names and contents, so an added or deleted file counts. */
const fingerprint = (map) =>
  crypto
    .createHash('sha256')
    .update([...map].sort().join('\n'))
    .digest('hex');

/** Everything a build reads, hashed: the compiled folders (proto/ among them), other sources that
 * have an output, the configs, the package's version and dependencies, and these scripts. */
function inputHashes() {
  const configs = ['tsconfig.json', 'package.json', 'package-lock.json', 'buf.yaml'].map((f) => path.join(root, f));
  const imported = outputs().map(({ ts }) => ts);
  return hashes([...sourceDirs().flatMap((dir) => walk(path.join(root, dir))), ...imported, ...configs, ...walk(__dirname)]);
}

const read = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined);

/** Why dist/ must be rebuilt, or undefined when it was built from exactly these inputs. */
function staleReason() {
  const stamp = read(stampFile);
  if (stamp === undefined) return 'no finished build in dist/';
  const missing = [...contractOutputs, ...sources().map((s) => s.js)].find((f) => !fs.existsSync(f));
  if (missing) return `${path.relative(root, missing)} is missing`;
  if (fingerprint(inputHashes()) !== stamp) return 'sources changed since the last build';
  return undefined;
}

/** The fingerprint of what the contract is built from: proto/, buf.yaml, package.json and its lock
 * (the health and reflection protos come from @grpc/reflection), and the compiled generators
 * (gateway/, runtime/reflection/, and the proto/ and lib/ modules they load). */
function contractFingerprint() {
  const inputs = [...walk(path.join(root, 'proto')), ...['buf.yaml', 'package.json', 'package-lock.json'].map((f) => path.join(root, f))];
  const generator = ['gateway', path.join('runtime', 'reflection'), 'proto', 'lib'].flatMap((dir) => walk(path.join(dist, dir)));
  return fingerprint(hashes([...inputs, ...generator]));
}

const contractIsBuiltFrom = (print) => read(contractStamp) === print && contractOutputs.every((f) => fs.existsSync(f));

module.exports = {
  root,
  dist,
  stampFile,
  tsBuildInfo,
  contractStamp,
  sources,
  outputs,
  inputHashes,
  fingerprint,
  staleReason,
  contractFingerprint,
  contractIsBuiltFrom,
};
