import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';
import { removeDir, runCli, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/** The README's `usersvc call` examples, run as written (plus --addr) against a real server. */
const examples = readFileSync(path.join(packageRoot(), 'README.md'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('node dist/bin/usersvc.js call '));

/** The output the README shows for the first call example. */
const printed = /the first call prints:\n\n```json\n([\s\S]*?)```/.exec(readFileSync(path.join(packageRoot(), 'README.md'), 'utf8'))?.[1];

/** The shell blocks the README marks as tested, in order. */
const curlBlocks = [
  ...readFileSync(path.join(packageRoot(), 'README.md'), 'utf8').matchAll(
    /<!-- test\/e2e\/readmeExamples\.test\.ts runs this block as written -->\n```sh\n([\s\S]*?)```/g,
  ),
].map((m) => m[1]);

/** Runs a README block with bash against our gateway (its address for the README's localhost:8080); `stopAfterMs` ends a feed. */
function runBlock(block: string, httpAddr: string, stopAfterMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', block.replaceAll('localhost:8080', httpAddr)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = stopAfterMs === undefined ? undefined : setTimeout(() => child.kill(), stopAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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
      expect(run).toMatchObject({ code: 0, stderr: expect.stringMatching(/^# users-cursor: 0:1@[\w-]{12}$/m) });
      outputs.push(run.stdout);
      id ||= JSON.parse(run.stdout).id;
    }
    expect(JSON.parse(outputs[0])).toMatchObject({ email: 'ada@example.com', plan: 'USER_PLAN_PRO', version: '1' });
    // The README's sample output has the same fields in the same order (ids and times differ).
    expect(Object.keys(JSON.parse(outputs[0]))).toEqual(Object.keys(JSON.parse(printed ?? '{}')));
    expect(JSON.parse(outputs[1])).toMatchObject({ id });
    expect(JSON.parse(outputs[2])).toMatchObject({ id, name: 'Ada' });
  });

  it('has the curl examples of the gateway, and they work as written', async () => {
    expect(curlBlocks).toHaveLength(2);
    const run = await runBlock(curlBlocks[0], server.httpAddr);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const [created, read, patched, ...rest] = run.stdout.split('\n').filter((line) => line.startsWith('{'));
    expect(JSON.parse(created)).toMatchObject({ email: 'grace@example.com', plan: 'USER_PLAN_PRO', version: '1' });
    expect(JSON.parse(read)).toEqual(JSON.parse(created));
    expect(JSON.parse(patched)).toMatchObject({ name: 'Rear Admiral Grace Hopper', version: '2' });
    expect(rest.some((line) => JSON.parse(line).result?.email === 'grace@example.com')).toBe(true);
    expect(rest.some((line) => JSON.stringify(JSON.parse(line)) === JSON.stringify({ id: JSON.parse(created).id, version: '3' }))).toBe(true);
    expect(run.stdout).toMatch(/^HTTP\/1\.1 404 Not Found/m);
    expect(run.stdout).toContain('"message":"User nobody not found"');

    const feed = await runBlock(curlBlocks[1], server.httpAddr, 1500);
    expect(feed.stdout).toMatch(/^event: caughtUp\ndata: \{"cursor":"0:\d+@[\w-]{12}"\}$/m);
  });

  it('prints the status of a failed call and exits 1', async () => {
    const run = await runCli(['call', 'GetUser', '{"id":"missing"}', '--addr', server.addr]);
    expect(run).toMatchObject({ code: 1, stderr: 'NOT_FOUND: User missing not found\n' });
  });
});
