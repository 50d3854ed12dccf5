import * as grpc from '@grpc/grpc-js';
import { Cursor } from '../../lib/cursor';
import { splitCursorText } from '../../lib/cursorText';
import { clientStream, createClient, serverStream, unary, type Client } from '../../client/userServiceClient';
import type { CreateUserRequest, UserPlan } from '../../proto/messages';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

let dir: string;
let server: ServerProcess;
let client: Client;
let ids: Record<string, string>;
let lastWrite: string;

const people: Array<Pick<CreateUserRequest, 'email' | 'name' | 'plan'>> = [
  { email: 'alice@example.com', name: 'Alice', plan: 2 },
  { email: 'bob@example.com', name: 'Bob', plan: 1 },
  { email: 'carol@corp.io', name: 'Carol Ali', plan: 2 },
  { email: 'dan@corp.io', name: 'Dan', plan: 3 },
  { email: "o'brien@example.com", name: 'Robert"); DROP TABLE users;--', plan: 1 },
];

beforeAll(async () => {
  dir = tempDir('list');
  server = await startServer(dir);
  client = createClient(server.addr);
  ids = {};
  for (const p of people) {
    const { response, trailers } = await unary(client, 'CreateUser', p);
    ids[p.name] = response.id;
    lastWrite = String(trailers.get('users-cursor')[0]);
  }
});

afterAll(async () => {
  client.close();
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

const names = async (filter: string) => (await serverStream(client, 'ListUsers', { filter })).messages.map((u) => u.name).sort();

describe('ListUsers', () => {
  it('streams every user in id order with the snapshot cursor in the trailers', async () => {
    const { messages, trailers } = await serverStream(client, 'ListUsers', {});
    expect(messages).toHaveLength(people.length);
    const streamed = messages.map((u) => u.id);
    expect(streamed).toEqual([...streamed].sort());
    // The snapshot's position covers the last write made before it.
    const position = (text: string) => Cursor.parse(splitCursorText(text).position);
    expect(position(String(trailers.get('users-cursor')[0])).covers(position(lastWrite))).toBe(true);
    expect(trailers.get('next-page-token')).toEqual([]);
  });

  it.each([
    ['plan = USER_PLAN_PRO AND (email : "@example.com" OR name : "ali")', ['Alice', 'Carol Ali']],
    ['plan = PRO', ['Alice', 'Carol Ali']],
    ['plan != FREE', ['Alice', 'Carol Ali', 'Dan']],
    ['NOT plan = FREE AND email : "corp"', ['Carol Ali', 'Dan']],
    ['email = "ALICE@example.com"', ['Alice']],
    ['name > "C"', ['Carol Ali', 'Dan', 'Robert"); DROP TABLE users;--']],
    ['name : "ali" email : "corp"', ['Carol Ali']],
    ['created_at > "2000-01-01T00:00:00Z" AND updated_at <= "2999-01-01T00:00:00+02:00"', people.map((p) => p.name)],
    ['version >= 2', []],
  ])('filters %s', async (filter, expected) => {
    expect(await names(filter)).toEqual([...expected].sort());
  });

  it('treats text that tries SQL injection as plain values', async () => {
    expect(await names(`name = 'Robert"); DROP TABLE users;--'`)).toEqual(['Robert"); DROP TABLE users;--']);
    expect(await names(`email : "' OR 1=1 --"`)).toEqual([]);
    expect(await names(`name = "x\\" OR \\"1\\"=\\"1"`)).toEqual([]);
    expect((await serverStream(client, 'ListUsers', {})).messages).toHaveLength(people.length);
  });

  it.each([
    ['plan = GOLD', /unknown plan "GOLD"/],
    ['nickname = "x"', /unknown field "nickname"/],
    ['plan > PRO', /"plan" does not support ">"/],
    ['name = "open', /unterminated string/],
    ['(name = "x"', /expected "\)"/],
    ['created_at > "yesterday"', /not an RFC 3339 time/],
    ['name = ', /ended early/],
    ['name ; x', /unexpected character ";"/],
  ])('refuses the filter %s with INVALID_ARGUMENT', async (filter, message) => {
    const error = await serverStream(client, 'ListUsers', { filter }).catch((e) => e);
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^filter: /);
    expect(error.details).toMatch(message);
  });

  it('pages with page_size and next-page-token, and refuses a token with another filter', async () => {
    const seen: string[] = [];
    let token = '';
    for (let page = 0; page < 10; page++) {
      const { messages, trailers } = await serverStream(client, 'ListUsers', { page_size: 2, page_token: token });
      seen.push(...messages.map((u) => u.id));
      token = String(trailers.get('next-page-token')[0] ?? '');
      if (!token) break;
    }
    expect(seen).toHaveLength(people.length);
    expect(new Set(seen).size).toBe(people.length);

    const first = await serverStream(client, 'ListUsers', { page_size: 1 });
    const next = String(first.trailers.get('next-page-token')[0]);
    await expect(serverStream(client, 'ListUsers', { page_size: 1, page_token: next, filter: 'plan = PRO' })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    await expect(serverStream(client, 'ListUsers', { page_token: 'garbage!' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(serverStream(client, 'ListUsers', { page_size: -1 })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it('waits for users-min-cursor, and gives DEADLINE_EXCEEDED for a cursor never reached', async () => {
    const error = await serverStream(client, 'ListUsers', {}, { metadata: { 'users-min-cursor': '0:999999' }, timeoutMs: 300 }).catch((e) => e);
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await expect(unary(client, 'GetUser', { id: ids.Alice }, { metadata: { 'users-min-cursor': 'zero' } })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
  });
});

describe('ImportUsers', () => {
  it('imports 10,000 users, counting and listing the invalid ones by index', async () => {
    const requests = Array.from({ length: 10_000 }, (_, i): Partial<CreateUserRequest> =>
      i % 1000 === 7 ? { email: `broken-${i}`, name: 'Bad' } : { email: `import-${i}@bulk.example`, name: `Imported ${i}`, plan: (1 + (i % 3)) as UserPlan },
    );
    requests.push({ email: 'alice@example.com', name: 'Duplicate', plan: 1 });
    const result = await clientStream(client, 'ImportUsers', requests, { timeoutMs: 120_000 });
    expect(result.created).toBe(9_990);
    expect(result.failed).toBe(11);
    expect(result.errors.map((e: { index: number }) => e.index)).toEqual([7, 1007, 2007, 3007, 4007, 5007, 6007, 7007, 8007, 9007, 10_000]);
    expect(result.errors[0]).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, message: expect.stringMatching(/^email: /) });
    expect(result.errors[10]).toMatchObject({ code: grpc.status.ALREADY_EXISTS });
    const { messages } = await serverStream(client, 'ListUsers', { filter: 'email : "@bulk.example"' }, { timeoutMs: 60_000 });
    expect(messages).toHaveLength(9_990);
  });

  it('caps the error list at 100 while counting every failure', async () => {
    const requests = Array.from({ length: 150 }, () => ({ email: 'bad', name: 'x' }));
    const result = await clientStream(client, 'ImportUsers', requests);
    expect(result).toMatchObject({ created: 0, failed: 150 });
    expect(result.errors).toHaveLength(100);
  });
});
