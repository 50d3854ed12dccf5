import { createLogger } from '../../lib/logger';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createClient, unary, type Client } from '../../client/userServiceClient';
import { EVENTS } from '../../events/eventLog';
import type { KafkaLog } from '../../events/kafka/kafkaLog';
import { LogKeyStore } from '../../events/sealing/logKeyStore';
import { handler as auditTrail } from '../../events/subscribers/auditTrail';
import { toLambdaKafkaEvent } from '../../events/subscribers/lambdaKafkaEvent';
import { subscribeToChanges } from '../../events/subscribers/subscribeToChanges';
import type { UserChange } from '../../events/subscribers/userChange';
import { readToEnd } from '../../events/readToEnd';
import { Cursor } from '../../lib/cursor';
import { openDatabase } from '../../store/openDatabase';
import { KAFKA_BROKERS, openTestKafkaLog, uniquePrefix } from '../support/kafka';
import { CLI, removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

const prefix = uniquePrefix('subscribers');
const kafkaArgs = ['--log', 'kafka', '--brokers', KAFKA_BROKERS.join(','), '--kafka-prefix', prefix];
let dir: string;
let server: ServerProcess;
let client: Client;
let log: KafkaLog;
let keys: LogKeyStore;

/** Subscribes until `count` changes arrived (or 20 s passed), then stops. */
async function collect(group: string, from: 'earliest' | 'latest', count: number, whileRunning: () => Promise<void> = async () => {}): Promise<UserChange[]> {
  const stop = new AbortController();
  const changes: UserChange[] = [];
  const timer = setTimeout(() => stop.abort(), 20_000);
  const running = subscribeToChanges(log, keys, {
    group,
    from,
    signal: stop.signal,
    onChanges: async (batch) => {
      changes.push(...batch);
      if (changes.length >= count) stop.abort();
    },
  });
  await whileRunning();
  await running;
  clearTimeout(timer);
  return changes;
}

const key = (c: UserChange) => `${c.user.id}@${c.version}`;

beforeAll(async () => {
  dir = tempDir('subscribers');
  server = await startServer(dir, kafkaArgs);
  client = createClient(server.addr);
  log = await openTestKafkaLog(prefix);
  keys = await LogKeyStore.open(
    log,
    createLogger('error', () => {}),
  );
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await unary(client, 'CreateUser', { email: `s${i}@subscribers.example`, name: `S${i}` })).response.id);
  await unary(client, 'UpdateUser', { user: { id: ids[0], name: 'S0 renamed' } });
  await unary(client, 'DeleteUser', { id: ids[1] });
});

afterAll(async () => {
  client.close();
  await keys.close();
  await log.close();
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

describe('subscribeToChanges', () => {
  it('delivers every change from the start with its version, and a restarted group resumes where it committed', async () => {
    const first = await collect('audit-a', 'earliest', 7);
    expect(first.map((c) => c.type).sort()).toEqual(['created', 'created', 'created', 'created', 'created', 'deleted', 'updated']);
    const s0 = first.filter((c) => c.user.name.startsWith('S0'));
    expect(s0.map((c) => [c.type, c.version])).toEqual([
      ['created', 1],
      ['updated', 2],
    ]);

    await unary(client, 'CreateUser', { email: 'later@subscribers.example', name: 'Later' });
    const second = await collect('audit-a', 'earliest', 1);
    expect(second.map((c) => c.user.email)).toEqual(['later@subscribers.example']);
    expect(second.filter((c) => first.some((f) => key(f) === key(c)))).toEqual([]);
  });

  it('starts a new group at the end with "latest"', async () => {
    const changes = await collect('audit-b', 'latest', 1, async () => {
      await new Promise((r) => setTimeout(r, 1500)); // let the group join before writing
      await unary(client, 'CreateUser', { email: 'fresh@subscribers.example', name: 'Fresh' });
    });
    expect(changes.map((c) => c.user.email)).toEqual(['fresh@subscribers.example']);
  });
});

describe('usersvc subscribe', () => {
  it('prints each change as one JSON line and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'subscribe', '--group', 'cli', '--from', 'earliest', ...kafkaArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const lines = () => stdout.split('\n').filter(Boolean);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${lines().length} lines in 20 s`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (lines().length >= 7) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const first = JSON.parse(lines()[0]);
    expect(first).toMatchObject({ type: 'created', version: 1, user: { email: expect.stringMatching(/@subscribers\.example$/) } });
  });
});

describe('the audit trail subscriber (Lambda-shaped)', () => {
  it('records each change once from an AWS Lambda Kafka event built from real records, even when delivered twice, with keys fetched from the service', async () => {
    const records: Parameters<typeof toLambdaKafkaEvent>[0] = [];
    await readToEnd(log, EVENTS, Cursor.empty, (batch) => records.push(...batch.records));
    const event = toLambdaKafkaEvent(records, KAFKA_BROKERS.join(','));
    expect(Object.keys(event.records).every((k) => /^users\.events-\d$/.test(k))).toBe(true);
    const auditDir = tempDir('audit');
    process.env.AUDIT_TRAIL_DB = path.join(auditDir, 'audit.db');
    // As deployed on its own: the sealed events open with keys it asks the service for (GetUserKeys).
    process.env.USERSVC_ADDR = server.addr;
    const changes = records.length - 0; // every record here is a change (no command was rejected)
    expect(await auditTrail(event)).toEqual({ recorded: changes });
    expect(await auditTrail(event)).toEqual({ recorded: 0 });
    const db = openDatabase(process.env.AUDIT_TRAIL_DB, { readonly: true });
    expect(db.prepare("SELECT COUNT(*) FROM audit_trail WHERE email LIKE '%@subscribers.example'").pluck().get()).toBe(changes);
    db.close();
    delete process.env.AUDIT_TRAIL_DB;
    delete process.env.USERSVC_ADDR;
    removeDir(auditDir);
  });

  it('runs inside the server from serverless.yml and fills audit.db in the data directory', async () => {
    const deadline = Date.now() + 20_000;
    let rows = 0;
    while (Date.now() < deadline) {
      const db = openDatabase(path.join(dir, 'audit.db'), { readonly: true });
      rows = (db.prepare('SELECT COUNT(*) AS n FROM audit_trail').get() as { n: number }).n;
      db.close();
      if (rows >= 9) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows).toBeGreaterThanOrEqual(9);
  });
});
