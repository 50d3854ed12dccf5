import * as grpc from '@grpc/grpc-js';
import { errorDetails, unary, type Client } from '../../client/userServiceClient';
import { UserPlan, type CreateUserRequest } from '../../proto/messages';
import { useSuiteServer } from '../support/suiteServer';
import { CURSOR } from '../support/cursorPattern';

const PRO = UserPlan.USER_PLAN_PRO;
let client: Client;
const unique = () => Math.random().toString(36).slice(2, 10);

useSuiteServer('unary', (suite) => ({ client } = suite));

describe('CreateUser and GetUser', () => {
  it('creates a user at version 1 and reads it back with its cursor', async () => {
    const email = `${unique()}@example.com`;
    const created = await unary(client, 'CreateUser', { email, name: '  Ada Lovelace ', plan: PRO });
    expect(created.response).toMatchObject({ email, name: 'Ada Lovelace', plan: PRO, version: 1 });
    expect(created.response.id).toMatch(/^[\w-]{21}$/);
    expect(created.response.created_at?.seconds).toBeTruthy();
    const cursor = created.trailers.get('users-cursor')[0];
    expect(cursor).toMatch(CURSOR);

    const read = await unary(client, 'GetUser', { id: created.response.id }, { metadata: { 'users-min-cursor': String(cursor) } });
    expect(read.response).toEqual(created.response);
  });

  it('defaults an unspecified plan to FREE', async () => {
    const { response } = await unary(client, 'CreateUser', { email: `${unique()}@example.com`, name: 'Free' });
    expect(response.plan).toBe(1);
  });

  it('answers NOT_FOUND for an unknown id, naming it', async () => {
    await expect(unary(client, 'GetUser', { id: 'nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: 'User nope not found' });
  });

  it.each([
    [{ email: 'not-an-email', name: 'X' }, 'email'],
    [{ email: '', name: 'X' }, 'email'],
    [{ email: 'a@b.co', name: '   ' }, 'name'],
    [{ email: 'a@b.co', name: 'x'.repeat(201) }, 'name'],
    [{ email: 'a@b.co', name: 'bell\u0007' }, 'name'],
    [{ email: 'a@b.co', name: 'X', plan: 9 as UserPlan }, 'plan'], // a number the enum does not have, as a client could send
    [{ email: 'a@b.co', name: 'X', request_id: 'x'.repeat(200) }, 'request_id'],
  ])('refuses %j with INVALID_ARGUMENT naming %s', async (request, field) => {
    const error = await unary(client, 'CreateUser', request as Partial<CreateUserRequest>).catch((e) => e);
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(new RegExp(`^${field}: `));
  });

  it('sends the field at fault and a stable reason as google.rpc error details', async () => {
    const error = await unary(client, 'CreateUser', { email: 'nope', name: 'X' }).catch((e) => e);
    expect(errorDetails(error)).toMatchObject({
      badRequest: { field_violations: [{ field: 'email', description: expect.stringMatching(/not a valid email/) }] },
      errorInfo: { reason: 'INVALID_ARGUMENT', domain: 'userservice', metadata: { field: 'email' } },
    });
    const missing = await unary(client, 'GetUser', { id: 'nobody' }).catch((e) => e);
    expect(errorDetails(missing)).toMatchObject({ errorInfo: { reason: 'NOT_FOUND' } });
  });

  it('refuses a duplicate email, whatever its case, with ALREADY_EXISTS', async () => {
    const email = `${unique()}@Example.com`;
    await unary(client, 'CreateUser', { email, name: 'First' });
    await expect(unary(client, 'CreateUser', { email: email.toUpperCase(), name: 'Second' })).rejects.toMatchObject({
      code: grpc.status.ALREADY_EXISTS,
    });
  });

  it('returns the first outcome for a retried request_id and creates nothing new', async () => {
    const request = { email: `${unique()}@example.com`, name: 'Once', request_id: `req-${unique()}` };
    const first = await unary(client, 'CreateUser', request);
    const retry = await unary(client, 'CreateUser', request);
    expect(retry.response).toEqual(first.response);
    // Another request under the same id is not a retry: it is refused, not answered with the first user.
    await expect(unary(client, 'CreateUser', { ...request, email: `${unique()}@example.com` })).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
    });
  });
});

describe('UpdateUser', () => {
  it('changes only the masked paths and bumps the version', async () => {
    const { response: user } = await unary(client, 'CreateUser', { email: `${unique()}@example.com`, name: 'Before' });
    const { response } = await unary(client, 'UpdateUser', {
      user: { id: user.id, name: 'After', email: 'ignored@example.com' },
      update_mask: { paths: ['name'] },
    });
    expect(response).toMatchObject({ id: user.id, name: 'After', email: user.email, version: 2 });
  });

  it('updates every populated field when the mask is empty', async () => {
    const { response: user } = await unary(client, 'CreateUser', { email: `${unique()}@example.com`, name: 'Before' });
    const { response } = await unary(client, 'UpdateUser', { user: { id: user.id, plan: PRO } });
    expect(response).toMatchObject({ name: 'Before', plan: PRO, version: 2 });
  });

  it('is ABORTED on a version mismatch', async () => {
    const { response: user } = await unary(client, 'CreateUser', { email: `${unique()}@example.com`, name: 'V' });
    const error = await unary(client, 'UpdateUser', { user: { id: user.id, name: 'W' }, expected_version: 7 }).catch((e) => e);
    expect(error.code).toBe(grpc.status.ABORTED);
    expect(error.details).toBe('expected version 7 but the user is at version 1');
    expect(errorDetails(error).errorInfo).toEqual({ reason: 'VERSION_MISMATCH', domain: 'userservice', metadata: { expected: '7', actual: '1' } });
  });

  it('refuses an unknown mask path, an empty update and a taken email', async () => {
    const { response: a } = await unary(client, 'CreateUser', { email: `${unique()}@example.com`, name: 'A' });
    const { response: b } = await unary(client, 'CreateUser', { email: `${unique()}@example.com`, name: 'B' });
    await expect(unary(client, 'UpdateUser', { user: { id: a.id, name: 'x' }, update_mask: { paths: ['id'] } })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    await expect(unary(client, 'UpdateUser', { user: { id: a.id } })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(unary(client, 'UpdateUser', { user: { id: a.id, email: b.email.toUpperCase() } })).rejects.toMatchObject({
      code: grpc.status.ALREADY_EXISTS,
    });
    await expect(unary(client, 'UpdateUser', { user: { id: 'missing', name: 'x' } })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});

describe('DeleteUser', () => {
  it('deletes, frees the email, and answers NOT_FOUND afterwards', async () => {
    const email = `${unique()}@example.com`;
    const { response: user } = await unary(client, 'CreateUser', { email, name: 'Gone' });
    const { response } = await unary(client, 'DeleteUser', { id: user.id, expected_version: 1 });
    expect(response).toEqual({ id: user.id, version: 2 });
    await expect(unary(client, 'GetUser', { id: user.id })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(unary(client, 'DeleteUser', { id: user.id })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await unary(client, 'CreateUser', { email, name: 'Again' });
  });
});
