// jest globalTeardown: stop the broker only if kafkaSetup.js started it.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  if (globalThis.__STARTED_KAFKA__) execFileSync('bash', [path.join(__dirname, '..', '..', 'scripts', 'kafka', 'kafka-down.sh')], { stdio: 'inherit' });
};
