import * as grpc from '@grpc/grpc-js';
import { clientStream, serverStream, unary, type Client } from '../../client/userServiceClient';
import type { CreateUserRequest, ImportUsersResponse } from '../../proto/messages';
import { useSuiteServer } from '../support/suiteServer';

/**
 * ImportUsers sends its rows to the log in batches (handlers/importUsers.ts, 500 rows each): the
 * per-row results must be those of rows decided one by one, whichever batch a row falls in, and
 * a stream cut short must leave the service serving and every row importable again.
 */
let client: Client;
let run = 0;

useSuiteServer('importbatches', (suite) => ({ client } = suite));

/** `count` rows with emails of their own in a domain of this test's own. */
function rows(count: number, withRequestIds = false): { domain: string; requests: Array<Partial<CreateUserRequest>> } {
  const domain = `b${++run}-${Date.now().toString(36)}.example`;
  const requests = Array.from({ length: count }, (_, i) => ({
    email: `row-${i}@${domain}`,
    name: `Row ${i}`,
    ...(withRequestIds ? { request_id: `${domain}-${i}` } : {}),
  }));
  return { domain, requests };
}

const usersIn = async (domain: string) => (await serverStream(client, 'ListUsers', { filter: `email : "@${domain}"` }, { timeoutMs: 60_000 })).messages;

/** Starts an ImportUsers call and writes `requests` without ending the stream. */
function openImport(requests: Array<Partial<CreateUserRequest>>, deadline: Date) {
  let call!: grpc.ClientWritableStream<Partial<CreateUserRequest>>;
  const result = new Promise<ImportUsersResponse>((resolve, reject) => {
    call = client.ImportUsers(new grpc.Metadata(), { deadline }, (error: grpc.ServiceError | null, value?: ImportUsersResponse) =>
      error ? reject(error) : resolve(value!),
    ) as unknown as grpc.ClientWritableStream<Partial<CreateUserRequest>>;
  });
  for (const request of requests) call.write(request);
  return { call, result };
}

describe('ImportUsers in batches', () => {
  it('rejects a duplicate email inside one batch and across batches, and a bad row, each by its own index', async () => {
    const { domain, requests } = rows(1_200);
    requests[4].email = requests[3].email; // both in the first batch of 500
    requests[1_100].email = requests[10].email; // the first batch and the third
    requests[600].email = 'not an email';
    const result = await clientStream(client, 'ImportUsers', requests, { timeoutMs: 60_000 });
    expect(result).toMatchObject({ created: 1_197, failed: 3 });
    expect(result.errors.map((e) => [e.index, e.code])).toEqual([
      [4, grpc.status.ALREADY_EXISTS],
      [600, grpc.status.INVALID_ARGUMENT],
      [1_100, grpc.status.ALREADY_EXISTS],
    ]);
    expect(result.errors[0].message).toBe(`email "${requests[3].email}" is already taken by another user`);
    const users = await usersIn(domain);
    expect(users).toHaveLength(1_197);
    expect(users.find((u) => u.email === requests[10].email)?.name).toBe('Row 10');
  });

  it('answers a retried import with request ids from the first outcomes, creating nobody twice', async () => {
    const { domain, requests } = rows(1_100, true);
    requests[700].email = requests[5].email;
    const first = await clientStream(client, 'ImportUsers', requests, { timeoutMs: 60_000 });
    expect(first).toMatchObject({ created: 1_099, failed: 1, errors: [{ index: 700, code: grpc.status.ALREADY_EXISTS }] });
    const before = await usersIn(domain);
    const again = await clientStream(client, 'ImportUsers', requests, { timeoutMs: 60_000 });
    expect(again).toEqual(first);
    const after = await usersIn(domain);
    expect(after.map((u) => [u.id, u.version]).sort()).toEqual(before.map((u) => [u.id, u.version]).sort());
  });

  it('a stream cancelled mid-way leaves the service serving, and its rows sent again with their request ids are each created once', async () => {
    const { domain, requests } = rows(1_500, true);
    const { call, result } = openImport(requests.slice(0, 1_200), new Date(Date.now() + 60_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    call.cancel();
    await expect(result).rejects.toMatchObject({ code: grpc.status.CANCELLED });
    const { response } = await unary(client, 'CreateUser', { email: `after-cancel@${domain}`, name: 'After' });
    expect(response.version).toBe(1);
    const resent = await clientStream(client, 'ImportUsers', requests, { timeoutMs: 60_000 });
    expect(resent).toMatchObject({ created: 1_500, failed: 0 });
    expect(await usersIn(domain)).toHaveLength(1_501);
  });

  it('a stream that outlives its deadline ends DEADLINE_EXCEEDED, and the service goes on serving', async () => {
    const { domain, requests } = rows(700);
    const { result } = openImport(requests, new Date(Date.now() + 1_000));
    await expect(result).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    const { response } = await unary(client, 'CreateUser', { email: `after-deadline@${domain}`, name: 'After' });
    expect(response.email).toBe(`after-deadline@${domain}`);
  });
});
