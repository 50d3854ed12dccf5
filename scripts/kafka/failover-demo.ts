// By hand, not in the suite: proves bench/harness/kafkaCluster.ts on a real three-node cluster and
// measures what a fault costs. Starts the cluster, creates a topic with three replicas, kill -9s
// its leader, times the election of a new one, produces with acks=all on the two left, restarts
// the node, times its return to the in-sync set, and stops everything.
//   usage: npx tsx scripts/kafka/failover-demo.ts [--base-port 39092] [--data-dir /tmp/cluster-dev]
import { execFileSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaCluster } from '../../bench/harness/kafkaCluster';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const basePort = Number(arg('--base-port', '39092'));
const dataDir = arg('--data-dir', '/tmp/cluster-dev');
const began = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds until `check` holds, polling every 100 ms. */
async function timeUntil(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<number> {
  const start = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - start > timeoutMs) throw new Error(`still not after ${timeoutMs} ms`);
    await sleep(100);
  }
  return Date.now() - start;
}

function rssMiB(pid: number): number {
  return Math.round(
    Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
        .toString()
        .trim(),
    ) / 1024,
  );
}

async function main(): Promise<void> {
  let started = Date.now();
  const cluster = await KafkaCluster.start({ basePort, dataDir, nodes: 3 });
  log(`cluster up in ${Date.now() - started} ms: ${cluster.brokers.join(',')}`);
  try {
    for (const n of [1, 2, 3]) log(`node ${n}: pid ${await cluster.pid(n)}, RSS ${rssMiB(await cluster.pid(n))} MiB`);
    const kafka = new Kafka({ clientId: 'failover-demo', brokers: cluster.brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
    const topic = `failover-demo-${Date.now()}`;
    await cluster.createTopic(topic);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    // The same, with its retry backoff capped at 1 s (kafkajs doubles it up to 30 s by default).
    const capped = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 120, initialRetryTime: 100, maxRetryTime: 1000 } });
    await producer.connect();
    await capped.connect();
    await capped.send({ topic, acks: -1, messages: [{ value: 'before' }] });
    await producer.send({ topic, acks: -1, messages: [{ value: 'before' }] });
    const leader = await cluster.leaderOf(topic, 0);
    log(`topic ${topic}: RF 3, leader node ${leader}, all three in sync; one write acked (acks=all)`);

    started = Date.now();
    await cluster.kill(leader);
    log(`kill -9 node ${leader}`);
    const sendAfterKill = producer.send({ topic, acks: -1, messages: [{ value: 'during' }] }).then(() => Date.now() - started);
    const cappedAfterKill = capped.send({ topic, acks: -1, messages: [{ value: 'during' }] }).then(() => Date.now() - started);
    const election = await timeUntil(async () => ![leader, -1].includes(await cluster.leaderOf(topic, 0)));
    const newLeader = await cluster.newLeaderOf(topic, 0, leader);
    log(
      `new leader elected ${election} ms after the kill (first answer naming another node); node ${newLeader} in three answers in a row ${Date.now() - started} ms after; in sync now: ${(await cluster.inSyncOf(topic, 0)).join(',')}`,
    );
    log(`a write sent right after the kill, retry backoff capped at 1 s: acked (acks=all, 2 of 3 nodes) ${await cappedAfterKill} ms after the kill`);
    log(`the same write with kafkajs's default backoff (doubling up to 30 s): acked ${await sendAfterKill} ms after the kill`);
    started = Date.now();
    await producer.send({ topic, acks: -1, messages: [{ value: 'after' }] });
    log(`another acks=all write with 2 of 3 nodes: acked in ${Date.now() - started} ms`);

    started = Date.now();
    await cluster.start(leader);
    log(`node ${leader} restarted on its data (pid ${await cluster.pid(leader)})`);
    await cluster.waitInSync(topic, 120_000);
    log(`in sync: ${(await cluster.inSyncOf(topic, 0)).join(',')}, leader node ${await cluster.leaderOf(topic, 0)}`);
    log(`node ${leader} back in the ISR of ${topic} ${Date.now() - started} ms after its start`);
    await cluster.waitInSync(undefined, 120_000);
    log(`every partition of every topic (internal ones included) has 3 in sync ${Date.now() - started} ms after the start`);
    await producer.disconnect();
    await capped.disconnect();
    for (const n of [1, 2, 3]) log(`node ${n}: RSS ${rssMiB(await cluster.pid(n))} MiB at the end`);
  } finally {
    started = Date.now();
    await cluster.down();
    log(`cluster down in ${Date.now() - started} ms`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
