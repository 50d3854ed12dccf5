import { duplex, request, type HttpAnswer } from '../support/httpClient';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/**
 * The OpenAPI document served at /openapi.json, checked against the gateway's real answers:
 * every operation and every status it lists is provoked, every 200 JSON body matches its schema,
 * the probes' query parameters are documented by those names, and each answer carries exactly the
 * response headers documented for it. (test/gateway/openApiTools.test.ts gives it to real tools.)
 */
type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- an OpenAPI document walked by key: JSON of any shape
let dir: string;
let server: ServerProcess;
let base: string;
let doc: Schema;
const unique = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  dir = tempDir('openapi');
  server = await startServer(dir);
  base = `http://${server.httpAddr}`;
  const answer = await request(base, 'GET', '/openapi.json');
  expect(answer.status).toBe(200);
  doc = answer.json;
});

afterAll(async () => {
  await server.stop();
  removeDir(dir);
});

interface Probe {
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** A fresh user for each probe that needs one, so probes do not depend on each other. */
const newUser = async () => (await request(base, 'POST', '/v1/users', { body: { email: `${unique()}@openapi.example`, name: 'Probe' } })).json;

/** The response headers the gateway may send besides the standard HTTP ones (gateway/openapi/callHeaders.ts). */
const HEADERS = ['users-cursor', 'x-request-id'];

/** How to make each documented answer happen. Keys are `operationId status`. */
const PROBES: Record<string, () => Promise<Probe>> = {
  'GetUser 200': async () => ({ method: 'GET', path: `/v1/users/${(await newUser()).id}` }),
  'GetUser 400': async () => ({ method: 'GET', path: `/v1/users/${'x'.repeat(65)}` }),
  'GetUser 404': async () => ({ method: 'GET', path: '/v1/users/nobody' }),
  'CreateUser 200': async () => ({ method: 'POST', path: '/v1/users', body: { email: `${unique()}@openapi.example`, name: 'New' } }),
  'CreateUser 400': async () => ({ method: 'POST', path: '/v1/users', body: { email: 'bad', name: 'New' } }),
  'CreateUser 409': async () => ({ method: 'POST', path: '/v1/users', body: { email: (await newUser()).email, name: 'Twin' } }),
  'UpdateUser 200': async () => ({ method: 'PATCH', path: `/v1/users/${(await newUser()).id}?updateMask=name`, body: { name: 'Changed' } }),
  'UpdateUser 400': async () => ({ method: 'PATCH', path: `/v1/users/${(await newUser()).id}?updateMask=colour`, body: { name: 'Changed' } }),
  'UpdateUser 404': async () => ({ method: 'PATCH', path: '/v1/users/nobody?updateMask=name', body: { name: 'Changed' } }),
  'UpdateUser 409': async () => ({ method: 'PATCH', path: `/v1/users/${(await newUser()).id}?updateMask=name&expectedVersion=5`, body: { name: 'Changed' } }),
  'DeleteUser 200': async () => ({ method: 'DELETE', path: `/v1/users/${(await newUser()).id}` }),
  'DeleteUser 400': async () => ({ method: 'DELETE', path: `/v1/users/${(await newUser()).id}?expectedVersion=-1` }),
  'DeleteUser 404': async () => ({ method: 'DELETE', path: '/v1/users/nobody' }),
  'DeleteUser 409': async () => ({ method: 'DELETE', path: `/v1/users/${(await newUser()).id}?expectedVersion=9` }),
  'EraseUser 200': async () => ({ method: 'DELETE', path: `/v1/users/${(await newUser()).id}:erase` }),
  'EraseUser 400': async () => ({ method: 'DELETE', path: `/v1/users/${'x'.repeat(65)}:erase` }),
  'EraseUser 404': async () => ({ method: 'DELETE', path: '/v1/users/nobody:erase' }),
  'GetUserKeys 200': async () => ({ method: 'GET', path: `/v1/userKeys?ids=${(await newUser()).id}` }),
  'GetUserKeys 400': async () => ({ method: 'GET', path: `/v1/userKeys?ids=${'x'.repeat(65)}` }),
  'ListUsers 200': async () => ({ method: 'GET', path: '/v1/users?pageSize=2' }),
  'ListUsers 400': async () => ({ method: 'GET', path: '/v1/users?filter=plan%20%3D' }),
  'ImportUsers 200': async () => ({
    method: 'POST',
    path: '/v1/users:import',
    raw: `{"email":"${unique()}@openapi.example","name":"I"}\n`,
    headers: { 'content-type': 'application/x-ndjson' },
  }),
  'ImportUsers 400': async () => ({ method: 'POST', path: '/v1/users:import', raw: 'not json\n', headers: { 'content-type': 'application/x-ndjson' } }),
  'SyncUsers 200': async () => ({
    method: 'POST',
    path: '/v1/users:sync',
    raw: `{"change":{"op":"CHANGE_OP_CREATE","user":{"email":"${unique()}@openapi.example","name":"S"}}}\n`,
    headers: { 'content-type': 'application/x-ndjson' },
  }),
  'SyncUsers 400': async () => ({ method: 'POST', path: '/v1/users:sync', raw: '{"neither":{}}\n', headers: { 'content-type': 'application/x-ndjson' } }),
  'WatchUsers 200': async () => ({ method: 'GET', path: '/v1/users:watch', headers: { accept: 'application/x-ndjson' } }),
  'WatchUsers 400': async () => ({ method: 'GET', path: '/v1/users:watch?cursor=banana' }),
};

function operations(): { key: string; path: string; method: string; op: Schema; status: string }[] {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths as Schema)) {
    for (const [method, op] of Object.entries(item as Schema)) {
      for (const status of Object.keys(op.responses).filter((s) => s !== 'default')) out.push({ key: `${op.operationId} ${status}`, path, method, op, status });
    }
  }
  return out;
}

it('documents all ten RPCs, each status of which this test can provoke', () => {
  const ops = operations();
  expect(new Set(ops.map((o) => o.op.operationId)).size).toBe(10);
  expect(ops.map((o) => o.key).sort()).toEqual(Object.keys(PROBES).sort());
});

it('gets every documented status from the real gateway, and 200 bodies match their schemas', async () => {
  for (const { key, path, method, op, status } of operations()) {
    const probe = await PROBES[key]();
    expect(probe.method).toBe(method.toUpperCase());
    expect(matchesTemplate(path, probe.path.split('?')[0])).toBe(true);
    const queryNames = op.parameters.filter((p: Schema) => p.in === 'query').map((p: Schema) => p.name);
    for (const name of new URLSearchParams(probe.path.split('?')[1] ?? '').keys())
      expect(`${key} ?${name}`).toBe(`${key} ?${queryNames.includes(name) ? name : 'undocumented'}`);
    const answer = await send(probe);
    expect(`${key} → ${answer.status} ${answer.text.slice(0, 200)}`).toBe(`${key} → ${status} ${answer.text.slice(0, 200)}`);
    // A documented response header comes with the answer, and the answer brings no undocumented one of these.
    const documented = Object.keys(op.responses[status].headers ?? {}).sort();
    expect(`${key} headers: ${HEADERS.filter((h) => answer.headers.has(h)).sort()}`).toBe(`${key} headers: ${documented}`);
    const content = op.responses[status].content;
    if (status === '200' && content['application/json'] && answer.headers.get('content-type') === 'application/json') {
      expect(violations(answer.json, content['application/json'].schema, key)).toEqual([]);
    }
    if (status !== '200') expect(violations(answer.json, content['application/json'].schema, key)).toEqual([]);
  }
});

async function send(probe: Probe): Promise<HttpAnswer> {
  if (probe.path.startsWith('/v1/users:watch') && probe.headers?.accept) {
    // A feed never ends by itself: read its first line (caughtUp) and hang up.
    const stream = duplex(base, probe.path, probe.headers, 'GET');
    stream.end();
    const [first] = await stream.lines(1);
    stream.destroy();
    const headers = new Headers(Object.entries(stream.headers()).map(([name, value]) => [name, String(value)]));
    return { status: stream.status(), headers, json: first, text: JSON.stringify(first) };
  }
  return request(base, probe.method, probe.path, { body: probe.body, raw: probe.raw, headers: probe.headers });
}

/** `/v1/users/{id}` matches `/v1/users/abc`; literals (and the `:verb`) must be equal. */
function matchesTemplate(template: string, path: string): boolean {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${pattern}$`).test(path);
}

/** Where `value` breaks `schema` (the OpenAPI 3.0 subset the generator writes); [] when it fits. */
function violations(value: unknown, schema: Schema, at: string): string[] {
  if (schema.$ref) return violations(value, doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')], at);
  if (schema.allOf) return schema.allOf.flatMap((s: Schema) => violations(value, s, at));
  const type = Array.isArray(value)
    ? 'array'
    : value === null
      ? 'null'
      : typeof value === 'number'
        ? Number.isInteger(value)
          ? 'integer'
          : 'number'
        : typeof value;
  const fits = schema.type === type || (schema.type === 'number' && type === 'integer') || (schema.type === undefined && type === 'object');
  if (!fits) return [`${at}: ${JSON.stringify(value)} is not ${schema.type}`];
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${schema.enum}`];
  if (schema.format === 'date-time' && !/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value as string)) return [`${at}: ${value} is not RFC 3339`];
  if (schema.format === 'int64' && !/^-?\d+$/.test(value as string)) return [`${at}: ${value} is not an int64 string`];
  if (type === 'array') return (value as unknown[]).flatMap((item, i) => violations(item, schema.items, `${at}[${i}]`));
  if (type === 'object' && schema.properties) {
    return Object.entries(value as Schema).flatMap(([key, field]) => {
      if (!(key in schema.properties)) return schema.additionalProperties === false ? [`${at}: unexpected property ${key}`] : [];
      return violations(field, schema.properties[key], `${at}.${key}`);
    });
  }
  return [];
}
