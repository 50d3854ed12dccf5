import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';
import { removeDir, runCli, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/** The README's `usersvc call` examples, run as written (plus --addr) against a real server. */
const examples = readFileSync(path.join(packageRoot(), 'README.md'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('node dist/bin/usersvc.js call '));

/** Splits a shell line of plain words and single-quoted strings, as the README writes them. */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

describe('README examples', () => {
  let dir: string;
  let server: ServerProcess;
  beforeAll(async () => {
    dir = tempDir('readme');
    server = await startServer(dir);
  });
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
  });

  it('has the three call examples, and they work as written', async () => {
    expect(examples).toHaveLength(3);
    let id = '';
    const outputs: string[] = [];
    for (const example of examples) {
      const args = words(example.replace('<id from CreateUser>', id)).slice(2);
      const run = await runCli([...args, '--addr', server.addr]);
      expect(run).toMatchObject({ code: 0, stderr: expect.stringMatching(/^# users-cursor: 0:1$/m) });
      outputs.push(run.stdout);
      id ||= JSON.parse(run.stdout).id;
    }
    expect(JSON.parse(outputs[0])).toMatchObject({ email: 'ada@example.com', plan: 'USER_PLAN_PRO', version: '1' });
    expect(JSON.parse(outputs[1])).toMatchObject({ id });
    expect(JSON.parse(outputs[2])).toMatchObject({ id, name: 'Ada' });
  });

  it('prints the status of a failed call and exits 1', async () => {
    const run = await runCli(['call', 'GetUser', '{"id":"missing"}', '--addr', server.addr]);
    expect(run).toMatchObject({ code: 1, stderr: 'NOT_FOUND: User missing not found\n' });
  });
});
