import { serverStream, unary } from '../../client/userServiceClient';
import { useKafkaReplicas } from '../support/kafkaReplicas';
import { SyncStream } from '../support/syncStream';

/** Two stateless replicas on the same Kafka topics, each with its own SQLite view. */
describe('replicas on one Kafka log', () => {
  // Declared first, so the streams are cancelled before the replicas stop.
  const streams: SyncStream[] = [];
  afterAll(() => streams.forEach((s) => s.cancel()));
  const { clients } = useKafkaReplicas('replicas', 2);

  it('reads a write made through one replica on the other, given users-min-cursor', async () => {
    const [a, b] = clients;
    for (let i = 0; i < 20; i++) {
      const { response, trailers } = await unary(a, 'CreateUser', { email: `r${i}@replicas.example`, name: `R${i}` });
      const cursor = String(trailers.get('users-cursor')[0]);
      const read = await unary(b, 'GetUser', { id: response.id }, { metadata: { 'users-min-cursor': cursor } });
      expect(read.response).toEqual(response);
    }
    const { messages } = await serverStream(b, 'ListUsers', { filter: 'email : "@replicas.example"' });
    expect(messages).toHaveLength(20);
  });

  it('enforces email uniqueness across replicas (one decider decides for both)', async () => {
    const [a, b] = clients;
    const results = await Promise.allSettled([
      unary(a, 'CreateUser', { email: 'same@replicas.example', name: 'A' }),
      unary(b, 'CreateUser', { email: 'SAME@replicas.example', name: 'B' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('streams, on one replica, the changes written through the other', async () => {
    const watcher = new SyncStream(clients[1]).subscribe('', 'email : "@feed.example"');
    streams.push(watcher);
    await watcher.until((s) => s.received.some((m) => m.caught_up));
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await unary(clients[0], 'CreateUser', { email: `f${i}@feed.example`, name: `F${i}` })).response.id);
    await watcher.until((s) => s.events().length === 5);
    expect(watcher.events().map((e) => e.user.id)).toEqual(created);
  });
});
