// A process that holds an embedded log (from dist/) and appends on demand, for tests that limit what
// the kernel lets it write (test/events/embeddedLogDiskFull.test.ts). One JSON line out per event:
// {"ready":pid} once open, {"heard":...} for each failure the log reports, and for each line in
// (a size in bytes) {"ok":bytes} or {"error":...}, each with the log's healthy() then.
// usage: node test/support/embeddedLogChild.js DATA_DIR
'use strict';
const path = require('node:path');
const readline = require('node:readline');
const { EmbeddedLog } = require(path.join(__dirname, '..', '..', 'dist', 'events', 'embedded', 'embeddedLog.js'));

// Past RLIMIT_FSIZE the kernel sends SIGXFSZ, which kills by default; handled, the write fails
// with EFBIG instead, as a full disk fails it with ENOSPC.
process.on('SIGXFSZ', () => {});
const log = EmbeddedLog.open(process.argv[2]);
const say = (line) => process.stdout.write(`${JSON.stringify({ ...line, healthy: log.healthy() })}\n`);
log.onFailure((error) => say({ heard: error.message, code: error.code }));
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const bytes = Number(line);
  log.append('t', [{ key: 'k', value: Buffer.alloc(bytes, 1) }]).then(
    () => say({ ok: bytes }),
    (error) => say({ error: error.message, code: error.code }),
  );
});
say({ ready: process.pid });
