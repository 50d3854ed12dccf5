import * as grpc from '@grpc/grpc-js';
import { clientStream, createClient, errorDetails, serverStream, unary, type Client } from '../../client/userServiceClient';
import { request } from '../support/httpClient';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';
import { SyncStream } from '../support/syncStream';

/** The stable reasons of stale versions and reused request ids, over gRPC, the gateway, SyncUsers and ImportUsers. */
let dir: string;
let server: ServerProcess;
let client: Client;
let base: string;
const unique = () => Math.random().toString(36).slice(2, 10);
const email = () => `${unique()}@example.com`;
const CREATE = 1;
const UPDATE = 2;
const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

beforeAll(async () => {
  dir = tempDir('reasons');
  server = await startServer(dir);
  client = createClient(server.addr);
  base = `http://${server.httpAddr}`;
});

afterAll(async () => {
  client.close();
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

const failure = (call: Promise<unknown>): Promise<grpc.ServiceError> =>
  call.then(
    () => Promise.reject(new Error('the call succeeded')),
    (e: grpc.ServiceError) => e,
  );
const newUser = async () => (await unary(client, 'CreateUser', { email: email(), name: 'Ada' })).response;
const reused = (requestId: string) => ({ reason: 'REQUEST_ID_REUSED', domain: 'userservice', metadata: { request_id: requestId } });
const REUSED_MESSAGE = /^request_id "[^"]+" was already used for a different request; nothing was applied/;

/**
 * The changes the log gained while `attempts` ran, in log order, read from the change feed: a
 * marker write after the attempts bounds them, so an attempt that applied anything shows up here.
 * Tests in a file run one after the other, so only this test writes meanwhile.
 */
async function changesDuring(attempts: () => Promise<void>): Promise<Array<{ type: number; user: { id: string; email: string } }>> {
  const feed = new SyncStream(client).subscribe();
  try {
    await feed.until((s) => s.received.some((m) => m.caught_up));
    const from = feed.received.length;
    await attempts();
    const marker = await newUser();
    await feed.until((s) => s.events().some((e) => e.user.id === marker.id));
    return feed.received.slice(from).flatMap((m) => (m.event?.user && m.event.user.id !== marker.id ? [{ ...m.event, user: m.event.user }] : []));
  } finally {
    feed.cancel();
  }
}

describe('VERSION_MISMATCH', () => {
  it('over gRPC: UpdateUser and DeleteUser at a stale version carry expected and actual in the ErrorInfo, also when retried', async () => {
    const user = await newUser();
    const stale = { user: { id: user.id, name: 'Late' }, update_mask: { paths: ['name'] }, expected_version: 7, request_id: `stale-${unique()}` };
    for (const attempt of [1, 2]) {
      const error = await failure(unary(client, 'UpdateUser', stale));
      expect([attempt, error.code, error.details]).toEqual([attempt, grpc.status.ABORTED, 'expected version 7 but the user is at version 1']);
      expect(errorDetails(error).errorInfo).toEqual({ reason: 'VERSION_MISMATCH', domain: 'userservice', metadata: { expected: '7', actual: '1' } });
    }
    await unary(client, 'UpdateUser', { user: { id: user.id, name: 'Now' }, expected_version: 1 });
    const error = await failure(unary(client, 'DeleteUser', { id: user.id, expected_version: 1 }));
    expect(error.code).toBe(grpc.status.ABORTED);
    expect(errorDetails(error).errorInfo).toEqual({ reason: 'VERSION_MISMATCH', domain: 'userservice', metadata: { expected: '1', actual: '2' } });
  });

  it('over the gateway: the JSON error body carries the same ErrorInfo', async () => {
    const user = await newUser();
    const patch = await request(base, 'PATCH', `/v1/users/${user.id}?updateMask=name&expectedVersion=7`, { body: { name: 'Late' } });
    expect(patch).toMatchObject({ status: 409, json: { code: 10, message: 'expected version 7 but the user is at version 1' } });
    expect(patch.json.details).toContainEqual({
      '@type': ERROR_INFO,
      reason: 'VERSION_MISMATCH',
      domain: 'userservice',
      metadata: { expected: '7', actual: '1' },
    });
    const remove = await request(base, 'DELETE', `/v1/users/${user.id}?expectedVersion=3`);
    expect(remove.status).toBe(409);
    expect(remove.json.details).toContainEqual({
      '@type': ERROR_INFO,
      reason: 'VERSION_MISMATCH',
      domain: 'userservice',
      metadata: { expected: '3', actual: '1' },
    });
  });

  it('a taken email says EMAIL_TAKEN, naming the email', async () => {
    const user = await newUser();
    const error = await failure(unary(client, 'CreateUser', { email: user.email.toUpperCase(), name: 'Twin' }));
    expect(error.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(errorDetails(error).errorInfo).toEqual({ reason: 'EMAIL_TAKEN', domain: 'userservice', metadata: { email: user.email.toUpperCase() } });
  });
});

describe('REQUEST_ID_REUSED over gRPC', () => {
  it('CreateUser with another email (or the same email in another case) under a used request_id changes nothing; the first request again gets its first outcome', async () => {
    const first = { email: email(), name: 'First', request_id: `c-${unique()}` };
    const created = await unary(client, 'CreateUser', first);
    const other = email();
    const changes = await changesDuring(async () => {
      for (const attempt of [
        { ...first, email: other },
        { ...first, email: first.email.toUpperCase() },
        { ...first, name: 'Second' },
      ]) {
        const error = await failure(unary(client, 'CreateUser', attempt));
        expect([attempt, error.code]).toEqual([attempt, grpc.status.FAILED_PRECONDITION]);
        expect(error.details).toMatch(REUSED_MESSAGE);
        expect(errorDetails(error).errorInfo).toEqual(reused(first.request_id));
      }
    });
    expect(changes).toEqual([]);
    const { messages } = await serverStream(client, 'ListUsers', { filter: `email = "${other}"` });
    expect(messages).toEqual([]);
    const again = await unary(client, 'CreateUser', first);
    expect(again.response).toEqual(created.response);
    expect(again.trailers.get('users-cursor')).toEqual(created.trailers.get('users-cursor'));
  });

  it('UpdateUser with other fields under a used request_id changes nothing', async () => {
    const user = await newUser();
    const first = { user: { id: user.id, name: 'Renamed' }, update_mask: { paths: ['name'] }, request_id: `u-${unique()}` };
    const updated = (await unary(client, 'UpdateUser', first)).response;
    const changes = await changesDuring(async () => {
      const error = await failure(unary(client, 'UpdateUser', { ...first, user: { id: user.id, name: 'Other' } }));
      expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(errorDetails(error).errorInfo).toEqual(reused(first.request_id));
    });
    expect(changes).toEqual([]);
    expect((await unary(client, 'GetUser', { id: user.id })).response).toEqual(updated);
    expect((await unary(client, 'UpdateUser', first)).response).toEqual(updated);
  });

  it('a request_id first used by CreateUser, then by DeleteUser, deletes nothing', async () => {
    const requestId = `cd-${unique()}`;
    const { response: user } = await unary(client, 'CreateUser', { email: email(), name: 'Kept', request_id: requestId });
    const changes = await changesDuring(async () => {
      const error = await failure(unary(client, 'DeleteUser', { id: user.id, request_id: requestId }));
      expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(errorDetails(error).errorInfo).toEqual(reused(requestId));
    });
    expect(changes).toEqual([]);
    expect((await unary(client, 'GetUser', { id: user.id })).response).toEqual(user);
  });

  it('of two different requests racing with one request_id, one is applied and the other is told so', async () => {
    const requestId = `race-${unique()}`;
    const emails = [email(), email()];
    const answers = await Promise.allSettled(emails.map((e) => unary(client, 'CreateUser', { email: e, name: 'Racer', request_id: requestId })));
    expect(answers.map((a) => a.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected')!.reason;
    expect(errorDetails(refused).errorInfo).toEqual(reused(requestId));
    const { messages } = await serverStream(client, 'ListUsers', { filter: `name = "Racer" AND email : "@example.com"` });
    expect(messages.filter((u: { email: string }) => emails.includes(u.email))).toHaveLength(1);
  });
});

describe('REQUEST_ID_REUSED over the gateway', () => {
  it('POST, PATCH and DELETE with a used requestId answer 400 with the ErrorInfo and change nothing', async () => {
    const requestId = `g-${unique()}`;
    const body = { email: email(), name: 'Gateway', requestId };
    const first = await request(base, 'POST', '/v1/users', { body });
    expect(first.status).toBe(200);
    const changes = await changesDuring(async () => {
      for (const [method, path, sent] of [
        ['POST', '/v1/users', { ...body, email: email() }],
        ['PATCH', `/v1/users/${first.json.id}?updateMask=name&requestId=${requestId}`, { name: 'Changed' }],
        ['DELETE', `/v1/users/${first.json.id}?requestId=${requestId}`, undefined],
      ] as const) {
        const answer = await request(base, method, path, { body: sent });
        expect([method, answer.status, answer.json.code]).toEqual([method, 400, 9]);
        expect(answer.json.message).toMatch(REUSED_MESSAGE);
        expect(answer.json.details).toContainEqual({ '@type': ERROR_INFO, ...reused(requestId) });
      }
    });
    expect(changes).toEqual([]);
    const again = await request(base, 'POST', '/v1/users', { body });
    expect(again.json).toEqual(first.json);
  });
});

describe('REQUEST_ID_REUSED on SyncUsers writes and ImportUsers rows', () => {
  it('a SyncUsers write reusing a request_id gets a WriteResult with FAILED_PRECONDITION; the same write gets the first outcome', async () => {
    const requestId = `s-${unique()}`;
    const { response: user } = await unary(client, 'CreateUser', { email: email(), name: 'Synced', request_id: requestId });
    const stream = new SyncStream(client);
    try {
      const changes = await changesDuring(async () => {
        stream
          .change({ request_id: requestId, op: CREATE, user: { email: email(), name: 'Synced' } })
          .change({ request_id: requestId, op: UPDATE, user: { id: user.id, name: 'Other' }, update_mask: { paths: ['name'] } })
          .change({ request_id: requestId, op: CREATE, user: { email: user.email, name: 'Synced' } })
          .change({ request_id: `stale-${unique()}`, op: UPDATE, user: { id: user.id, name: 'Late' }, expected_version: 5 });
        await stream.until((s) => s.results().length === 4);
      });
      expect(changes).toEqual([]);
      const [create, update, same, stale] = stream.results();
      for (const result of [create, update])
        expect(result).toMatchObject({
          request_id: requestId,
          code: grpc.status.FAILED_PRECONDITION,
          message: expect.stringMatching(REUSED_MESSAGE),
          user: null,
        });
      expect(same).toMatchObject({ request_id: requestId, code: 0, user });
      expect(stale).toMatchObject({ code: grpc.status.ABORTED, message: 'expected version 5 but the user is at version 1' });
    } finally {
      stream.cancel();
    }
  });

  it('an ImportUsers row reusing a request_id fails on its own with FAILED_PRECONDITION; the rest are imported', async () => {
    const requestId = `i-${unique()}`;
    const first = { email: email(), name: 'Imported', request_id: requestId };
    await unary(client, 'CreateUser', first);
    const fresh = email();
    let result: { created: number; failed: number; errors: Array<{ index: number; code: number; message: string }> } | undefined;
    const changes = await changesDuring(async () => {
      result = await clientStream(client, 'ImportUsers', [first, { ...first, email: email() }, { email: fresh, name: 'New' }]);
    });
    expect(result).toMatchObject({
      created: 2,
      failed: 1,
      errors: [{ index: 1, code: grpc.status.FAILED_PRECONDITION, message: expect.stringMatching(REUSED_MESSAGE) }],
    });
    // The retried first row changed nothing; only the new row reached the log.
    expect(changes.map((c) => c.user.email)).toEqual([fresh]);
  });
});
