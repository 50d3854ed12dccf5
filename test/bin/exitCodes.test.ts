import { removeDir, runCli, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/**
 * `usersvc serve` that cannot start says why as one more JSON log line on stdout (nothing on
 * stderr), and exits with the documented code: 2 for usage and configuration, 3 for something
 * another process holds.
 */
let dir: string;
let server: ServerProcess;
const dirs: string[] = [];
const fresh = () => {
  const d = tempDir('refused');
  dirs.push(d);
  return d;
};

/** Runs `usersvc serve` with `args`; resolves with its exit code and its one failure line. */
async function refusedStart(args: string[]): Promise<{ code: number; line: Record<string, unknown>; stderr: string }> {
  const run = await runCli(['serve', ...args]);
  const lines = run.stdout.split('\n').filter(Boolean);
  // Every line is JSON, and the last one says why.
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: run.code, line: parsed[parsed.length - 1], stderr: run.stderr };
}

beforeAll(async () => {
  dir = tempDir('owner');
  server = await startServer(dir);
});

afterAll(async () => {
  await server.stop();
  removeDir(dir);
  dirs.forEach(removeDir);
});

it('a data directory in use: exit 3, naming the directory and its owner', async () => {
  const run = await refusedStart(['--addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--data', dir]);
  expect(run).toEqual({
    code: 3,
    line: expect.objectContaining({
      level: 'error',
      exit_code: 3,
      msg: expect.stringMatching(new RegExp(`^data directory ${dir} is in use by process ${server.child.pid} `)),
    }),
    stderr: '',
  });
});

it('a data directory in use, to every other command that opens it: exit 3, the same message (one lock for all of them)', async () => {
  for (const command of [['rebuild'], ['verify'], ['subscribe', '--group', 'g']]) {
    const run = await runCli([...command, '--data', dir]);
    expect({ command, code: run.code, stderr: run.stderr }).toEqual({
      command,
      code: 3,
      stderr: expect.stringMatching(new RegExp(`^usersvc: data directory ${dir} is in use by process ${server.child.pid} `)),
    });
  }
});

it('a port in use: exit 3, naming the flag and the address', async () => {
  const grpcTaken = await refusedStart(['--addr', server.addr, '--http-addr', '127.0.0.1:0', '--data', fresh()]);
  expect(grpcTaken).toEqual({
    code: 3,
    line: expect.objectContaining({ level: 'error', exit_code: 3, msg: expect.stringContaining(`--addr ${server.addr} is in use`) }),
    stderr: '',
  });
  const httpTaken = await refusedStart(['--addr', '127.0.0.1:0', '--http-addr', server.httpAddr, '--data', fresh()]);
  expect(httpTaken).toEqual({
    code: 3,
    line: expect.objectContaining({ level: 'error', exit_code: 3, msg: expect.stringContaining(`--http-addr ${server.httpAddr} is in use`) }),
    stderr: '',
  });
});

it('bad flags: exit 2, naming the flag', async () => {
  const unknown = await refusedStart(['--no-such-flag', '--data', fresh()]);
  expect(unknown).toEqual({
    code: 2,
    line: expect.objectContaining({ level: 'error', exit_code: 2, msg: expect.stringContaining("'--no-such-flag'") }),
    stderr: '',
  });
  const badValue = await refusedStart(['--max-message-bytes', 'lots', '--data', fresh()]);
  expect(badValue).toEqual({
    code: 2,
    line: expect.objectContaining({ level: 'error', exit_code: 2, msg: '--max-message-bytes must be a whole number >= 0, got "lots"' }),
    stderr: '',
  });
});
