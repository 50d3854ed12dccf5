import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { EXIT } from '../../../bin/exitCodes';
import { createClient, unary, type Client } from '../../../client/userServiceClient';
import { runCli, startServer } from '../../support/serverProcess';
import { useTempDirs } from '../../support/tempDirs';

/**
 * `usersvc compact` on a real data directory written by a real server: the snapshot stands for
 * the log it replaced (a rebuild and a server that lost its view give the checksum from before),
 * the WAL is truncated, and a live directory is refused.
 */
const freshDir = useTempDirs();

const cli = async (args: string[]) => {
  const run = await runCli(args);
  expect(run.code === 0 ? 0 : run.stderr).toBe(0);
  return run;
};
const checksum = async (dir: string) => (await cli(['checksum', '--data', dir])).stdout;

/** 12 users with request ids, 6 updated, 3 deleted: every kind of event, and outcomes that stand. */
async function writeHistory(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < 12; n++) {
    const { response } = await unary(client, 'CreateUser', { email: `compact-${n}@example.com`, name: `Compact ${n}`, request_id: `create-${n}` });
    ids.push(response.id);
  }
  for (let n = 0; n < 6; n++)
    await unary(client, 'UpdateUser', { user: { id: ids[n], name: `Renamed ${n}` }, update_mask: { paths: ['name'] }, request_id: `update-${n}` });
  for (let n = 9; n < 12; n++) await unary(client, 'DeleteUser', { id: ids[n], request_id: `delete-${n}` });
  return ids;
}

describe('usersvc compact', () => {
  it('folds the log into a snapshot that rebuild, a server without its view and retries all read as the whole log', async () => {
    const dir = freshDir('compact');
    let server = await startServer(dir);
    let client = createClient(server.addr);
    const ids = await writeHistory(client);
    client.close();
    await server.stop();
    const before = await checksum(dir);

    const run = await cli(['compact', '--data', dir, '--keep', '0s']);
    expect(run.stderr).toMatch(/^compact: no further than users\.events: views\.db at 0:\d+$/m);
    expect(run.stderr).toMatch(/^compact: writing the snapshot \(\d+ events, 9 users\) through 0:\d+/m);
    expect(run.stdout).toMatch(/^snapshot through 0:21: 9 users, \d+ events$/m);
    expect(statSync(path.join(dir, 'log.db-wal'), { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    expect((await cli(['compact', '--data', dir, '--keep', '0s'])).stdout).toMatch(/^nothing to compact/);

    // The view was not touched; a rebuild from the snapshot alone gives the same checksum.
    expect(await checksum(dir)).toBe(before);
    expect((await cli(['rebuild', '--data', dir])).stdout).toBe(before);
    expect((await cli(['verify', '--data', dir])).stdout).toMatch(/log\.db: ok \(0 users\.commands, 0 users\.events, \d+ users\.snapshot records read/);

    // A server that finds no view builds it from the snapshot, and answers retries from it.
    for (const suffix of ['', '-wal', '-shm']) rmSync(path.join(dir, `views.db${suffix}`), { force: true });
    server = await startServer(dir);
    client = createClient(server.addr);
    expect(await checksum(dir)).toBe(before);
    const { response: renamed } = await unary(client, 'GetUser', { id: ids[0] });
    expect(renamed).toMatchObject({ name: 'Renamed 0', version: 2 });
    const retried = await unary(client, 'UpdateUser', { user: { id: ids[0], name: 'Renamed 0' }, update_mask: { paths: ['name'] }, request_id: 'update-0' });
    expect(retried.response.version).toBe(2); // the first outcome, not a second update
    await expect(unary(client, 'GetUser', { id: ids[10] })).rejects.toMatchObject({ code: 5 });
    const { response: later } = await unary(client, 'CreateUser', { email: 'after@example.com', name: 'After', request_id: 'after' });
    client.close();
    await server.stop();
    expect(existsSync(path.join(dir, 'views.db'))).toBe(true);
    const after = await checksum(dir);
    expect((await cli(['rebuild', '--data', dir])).stdout).toBe(after);
    expect(later.version).toBe(1);
  });

  it('refuses a live directory and a missing or bad --keep, naming the way out', async () => {
    const dir = freshDir('compact');
    const server = await startServer(dir);
    try {
      const live = await runCli(['compact', '--data', dir, '--keep', '7d']);
      expect(live.code).toBe(EXIT.IN_USE);
      expect(live.stderr).toMatch(/data directory .* is in use by process \d+/);
    } finally {
      await server.stop();
    }
    const noKeep = await runCli(['compact', '--data', dir]);
    expect(noKeep).toMatchObject({ code: EXIT.CONFIG, stderr: expect.stringMatching(/compact needs --keep/) });
    const badKeep = await runCli(['compact', '--data', dir, '--keep', 'a week']);
    expect(badKeep.stderr).toMatch(/--keep must be a duration like 90s, 30m, 24h or 7d, got "a week"/);
  });
});
