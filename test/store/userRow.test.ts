import { openAsIs } from '../support/memoryKeys';
import type * as grpc from '@grpc/grpc-js';
import { encodeMessage, grpcDefinition, messageType, SERVICE_NAME } from '../../proto/schema';
import { UserPlan, type User, type UserEvent } from '../../proto/messages';
import { openDatabase } from '../../store/openDatabase';
import { encodedUserFromRow, userFromRow, userRowValues, type UserRow } from '../../store/userRow';
import { UserView } from '../../store/userView';
import { removeDir, tempDir } from '../support/serverProcess';

/** GetUser's own serializer: what the server sent before the view kept users encoded. */
const getUserMethod = (grpcDefinition()[SERVICE_NAME] as grpc.ServiceDefinition).GetUser;
const serialize = (user: User) => getUserMethod.responseSerialize(user) as Buffer;

const COLUMNS = ['id', 'email', 'email_lower', 'name', 'plan', 'created_at', 'updated_at', 'version', 'user', 'crc'] as const;
const rowOf = (user: User) => Object.fromEntries(userRowValues(user).map((value, i) => [COLUMNS[i], value])) as unknown as UserRow;

const ada: User = {
  id: 'V1StGXR8_Z5jdHi6B-myT',
  email: 'Ada.Lovelace@Example.com',
  name: 'Ada Lovelace — ✓ 🚀',
  plan: UserPlan.USER_PLAN_PRO,
  // Sub-millisecond nanos: the view keeps ms, and the bytes must be those of the user it gives back.
  created_at: { seconds: 1700000000, nanos: 123456789 },
  updated_at: { seconds: 1700000100, nanos: 500000000 },
  version: 3,
};

/**
 * GetUser's response message for `ada`, as the build before issue 16 sent it (its serializer on
 * the user `userFromRow` read back; captured with that build). The wire bytes must not move.
 */
const ADA_GOLDEN =
  '0a1556315374475852385f5a356a64486936422d6d795412184164612e4c6f76656c616365404578616d706c652e636f6d1a19416461204c6f76656c61636520e2809420e29c9320f09f9a8020022a0b0880e2cfaa0610c0a9d33a320c08e4e2cfaa061080cab5ee013803';

describe('the encoded user a users row keeps', () => {
  it('is, byte for byte, the GetUser response the build before it sent (golden)', () => {
    expect(encodedUserFromRow(rowOf(ada)).toString('hex')).toBe(ADA_GOLDEN);
  });

  it.each([
    [
      'a user at its defaults',
      { ...ada, name: 'x', plan: UserPlan.USER_PLAN_FREE, created_at: { seconds: 0, nanos: 0 }, updated_at: { seconds: 0, nanos: 0 }, version: 1 },
    ],
    ['a user of the unspecified plan and a large version', { ...ada, plan: UserPlan.USER_PLAN_UNSPECIFIED, version: 2 ** 40 }],
    ['a user with times before 1970', { ...ada, created_at: { seconds: -86400, nanos: 1000000 }, updated_at: { seconds: -1, nanos: 999000000 } }],
  ])('is what encoding the decoded row gives, for %s', (_, user) => {
    const row = rowOf(user);
    expect(encodedUserFromRow(row).equals(serialize(userFromRow(row)))).toBe(true);
  });

  it('is covered by the row CRC: one flipped bit in it is damage, not an answer', () => {
    const row = rowOf(ada);
    const damaged = Buffer.from(row.user);
    damaged[damaged.length - 1] ^= 1;
    expect(() => encodedUserFromRow({ ...row, user: damaged })).toThrow(expect.objectContaining({ code: 'SQLITE_CORRUPT' }));
    expect(() => encodedUserFromRow({ ...row, user: damaged.toString('latin1') as unknown as Buffer })).toThrow(
      expect.objectContaining({ code: 'SQLITE_CORRUPT' }),
    );
  });
});

describe('a view file of layout 4 (users without their encoded bytes)', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('layout4')));
  afterEach(() => removeDir(dir));

  it('is dropped at open and refilled from the log, then served encoded', () => {
    const file = `${dir}/views.db`;
    const db = openDatabase(file);
    db.exec(`CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL, email_lower TEXT NOT NULL, name TEXT NOT NULL, plan INTEGER NOT NULL,
               created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL, crc INTEGER NOT NULL) WITHOUT ROWID;
             INSERT INTO users VALUES ('u1', 'a@x.io', 'a@x.io', 'Old', 1, 1000, 1000, 1, 0);
             CREATE TABLE applied_cursor (partition INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL); INSERT INTO applied_cursor VALUES (0, 1);
             PRAGMA application_id = 0x55535643; PRAGMA user_version = 4;`);
    db.close();
    const view = UserView.open(file, 'test-log', openAsIs);
    expect(view.discardedOldLayout).toBe(true);
    expect(view.getEncodedUser('u1')).toBeUndefined();
    const user = { ...ada, id: 'u1', name: 'New' };
    const event: UserEvent = { command_id: 'c1', request_id: '', occurred_at: null, kind: 'user_created', user_created: { user } };
    view.apply([{ event, partition: 0, offset: 0, bytes: encodeMessage(messageType('userservice.UserEvent'), event) }]);
    expect(view.getEncodedUser('u1')?.equals(serialize(view.getUser('u1')!))).toBe(true);
    view.close();
  });
});
