import { unary } from '../../client/userServiceClient';
import { useKafkaReplicas } from '../support/kafkaReplicas';
import { strongSnapshot } from '../support/strongSnapshot';

/**
 * `users-consistency: strong` across two replicas on one Kafka log: a write answered by A is
 * committed in users.events, so B's strong read (B's view caught up to the log's end at the
 * read's arrival) must see it, without the client passing any cursor.
 */
describe('strong reads across Kafka replicas', () => {
  const { clients } = useKafkaReplicas('strong', 2);
  const STRONG = { metadata: { 'users-consistency': 'strong' } };

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
