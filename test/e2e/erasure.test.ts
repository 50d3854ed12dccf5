import Database from 'better-sqlite3';
import { nanoid } from 'nanoid';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createClient, unary, type Client } from '../../client/userServiceClient';
import { Code } from '../../lib/code';
import { ChangeType } from '../../proto/messages';
import { KAFKA_BROKERS } from '../support/kafka';
import { filesUnder, findBytes, topicRecords } from '../support/storedBytes';
import { SyncStream } from '../support/syncStream';
import { backendArgs, removeDir, runCli, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/**
 * Erasure by crypto-shredding (issue 17): after EraseUser, the user's email and names are nowhere
 * the system keeps bytes (every file of the data directory, WAL and audit trail included; a
 * rebuild's output; on Kafka, every record of every topic read with a plain consumer once the key
 * topic is compacted), nor is its key; every other user is intact, and a rebuild still equals the
 * live view's checksum. Runs on the embedded log here and on Kafka in the kafka project.
 */
const onKafka = process.env.USERSVC_TEST_LOG === 'kafka';
const unique = nanoid(10).replace(/[^a-zA-Z0-9]/g, 'x');
const email = `shred-${unique}@erasure.example`;
const firstName = `Shreddable ${unique}`;
const secondName = `Renamed Shreddable ${unique}`;

const checksumOf = async (args: string[]) => {
  const run = await runCli(args);
  expect(run).toMatchObject({ code: 0 });
  return /checksum ([0-9a-f]{64})/.exec(run.stdout)![1];
};

/** Waits until the audit trail (a subscriber, so a little behind) holds what `ready` looks for. */
async function auditTrail<T>(dir: string, read: (db: Database.Database) => T, ready: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    let value: T | undefined;
    try {
      const db = new Database(path.join(dir, 'audit.db'), { readonly: true });
      value = read(db);
      db.close();
    } catch {
      // not created yet
    }
    if (value !== undefined && ready(value)) return value;
    if (Date.now() > deadline) throw new Error(`the audit trail did not get there in 15 s (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Forces the compaction of users.keys (tiny segments, no dirty-ratio wait) and waits until the key's record is gone from it. */
async function compactKeysTopic(prefix: string, key: Buffer): Promise<void> {
  const kafka = new Kafka({ clientId: 'erasure-compact', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  const topic = `${prefix}users.keys`;
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: 2, // TOPIC
          name: topic,
          // AlterConfigs replaces the topic's whole set: the compact policy is said again.
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.ms', value: '100' },
            { name: 'min.cleanable.dirty.ratio', value: '0.0001' },
            { name: 'delete.retention.ms', value: '100' },
            { name: 'max.compaction.lag.ms', value: '100' },
          ],
        },
      ],
    });
    const deadline = Date.now() + 90_000;
    for (let n = 0; ; n++) {
      // Each append after segment.ms rolls a segment, so the destroyed key's record leaves the active one.
      await producer.send({ topic, messages: [{ key: `roll-${n}`, value: null }] });
      const records = await topicRecords(KAFKA_BROKERS, topic);
      if (!records.some((r) => r.bytes.includes(key))) return;
      if (Date.now() > deadline) throw new Error(`${topic} still holds the destroyed key after 90 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
  }
}

describe('EraseUser', () => {
  let dir: string;
  let server: ServerProcess;
  let client: Client;
  beforeAll(async () => {
    dir = tempDir('erasure');
    server = await startServer(dir);
    client = createClient(server.addr);
  });
  afterAll(async () => {
    client.close();
    await server.stop();
    removeDir(dir);
  });

  it('leaves no byte of the user anywhere, keeps every other user, and a rebuild still equals the live view', async () => {
    const { response: erased } = await unary(client, 'CreateUser', { email, name: firstName, request_id: `create-${unique}` });
    const others = [];
    for (let i = 0; i < 3; i++) others.push((await unary(client, 'CreateUser', { email: `keep-${i}-${unique}@erasure.example`, name: `Kept ${i}` })).response);
    await unary(client, 'UpdateUser', { user: { id: erased.id, name: secondName }, update_mask: { paths: ['name'] } });
    await unary(client, 'UpdateUser', { user: { id: others[0].id, name: 'Kept 0 renamed' }, update_mask: { paths: ['name'] } });
    const { response: keys } = await unary(client, 'GetUserKeys', { ids: [erased.id, others[1].id] });
    const key = Buffer.from(keys.keys[erased.id]);
    expect(key).toHaveLength(32);
    // The subscriber holds the user before the erasure, as a replica would.
    await auditTrail(
      dir,
      (db) => db.prepare('SELECT COUNT(*) FROM audit_trail WHERE user_id = ?').pluck().get(erased.id) as number,
      (n) => n === 2,
    );
    const watcher = new SyncStream(client).subscribe();
    await watcher.until((s) => s.received.some((m) => m.caught_up));
    // The log's first position, in the cursor form the service hands out (`partition:offset@log`).
    const fromStart = `0:0@${watcher.received.find((m) => m.caught_up)!.caught_up!.cursor.split('@')[1]}`;

    const needles = { email: Buffer.from(email), 'first name': Buffer.from(firstName), 'second name': Buffer.from(secondName), key };
    // Before: the views and the audit trail hold the user in the clear (the search finds what is
    // there), the log and its copies never do (sealed from the first write).
    const before = findBytes(filesUnder(dir), { email: needles.email });
    expect(before.some((found) => found.includes('views.db'))).toBe(true);
    expect(before.filter((found) => /log\.db/.test(found))).toEqual([]);
    if (onKafka) {
      const records = await topicRecords(KAFKA_BROKERS, `${path.basename(dir)}.`);
      expect(records.filter((r) => r.bytes.includes(needles.email) || r.bytes.includes(needles['first name'])).map((r) => r.topic)).toEqual([]);
    }

    const { response } = await unary(client, 'EraseUser', { id: erased.id, request_id: `erase-${unique}` });
    expect(response).toEqual({ id: erased.id, deleted: true });

    // Subscribers are told; the user is gone; its key with it; a retry answers the same.
    await watcher.until((s) => s.events().some((e) => e.type === ChangeType.CHANGE_TYPE_ERASED));
    const told = watcher.events().find((e) => e.type === ChangeType.CHANGE_TYPE_ERASED)!;
    expect(told.user).toMatchObject({ id: erased.id, email: '', name: '', version: 3 });
    watcher.cancel();
    await expect(unary(client, 'GetUser', { id: erased.id })).rejects.toMatchObject({ code: Code.NOT_FOUND });
    expect((await unary(client, 'GetUserKeys', { ids: [erased.id] })).response).toEqual({ keys: {}, erased: [erased.id] });
    expect((await unary(client, 'EraseUser', { id: erased.id, request_id: `erase-${unique}` })).response).toEqual({ id: erased.id, deleted: true });
    await expect(unary(client, 'EraseUser', { id: erased.id })).rejects.toMatchObject({ code: Code.NOT_FOUND });
    await expect(unary(client, 'UpdateUser', { user: { id: erased.id, name: 'Back' } })).rejects.toMatchObject({ code: Code.NOT_FOUND });
    // A retry of the user's creation cannot bring it back: its outcome can no longer be read.
    await expect(unary(client, 'CreateUser', { email, name: firstName, request_id: `create-${unique}` })).rejects.toMatchObject({ code: Code.NOT_FOUND });
    await auditTrail(
      dir,
      (db) => db.prepare("SELECT COUNT(*) FROM audit_trail WHERE user_id = ? AND email = ''").pluck().get(erased.id) as number,
      (n) => n === 3,
    );

    // A subscriber from the start reads the others, and of the erased user only that it was erased.
    const replay = new SyncStream(client).subscribe(fromStart);
    await replay.until((s) => s.received.some((m) => m.caught_up));
    expect(
      replay
        .events()
        .filter((e) => e.user.id === erased.id)
        .map((e) => e.type),
    ).toEqual([ChangeType.CHANGE_TYPE_ERASED]);
    expect(replay.events().filter((e) => e.type === ChangeType.CHANGE_TYPE_CREATED)).toHaveLength(3);
    replay.cancel();

    // While the server runs: its files, WAL included (each store checkpoints after an erasure).
    expect(findBytes(filesUnder(dir), needles)).toEqual([]);
    // A backup of the live directory taken now, and the directory restored from it, hold none of it either.
    const backupDir = tempDir('erasure-backup');
    try {
      const file = path.join(backupDir, 'after-erasure.backup');
      expect(await runCli(['backup', '--data', dir, '--to', file, ...backendArgs(dir)])).toMatchObject({ code: 0 });
      expect(await runCli(['restore', '--from', file, '--data', path.join(backupDir, 'restored'), ...backendArgs(dir)])).toMatchObject({ code: 0 });
      expect(findBytes(filesUnder(backupDir), needles)).toEqual([]);
    } finally {
      removeDir(backupDir);
    }
    const live = await checksumOf(['checksum', '--data', dir]);
    expect(await server.stop()).toBe(0);
    expect(findBytes(filesUnder(dir), needles)).toEqual([]);

    // A rebuild from the log reads no more than the live view held: same checksum, same absence.
    expect(await checksumOf(['rebuild', '--data', dir, ...backendArgs(dir)])).toBe(live);
    expect(findBytes(filesUnder(dir), needles)).toEqual([]);
    if (onKafka) {
      const prefix = `${path.basename(dir)}.`;
      await compactKeysTopic(prefix, key);
      const records = await topicRecords(KAFKA_BROKERS, prefix);
      expect(records.length).toBeGreaterThan(10);
      expect(records.filter((r) => Object.values(needles).some((n) => r.bytes.includes(n))).map((r) => r.topic)).toEqual([]);
    }

    // Every other user is intact, and the email can be taken again.
    server = await startServer(dir);
    client.close();
    client = createClient(server.addr);
    for (const user of others.slice(1)) expect((await unary(client, 'GetUser', { id: user.id })).response).toEqual(user);
    expect((await unary(client, 'GetUser', { id: others[0].id })).response.name).toBe('Kept 0 renamed');
    expect((await unary(client, 'CreateUser', { email, name: 'Someone else' })).response.email).toBe(email);
  }, 180_000);
});
