#!/usr/bin/env node
// npm run build: tsc (incremental: only changed files are compiled again), then the contract
// (buf build and the OpenAPI document) when proto/ or its generator changed. With --if-stale
// (npm start) it does nothing when dist/ is newer than every input, so a restart starts at once.
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

function main() {
  const reason = state.staleReason();
  if (process.argv.includes('--if-stale') && !reason) return console.log('build: dist/ is up to date');
  const startedAt = new Date();
  // tsc --incremental trusts its build info: it would not emit a deleted output again.
  if (state.sources().some(({ js }) => !fs.existsSync(js))) fs.rmSync(state.tsBuildInfo, { force: true });
  run(path.join(state.root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', state.tsBuildInfo]);
  pruneOrphans();
  if (state.contractIsStale()) run(process.execPath, [path.join(state.dist, 'gateway', 'buildContract.js')]);
  else console.log('contract: dist/contract is up to date');
  // The stamp carries the start time: a source saved while this build ran is newer, so the next
  // start builds again.
  fs.writeFileSync(state.stampFile, `${startedAt.toISOString()}\n`);
  fs.utimesSync(state.stampFile, startedAt, startedAt);
}

main();
