import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { Code } from '../../lib/code';
import { removeDir, tempDir } from '../support/serverProcess';

type Line = { ready?: number; heard?: string; ok?: number; error?: string; code?: number; healthy: boolean };

/**
 * A disk that refuses writes, made real by the kernel: the process holding the log gets a file
 * size limit (RLIMIT_FSIZE, set from outside with prlimit), past which every write fails as on a
 * full disk. In the e2e tier: the child runs the log from dist/.
 */
describe('the embedded log on a disk that refuses writes', () => {
  let dir: string;
  let child: ChildProcessWithoutNullStreams;
  let next: () => Promise<Line>;

  beforeAll(async () => {
    dir = tempDir('diskfull');
    child = spawn(process.execPath, [path.join(__dirname, '..', 'support', 'embeddedLogChild.js'), dir]);
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    next = async () => JSON.parse((await lines.next()).value as string) as Line;
    expect(await next()).toEqual({ ready: child.pid, healthy: true });
  });

  afterAll(() => {
    child.kill();
    removeDir(dir);
  });

  const fileSizeLimit = (limit: string) => execFileSync('prlimit', ['--pid', String(child.pid), `--fsize=${limit}:`]);
  const append = (bytes: number) => child.stdin.write(`${bytes}\n`);

  it('reports the refused write to its listeners and its caller as UNAVAILABLE, unhealthy until a write succeeds again', async () => {
    append(100);
    expect(await next()).toEqual({ ok: 100, healthy: true });

    fileSizeLimit('1'); // every write that grows a file fails (EFBIG)
    append(100_000);
    const heard = await next();
    expect(heard).toMatchObject({ heard: expect.stringContaining('appending to the log failed'), code: Code.UNAVAILABLE, healthy: false });
    expect(await next()).toEqual({ error: heard.heard, code: Code.UNAVAILABLE, healthy: false });

    fileSizeLimit('unlimited'); // space again: the log takes writes without a restart
    append(100_000);
    expect(await next()).toEqual({ ok: 100_000, healthy: true });
  });
});
