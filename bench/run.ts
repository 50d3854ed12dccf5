/**
 * `npm run bench`: in one run, the stack's own limits (bare grpc-js, bare Node http, raw SQLite)
 * and the service side by side, with the targets of issue 6 as ratios. Writes
 * bench/results/bench.json, SVG plots and the tables in bench/RESULTS.md (between its markers).
 *
 *   npm run bench -- [--users 100000] [--events 1000000] [--calls 20000] [--no-kafka] [--quick]
 *   npm run bench -- --only fanout [--rounds 3] [--cpu-prof DIR]   (the SyncUsers fan-out alone, medians of alternating rounds: prints its table,
 *     writes bench/results/fanout.json; with --cpu-prof, V8 CPU profiles of the server and the subscriber processes in DIR)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, unary } from '../client/userServiceClient';
import { packageRoot } from '../lib/packageRoot';
import { removeDir, startServer, tempDir } from './harness/serverProcess';
import { ensureH2load, ensureKafka } from './load/prerequisites';
import { markdownTables, verdictLine } from './report/markdown';
import { barChart, latencyCdf } from './report/svg';
import { progress, startBaselines, type Measurement, type Ratio } from './suites/context';
import { readBenchmarks } from './suites/reads';
import { rebuild, restartTime, seedEvents } from './suites/replay';
import { sqliteBaselines } from './suites/sqliteRaw';
import { idleStreamMemory } from './suites/streamMemory';
import { fanoutOnly, fanoutTargets } from './suites/fanoutOnly';
import { bulkBenchmarks, fanoutBenchmark } from './suites/streams';
import { writeBenchmarks } from './suites/writes';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    events: { type: 'string', default: '1000000' },
    calls: { type: 'string', default: '20000' },
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    'no-kafka': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});
const quick = values.quick as boolean;
const USERS = quick ? 5000 : Number(values.users);
const EVENTS = quick ? 20000 : Number(values.events);
const CALLS = quick ? 3000 : Number(values.calls);
const KAFKA = !values['no-kafka'];
const runTag = `b${Date.now().toString(36)}`;

async function main(): Promise<void> {
  if (values.only === 'fanout') return fanoutOnly(quick, runTag, values['cpu-prof'] as string | undefined, Number(values.rounds));
  if (values.only !== undefined) throw new Error(`--only ${values.only}: the only part that runs alone is "fanout"`);
  const started = Date.now();
  const measurements: Measurement[] = [];
  const facts: Record<string, number | string> = {};
  const find = (name: string) => {
    const m = measurements.find((x) => x.name === name);
    if (!m) throw new Error(`no measurement "${name}"`);
    return m;
  };

  ensureH2load();
  if (KAFKA) process.once('exit', ensureKafka(values.brokers as string)); // stops a broker we started, however the run ends
  const bare = await startBaselines();
  const dir = tempDir('bench');
  const server = await startServer(dir, ['--metrics-addr', '127.0.0.1:0']);
  const pid = server.child.pid!;
  try {
    const client = createClient(server.addr);
    const { response: seed } = await unary(client, 'CreateUser', { email: `${runTag}@seed.example`, name: 'Seed' });
    client.close();
    measurements.push(
      ...(await readBenchmarks({
        ours: { addr: server.addr, httpAddr: server.httpAddr, pid },
        bare: { grpc: bare.grpc, http: bare.http, pid: bare.pid },
        id: seed.id,
        requests: CALLS * 2,
      })),
    );
    measurements.push(
      ...(await writeBenchmarks(
        { label: 'bare grpc-js unary (echo)', grpc: bare.grpc, http: { addr: bare.http, label: 'bare Node http JSON POST (echo)' }, pid: bare.pid },
        { one: CALLS / 10, many: CALLS },
        runTag,
      )),
    );
    measurements.push(
      ...(await writeBenchmarks(
        { label: 'CreateUser, embedded (gRPC)', grpc: server.addr, http: { addr: server.httpAddr, label: 'POST /v1/users, embedded (gateway)' }, pid },
        { one: CALLS / 10, many: CALLS },
        runTag,
      )),
    );
    measurements.push(...(await bulkBenchmarks({ addr: server.addr, pid, bareGrpc: bare.grpc, barePid: bare.pid, users: USERS, tag: runTag })));
    for (const subscribers of [100, 1000]) {
      measurements.push(await fanoutBenchmark({ addr: server.addr, pid, subscribers, writes: quick ? 50 : 200, tag: runTag }));
      measurements.push(await fanoutBenchmark({ addr: bare.grpc, pid: bare.pid, subscribers, writes: quick ? 50 : 200, tag: `${runTag}b`, bare: true }));
    }
  } finally {
    await server.stop();
    removeDir(dir);
  }

  for (const streams of [100, 1000]) facts[`memory per idle SyncUsers stream (${streams} open), bytes of server heap`] = await idleStreamMemory(streams);

  // Replay: a log of EVENTS user-created events, rebuilt into fresh views; then a restart on it.
  const replayDir = tempDir('bench-replay');
  try {
    progress(`seeding ${EVENTS.toLocaleString('en')} events on the embedded log`);
    await seedEvents(['--data', replayDir], EVENTS);
    measurements.push(await rebuild('embedded', ['--data', replayDir], EVENTS));
    progress(`restart with ${EVENTS.toLocaleString('en')} users in the view`);
    const restart = await restartTime(replayDir, []);
    facts['restart to listening, s'] = Number(restart.seconds.toFixed(3));
    facts[`server RSS at rest with ${EVENTS.toLocaleString('en')} users, MB`] = Math.round(restart.rssBytes / 2 ** 20);
    facts[`views.db with ${EVENTS.toLocaleString('en')} users, MB`] = Math.round(restart.viewBytes / 2 ** 20);
    measurements.push(...sqliteBaselines(replayDir, EVENTS));
  } finally {
    removeDir(replayDir);
  }

  if (KAFKA) {
    const kafkaDir = tempDir('bench-kafka');
    const kafkaArgs = ['--log', 'kafka', '--brokers', values.brokers as string, '--kafka-prefix', `${runTag}.`];
    try {
      const kafkaServer = await startServer(kafkaDir, kafkaArgs);
      try {
        measurements.push(
          ...(await writeBenchmarks(
            { label: 'CreateUser, Kafka (gRPC)', grpc: kafkaServer.addr, pid: kafkaServer.child.pid! },
            { one: CALLS / 20, many: CALLS / 2 },
            `${runTag}k`,
          )),
        );
      } finally {
        await kafkaServer.stop();
      }
      const replayArgs = ['--data', kafkaDir, '--log', 'kafka', '--brokers', values.brokers as string, '--kafka-prefix', `${runTag}r.`];
      progress(`seeding ${EVENTS.toLocaleString('en')} events on Kafka`);
      await seedEvents(replayArgs, EVENTS);
      measurements.push(await rebuild('Kafka', replayArgs, EVENTS));
    } finally {
      removeDir(kafkaDir);
    }
  }
  bare.child.kill();

  const rate = (name: string) => find(name).rate;
  const ratio = (name: string, ours: string, baseline: string, target: number): Ratio => ({
    name,
    ours,
    baseline,
    value: rate(ours) / rate(baseline),
    target,
    op: '>=',
  });
  const ratios: Ratio[] = [
    ratio('GetUser vs bare grpc-js unary', 'GetUser (gRPC)', 'bare grpc-js unary', 0.8),
    ratio('ListUsers vs bare grpc-js streaming', `ListUsers (${USERS.toLocaleString('en')} users)`, 'bare grpc-js server stream', 0.8),
    {
      ...ratio('durable CreateUser (embedded) vs bare grpc-js unary, 64 in flight', 'CreateUser, embedded (gRPC)', 'bare grpc-js unary (echo)', 0.5),
      value: rateIn('64', 'CreateUser, embedded (gRPC)') / rateIn('64', 'bare grpc-js unary (echo)'),
    },
    ratio(
      'embedded rebuild vs raw SQLite batched insert',
      `rebuild, embedded (${EVENTS.toLocaleString('en')} events)`,
      'batched insert (view table, 10k rows per transaction)',
      0.5,
    ),
    {
      name: `restart to listening with ${EVENTS.toLocaleString('en')} users`,
      ours: 'usersvc serve',
      baseline: '',
      value: Number(facts['restart to listening, s']),
      target: 1,
      op: '<',
    },
    ...fanoutTargets(measurements),
  ];
  function rateIn(concurrency: string, name: string): number {
    const m = measurements.find((x) => x.name === name && x.group === `writes, ${concurrency} in flight`);
    if (!m) throw new Error(`no ${name} at ${concurrency}`);
    return m.rate;
  }

  const seconds = Math.round((Date.now() - started) / 1000);
  const machine = `${os.cpus().length} cores (${os.cpus()[0].model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, ${os.type()} ${os.release()}`;
  const command = `npm run bench${quick ? ' -- --quick' : ''}`;
  for (const r of ratios) process.stdout.write(`${verdictLine(r)}\n`);
  for (const [key, value] of Object.entries(facts)) process.stdout.write(`         ${key}: ${value}\n`);

  const outDir = path.join(packageRoot(), 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    path.join(outDir, 'bench.json'),
    `${JSON.stringify({ date: new Date().toISOString(), command, machine, seconds, ratios, facts, measurements: measurements.map(({ latenciesMs: _l, ...m }) => m) }, null, 2)}\n`,
  );
  writeFileSync(
    path.join(outDir, 'ratios.svg'),
    barChart(
      'Targets: ours / baseline, same run',
      ratios
        .filter((r) => r.op === '>=' && !r.name.startsWith('fan-out'))
        .map((r) => ({ label: r.name.replace(/ vs .*/, ''), value: r.value, text: `${r.value.toFixed(2)}x (target ${r.target}x)` })),
      { value: 1, label: 'baseline = 1x' },
    ),
  );
  const withSamples = (names: string[]) => names.map((n) => ({ label: n, samples: find(n).latenciesMs ?? [] })).filter((s) => s.samples.length > 0);
  writeFileSync(
    path.join(outDir, 'unary-latency.svg'),
    latencyCdf(
      'Unary reads: latency distribution (h2load)',
      withSamples(['bare grpc-js unary', 'GetUser (gRPC)', 'bare Node http JSON', 'GET /v1/users/{id} (gateway)']),
    ),
  );
  const writes64 = measurements.filter((m) => m.group === 'writes, 64 in flight');
  writeFileSync(
    path.join(outDir, 'write-latency.svg'),
    latencyCdf(
      'Writes, 64 in flight: latency distribution',
      writes64.map((m) => ({ label: m.name, samples: m.latenciesMs ?? [] })),
    ),
  );
  writeFileSync(
    path.join(outDir, 'fanout-latency.svg'),
    latencyCdf(
      'SyncUsers fan-out: write-to-delivered latency',
      measurements.filter((m) => m.group === 'fan-out').map((m) => ({ label: m.name, samples: m.latenciesMs ?? [] })),
    ),
  );
  const throughput = measurements.filter((m) => m.unit === 'calls/s' && m.group.startsWith('unary'));
  writeFileSync(
    path.join(outDir, 'read-throughput.svg'),
    barChart(
      'Unary reads, calls/s (h2load)',
      throughput.map((m) => ({ label: m.name, value: m.rate, text: `${m.rate.toLocaleString('en')}/s` })),
    ),
  );

  const results = path.join(packageRoot(), 'bench', 'RESULTS.md');
  const begin = '<!-- npm run bench writes from here -->';
  const end = '<!-- to here -->';
  const text = readFileSync(results, 'utf8');
  const generated = `${begin}\n\n\`${command}\`, ${new Date().toISOString().slice(0, 10)}, ${seconds} s, on ${machine}. Raw numbers: [results/bench.json](results/bench.json).\n\n![ratios](results/ratios.svg)\n\n${markdownTables(measurements, ratios)}\n${Object.entries(
    facts,
  )
    .map(([k, v]) => `- ${k}: ${v}`)
    .join(
      '\n',
    )}\n\n![read throughput](results/read-throughput.svg)\n![unary latency](results/unary-latency.svg)\n![write latency](results/write-latency.svg)\n![fan-out latency](results/fanout-latency.svg)\n\n${end}`;
  writeFileSync(results, text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), generated) : `${text.trimEnd()}\n\n${generated}\n`);
  progress(`done in ${seconds} s; bench/RESULTS.md and bench/results/ written`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
