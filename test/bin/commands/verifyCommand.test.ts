import Database from 'better-sqlite3';
import path from 'node:path';
import { createClient, unary } from '../../../client/userServiceClient';
import { EXIT } from '../../../bin/exitCodes';
import { logLines } from '../../support/serverLogs';
import { removeDir, runCli, startServer, tempDir } from '../../support/serverProcess';

/**
 * `usersvc verify` reads every record and row of a stopped data directory: damage nothing else
 * reads (a command decided long ago, a row no call has asked for) is found, named, and a damaged
 * view is marked so the next start rebuilds it.
 */
describe('usersvc verify', () => {
  let dir: string;
  beforeEach(async () => {
    dir = tempDir('verify');
    const server = await startServer(dir);
    const client = createClient(server.addr);
    for (let n = 0; n < 5; n++) await unary(client, 'CreateUser', { email: `verify-${n}@example.com`, name: `Verify ${n}`, request_id: `verify-${n}` });
    client.close();
    await server.stop();
  });
  afterEach(() => removeDir(dir));

  /** Changes stored bytes behind SQLite's back, as a flipped bit would: the file's structure stays whole. */
  const tamper = (file: string, sql: string) => {
    const db = new Database(path.join(dir, file));
    db.exec(sql);
    db.close();
  };

  it('says ok for a whole directory, file by file', async () => {
    const run = await runCli(['verify', '--data', dir]);
    expect(run.code).toBe(EXIT.OK);
    expect(run.stdout).toBe(
      `${path.join(dir, 'log.db')}: ok (5 users.commands, 5 users.events records read, each against its CRC)\n${path.join(dir, 'views.db')}: ok\n`,
    );
  });

  it('finds a damaged command that was decided long ago, naming log.db and the record', async () => {
    tamper('log.db', "UPDATE records SET value = value || x'00' WHERE topic = 'users.commands' AND offset = 1");
    const run = await runCli(['verify', '--data', dir]);
    expect(run.code).toBe(EXIT.DATA);
    expect(run.stdout).toContain(`${path.join(dir, 'log.db')}: ${path.join(dir, 'log.db')} is damaged (record users.commands 0:1 fails its checksum)`);
    expect(run.stderr).toMatch(/a damaged log must be restored from a backup/);
  });

  it('finds a text value stored as a blob of the same bytes (one flipped bit in its serial type), which its CRC alone passes', async () => {
    tamper('views.db', "UPDATE users SET email = CAST(email AS BLOB) WHERE email = 'verify-2@example.com'");
    const run = await runCli(['verify', '--data', dir]);
    expect(run.code).toBe(EXIT.DATA);
    expect(run.stdout).toMatch(/views\.db: is damaged \(the users row of ".*" fails its checksum\)/);
  });

  it('finds a view row whose value changed, and the next start rebuilds the view', async () => {
    tamper('views.db', "UPDATE users SET name = 'Mallory' WHERE email = 'verify-3@example.com'");
    const run = await runCli(['verify', '--data', dir]);
    expect(run.code).toBe(EXIT.DATA);
    expect(run.stdout).toMatch(new RegExp(`views\\.db: is damaged \\(the users row of ".*" fails its checksum\\)`));
    const server = await startServer(dir);
    expect(logLines(server).find((line) => line.msg === 'view out of step with the log: rebuilding it before serving')).toMatchObject({
      reason: expect.stringMatching(/^was found damaged/),
    });
    await server.stop();
    expect(await runCli(['verify', '--data', dir])).toMatchObject({ code: EXIT.OK });
  });
});
