import Database from 'better-sqlite3';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, serverStream, unary, type Client } from '../../../client/userServiceClient';
import { EXIT } from '../../../bin/exitCodes';
import { runCli, startServer, type ServerProcess } from '../../support/serverProcess';
import { useTempDirs } from '../../support/tempDirs';

/**
 * Online backup (issue 17, part 5): `usersvc backup` copies a live directory while its server goes
 * on answering writes; `usersvc restore` and `usersvc checksum` prove the copy is the state of one
 * instant (the view's checksum then, equal to a point-in-time rebuild of the live log at the
 * cursor the backup recorded), and a server starts on the restored directory.
 */
const freshDir = useTempDirs();

const cursorOf = (stdout: string) => /^cursor (\S+)$/m.exec(stdout)?.[1];

/** Writes without pause until stopped: each outcome with when it was answered. */
function writeLoop(client: Client) {
  const answered: number[] = [];
  const failures: unknown[] = [];
  let running = true;
  const done = (async () => {
    for (let n = 0; running; n++) {
      try {
        await unary(client, 'CreateUser', { email: `during-${n}@example.com`, name: `During ${n}`, request_id: `during-${n}` });
        answered.push(Date.now());
      } catch (error) {
        failures.push(error);
      }
    }
  })();
  return { answered, failures, stop: async () => ((running = false), await done) };
}

describe('usersvc backup and restore', () => {
  let dir: string;
  let server: ServerProcess;
  let client: Client;
  let backup: { file: string; stdout: string; started: number; ended: number };
  let writes: ReturnType<typeof writeLoop>;

  beforeAll(async () => {
    dir = freshDir('backup-live');
    server = await startServer(dir);
    client = createClient(server.addr);
    for (let n = 0; n < 50; n++) await unary(client, 'CreateUser', { email: `backup-${n}@example.com`, name: `Backup ${n}`, request_id: `backup-${n}` });
    writes = writeLoop(client);
    await new Promise((r) => setTimeout(r, 200));
    const file = path.join(freshDir('backup-file'), 'users.backup');
    const started = Date.now();
    const run = await runCli(['backup', '--data', dir, '--to', file]);
    const ended = Date.now();
    await new Promise((r) => setTimeout(r, 200));
    await writes.stop();
    expect(run.stderr).toMatch(/^backup .*users\.backup: views\.db \(\d+ bytes\), log\.db \(\d+ bytes\), keys\.db \(\d+ bytes\)$/m);
    expect(run.code).toBe(EXIT.OK);
    backup = { file, stdout: run.stdout, started, ended };
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it('leaves the server answering writes during the backup', () => {
    expect(writes.failures).toEqual([]);
    expect(writes.answered.filter((at) => at > backup.started && at < backup.ended).length).toBeGreaterThan(0);
  });

  it('holds the state of one instant: the live log rebuilt up to the cursor it recorded has its checksum', async () => {
    const cursor = cursorOf(backup.stdout)!;
    // The backup prints its view's cursor as `usersvc checksum` does (no identity): a write names the live log.
    const { trailers } = await unary(client, 'CreateUser', { email: 'after-backup@example.com', name: 'After', request_id: 'after-backup' });
    const logId = String(trailers.get('users-cursor')[0]).split('@')[1];
    const run = await runCli(['rebuild', '--data', dir, '--until', `${cursor}@${logId}`, '--out', freshDir('backup-pitr')]);
    expect(run.code).toBe(EXIT.OK);
    expect(run.stdout).toBe(backup.stdout);
  });

  it('restores into a new directory with the same checksum, and a server starts on it under a new log identity', async () => {
    const restored = path.join(freshDir('backup-restored'), 'data');
    const run = await runCli(['restore', '--from', backup.file, '--data', restored]);
    expect(run.code).toBe(EXIT.OK);
    expect(run.stdout).toBe(backup.stdout);
    expect((await runCli(['checksum', '--data', restored])).stdout).toBe(backup.stdout);
    const copy = await startServer(restored);
    const copyClient = createClient(copy.addr);
    try {
      const { messages: users } = await serverStream(copyClient, 'ListUsers', {});
      expect(users.length).toBeGreaterThanOrEqual(Number(/^users (\d+)$/m.exec(backup.stdout)![1]));
      expect(users.map((u) => u.email)).toContain('backup-49@example.com');
      const live = await unary(client, 'GetUser', { id: users[0].id });
      const { trailers } = await unary(copyClient, 'UpdateUser', {
        user: { id: users[0].id, name: 'Restored' },
        update_mask: { paths: ['name'] },
        request_id: 'restored-1',
      });
      expect(live.response.name).not.toBe('Restored');
      // The copy and the live log go separate ways: a cursor of one names no position of the other.
      const copyId = String(trailers.get('users-cursor')[0]).split('@')[1];
      const { trailers: liveTrailers } = await unary(client, 'UpdateUser', {
        user: { id: live.response.id, name: 'Live' },
        update_mask: { paths: ['name'] },
        request_id: 'live-1',
      });
      expect(copyId).not.toBe(String(liveTrailers.get('users-cursor')[0]).split('@')[1]);
    } finally {
      copyClient.close();
      await copy.stop();
    }
  });

  it('stores every SQLite file of the directory, each with its size and SHA-256, in one SQLite file', () => {
    const db = new Database(backup.file, { readonly: true });
    try {
      const files = db.prepare('SELECT name, bytes, sha256 FROM files ORDER BY rowid').all() as Array<{ name: string; bytes: number; sha256: string }>;
      expect(files.map((f) => f.name)).toEqual(['views.db', 'log.db', 'keys.db']);
      for (const f of files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      db.close();
    }
  });

  it('refuses to restore into a directory a server holds (exit 3) or one that is not empty (exit 2)', async () => {
    const held = await runCli(['restore', '--from', backup.file, '--data', dir]);
    expect(held.code).toBe(EXIT.IN_USE);
    expect(held.stderr).toMatch(/is in use by process \d+/);
    const full = freshDir('backup-full');
    writeFileSync(path.join(full, 'notes.txt'), 'mine');
    const run = await runCli(['restore', '--from', backup.file, '--data', full]);
    expect(run.code).toBe(EXIT.CONFIG);
    expect(run.stderr).toMatch(/is not empty; restore into a new or empty directory/);
  });

  it('refuses a damaged backup (exit 4), naming the file it holds, and leaves the directory empty', async () => {
    const damaged = path.join(freshDir('backup-damaged'), 'users.backup');
    copyFileSync(backup.file, damaged);
    const db = new Database(damaged);
    db.prepare("UPDATE chunks SET data = zeroblob(length(data)) WHERE name = 'log.db' AND seq = 0").run();
    db.close();
    const into = path.join(freshDir('backup-damaged-into'), 'data');
    const run = await runCli(['restore', '--from', damaged, '--data', into]);
    expect(run.code).toBe(EXIT.DATA);
    expect(run.stderr).toMatch(/is damaged: its copy of log\.db does not match the size and SHA-256 recorded with it/);
    expect(readdirSync(into).filter((f) => !f.startsWith('lock.db'))).toEqual([]);
    // So the same directory takes the whole backup.
    expect(await runCli(['restore', '--from', backup.file, '--data', into])).toMatchObject({ code: EXIT.OK, stdout: backup.stdout });
  });

  it('refuses a file that is not a backup (exit 4), and never overwrites one (exit 2)', async () => {
    const notBackup = await runCli(['restore', '--from', path.join(dir, 'views.db'), '--data', path.join(freshDir('backup-wrong'), 'data')]);
    expect(notBackup.code).toBe(EXIT.DATA);
    expect(notBackup.stderr).toMatch(/is not a usersvc backup/);
    const again = await runCli(['backup', '--data', dir, '--to', backup.file]);
    expect(again.code).toBe(EXIT.CONFIG);
    expect(again.stderr).toMatch(/exists; name a new file/);
  });
});
