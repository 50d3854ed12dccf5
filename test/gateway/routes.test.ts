import { request, duplex } from '../support/httpClient';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/** Every route of the REST gateway against a real server over loopback, with real SQLite files. */
let dir: string;
let server: ServerProcess;
let base: string;
const unique = () => Math.random().toString(36).slice(2, 10);
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

beforeAll(async () => {
  dir = tempDir('gateway');
  server = await startServer(dir, ['--cors-origins', 'https://app.example']);
  base = `http://${server.httpAddr}`;
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

const create = async (fields: Record<string, unknown> = {}) => {
  const answer = await request(base, 'POST', '/v1/users', { body: { email: `${unique()}@example.com`, name: 'Ada', ...fields } });
  expect(answer.status).toBe(200);
  return answer.json;
};

describe('unary routes and the proto3 JSON mapping', () => {
  it('POST /v1/users creates; names are lowerCamelCase, timestamps RFC 3339, enums names, int64 strings', async () => {
    const answer = await request(base, 'POST', '/v1/users', {
      body: { email: `${unique()}@example.com`, name: 'Ada', plan: 'USER_PLAN_PRO', requestId: unique() },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('users-cursor')).toMatch(/^\d+:\d+/);
    expect(answer.headers.get('x-request-id')).toBeTruthy();
    expect(Object.keys(answer.json).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'plan', 'updatedAt', 'version']);
    expect(answer.json).toMatchObject({ plan: 'USER_PLAN_PRO', version: '1' });
    expect(answer.json.createdAt).toMatch(RFC3339);
  });

  it('accepts proto field names and enum numbers on input too, as the mapping requires', async () => {
    const answer = await request(base, 'POST', '/v1/users', { body: { email: `${unique()}@example.com`, name: 'Bo', plan: 3, request_id: unique() } });
    expect(answer.status).toBe(200);
    expect(answer.json.plan).toBe('USER_PLAN_ENTERPRISE');
  });

  it('a retry with the same requestId answers the first outcome', async () => {
    const body = { email: `${unique()}@example.com`, name: 'Retry', requestId: unique() };
    const first = await request(base, 'POST', '/v1/users', { body });
    const second = await request(base, 'POST', '/v1/users', { body });
    expect(second.json).toEqual(first.json);
  });

  it('GET /v1/users/{id} reads, honouring users-min-cursor', async () => {
    const created = await request(base, 'POST', '/v1/users', { body: { email: `${unique()}@example.com`, name: 'Cy' } });
    const read = await request(base, 'GET', `/v1/users/${created.json.id}`, { headers: { 'users-min-cursor': created.headers.get('users-cursor')! } });
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);
  });

  it('PATCH /v1/users/{user.id} changes only the update_mask paths (query parameter, either spelling)', async () => {
    const user = await create({ plan: 'USER_PLAN_FREE' });
    const camel = await request(base, 'PATCH', `/v1/users/${user.id}?updateMask=name&expectedVersion=1`, { body: { name: 'Renamed', plan: 'USER_PLAN_PRO' } });
    expect(camel.status).toBe(200);
    expect(camel.json).toMatchObject({ id: user.id, name: 'Renamed', plan: 'USER_PLAN_FREE', version: '2' });
    const snake = await request(base, 'PATCH', `/v1/users/${user.id}?update_mask=plan,name&expected_version=2`, {
      body: { name: 'Again', plan: 'USER_PLAN_PRO' },
    });
    expect(snake.json).toMatchObject({ name: 'Again', plan: 'USER_PLAN_PRO', version: '3' });
  });

  it('DELETE /v1/users/{id} answers {id, version}; the user is gone after', async () => {
    const user = await create();
    const deleted = await request(base, 'DELETE', `/v1/users/${user.id}?expectedVersion=1`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ id: user.id, version: '2' });
    expect((await request(base, 'GET', `/v1/users/${user.id}`)).status).toBe(404);
  });
});

describe('ListUsers', () => {
  const tag = unique();
  beforeAll(async () => {
    for (let i = 0; i < 5; i++) await create({ email: `${tag}${i}@list.example`, name: `L${i}` });
  });

  it('answers one JSON document by default, with the snapshot cursor and the next page token', async () => {
    const filter = encodeURIComponent(`email : "${tag}"`);
    const page1 = await request(base, 'GET', `/v1/users?filter=${filter}&pageSize=3`);
    expect(page1.status).toBe(200);
    expect(page1.json.users.map((u: { name: string }) => u.name).sort()).toHaveLength(3);
    expect(page1.json.usersCursor).toMatch(/^\d+:\d+/);
    expect(page1.json.nextPageToken).toBeTruthy();
    const page2 = await request(base, 'GET', `/v1/users?filter=${filter}&page_size=3&page_token=${encodeURIComponent(page1.json.nextPageToken)}`);
    expect(page2.json.users).toHaveLength(2);
    expect(page2.json.nextPageToken).toBeUndefined();
    const names = [...page1.json.users, ...page2.json.users].map((u: { name: string }) => u.name).sort();
    expect(names).toEqual(['L0', 'L1', 'L2', 'L3', 'L4']);
  });

  it('streams NDJSON when asked with Accept: application/x-ndjson, trailers as HTTP trailers', async () => {
    const stream = duplex(base, `/v1/users?filter=${encodeURIComponent(`email : "${tag}"`)}`, { accept: 'application/x-ndjson' }, 'GET');
    stream.end();
    const lines = await stream.lines(6);
    expect(stream.status()).toBe(200);
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(Object.keys(line)).toEqual(['result']);
    expect(stream.trailers()['users-cursor']).toMatch(/^\d+:\d+/);
  });

  it('answers an empty list as {"users": []}', async () => {
    const answer = await request(base, 'GET', `/v1/users?filter=${encodeURIComponent('email : "no-such-user-anywhere"')}`);
    expect(answer.json.users).toEqual([]);
  });
});

describe('streams in and out', () => {
  it('POST /v1/users:import takes NDJSON and answers counts and failures by index', async () => {
    const lines = [
      { email: `${unique()}@import.example`, name: 'I0' },
      { email: 'bad', name: 'I1' },
      { email: `${unique()}@import.example`, name: 'I2', plan: 'USER_PLAN_PRO' },
    ];
    const answer = await request(base, 'POST', '/v1/users:import', {
      raw: lines.map((l) => JSON.stringify(l)).join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ created: 2, failed: 1, errors: [{ index: 1, code: 3 }] });
  });

  it('POST /v1/users:import also takes a JSON array', async () => {
    const answer = await request(base, 'POST', '/v1/users:import', { body: [{ email: `${unique()}@import.example`, name: 'A' }] });
    expect(answer.json).toMatchObject({ created: 1, failed: 0, errors: [] });
  });

  it('POST /v1/users:sync is NDJSON both ways: subscribe, write, see the write in the feed and its result', async () => {
    const sync = duplex(base, '/v1/users:sync', { 'content-type': 'application/x-ndjson' });
    sync.send({ subscribe: { filter: `email : "sync-${unique()}"` } });
    const [caughtUp] = await sync.lines(1);
    expect(caughtUp.result.caughtUp.cursor).toMatch(/^\d+:\d+/);
    const email = `${unique()}@sync.example`;
    sync.send({ change: { requestId: unique(), op: 'CHANGE_OP_CREATE', user: { email, name: 'S' } } });
    const [, result] = await sync.lines(2);
    expect(result.result.result).toMatchObject({ code: 0, user: { email, version: '1' } });
    sync.end();
    sync.destroy();
  });
});

describe('errors: google.rpc.Status bodies with the HTTP status of their code', () => {
  it.each([
    ['an unknown id', 'GET', '/v1/users/nope', undefined, 404, 5],
    ['an invalid email', 'POST', '/v1/users', { email: 'nope', name: 'X' }, 400, 3],
    ['an unknown JSON field', 'POST', '/v1/users', { email: 'a@b.co', name: 'X', bogus: 1 }, 400, 3],
    ['an unknown enum name', 'POST', '/v1/users', { email: 'a@b.co', name: 'X', plan: 'GOLD' }, 400, 3],
    ['a JSON array where an object belongs', 'POST', '/v1/users', [1], 400, 3],
    ['an unknown query parameter', 'GET', '/v1/users?colour=red', undefined, 400, 3],
    ['a query parameter on a body-* route', 'POST', '/v1/users?name=x', { email: 'a@b.co', name: 'X' }, 400, 3],
    ['a bad filter', 'GET', '/v1/users?filter=plan%20%3D', undefined, 400, 3],
    ['a negative page size', 'GET', '/v1/users?pageSize=-1', undefined, 400, 3],
    ['a page size that is not a number', 'GET', '/v1/users?pageSize=ten', undefined, 400, 3],
    ['a cursor past the end of the log', 'GET', '/v1/users:watch?cursor=0:999999', undefined, 400, 11],
    ['an unknown route', 'GET', '/v2/people', undefined, 404, 5],
  ])('%s', async (_what, method, path, body, status, code) => {
    const answer = await request(base, method, path, { body });
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.json).toMatchObject({ code, message: expect.any(String) });
    expect(answer.json.message.length).toBeGreaterThan(10);
    expect(answer.json.details).toEqual(expect.arrayContaining([expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo' })]));
  });

  it('ALREADY_EXISTS and ABORTED are 409', async () => {
    const user = await create();
    const taken = await request(base, 'POST', '/v1/users', { body: { email: user.email, name: 'Twin' } });
    expect(taken).toMatchObject({ status: 409, json: { code: 6 } });
    const stale = await request(base, 'PATCH', `/v1/users/${user.id}?updateMask=name&expectedVersion=7`, { body: { name: 'Late' } });
    expect(stale).toMatchObject({ status: 409, json: { code: 10 } });
  });

  it('a bad field names it in a google.rpc.BadRequest', async () => {
    const answer = await request(base, 'POST', '/v1/users', { body: { email: 'nope', name: 'X' } });
    // `reason` is upstream's FieldViolation field we leave empty; the gateway writes defaults.
    const violation = { field: 'email', description: expect.stringContaining('not a valid email'), reason: '' };
    expect(answer.json.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [violation] });
  });

  it('the URL and the body must agree on the id', async () => {
    const user = await create();
    const answer = await request(base, 'PATCH', `/v1/users/${user.id}?updateMask=name`, { body: { id: 'someone-else', name: 'X' } });
    expect(answer).toMatchObject({ status: 400, json: { code: 3 } });
    expect(answer.json.message).toMatch(/in the URL but "someone-else" in the body/);
  });

  it('a wrong verb is 405 with Allow', async () => {
    const answer = await request(base, 'PUT', '/v1/users/abc');
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, PATCH, DELETE');
  });

  it('a body that is not JSON is 400, a form post is 415, a huge body is 413', async () => {
    expect(await request(base, 'POST', '/v1/users', { raw: '{"email": ', headers: { 'content-type': 'application/json' } })).toMatchObject({
      status: 400,
      json: { code: 3 },
    });
    expect(await request(base, 'POST', '/v1/users', { raw: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).toMatchObject({
      status: 415,
      json: { code: 3 },
    });
    const huge = await request(base, 'POST', '/v1/users', {
      raw: JSON.stringify({ email: 'a@b.co', name: 'x'.repeat(5 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge).toMatchObject({ status: 413, json: { code: 8 } });
  });

  it('a bad grpc-timeout header is 400; a deadline that passes is 504', async () => {
    expect(await request(base, 'GET', '/v1/users', { headers: { 'grpc-timeout': 'soon' } })).toMatchObject({ status: 400, json: { code: 3 } });
    const user = await create();
    // A min cursor far ahead makes the read wait for the view; the 200 ms deadline ends the wait.
    const late = await request(base, 'GET', `/v1/users/${user.id}`, { headers: { 'grpc-timeout': '200m', 'users-min-cursor': '0:99999999' } });
    expect(late.status).toBe(504);
    expect(late.json.code).toBe(4);
  });

  it('a malformed bidi line ends the stream with an in-band error after what was already sent', async () => {
    const sync = duplex(base, '/v1/users:sync', { 'content-type': 'application/x-ndjson' });
    sync.send({ subscribe: { filter: 'email : "nobody-at-all"' } });
    await sync.lines(1);
    sync.send({ change: { op: 'CHANGE_OP_NOPE' } });
    sync.end();
    const lines = await sync.lines(2);
    expect(lines[1].error).toMatchObject({ code: 3, message: expect.stringContaining('line 2 of the body') });
  });

  it('the process is still serving after all of it', async () => {
    expect((await request(base, 'GET', '/v1/users?pageSize=1')).status).toBe(200);
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin, and nothing for another', async () => {
    const headers = { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' };
    const allowed = await request(base, 'OPTIONS', '/v1/users', { headers });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PATCH');
    const other = await request(base, 'OPTIONS', '/v1/users', { headers: { ...headers, origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('marks answers to an allowed origin, exposing the cursor header', async () => {
    const answer = await request(base, 'GET', '/v1/users?pageSize=1', { headers: { origin: 'https://app.example' } });
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(answer.headers.get('access-control-expose-headers')).toContain('users-cursor');
  });
});
