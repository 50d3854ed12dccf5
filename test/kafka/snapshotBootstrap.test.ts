import { Kafka, logLevel } from 'kafkajs';
import { createClient, serverStream, unary, type Client } from '../../client/userServiceClient';
import { COMMANDS, EVENTS } from '../../events/eventLog';
import { SNAPSHOT } from '../../events/compaction/snapshotRecords';
import { KAFKA_BROKERS, uniquePrefix } from '../support/kafka';
import { removeDir, runCli, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/**
 * Bounded growth on Kafka: `usersvc compact --log kafka` folds the old part of users.events into
 * the topic users.snapshot and trims users.events and users.commands before it, with the
 * servers running. A replica that never saw the history (an empty data directory) builds its
 * view and its decider's state from snapshot + tail: the same checksum as a replica that saw
 * everything, the same answers to retries, the same email uniqueness. A second compaction
 * replaces the first snapshot, and a replica bootstraps from that one. A replica left behind the
 * trimmed start while running stops, and rebuilds when started again; events deleted with no
 * snapshot covering them (a retention alone) make a new replica refuse to start.
 */
const prefix = uniquePrefix('snapshot');
const kafkaArgs = ['--log', 'kafka', '--brokers', KAFKA_BROKERS.join(','), '--kafka-prefix', prefix];
const dirs: string[] = [];
const running = new Set<{ server: ServerProcess; client: Client }>();

/** A replica on the topics, with a data directory of its own (a new one unless `dir` is given). */
async function replica(dir = tempDir('snapshot')): Promise<{ dir: string; client: Client; output(): string; stop(): Promise<void> }> {
  if (!dirs.includes(dir)) dirs.push(dir);
  const server = await startServer(dir, kafkaArgs);
  const handle = { server, client: createClient(server.addr) };
  running.add(handle);
  return {
    dir,
    client: handle.client,
    output: () => server.output(),
    stop: async () => {
      running.delete(handle);
      handle.client.close();
      expect(await server.stop()).toBe(0);
    },
  };
}

async function checksumOf(dir: string): Promise<string> {
  const run = await runCli(['checksum', '--data', dir]);
  expect(run.code === 0 ? 0 : run.stderr).toBe(0);
  return /checksum ([0-9a-f]{64})/.exec(run.stdout)![1];
}

/** Waits until the view of `dir` has the checksum `expected` (a replica folds the log in the background). */
async function until(dir: string, expected: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline && (last = await checksumOf(dir)) !== expected) await new Promise((r) => setTimeout(r, 200));
  expect(last).toBe(expected);
}

/**
 * Waits until the audit trail's consumer group (serverless.yml) has committed every event of
 * `topics`' users.events: a compaction goes no further than that group, and a member frozen or
 * gone holds its partitions back until the group gives them to another (session timeout, 6 s).
 */
async function auditCaughtUp(topics: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  const behind = async () => {
    const offsets = new Map((await admin.fetchTopicOffsets(topics + EVENTS)).map((o) => [o.partition, o]));
    const [{ partitions }] = await admin.fetchOffsets({ groupId: `${topics}usersvc-audit-trail`, topics: [topics + EVENTS] });
    // A partition no event went to has nothing to commit (-1): it holds nothing back either.
    const caughtUp = (p: { partition: number; offset: string }) =>
      p.offset === offsets.get(p.partition)!.high || (p.offset === '-1' && offsets.get(p.partition)!.high === offsets.get(p.partition)!.low);
    return partitions.filter((p) => !caughtUp(p));
  };
  let left = await behind();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = await behind();
  }
  expect(left).toEqual([]);
}

async function compact(): Promise<string> {
  await auditCaughtUp(prefix);
  const scratch = tempDir('snapshot-compact');
  dirs.push(scratch);
  const run = await runCli(['compact', '--data', scratch, '--keep', '0s', ...kafkaArgs]);
  expect(run.code === 0 ? 0 : run.stderr).toBe(0);
  expect(run.stderr).toMatch(/^compact: \d+ offsets dropped$/m);
  return run.stdout;
}

const kafka = new Kafka({ clientId: 'snapshot-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
/** The first offset each partition of `topic` still holds. */
const starts = async (topic: string) => (await admin.fetchTopicOffsets(prefix + topic)).map((o) => Number(o.low));

const listed = async (client: Client) => (await serverStream(client, 'ListUsers', {})).messages.map((u) => `${u.id} ${u.email} ${u.name} v${u.version}`).sort();

beforeAll(() => admin.connect());
afterAll(async () => {
  await admin.disconnect();
  for (const { server, client } of running) {
    client.close();
    expect(await server.stop()).toBe(0);
  }
  dirs.forEach(removeDir);
});

describe('a compacted Kafka log', () => {
  it('bootstraps a new replica from users.snapshot + the tail, generation after generation', async () => {
    let first = await replica();
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) {
      const { response } = await unary(first.client, 'CreateUser', { email: `snap-${n}@example.com`, name: `Snap ${n}`, request_id: `snap-create-${n}` });
      ids.push(response.id);
    }
    for (let n = 0; n < 8; n++) await unary(first.client, 'UpdateUser', { user: { id: ids[n], name: `Renamed ${n}` }, update_mask: { paths: ['name'] } });
    for (let n = 8; n < 12; n++) await unary(first.client, 'DeleteUser', { id: ids[n] });
    for (let n = 12; n < 14; n++) await unary(first.client, 'EraseUser', { id: ids[n] });
    const history = await listed(first.client);
    expect(history).toHaveLength(14);
    const whole = await checksumOf(first.dir);

    expect(await compact()).toMatch(/^snapshot through \S+: 14 users, \d+ events$/m);
    expect((await starts(EVENTS)).some((offset) => offset > 0)).toBe(true);
    expect((await starts(COMMANDS))[0]).toBeGreaterThan(0);
    const firstSnapshot = (await starts(SNAPSHOT))[0];

    // Alone on the topics, a replica with nothing of the history: its view and its decider's
    // state come from the snapshot and the tail.
    await first.stop();
    const second = await replica();
    await until(second.dir, whole);
    expect(await listed(second.client)).toEqual(history);
    const retried = await unary(second.client, 'CreateUser', { email: 'snap-0@example.com', name: 'Snap 0', request_id: 'snap-create-0' });
    expect(retried.response.id).toBe(ids[0]); // the outcome, kept in the snapshot
    await expect(unary(second.client, 'CreateUser', { email: 'snap-1@example.com', name: 'Taken' })).rejects.toMatchObject({ code: 6 });
    await expect(unary(second.client, 'GetUser', { id: ids[9] })).rejects.toMatchObject({ code: 5 });
    await expect(unary(second.client, 'GetUser', { id: ids[12] })).rejects.toMatchObject({ code: 5 });
    await unary(second.client, 'CreateUser', { email: 'snap-12@example.com', name: 'The erased email, taken again' });
    await unary(second.client, 'UpdateUser', { user: { id: ids[1], name: 'Renamed after the snapshot' }, update_mask: { paths: ['name'] } });
    const later = await checksumOf(second.dir);

    // The replica that saw everything comes back past the trimmed start and agrees.
    first = await replica(first.dir);
    await until(first.dir, later);

    // It stops again and misses a write; a second compaction, with a server running, replaces the
    // first snapshot and trims past its view. A third replica bootstraps from the new snapshot;
    // the first, behind the log's start now, rebuilds from it.
    await first.stop();
    await unary(second.client, 'UpdateUser', { user: { id: ids[2], name: 'While the first was away' }, update_mask: { paths: ['name'] } });
    const latest = await checksumOf(second.dir);
    expect(await compact()).toMatch(/^snapshot through \S+: 15 users, \d+ events$/m);
    expect((await starts(SNAPSHOT))[0]).toBeGreaterThan(firstSnapshot);
    const third = await replica();
    await until(third.dir, latest);
    first = await replica(first.dir);
    expect(first.output()).toMatch(/"reason":"is behind the start of the log[^"]*","msg":"view out of step with the log: rebuilding it before serving"/);
    await until(first.dir, latest);
    expect(await listed(third.client)).toEqual(await listed(first.client));
  });

  it('refuses to start a new replica when retention deleted events no snapshot covers', async () => {
    const lost = uniquePrefix('retention');
    const dir = tempDir('retention');
    dirs.push(dir);
    const args = ['--log', 'kafka', '--brokers', KAFKA_BROKERS.join(','), '--kafka-prefix', lost];
    const server = await startServer(dir, args);
    const client = createClient(server.addr);
    for (let n = 0; n < 5; n++) await unary(client, 'CreateUser', { email: `lost-${n}@example.com`, name: `Lost ${n}` });
    client.close();
    expect(await server.stop()).toBe(0);
    // What a retention.ms on users.events does when nobody compacts: the oldest events are deleted.
    const offsets = await admin.fetchTopicOffsets(lost + EVENTS);
    await admin.deleteTopicRecords({ topic: lost + EVENTS, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) });
    const fresh = tempDir('retention');
    dirs.push(fresh);
    await expect(startServer(fresh, args)).rejects.toThrow(/no snapshot covers the events before it/);
  });

  it('stops a running replica whose view fell behind the trimmed start; started again, it rebuilds and agrees', async () => {
    const own = uniquePrefix('lagging');
    const args = ['--log', 'kafka', '--brokers', KAFKA_BROKERS.join(','), '--kafka-prefix', own];
    const [leadDir, laggingDir, scratch] = [tempDir('lead'), tempDir('lagging'), tempDir('lagging-compact')];
    dirs.push(leadDir, laggingDir, scratch);
    const lead = await startServer(leadDir, args);
    const leadClient = createClient(lead.addr);
    try {
      for (let n = 0; n < 5; n++) await unary(leadClient, 'CreateUser', { email: `lag-${n}@example.com`, name: `Lag ${n}` });
      let lagging = await startServer(laggingDir, args);
      await until(laggingDir, await checksumOf(leadDir));
      // The replica stops reading (SIGSTOP: a partition, a long GC) while writes go on and a compaction trims past its view.
      lagging.child.kill('SIGSTOP');
      for (let n = 5; n < 8; n++) {
        // If the frozen replica held the decider's partition, the group gives it to the other after its session timeout (6 s).
        await unary(leadClient, 'CreateUser', { email: `lag-${n}@example.com`, name: `Lag ${n}` }, { timeoutMs: 60_000 });
      }
      await auditCaughtUp(own);
      const run = await runCli(['compact', '--data', scratch, '--keep', '0s', ...args]);
      expect(run.code === 0 ? 0 : run.stderr).toBe(0);
      lagging.child.kill('SIGCONT');
      expect(await lagging.exited).toBe(1);
      expect(lagging.output()).toMatch(/"msg":"projector is behind the start of users\.events \(it now starts at [^)]*\).*stopping rather than serving/);
      lagging = await startServer(laggingDir, args);
      await until(laggingDir, await checksumOf(leadDir));
      expect(await lagging.stop()).toBe(0);
    } finally {
      leadClient.close();
      expect(await lead.stop()).toBe(0);
    }
  });
});
