import * as grpc from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createClient, unary, type Client } from '../../client/userServiceClient';
import { EXIT } from '../../bin/exitCodes';
import { outcomeRowCrc } from '../../store/rowChecksum';
import { runCli, type ServerProcess, startServer } from '../support/serverProcess';
import { useTempDirs } from '../support/tempDirs';

/**
 * The embedded log restored from an older copy, or its WAL lost, under views that went further
 * (issue 12, finding 1): the view must be rebuilt from the log (or the start refused with
 * --no-auto-rebuild), never served ahead of the log with writes hanging until their deadline.
 */
const freshDir = useTempDirs();

const create = (client: Client, n: number, timeoutMs = 5000) =>
  unary(client, 'CreateUser', { email: `restore-${n}@example.com`, name: `Restore ${n}`, request_id: `restore-${n}` }, { timeoutMs });

const checksum = async (dir: string) => {
  const run = await runCli(['checksum', '--data', dir]);
  expect(run).toMatchObject({ code: 0 });
  return run.stdout;
};
const rebuilt = async (dir: string) => {
  const run = await runCli(['rebuild', '--data', dir]);
  expect(run).toMatchObject({ code: 0 });
  return run.stdout;
};

/** The reason of the start-up check's warning, from a server's output. */
const warning = (output: string) => {
  const line = output.split('\n').find((l) => l.includes('"msg":"view out of step with the log: rebuilding it before serving"'));
  return line ? (JSON.parse(line) as { reason: string }).reason : '';
};

/** Creates 3 users, stops, keeps a copy of log.db; creates 3 more and stops. Returns the cursors and ids of the lost three. */
async function viewAheadOfRestoredLog(dir: string) {
  let server = await startServer(dir);
  let client = createClient(server.addr);
  for (let n = 1; n <= 3; n++) await create(client, n);
  client.close();
  await server.stop();
  copyFileSync(path.join(dir, 'log.db'), path.join(dir, 'log.db.copy'));
  server = await startServer(dir);
  client = createClient(server.addr);
  const lost: Array<{ id: string; cursor: string }> = [];
  for (let n = 4; n <= 6; n++) {
    const { response, trailers } = await create(client, n);
    lost.push({ id: response.id, cursor: String(trailers.get('users-cursor')[0]) });
  }
  client.close();
  await server.stop();
  for (const suffix of ['', '-wal', '-shm']) rmSync(path.join(dir, `log.db${suffix}`), { force: true });
  copyFileSync(path.join(dir, 'log.db.copy'), path.join(dir, 'log.db'));
  return lost;
}

describe('a view ahead of its log', () => {
  let server: ServerProcess | undefined;
  let client: Client | undefined;
  afterEach(async () => {
    client?.close();
    await server?.stop();
    server = client = undefined;
  });

  it('is rebuilt at start: writes are answered at once, the lost users are gone, and old cursors are refused', async () => {
    const dir = freshDir('restore');
    const lost = await viewAheadOfRestoredLog(dir);
    server = await startServer(dir);
    expect(warning(server.output())).toContain('is ahead of the log: it has applied up to 0:6, and the log ends at 0:3');
    expect(server.output()).toMatch(/the log lost events it once held: it has a new identity/);
    client = createClient(server.addr);
    // Before: DEADLINE_EXCEEDED, since the new event reused an offset the view marked as applied.
    const { response } = await create(client, 7, 3000);
    expect(response).toMatchObject({ email: 'restore-7@example.com', version: 1 });
    for (const { id } of lost) await expect(unary(client, 'GetUser', { id })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    // A cursor handed out before the restore names offsets the log has since given to other events.
    await expect(unary(client, 'GetUser', { id: response.id }, { metadata: { 'users-min-cursor': lost[0].cursor } })).rejects.toMatchObject({
      code: grpc.status.OUT_OF_RANGE,
      details: expect.stringMatching(/is a position in another log/),
    });
    const { response: all } = await unary(client, 'GetUser', { id: response.id });
    expect(all.id).toBe(response.id);
    client.close();
    client = undefined;
    await server.stop();
    server = undefined;
    const live = await checksum(dir);
    expect(live).toMatch(/^users 4$/m);
    expect(await rebuilt(dir)).toBe(live);
  });

  it('is refused with --no-auto-rebuild: the message names the file, both positions and `usersvc rebuild`, and nothing changes', async () => {
    const dir = freshDir('refuse');
    await viewAheadOfRestoredLog(dir);
    const before = await checksum(dir);
    const error = await startServer(dir, ['--no-auto-rebuild']).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(new RegExp(`server exited \\(${EXIT.DATA}\\)`));
    expect(error?.message).toContain(`${path.join(dir, 'views.db')} is ahead of the log: it has applied up to 0:6, and the log ends at 0:3`);
    expect(error?.message).toContain(`usersvc rebuild --data ${dir}`);
    expect(await checksum(dir)).toBe(before);
  });

  it('is rebuilt when the log lost its WAL after a kill -9', async () => {
    const dir = freshDir('lostwal');
    server = await startServer(dir);
    client = createClient(server.addr);
    for (let n = 1; n <= 3; n++) await create(client, n);
    client.close();
    await server.stop(); // checkpointed: log.db itself holds these three
    server = await startServer(dir);
    client = createClient(server.addr);
    for (let n = 4; n <= 5; n++) await create(client, n);
    client.close();
    client = undefined;
    await server.stop('SIGKILL');
    server = undefined;
    rmSync(path.join(dir, 'log.db-wal'));
    rmSync(path.join(dir, 'log.db-shm'), { force: true });
    server = await startServer(dir);
    expect(warning(server.output())).toContain('is ahead of the log: it has applied up to 0:5, and the log ends at 0:3');
    client = createClient(server.addr);
    await expect(create(client, 6, 3000)).resolves.toMatchObject({ response: { email: 'restore-6@example.com' } });
    client.close();
    client = undefined;
    await server.stop();
    server = undefined;
    expect(await rebuilt(dir)).toBe(await checksum(dir));
  });
});

describe('the last event a view applied', () => {
  it('is checked against the log without waiting on it: a damaged or impossible last outcome gets the view rebuilt at once', async () => {
    const dir = freshDir('lastevent');
    let server = await startServer(dir);
    const client = createClient(server.addr);
    for (let n = 1; n <= 3; n++) await create(client, n);
    client.close();
    await server.stop();
    const view = path.join(dir, 'views.db');
    const newest = '(SELECT MAX(rowid) FROM outcomes)';
    // A bit flipped in its offset: the row's CRC no longer holds. (This once sent the check to read
    // past the log's end, where it waited on nothing and the process ended with exit code 0.)
    let db = new Database(view);
    db.exec(`UPDATE outcomes SET offset = offset + 4096 WHERE rowid = ${newest}`);
    db.close();
    server = await startServer(dir);
    expect(warning(server.output())).toMatch(/^is corrupt \(the outcome row of command ".*" fails its checksum\)$/);
    await server.stop();
    // The same with a CRC that holds (a view written by a bug rather than damaged): named as impossible.
    db = new Database(view);
    const row = db.prepare(`SELECT * FROM outcomes WHERE rowid = ${newest}`).get() as {
      command_id: string;
      request_id: string | null;
      partition: number;
      offset: number;
      event: Buffer;
      occurred_at: number;
    };
    const offset = row.offset + 4096;
    db.prepare(`UPDATE outcomes SET offset = ?, crc = ? WHERE rowid = ${newest}`).run(
      offset,
      outcomeRowCrc(row.command_id, row.request_id, row.partition, offset, row.event, row.occurred_at),
    );
    db.close();
    server = await startServer(dir);
    expect(warning(server.output())).toBe(`names 0:${offset} as the last event it applied, and the log has no such record (it ends at 0:3)`);
    await server.stop();
    expect(await rebuilt(dir)).toBe(await checksum(dir));
  });
});

describe('files of a newer release', () => {
  const refusal = (dir: string) =>
    startServer(dir).then(
      () => {
        throw new Error('the server started');
      },
      (e: Error) => e.message,
    );
  const prepared = async (label: string) => {
    const dir = freshDir(label);
    const server = await startServer(dir);
    const client = createClient(server.addr);
    await create(client, 1);
    client.close();
    await server.stop();
    return dir;
  };

  it('refuses a views.db of a newer layout and leaves it as it was', async () => {
    const dir = await prepared('newview');
    const db = new Database(path.join(dir, 'views.db'));
    db.pragma('user_version = 99');
    db.close();
    const message = await refusal(dir);
    expect(message).toMatch(new RegExp(`server exited \\(${EXIT.DATA}\\)`));
    expect(message).toContain(`${path.join(dir, 'views.db')} holds view layout 99, written by a newer usersvc`);
    const after = new Database(path.join(dir, 'views.db'), { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(99);
    expect(after.prepare('SELECT COUNT(*) AS n FROM users').get()).toEqual({ n: 1 });
    after.close();
  });

  it('refuses a log.db of a newer layout, and one whose records have columns we do not know', async () => {
    const newer = await prepared('newlog');
    let db = new Database(path.join(newer, 'log.db'));
    db.pragma('user_version = 99');
    db.close();
    expect(await refusal(newer)).toContain(`${path.join(newer, 'log.db')} holds log layout 99, written by a newer usersvc`);

    const foreign = await prepared('extracol');
    db = new Database(path.join(foreign, 'log.db'));
    db.exec('ALTER TABLE records ADD COLUMN extra TEXT');
    db.close();
    const message = await refusal(foreign);
    expect(message).toMatch(new RegExp(`server exited \\(${EXIT.DATA}\\)`));
    expect(message).toContain(`${path.join(foreign, 'log.db')}: the records table has columns`);
  });

  it('migrates a log.db of layout 0 (0.1.0 to 0.4.x) in place, keeping every record', async () => {
    const dir = await prepared('layout0');
    // Layout 0 as those releases wrote it: no checksum column, no identity, no stamp.
    const db = new Database(path.join(dir, 'log.db'));
    db.exec(`CREATE TABLE old AS SELECT topic, partition, offset, key, value, headers, timestamp FROM records;
             DROP TABLE records; DROP TABLE log_meta;
             CREATE TABLE records (topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL, key TEXT NOT NULL,
               value BLOB NOT NULL, headers TEXT, timestamp INTEGER NOT NULL, PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
             INSERT INTO records SELECT * FROM old; DROP TABLE old;`);
    db.pragma('user_version = 0');
    db.pragma('application_id = 0');
    db.close();
    const server = await startServer(dir);
    // The view knew the identity the old file had not kept: it is rebuilt from the migrated log.
    expect(warning(server.output())).toMatch(/was folded from another log/);
    const client = createClient(server.addr);
    await create(client, 2);
    client.close();
    await server.stop();
    const after = new Database(path.join(dir, 'log.db'), { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    expect(after.prepare("SELECT COUNT(*) AS n FROM records WHERE topic = 'users.events'").get()).toEqual({ n: 2 });
    expect(after.prepare("SELECT COUNT(*) AS n FROM records WHERE crc IS NULL AND topic = 'users.events'").get()).toEqual({ n: 1 });
    after.close();
    expect(await checksum(dir)).toMatch(/^users 2$/m);
  });
});
