import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as kafkajs from 'kafkajs';
import { startService } from '../app/service';
import { createClient, unary } from '../client/userServiceClient';
import { createLogger } from '../lib/logger';
import { resolveOptions } from '../runtime/serviceOptions';
import { flagOf } from './harness/flags';
import { round } from './load/stats';

/**
 * Where one CreateUser on Kafka spends its time: the service runs in this process on a real
 * broker, kafkajs's own instrumentation events (each request's answer, each batch handed over)
 * are stamped as they fire, and `count` writes are made one after another. Prints, per hop, the
 * median time since the client sent the call and the median step from the hop before.
 *
 *   node dist/bench/kafkaHops.js --brokers 127.0.0.1:19092 [--writes 200]
 *
 * The client shares this process's event loop with the server: what it costs (a few tenths of a
 * ms per call) is inside the first and last hops.
 */
const args = process.argv.slice(2);
const flag = flagOf(args);
const brokers = flag('brokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
const writes = Number(flag('writes', '200'));

/** The hops of one write, in the order a write passes them. */
const HOPS = [
  'client sends CreateUser',
  'command produce request sent',
  'command produce acknowledged',
  'decider fetch returns the command',
  'tx AddPartitionsToTxn answered',
  'tx Produce (events) answered',
  'tx AddOffsetsToTxn answered',
  'tx TxnOffsetCommit answered',
  'tx EndTxn (commit) answered',
  'read_committed fetch returns the events',
  'projector applied the events',
  'client has the answer',
] as const;
type Hop = (typeof HOPS)[number];

let current: Map<Hop, number> | undefined;
let retries = 0;
/** Requests to the broker while a measured write was under way, by who sent them and what they were. */
const requests = new Map<string, number>();
const count = (who: string, apiName: string) => {
  if (current) requests.set(`${who} ${apiName}`, (requests.get(`${who} ${apiName}`) ?? 0) + 1);
};
const stamp = (hop: Hop, at = performance.now()) => {
  if (current && !current.has(hop)) current.set(hop, at);
};

interface RequestPayload {
  apiName: string;
  duration: number;
}
type Instrumented = {
  on(event: string, listener: (e: { payload: RequestPayload & Record<string, unknown> }) => void): unknown;
  events: Record<string, string>;
};

const TX_HOPS: Record<string, Hop> = {
  AddPartitionsToTxn: 'tx AddPartitionsToTxn answered',
  Produce: 'tx Produce (events) answered',
  AddOffsetsToTxn: 'tx AddOffsetsToTxn answered',
  TxnOffsetCommit: 'tx TxnOffsetCommit answered',
  EndTxn: 'tx EndTxn (commit) answered',
};

// Every producer and consumer the log makes is given listeners as it is made.
const client = kafkajs.Kafka.prototype;
const makeProducer = client.producer;
client.producer = function (this: kafkajs.Kafka, config?: kafkajs.ProducerConfig) {
  const producer = makeProducer.call(this, config) as unknown as Instrumented;
  producer.on(producer.events.REQUEST, ({ payload }) => {
    const now = performance.now();
    count(config?.transactionalId ? 'decider transaction' : 'append producer', payload.apiName);
    if (config?.transactionalId) {
      const hop = TX_HOPS[payload.apiName];
      if (payload.apiName === 'AddPartitionsToTxn' && current?.has(hop)) retries++;
      if (hop) stamp(hop, now);
    } else if (payload.apiName === 'Produce') {
      stamp('command produce request sent', now - payload.duration);
      stamp('command produce acknowledged', now);
    }
  });
  return producer as unknown as kafkajs.Producer;
};
const makeConsumer = client.consumer;
client.consumer = function (this: kafkajs.Kafka, config: kafkajs.ConsumerConfig) {
  const consumer = makeConsumer.call(this, config) as unknown as Instrumented;
  const who = config.groupId.includes('usersvc-reader-') ? 'reader' : config.groupId.replace(/.*\./, '');
  consumer.on(consumer.events.REQUEST, ({ payload }) => count(who, payload.apiName));
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if ((payload.batchSize as number) === 0) return;
    if (config.groupId.includes('usersvc-decider')) stamp('decider fetch returns the command');
    if (config.groupId.includes('usersvc-reader-')) stamp('read_committed fetch returns the events');
  });
  return consumer as unknown as kafkajs.Consumer;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'usersvc-bench-hops-'));
  const options = resolveOptions({ addr: '127.0.0.1:0', 'http-addr': '', data: dir, log: 'kafka', brokers, 'kafka-prefix': `${path.basename(dir)}.` }, {});
  const service = await startService(options, createLogger('error'));
  const view = service.deps.view;
  const apply = view.apply.bind(view);
  view.apply = (...a: Parameters<typeof apply>) => {
    const applied = apply(...a);
    if (a[0].length > 0) stamp('projector applied the events');
    return applied;
  };
  const grpcClient = createClient(service.addr);
  const samples: Map<Hop, number>[] = [];
  try {
    for (let i = -20; i < writes; i++) {
      const t0 = performance.now();
      current = new Map([['client sends CreateUser', t0]]);
      await unary(grpcClient, 'CreateUser', { email: `hop-${i}@bench.example`, name: `Hop ${i}` });
      stamp('client has the answer');
      if (i < 0) requests.clear();
      else samples.push(current); // the first 20 warm the connections and the JIT
      current = undefined;
    }
  } finally {
    grpcClient.close();
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  print(samples);
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);

function print(samples: Map<Hop, number>[]): void {
  console.log(`CreateUser on Kafka, ${samples.length} writes one after another (kafkajs instrumentation events, in-process client)\n`);
  console.log('| hop | median ms since the client sent | median ms from the hop before | writes that passed it |');
  console.log('| --- | --- | --- | --- |');
  HOPS.forEach((hop, i) => {
    const seen = samples.filter((s) => s.has(hop));
    const since = median(seen.map((s) => s.get(hop)! - s.get(HOPS[0])!));
    const step = i === 0 ? 0 : median(seen.filter((s) => s.has(HOPS[i - 1])).map((s) => s.get(hop)! - s.get(HOPS[i - 1])!));
    console.log(`| ${hop} | ${round(since, 2)} | ${round(step, 2)} | ${seen.length} |`);
  });
  const perWrite = [...requests].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${round(n / samples.length, 2)}`);
  console.log(
    `\nRequests to the broker per write (${round([...requests.values()].reduce((a, b) => a + b, 0) / samples.length, 1)} in all): ${perWrite.join('; ')}`,
  );
  console.log('A request is stamped when its answer is handled; "produce request sent" is that less kafkajs\'s duration, in whole ms.');
  console.log(`AddPartitionsToTxn sent again (CONCURRENT_TRANSACTIONS) in ${retries} of ${samples.length} writes' transactions`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
