import { spawn } from 'node:child_process';
import { createClient, unary } from '../../../client/userServiceClient';
import { EmbeddedLog } from '../../../events/embedded/embeddedLog';
import { EVENTS } from '../../../events/eventLog';
import { Cursor } from '../../../lib/cursor';
import { CLI, removeDir, runCli, startServer, tempDir } from '../../support/serverProcess';

/**
 * `usersvc subscribe` with a group whose committed position the log has since dropped (issue 17):
 * it stops with exit 1 and a message naming the group and the way out, never skipping to what is
 * left; the way out it names then works.
 */
let dir: string;
let oldest: string;

beforeAll(async () => {
  dir = tempDir('subexpired');
  const server = await startServer(dir);
  const client = createClient(server.addr);
  for (let i = 0; i < 3; i++) await unary(client, 'CreateUser', { email: `s${i}@subexpired.example`, name: `S${i}` });
  client.close();
  expect(await server.stop()).toBe(0);
  // The group read one change; then the two before the last were dropped.
  const log = EmbeddedLog.open(dir);
  const { end } = await log.bounds(EVENTS);
  await log.commit({ group: 'g', topic: EVENTS, cursor: Cursor.of([[0, 1]]) });
  await log.trim(EVENTS, Cursor.of([[0, end.get(0) - 1]]));
  oldest = `0:${end.get(0) - 1}@${log.identity}`;
  await log.close();
});

afterAll(() => removeDir(dir));

it('stops with exit 1 naming the group, its position, the oldest kept and the way out', async () => {
  const { code, stdout, stderr } = await runCli(['subscribe', '--data', dir, '--group', 'g']);
  expect(code).toBe(1);
  expect(stdout).toBe('');
  expect(stderr).toContain('consumer group "g" stopped at users.events position "0:1@');
  expect(stderr).toContain(`usersvc subscribe --group g --from '${oldest}'`);
});

it('the way out: --from the oldest position kept moves the group on and prints what is kept', async () => {
  const child = spawn(process.execPath, [CLI, 'subscribe', '--data', dir, '--group', 'g', '--from', oldest], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no change printed in 20 s: ${stdout}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGINT');
  expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  expect(JSON.parse(stdout.split('\n')[0])).toMatchObject({ type: 'created', user: { email: 's2@subexpired.example' } });
});
