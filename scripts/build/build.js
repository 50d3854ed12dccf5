#!/usr/bin/env node
// npm run build: the types generated from proto/ (generateTypes.js), tsc (incremental: only
// changed files are compiled again), then the contract (buf build and the OpenAPI document) when
// proto/ or its generator changed. With --if-stale
// (npm start) it does nothing when dist/ was built from the sources as they are, so a restart
// starts at once.
//   usage: node scripts/build/build.js [--if-stale]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const state = require('./buildState');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: state.root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** A dist/ file whose source was deleted would still be loaded (serverless.yml names handlers by
 * path), so outputs without a source go; tsc itself never deletes them. */
function pruneOrphans() {
  for (const { js, ts } of state.outputs()) {
    if (!fs.existsSync(ts)) {
      fs.rmSync(js);
      console.log(`build: removed ${path.relative(state.root, js)} (its source is gone)`);
    }
  }
}

function buildContract() {
  const print = state.contractFingerprint();
  if (state.contractIsBuiltFrom(print)) return console.log('contract: dist/contract is up to date');
  fs.rmSync(state.contractStamp, { force: true });
  run(process.execPath, [path.join(state.dist, 'gateway', 'buildContract.js')]);
  fs.writeFileSync(state.contractStamp, `${print}\n`);
}

function main() {
  if (process.argv.includes('--if-stale') && !state.staleReason()) return console.log('build: dist/ is up to date');
  fs.rmSync(state.stampFile, { force: true });
  // The generated types are sources tsc compiles: they must match proto/ before it runs.
  run(process.execPath, [path.join(__dirname, 'generateTypes.js')]);
  const before = state.inputHashes();
  // tsc --incremental trusts its build info: it would not emit a deleted output again.
  if (state.sources().some(({ js }) => !fs.existsSync(js))) fs.rmSync(state.tsBuildInfo, { force: true });
  run(path.join(state.root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', state.tsBuildInfo]);
  pruneOrphans();
  buildContract();
  // Now that dist/ names every imported source, hash again; a source that changed while tsc ran
  // leaves no stamp, so the next start builds again.
  const after = state.inputHashes();
  const changed = [...before].some(([file, hash]) => after.get(file) !== hash);
  if (!changed) fs.writeFileSync(state.stampFile, `${state.fingerprint(after)}\n`);
}

main();
