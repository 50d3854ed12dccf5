// jest globalSetup of the kafka projects (jest.config.js), so only a run that selects a Kafka suite
// gets here: the Kafka suites need a real broker. Start one (scripts/kafka/kafka-up.sh fetches
// Apache Kafka from Maven Central the first time) unless one already answers; if it cannot start,
// the whole run fails with the broker's own error. Nothing is skipped.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const scripts = path.join(root, 'scripts', 'kafka');

module.exports = async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  // Without KAFKA_BROKERS, the broker kafka-up.sh starts: on KAFKA_PORT, as the script reads it.
  const brokers = process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`;
  try {
    execFileSync(process.execPath, [path.join(scripts, 'wait-for-broker.js'), brokers.split(',')[0], '--timeout-ms', '3000'], { stdio: 'ignore' });
    process.env.KAFKA_BROKERS = brokers;
    return; // someone (CI, a developer) runs a broker already: leave it to them
  } catch {
    // none answers: start ours
  }
  if (process.env.KAFKA_BROKERS) throw new Error(`KAFKA_BROKERS=${process.env.KAFKA_BROKERS} does not answer`);
  execFileSync('bash', [path.join(scripts, 'kafka-up.sh')], { stdio: 'inherit' });
  // The suites (test/support/kafka.ts, serverProcess.ts) read KAFKA_BROKERS; the workers jest
  // starts after this inherit it, so a broker on another KAFKA_PORT is the one they use.
  process.env.KAFKA_BROKERS = brokers;
  globalThis.__STARTED_KAFKA__ = true;
};
