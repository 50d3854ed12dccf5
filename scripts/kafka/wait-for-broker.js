#!/usr/bin/env node
// Waits until a Kafka broker really serves: metadata, topic creation, and a committed
// transaction (the decider needs transactions, which need the transaction coordinator up).
// usage: wait-for-broker.js HOST:PORT [--timeout-ms N] [--pid PID]; exits 0 when ready, 1 on
// timeout or as soon as the broker process PID has died.
'use strict';
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const path = require('node:path');
// KAFKAJS_FROM (set by probe-deps.sh) is where kafkajs is when the repo has not been installed yet.
const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [process.env.KAFKAJS_FROM || path.join(__dirname, '..', '..')] }));

const broker = process.argv[2] || '127.0.0.1:9092';
const flag = process.argv.indexOf('--timeout-ms');
const timeoutMs = flag > 0 ? Number(process.argv[flag + 1]) : 90_000;
const pidFlag = process.argv.indexOf('--pid');
const brokerPid = pidFlag > 0 ? Number(process.argv[pidFlag + 1]) : undefined;
const deadline = Date.now() + timeoutMs;

function brokerAlive() {
  if (brokerPid === undefined) return true;
  try {
    process.kill(brokerPid, 0);
    return true;
  } catch {
    return false;
  }
}

async function probeOnce() {
  const kafka = new Kafka({ clientId: 'wait-for-broker', brokers: [broker], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } });
  const admin = kafka.admin();
  // kafkajs refuses an idempotent producer without retries.
  const producer = kafka.producer({ transactionalId: `wait-for-broker-${process.pid}`, idempotent: true, maxInFlightRequests: 1, retry: { retries: 2 } });
  const topic = `wait-for-broker-${process.pid}-${Date.now()}`;
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic, messages: [{ value: 'probe' }] });
    await tx.commit();
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

(async () => {
  let lastError;
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    if (!brokerAlive()) {
      process.stderr.write(`kafka: the broker process ${brokerPid} exited\n`);
      process.exit(1);
    }
    try {
      await probeOnce();
      process.exit(0);
    } catch (error) {
      lastError = error;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        process.stderr.write(`kafka: waiting for ${broker} (${error.message})\n`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  process.stderr.write(`kafka: ${broker} not ready after ${timeoutMs} ms: ${lastError && lastError.message}\n`);
  process.exit(1);
})();
