import { removeDir, runCli, startServer, tempDir, type ServerProcess } from '../../support/serverProcess';

/** `usersvc call` against a real server: its JSON is the proto3 JSON mapping, the gateway's own. */
describe('usersvc call', () => {
  let dir: string;
  let server: ServerProcess;
  const call = (method: string, json: string) => runCli(['call', method, json, '--addr', server.addr]);
  beforeAll(async () => {
    dir = tempDir('call');
    server = await startServer(dir);
  });
  afterAll(async () => {
    await server.stop();
    removeDir(dir);
  });

  it('prints what the gateway prints for the same user: lowerCamelCase, RFC 3339, enum names, int64 as strings', async () => {
    const created = await call('CreateUser', '{"email":"lin@example.com","name":"Lin","request_id":"call-1"}');
    expect(created).toMatchObject({ code: 0, stderr: expect.stringMatching(/^# users-cursor: 0:\d+@[\w-]{12}$/m) });
    const user = JSON.parse(created.stdout);
    expect(Object.keys(user)).toEqual(['id', 'email', 'name', 'plan', 'createdAt', 'updatedAt', 'version']);
    expect(user).toMatchObject({ plan: 'USER_PLAN_FREE', version: '1', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/) });

    const viaGateway = await (await fetch(`http://${server.httpAddr}/v1/users/${user.id}`)).json();
    expect(user).toEqual(viaGateway);
    const listed = await call('ListUsers', '{"filter":"email : \\"lin@\\""}');
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([viaGateway]);
  });

  it('reads proto field names and lowerCamelCase alike, with proto3 JSON values', async () => {
    const first = JSON.parse((await call('CreateUser', '{"email":"mo@example.com","name":"Mo","request_id":"call-2"}')).stdout);
    // The same request_id spelled the JSON way: the retry answers the first outcome.
    const retry = JSON.parse((await call('CreateUser', '{"email":"mo@example.com","name":"Mo","requestId":"call-2"}')).stdout);
    expect(retry).toEqual(first);
    const updated = await call('UpdateUser', JSON.stringify({ user: { id: first.id, plan: 'USER_PLAN_PRO' }, updateMask: 'plan', expectedVersion: '1' }));
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ id: first.id, plan: 'USER_PLAN_PRO', version: '2' });
  });

  it('refuses JSON that is not the request message, naming the key, before calling', async () => {
    const run = await call('GetUser', '{"idx":"a"}');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(/^INVALID_ARGUMENT: request JSON: .*key "idx" is unknown/);
    expect(await call('GetUser', '{"id":')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^INVALID_ARGUMENT: request JSON: /) });
  });
});
