import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';
import { removeDir, tempDir } from '../support/serverProcess';

/** Runs the README's start command with env overrides, and stops it the way an operator would. */
it('npm start serves on USERSVC_ADDR with data in USERSVC_DATA_DIR, and SIGTERM to its process group stops it cleanly', async () => {
  const dir = tempDir('npmstart');
  // --ignore-scripts skips the prestart build: `npm test` built already, and rebuilding dist/
  // while other suites start servers from it could hand them a half-written file.
  const child = spawn('npm', ['start', '--ignore-scripts'], {
    cwd: packageRoot(),
    env: { ...process.env, USERSVC_ADDR: '127.0.0.1:0', USERSVC_DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  // stdout closes once every process writing to it (npm and the server it started) is gone.
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // stdout closes once every process writing to it (npm and the server it started) is gone.
  const closed = new Promise<void>((resolve) => child.stdout.once('close', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 60 s:\n${output}`)), 60_000);
    child.stdout.on('data', () => {
      if (/"msg":"listening on 127\.0\.0\.1:\d+"/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  expect(existsSync(path.join(dir, 'log.db'))).toBe(true);
  // As a supervisor or a terminal does: the signal goes to the whole process group.
  process.kill(-child.pid!, 'SIGTERM');
  expect(await exited).toBe(0);
  await closed;
  expect(output).toMatch(/"msg":"SIGTERM: draining calls in flight and stopping"/);
  expect(output).toMatch(/"msg":"stopped"/);
  removeDir(dir);
});
