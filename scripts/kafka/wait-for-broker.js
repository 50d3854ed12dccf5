#!/usr/bin/env node
// Waits until a Kafka broker, or a cluster with every node in sync, really serves: all nodes
// registered, a topic with one replica per node created (min.insync.replicas 2 on a cluster), a
// transaction committed to it with acks=all (the decider needs transactions, so the transaction
// coordinator must be up), and the in-sync replica set of that topic and of the
// transaction-state topic holding every node. On a cluster one live node answering is not
// enough: the quorum, the replication and the coordinator's own replicas must all work.
// usage: wait-for-broker.js HOST:PORT[,HOST:PORT...] [--expect N] [--timeout-ms N] [--pid P1[,P2...]]
// (--expect defaults to the number of addresses); exits 0 when ready, 1 on timeout or as soon as
// one of the broker processes has died (naming it).
'use strict';
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const path = require('node:path');
// KAFKAJS_FROM (set by probe-deps.sh) is where kafkajs is when the repo has not been installed yet.
const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [process.env.KAFKAJS_FROM || path.join(__dirname, '..', '..')] }));

function flag(name, fallback) {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
}
const brokers = (process.argv[2] || '127.0.0.1:9092').split(',');
const expect = Number(flag('--expect', brokers.length));
const timeoutMs = Number(flag('--timeout-ms', expect > 1 ? 120_000 : 90_000));
const pids = flag('--pid', flag('--pids', '')).split(',').filter(Boolean).map(Number);
const deadline = Date.now() + timeoutMs;

/** The node (1-based, in --pid order) whose process has exited, if any. */
function deadNode() {
  const index = pids.findIndex((pid) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
  return index < 0 ? undefined : index + 1;
}

/** Throws unless every partition of `topic` has `expect` replicas in sync. */
async function assertInSync(admin, topic) {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  for (const { partition, isr, leader } of topics[0].partitions) {
    if (isr.length < expect) throw new Error(`${topic}[${partition}] leader ${leader}, in sync: ${isr.join(',') || 'none'}`);
  }
}

async function probeOnce() {
  const kafka = new Kafka({ clientId: 'wait-for-broker', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } });
  const admin = kafka.admin();
  // kafkajs refuses an idempotent producer without retries.
  const producer = kafka.producer({ transactionalId: `wait-for-broker-${process.pid}`, idempotent: true, maxInFlightRequests: 1, retry: { retries: 2 } });
  const topic = `wait-for-broker-${process.pid}-${Date.now()}`;
  try {
    await admin.connect();
    const { brokers: registered } = await admin.describeCluster();
    if (registered.length < expect) throw new Error(`${registered.length} of ${expect} nodes registered`);
    const configEntries = [{ name: 'min.insync.replicas', value: String(Math.min(2, expect)) }];
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: expect, configEntries }], waitForLeaders: true });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic, acks: -1, messages: [{ value: 'probe' }] });
    await tx.commit();
    await assertInSync(admin, topic);
    await assertInSync(admin, '__transaction_state');
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

(async () => {
  let lastError;
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    const dead = deadNode();
    if (dead !== undefined) {
      process.stderr.write(`kafka: ${pids.length > 1 ? `node ${dead}` : 'the broker'} (pid ${pids[dead - 1]}) exited\n`);
      process.exit(1);
    }
    try {
      await probeOnce();
      process.exit(0);
    } catch (error) {
      lastError = error;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        process.stderr.write(`kafka: waiting for ${brokers.join(',')} (${error.message})\n`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  process.stderr.write(`kafka: ${brokers.join(',')} not ${expect > 1 ? 'in sync' : 'ready'} after ${timeoutMs} ms: ${lastError && lastError.message}\n`);
  process.exit(1);
})();
