import { openAsIs } from '../support/memoryKeys';
import { decodeMessage, encodeMessage, messageType } from '../../proto/schema';
import { UserPlan, type User, type UserEvent } from '../../proto/messages';
import { EncodedUserCache } from '../../store/encodedUserCache';
import { UserView } from '../../store/userView';
import { removeDir, tempDir } from '../support/serverProcess';

const user = (version: number, name: string): User => ({
  id: 'u1',
  email: 'a@x.io',
  name,
  plan: UserPlan.USER_PLAN_FREE,
  created_at: { seconds: 1, nanos: 0 },
  updated_at: { seconds: 1 + version, nanos: 0 },
  version,
});
let offset = 0;
const positioned = (event: { kind: UserEvent['kind'] } & Record<string, unknown>) => {
  const full = { command_id: `c${offset}`, request_id: '', occurred_at: null, ...event } as unknown as UserEvent;
  return [{ event: full, partition: 0, offset: offset++, bytes: encodeMessage(messageType('userservice.UserEvent'), full) }];
};
const decoded = (bytes: Buffer | undefined) => bytes && decodeMessage<User>(messageType('userservice.User'), bytes);

describe('the encoded users a view keeps for GetUser', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('encodedcache')));
  afterEach(() => removeDir(dir));

  it('answers a user read again as its row stands after every update and delete', () => {
    const view = UserView.open(`${dir}/v.db`, 'test-log', openAsIs);
    expect(view.getEncodedUser('u1')).toBeUndefined(); // an absent user is not kept as absent
    view.apply(positioned({ kind: 'user_created', user_created: { user: user(1, 'A') } }));
    expect(decoded(view.getEncodedUser('u1'))).toMatchObject({ name: 'A', version: 1 });
    expect(decoded(view.getEncodedUser('u1'))).toMatchObject({ name: 'A', version: 1 });
    view.apply(positioned({ kind: 'user_updated', user_updated: { user: user(2, 'B'), changed_paths: ['name'], previous: null } }));
    expect(decoded(view.getEncodedUser('u1'))).toMatchObject({ name: 'B', version: 2 });
    view.apply(positioned({ kind: 'user_deleted', user_deleted: { user: user(3, 'B') } }));
    expect(view.getEncodedUser('u1')).toBeUndefined();
    view.close();
  });

  it('keeps at most its limit, the oldest going first', () => {
    const cache = new EncodedUserCache(2);
    const reads: string[] = [];
    const read = (id: string) => (reads.push(id), Buffer.from(id));
    for (const id of ['a', 'b', 'a', 'c', 'b', 'a']) cache.get(id, read);
    expect(reads).toEqual(['a', 'b', 'c', 'a']);
  });
});
