// jest globalSetup of the unit project (jest.config.js). Every protobuf message is loaded from the
// contract image (proto/descriptorImage.ts), which `npm run build` writes; the unit tier runs
// without a build, so it makes that one file itself: `buf build` (a Go binary, well under a
// second, no tsc and no Java), written only when it is missing or proto/ now says otherwise, so a
// finished build's image is never rewritten under the suites that read it.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const image = path.join(root, 'dist', 'contract', 'userservice.binpb');

module.exports = () => {
  fs.mkdirSync(path.dirname(image), { recursive: true });
  const fresh = `${image}.${process.pid}.tmp`;
  execFileSync(path.join(root, 'node_modules', '.bin', 'buf'), ['build', '--output', fresh], { cwd: root, stdio: 'inherit' });
  if (fs.existsSync(image) && fs.readFileSync(image).equals(fs.readFileSync(fresh))) fs.rmSync(fresh);
  else fs.renameSync(fresh, image);
};
