import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, serverStream, unary, type Client } from '../../client/userServiceClient';
import { EXIT } from '../../bin/exitCodes';
import { backendArgs, runCli, startServer, type ServerProcess } from '../support/serverProcess';
import { useTempDirs } from '../support/tempDirs';

/**
 * Point-in-time recovery (issue 17, part 4): after a bad bulk update, `usersvc rebuild --until`
 * rebuilds the view as it stood just before it, into another directory, while the server goes on
 * serving the live one; the checksum proves it is the exact state seen before the update. In
 * test/e2e/ so it runs on both logs (Kafka: three partitions, read in place rather than copied).
 */
const freshDir = useTempDirs();
const USERS = 12;

const sumOf = (stdout: string) => /^checksum ([0-9a-f]{64})$/m.exec(stdout)?.[1];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('usersvc rebuild --until and export --until, beside a running server', () => {
  let dir: string;
  let server: ServerProcess;
  let client: Client;
  /** The cursor of the view after the last write before the bulk update, and a time between the two. */
  let before: { cursor: string; time: string; checksum: string; stdout: string };
  let after: string;

  beforeAll(async () => {
    dir = freshDir('pitr');
    server = await startServer(dir);
    client = createClient(server.addr);
    const ids: string[] = [];
    for (let n = 0; n < USERS; n++) {
      const { response } = await unary(client, 'CreateUser', { email: `pitr-${n}@example.com`, name: `Before ${n}`, request_id: `pitr-${n}` });
      ids.push(response.id);
    }
    // The view's cursor, naming every partition of the log (a write's names its own event's only).
    const cursor = String((await unary(client, 'GetUser', { id: ids[0] })).trailers.get('users-cursor')[0]);
    const live = await runCli(['checksum', '--data', dir]);
    expect(live.code).toBe(EXIT.OK);
    // Event times are the handlers' clocks in ms: a time strictly between the last create and the update.
    await pause(20);
    const time = new Date().toISOString();
    await pause(20);
    // The bad bulk update: every user renamed at once.
    await Promise.all(
      ids.map((id, n) => unary(client, 'UpdateUser', { user: { id, name: `Broken ${n}` }, update_mask: { paths: ['name'] }, request_id: `bulk-${n}` })),
    );
    before = { cursor, time, checksum: sumOf(live.stdout)!, stdout: live.stdout };
    after = sumOf((await runCli(['checksum', '--data', dir])).stdout)!;
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it('gives the exact checksum seen before the bulk update, as of the cursor handed out just before it', async () => {
    expect(after).not.toBe(before.checksum);
    const out = path.join(freshDir('pitr-out'), 'view');
    const run = await runCli(['rebuild', '--data', dir, ...backendArgs(dir), '--until', before.cursor, '--out', out]);
    expect(run.code).toBe(EXIT.OK);
    expect(run.stdout).toBe(before.stdout);
    // The embedded log is read from a copy of log.db (Kafka's topic is read where it is).
    if (backendArgs(dir).length === 0) expect(run.stderr).toMatch(/^copying log\.db: \d+ pages done$/m);
    expect(run.stderr).toMatch(new RegExp(`^views: ${USERS} events applied, cursor ${before.cursor.split('@')[0]}, \\d+ events/s$`, 'm'));
    // The live directory is untouched, and its server still answers.
    expect(sumOf((await runCli(['checksum', '--data', dir])).stdout)).toBe(after);
    expect((await serverStream(client, 'ListUsers', {})).messages.map((u) => u.name)).toContain('Broken 0');
    // What was built is a view like any other: `usersvc checksum` reads the same from it.
    expect((await runCli(['checksum', '--data', out])).stdout).toBe(before.stdout);
  });

  it('gives the same as of an RFC 3339 time between the last write and the update', async () => {
    const run = await runCli(['rebuild', '--data', dir, ...backendArgs(dir), '--until', before.time, '--out', freshDir('pitr-time')]);
    expect(run.code).toBe(EXIT.OK);
    expect(run.stdout).toBe(before.stdout);
  });

  it('without --until, builds the view as of the end into --out, equal to the live one', async () => {
    const run = await runCli(['rebuild', '--data', dir, ...backendArgs(dir), '--out', freshDir('pitr-end')]);
    expect(run.code).toBe(EXIT.OK);
    expect(sumOf(run.stdout)).toBe(after);
  });

  it('exports the users as of that point as proto3 JSON lines, and the live ones without --until', async () => {
    const then = await runCli(['export', '--data', dir, ...backendArgs(dir), '--until', before.cursor]);
    expect(then.code).toBe(EXIT.OK);
    const users = then.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(users).toHaveLength(USERS);
    expect(users.map((u) => u.name).sort()).toEqual(Array.from({ length: USERS }, (_, n) => `Before ${n}`).sort());
    expect(Object.keys(users[0]).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'plan', 'updatedAt', 'version']);
    expect(users[0]).toMatchObject({ plan: 'USER_PLAN_FREE', version: '1' });
    expect(then.stderr).toMatch(new RegExp(`^export: ${USERS} users done$`, 'm'));
    const now = await runCli(['export', '--data', dir, ...backendArgs(dir)]);
    expect(now.stdout.match(/"name":"Broken \d+"/g)).toHaveLength(USERS);
  });

  it('writes the export into --out FILE', async () => {
    const file = path.join(freshDir('pitr-export'), 'users.ndjson');
    const run = await runCli(['export', '--data', dir, ...backendArgs(dir), '--until', before.time, '--out', file]);
    expect(run).toMatchObject({ code: EXIT.OK, stdout: '' });
    expect(readFileSync(file, 'utf8').match(/"name":"Before \d+"/g)).toHaveLength(USERS);
  });

  it.each([
    [
      'a cursor of another log',
      () => `${before.cursor.split('@')[0]}@AnotherLogId`,
      /is a position in another log \(identity AnotherLogId; this service's log is /,
    ],
    ['a cursor past the end', () => before.cursor.replace(/:\d+/g, ':999999'), /--until ".*:999999.*" is past the end of the log \(it ends at 0:\d+/],
    ['a malformed cursor', () => 'yesterday', /malformed cursor "yesterday" \(expected partition:offset pairs like "0:42"\)/],
    ['a time without an offset', () => '2026-12-02T14:01:00', /--until "2026-12-02T14:01:00" is not an RFC 3339 time with an offset/],
    ['a day that does not exist', () => '2026-02-30T14:01:00Z', /is not an RFC 3339 time/],
    ['an empty value', () => '', /--until is empty: give a cursor the service handed out/],
    // On Kafka a write's cursor names one partition of three: the same refusal.
    [
      'a cursor that does not name every partition',
      () => `@${before.cursor.split('@')[1]}`,
      /does not name partition 0.* of the log \(it has 0.*\): give a cursor that names each/,
    ],
  ])('refuses %s with the usage exit code and says what to give', async (_, until, message) => {
    const run = await runCli(['rebuild', '--data', dir, ...backendArgs(dir), '--until', until(), '--out', freshDir('pitr-bad')]);
    expect(run.code).toBe(EXIT.CONFIG);
    expect(run.stderr).toMatch(message);
  });

  it('refuses to write into the live directory, or without --out', async () => {
    const into = await runCli(['rebuild', '--data', dir, ...backendArgs(dir), '--until', before.cursor, '--out', dir]);
    expect(into.code).toBe(EXIT.CONFIG);
    expect(into.stderr).toMatch(/--out .* is the --data directory/);
    const none = await runCli(['rebuild', '--data', dir, ...backendArgs(dir), '--until', before.cursor]);
    expect(none.code).toBe(EXIT.CONFIG);
    expect(none.stderr).toMatch(/--out is missing/);
  });
});
