#!/usr/bin/env node
// TypeScript types of every message and of the service, generated from proto/ by
// proto-loader-gen-types into proto/generated/ (not committed). The options are the ones the
// runtime decodes with (proto/schema.ts `conversion`, keepCase): snake_case names, int64 and
// enums as numbers, defaults filled in, a virtual field naming the member set in each oneof, so
// the types describe exactly the objects handlers receive. Run by `npm run build` and after
// `npm ci` (prepare); files whose content did not change are left alone, so tsc --incremental
// and editors see no change.
//   usage: node scripts/build/generateTypes.js
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const target = path.join(root, 'proto', 'generated');
const PROTO_FILES = ['user_service.proto', 'user_log.proto'];
const OPTIONS = ['--keepCase', '--longs=Number', '--enums=Number', '--defaults', '--oneofs', '--includeComments', '--grpcLib=@grpc/grpc-js'];

function walk(dir, base = dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, base, out);
    else out.push(path.relative(base, full));
  }
  return out;
}

function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'usersvc-types-'));
  try {
    const bin = path.join(root, 'node_modules', '@grpc', 'proto-loader', 'build', 'bin', 'proto-loader-gen-types.js');
    // Relative paths, so the files' "Original file" lines do not name this machine's folders.
    const result = spawnSync(process.execPath, [bin, ...OPTIONS, '-I', 'proto', '-O', scratch, ...PROTO_FILES], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
    const fresh = new Set(walk(scratch));
    let changed = 0;
    for (const file of fresh) {
      const text = fs.readFileSync(path.join(scratch, file));
      const out = path.join(target, file);
      if (fs.existsSync(out) && fs.readFileSync(out).equals(text)) continue;
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, text);
      changed++;
    }
    // A message removed from proto/ must not live on as a stale type.
    for (const file of walk(target)) if (!fresh.has(file)) (fs.rmSync(path.join(target, file)), changed++);
    console.log(changed ? `types: ${changed} file(s) of proto/generated written from proto/` : 'types: proto/generated is up to date');
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main();
