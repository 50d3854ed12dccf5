import * as grpc from '@grpc/grpc-js';
import { SERVICE_NAME, grpcDefinition } from '../../../proto/schema';
import { encodeOnce } from '../../../runtime/grpc/encodeOnce';
import { responseSerializer } from '../../../runtime/grpcServer';

const definition = () => grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition;

/** One change as the feed hands it to every subscriber that agrees on it: one object. */
const change = () => ({
  event: {
    type: 2,
    user: {
      id: 'u-1',
      email: 'ada@example.com',
      name: 'Ada',
      plan: 2,
      created_at: { seconds: 1_700_000_000, nanos: 5 },
      updated_at: { seconds: 1_700_000_001, nanos: 0 },
      version: 3,
    },
    cursor: '0:41@log-1',
  },
});

/** The real method definition, its serializer counted: the seam the tests read. */
function counted(name: string) {
  const method = definition()[name];
  const calls = { n: 0 };
  const counting = { ...method, responseSerialize: (value: unknown) => (calls.n++, method.responseSerialize(value)) };
  return { method: { ...method, responseSerialize: responseSerializer(name, counting) }, calls, fresh: (value: unknown) => method.responseSerialize(value) };
}

it('encodes one object once, however often it is written, and the bytes are those of a fresh encode', () => {
  const { method, calls, fresh } = counted('WatchUsers');
  const value = change();
  const written = Array.from({ length: 1000 }, () => method.responseSerialize(value));
  expect(calls.n).toBe(1);
  expect(written.every((bytes) => bytes === written[0])).toBe(true);
  expect(written[0].equals(fresh(change()))).toBe(true);
  // An equal but distinct object is encoded again: identity, not equality, is the key.
  method.responseSerialize(change());
  expect(calls.n).toBe(2);
});

it('takes a Buffer as an encoded message and writes it unchanged', () => {
  const serialize = encodeOnce((value: object) => Buffer.from(JSON.stringify(value)));
  const bytes = Buffer.from([0x0a, 0x00]);
  expect(serialize(bytes)).toBe(bytes);
});

it('keeps no cache for methods whose messages are all distinct (ListUsers, GetUser)', () => {
  for (const name of ['ListUsers', 'GetUser']) {
    const { method, calls } = counted(name);
    const user = change().event.user;
    method.responseSerialize(user);
    method.responseSerialize(user);
    expect(calls.n).toBe(2);
  }
});

/**
 * Over a real grpc-js server and client on loopback: 50 WatchUsers streams, each written the same
 * result object, cause one encode, and every subscriber decodes the change that was written.
 */
it('50 subscribers of one change over gRPC: one encode, every subscriber receives it', async () => {
  const SUBSCRIBERS = 50;
  const { method, calls } = counted('WatchUsers');
  const value = change();
  const waiting: grpc.ServerWritableStream<unknown, unknown>[] = [];
  const server = new grpc.Server();
  server.addService(
    { WatchUsers: method },
    {
      WatchUsers: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        waiting.push(call);
        if (waiting.length < SUBSCRIBERS) return;
        for (const subscriber of waiting) {
          subscriber.write(value);
          subscriber.end();
        }
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const Client = grpc.makeClientConstructor(definition(), SERVICE_NAME);
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client &
    Record<string, (request: object) => grpc.ClientReadableStream<unknown>>;
  try {
    const received = await Promise.all(
      Array.from({ length: SUBSCRIBERS }, () => {
        const stream = client.WatchUsers({ cursor: '', filter: '' });
        const messages: unknown[] = [];
        stream.on('data', (m: unknown) => messages.push(m));
        return new Promise<unknown[]>((resolve, reject) => (stream.on('end', () => resolve(messages)), stream.on('error', reject)));
      }),
    );
    expect(calls.n).toBe(1);
    for (const messages of received)
      expect(messages).toEqual([
        {
          event: expect.objectContaining({ type: 2, cursor: '0:41@log-1', user: expect.objectContaining({ id: 'u-1', name: 'Ada', version: 3 }) }),
          kind: 'event',
        },
      ]);
  } finally {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
});
