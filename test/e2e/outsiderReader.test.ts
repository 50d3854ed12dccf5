import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { createClient, unary, type Client } from '../../client/userServiceClient';
import { EVENTS } from '../../events/eventLog';
import { readToEnd } from '../../events/readToEnd';
import { Cursor } from '../../lib/cursor';
import { packageRoot } from '../../lib/packageRoot';
import { decodeMessage, messageType } from '../../proto/schema';
import { openTestKafkaLog } from '../support/kafka';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/**
 * What a subscriber outside the service sees of users.events, and how it opens it (README,
 * "Reading the topic without JavaScript"): the record is sealed, and scripts/outsider/open_sealed.py
 * opens it with the key the gateway hands out, until the user is erased.
 */
const script = path.join(packageRoot(), 'scripts', 'outsider', 'open_sealed.py');

function openSealed(record: Buffer, gateway: string): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('python3', [script, '--gateway', `http://${gateway}`], { encoding: 'buffer' }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.toString() }),
    );
    child.stdin!.end(record);
  });
}

/** The last record of users.events, as any reader of the log gets it. */
async function lastEventRecord(dir: string): Promise<Buffer> {
  if (process.env.USERSVC_TEST_LOG !== 'kafka') {
    const db = new Database(path.join(dir, 'log.db'), { readonly: true });
    try {
      return db.prepare("SELECT value FROM records WHERE topic = 'users.events' ORDER BY offset DESC LIMIT 1").pluck().get() as Buffer;
    } finally {
      db.close();
    }
  }
  const log = await openTestKafkaLog(`${path.basename(dir)}.`);
  try {
    let last: Buffer | undefined;
    await readToEnd(log, EVENTS, Cursor.empty, (batch) => (last = batch.records.at(-1)?.value ?? last));
    return last!;
  } finally {
    await log.close();
  }
}

describe('a subscriber outside the service', () => {
  let dir: string;
  let server: ServerProcess;
  let client: Client;
  beforeAll(async () => {
    dir = tempDir('outsider');
    server = await startServer(dir);
    client = createClient(server.addr);
  });
  afterAll(async () => {
    client.close();
    expect(await server.stop()).toBe(0);
    removeDir(dir);
  });

  it('sees a sealed record, opens it with the key GetUserKeys gives, and can no longer once the user is erased', async () => {
    const { response: user } = await unary(client, 'CreateUser', { email: 'outsider@sealed.example', name: 'Outside Reader' });
    const record = await lastEventRecord(dir);
    const eventType = messageType('userservice.UserEvent');
    const envelope = decodeMessage<{ kind: string; sealed: { user_id: string; kind: string } }>(eventType, record);
    expect(envelope).toMatchObject({ kind: 'sealed', sealed: { user_id: user.id, kind: 'user_created' } });
    expect(record.includes(Buffer.from('outsider@sealed.example'))).toBe(false);

    const opened = await openSealed(record, server.httpAddr);
    expect(opened).toMatchObject({ code: 0, stderr: '' });
    expect(decodeMessage(eventType, opened.stdout)).toMatchObject({ kind: 'user_created', user_created: { user } });

    await unary(client, 'EraseUser', { id: user.id });
    const refused = await openSealed(record, server.httpAddr);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`user ${user.id} was erased`);
  });
});
