import { openAsIs } from '../support/memoryKeys';
import path from 'node:path';
import { Code } from '../../lib/code';
import { DataLossError } from '../../lib/errors';
import type { UserEvent } from '../../proto/messages';
import { encodeMessage, messageType } from '../../proto/schema';
import { UserSnapshot } from '../../store/userSnapshot';
import { UserView } from '../../store/userView';
import { readDamageMark } from '../../store/viewDamage';
import { leafPagesOf, overwritePages, seededRandom } from '../support/fileDamage';
import { removeDir, runCli, tempDir } from '../support/serverProcess';

/** A view of `count` users whose `users` table has every leaf page overwritten (the file's own structure is left whole). */
function damagedView(dir: string, count: number): { file: string; ids: string[] } {
  const file = path.join(dir, 'views.db');
  const view = UserView.open(file, 'test-log', openAsIs);
  const ids = Array.from({ length: count }, (_, i) => `u${String(i).padStart(5, '0')}`);
  const events = ids.map((id, offset): UserEvent => {
    const at = { seconds: 1_764_000_000 + offset, nanos: 0 };
    return {
      command_id: `c${offset}`,
      request_id: '',
      occurred_at: at,
      kind: 'user_created',
      user_created: { user: { id, email: `${id}@x.io`, name: `Name ${offset}`, plan: 1, created_at: at, updated_at: at, version: 1 } },
    };
  });
  view.apply(events.map((event, offset) => ({ event, partition: 0, offset, bytes: encodeMessage(messageType('userservice.UserEvent'), event) })));
  view.close(); // the last connection checkpoints the WAL into the file
  overwritePages(
    file,
    leafPagesOf(file, 'users').map((l) => l.page),
    seededRandom(7),
  );
  return { file, ids };
}

describe('a SQLite error names its file', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('sqlite-file')));
  afterEach(() => removeDir(dir));

  it('answers DATA_LOSS naming views.db and the way out when a read meets damage', () => {
    const { file, ids } = damagedView(dir, 500);
    const view = UserView.open(file, 'test-log', openAsIs);
    try {
      const read = () => view.getUser(ids[250]);
      expect(read).toThrow(DataLossError);
      expect(read).toThrow(`${file} is damaged (SQLite: database disk image is malformed); restart the server to rebuild it from the log`);
      // Found damaged once, the view refuses every later read, snapshots included, and is marked for the next start.
      expect(() => view.getUser(ids[0])).toThrow(DataLossError);
      expect(() => UserSnapshot.open(file)).toThrow(expect.objectContaining({ code: Code.DATA_LOSS, message: expect.stringContaining(file) }));
      expect(readDamageMark(file)).toContain(`${file} is damaged`);
    } finally {
      view.close();
    }
  });

  it('usersvc checksum on a damaged view exits 4, naming the file and the rebuild', async () => {
    const { file } = damagedView(dir, 500);
    const run = await runCli(['checksum', '--data', dir]);
    expect(run.code).toBe(4);
    expect(run.stderr).toBe(
      `usersvc: ${file} is damaged (SQLite: database disk image is malformed); stop the server and run \`usersvc rebuild --data ${dir}\` (a server also rebuilds it when it starts)\n`,
    );
  });
});
