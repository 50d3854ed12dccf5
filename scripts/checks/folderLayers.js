#!/usr/bin/env node
// The service's folders in layers: a file may import from folders in lower layers only, never
// from its own layer's other folders or from above. So imports between folders run one way,
// which a file-level cycle check cannot see: runtime/ importing gateway/ while gateway/ imports
// runtime/ is no file cycle, yet the two folders could no longer be understood, tested or
// replaced apart. app/ is the composition root that wires them all. Files importing each other
// in a circle, within a folder, are refused too, from the same import graph.
// usage: node scripts/checks/folderLayers.js   (npm run check:folders, part of npm test)
'use strict';
const path = require('node:path');
const madge = require('madge');

const LAYERS = [['lib'], ['proto'], ['client', 'store'], ['events'], ['handlers'], ['runtime'], ['gateway'], ['app'], ['bin', 'bench']];

const root = path.join(__dirname, '..', '..');
const layerOf = new Map(LAYERS.flatMap((folders, layer) => folders.map((folder) => [folder, layer])));
const layers = LAYERS.map((l) => l.join('|')).join(' < ');

(async () => {
  const graph = await madge(
    LAYERS.flat().map((folder) => path.join(root, folder)),
    // proto/generated/ is proto-loader-gen-types' output: recursive messages (HttpRule) name their own file.
    { baseDir: root, fileExtensions: ['ts'], tsConfig: path.join(root, 'tsconfig.json'), excludeRegExp: [/^proto\/generated\//] },
  );
  const broken = [];
  for (const [file, imports] of Object.entries(graph.obj())) {
    const from = file.split('/')[0];
    if (!layerOf.has(from)) continue; // a file outside the layers, reached through an import
    for (const target of imports) {
      const to = target.split('/')[0];
      if (to !== from && !(layerOf.get(to) < layerOf.get(from))) broken.push(`${file} imports ${target}: ${from}/ may import only ${allowed(from)}`);
    }
  }
  for (const cycle of graph.circular()) broken.push(`files import each other in a circle: ${[...cycle, cycle[0]].join(' -> ')}`);
  if (broken.length > 0) {
    console.error(`folders: ${broken.length} import(s) against the layers ${layers} or in a circle:`);
    for (const line of broken) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log(`folders: every import runs down the layers ${layers}, and no files import each other in a circle`);
})().catch((error) => {
  console.error(`folders: ${error.stack || error}`);
  process.exit(2);
});

function allowed(folder) {
  const below = LAYERS.slice(0, layerOf.get(folder)).flat();
  return below.length ? below.map((f) => `${f}/`).join(', ') : 'nothing of ours';
}
