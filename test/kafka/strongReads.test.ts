import { createClient, unary, type Client } from '../../client/userServiceClient';
import { KAFKA_BROKERS, uniquePrefix } from '../support/kafka';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';
import { strongSnapshot } from '../support/strongSnapshot';

/**
 * `users-consistency: strong` across two replicas on one Kafka log: a write answered by A is
 * committed in users.events, so B's strong read (B's view caught up to the log's end at the
 * read's arrival) must see it, without the client passing any cursor.
 */
describe('strong reads across Kafka replicas', () => {
  const prefix = uniquePrefix('strong');
  const dirs = [tempDir('strong-a'), tempDir('strong-b')];
  const servers: ServerProcess[] = [];
  const clients: Client[] = [];
  const STRONG = { metadata: { 'users-consistency': 'strong' } };

  beforeAll(async () => {
    for (const dir of dirs) {
      const server = await startServer(dir, ['--log', 'kafka', '--brokers', KAFKA_BROKERS.join(','), '--kafka-prefix', prefix]);
      servers.push(server);
      clients.push(createClient(server.addr));
    }
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    for (const server of servers) expect(await server.stop()).toBe(0);
    dirs.forEach(removeDir);
  });

  it('a strong GetUser on B right after a write through A sees it, every time (50 rounds)', async () => {
    const [a, b] = clients;
    for (let i = 0; i < 50; i++) {
      const { response } = await unary(a, 'CreateUser', { email: `s${i}@strong.example`, name: `S${i}` });
      const read = await unary(b, 'GetUser', { id: response.id }, STRONG);
      expect(read.response).toEqual(response);
      // An update too: the strong read must see the new version, not only some version.
      const updated = await unary(a, 'UpdateUser', { user: { id: response.id, name: `S${i} updated` }, update_mask: { paths: ['name'] } });
      expect((await unary(b, 'GetUser', { id: response.id }, STRONG)).response).toEqual(updated.response);
    }
  });

  it('a strong WatchUsers on B starts with a snapshot holding a write just made through A', async () => {
    const [a, b] = clients;
    for (let i = 0; i < 5; i++) {
      const { response } = await unary(a, 'CreateUser', { email: `w${i}@strong-watch.example`, name: `W${i}` });
      expect(await strongSnapshot(b, 'email : "@strong-watch.example"')).toContainEqual(response);
    }
  });
});
