#!/usr/bin/env node
// One readiness probe of the local test broker, used by kafka-up.sh in a loop.
//
// "The port is open" is not enough: a KRaft broker accepts TCP before it has
// caught up with the metadata log, and the transaction coordinator only works
// once __transaction_state exists. So this probe does what our tests do:
//   1. admin: connect, list topics
//   2. admin: create a probe topic (waiting for its leader)
//   3. transactional, idempotent producer: send one message in a transaction, commit
//   4. admin: delete the probe topic
//
// Exit codes: 0 ready; 1 not ready (yet) or broken — the last error is printed
// on stderr so kafka-up.sh can show it if it gives up.
//
// Usage: node kafka/wait-for-broker.js [host:port]   (default 127.0.0.1:${KAFKA_PORT:-9092})

'use strict';

const path = require('path');
const crypto = require('crypto');

// kafkajs is a dependency of the repo, not of this folder: look for it from the
// caller's working directory first, then from the repo root next to this file.
function loadKafkajs() {
  const resolved = require.resolve('kafkajs', {
    paths: [process.cwd(), path.join(__dirname, '..')],
  });
  return require(resolved);
}

// kafkajs 2.x prints a multi-line "KafkaJS v2.0.0 switched default partitioner"
// warning on every producer() call unless this is set. The probe does not care
// which partitioner is used, so keep kafka-up.sh output clean.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = process.env.KAFKAJS_NO_PARTITIONER_WARNING || '1';

const { Kafka, logLevel } = loadKafkajs();

const broker = process.argv[2] || `127.0.0.1:${process.env.KAFKA_PORT || '9092'}`;

async function probe() {
  const kafka = new Kafka({
    clientId: 'user-service-wait-for-broker',
    brokers: [broker],
    // kafka-up.sh retries the whole probe every couple of seconds, so each
    // attempt should fail fast instead of retrying for ~30 s inside kafkajs.
    connectionTimeout: 2000,
    requestTimeout: 10000,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    // ECONNREFUSED while the JVM boots is expected; only the final error matters.
    logLevel: logLevel.NOTHING,
  });

  const admin = kafka.admin();
  const topic = `user-service-broker-probe-${crypto.randomBytes(4).toString('hex')}`;
  let producer;
  let created = false;
  try {
    await admin.connect();
    await admin.listTopics();

    created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
      timeout: 10000,
    });
    if (!created) throw new Error(`createTopics(${topic}) returned false (topic already exists?)`);

    // Same settings a transactional producer in the service must use.
    producer = kafka.producer({
      transactionalId: 'user-service-broker-probe',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const txn = await producer.transaction();
    try {
      await txn.send({ topic, messages: [{ key: 'probe', value: String(Date.now()) }] });
      await txn.commit();
    } catch (err) {
      await txn.abort().catch(() => {});
      throw err;
    }
  } finally {
    if (producer) await producer.disconnect().catch(() => {});
    if (created) {
      await admin.deleteTopics({ topics: [topic], timeout: 10000 }).catch((err) => {
        process.stderr.write(`warning: could not delete probe topic ${topic}: ${err.message}\n`);
      });
    }
    await admin.disconnect().catch(() => {});
  }
}

probe().then(
  () => process.exit(0),
  (err) => {
    const cause = err && err.cause ? ` (cause: ${err.cause.message || err.cause})` : '';
    process.stderr.write(`broker ${broker} not ready: ${err && err.name}: ${err && err.message}${cause}\n`);
    process.exit(1);
  },
);
