import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedKeyStore } from '../../../events/embedded/embeddedKeyStore';
import { openCommand, openEvent, sealCommand, sealEvent } from '../../../events/sealing/sealedRecords';
import { Code } from '../../../lib/code';
import type { OpenCommand, OpenEvent, User, UserEvent } from '../../../proto/messages';
import { filesUnder, findBytes } from '../../support/storedBytes';
import { memoryKeys } from '../../support/memoryKeys';
import { removeDir, tempDir } from '../../support/serverProcess';

const user: User = { id: 'u1', email: 'sealed@x.io', name: 'Sealed Name', plan: 1, created_at: null, updated_at: null, version: 1 };
const created: OpenEvent = { command_id: 'c1', request_id: 'r1', occurred_at: { seconds: 5, nanos: 0 }, kind: 'user_created', user_created: { user } };
const command: OpenCommand = {
  command_id: 'c1',
  request_id: 'r1',
  issued_at: null,
  kind: 'create_user',
  create_user: { user_id: 'u1', email: user.email, name: user.name, plan: 1 },
};
const plainBytes = (event: UserEvent) => JSON.stringify(event);

describe('sealed records', () => {
  it('keep nothing personal in the clear, and open to exactly what was sealed', () => {
    const keys = memoryKeys();
    const sealed = sealEvent(created, keys);
    expect(sealed).toMatchObject({ command_id: 'c1', request_id: 'r1', kind: 'sealed', sealed: { user_id: 'u1', kind: 'user_created' } });
    expect(plainBytes(sealed)).not.toContain('sealed@x.io');
    expect(openEvent(sealed, keys)).toMatchObject(created);
    const sealedCommand = sealCommand(command, keys);
    expect(sealedCommand.kind).toBe('sealed');
    expect(openCommand(sealedCommand, keys)).toMatchObject(command);
  });

  it('stay sealed once the key is destroyed; an erasure is never sealed', async () => {
    const keys = memoryKeys();
    const sealed = sealEvent(created, keys);
    await keys.destroy('u1');
    expect(openEvent(sealed, keys)).toBe(sealed);
    const erased: OpenEvent = { command_id: 'c2', request_id: '', occurred_at: null, kind: 'user_erased', user_erased: { user_id: 'u1', version: 2 } };
    expect(sealEvent(erased, keys)).toBe(erased);
    // A rejection of a user without a key names ids only: it goes as it is.
    const rejected: OpenEvent = {
      ...erased,
      kind: 'command_rejected',
      command_rejected: { code: Code.NOT_FOUND, reason: 'User u1 not found', user_id: 'u1', field: '' },
    };
    expect(sealEvent(rejected, keys)).toBe(rejected);
  });

  it('refuse a damaged body, or one moved into another record, as DATA_LOSS', () => {
    const keys = memoryKeys();
    const sealed = sealEvent(created, keys);
    if (sealed.kind !== 'sealed') throw new Error('not sealed');
    const flipped = Buffer.from(sealed.sealed.ciphertext);
    flipped[3] ^= 1;
    expect(() => openEvent({ ...sealed, sealed: { ...sealed.sealed, ciphertext: flipped } }, keys)).toThrow(expect.objectContaining({ code: Code.DATA_LOSS }));
    expect(() => openEvent({ ...sealed, command_id: 'c-other' }, keys)).toThrow(/does not open with its key/);
  });
});

describe('keys.db', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('keys')));
  afterEach(() => removeDir(dir));

  it('keeps keys across a reopen, and a destroyed key leaves the file and its WAL', async () => {
    let keys = EmbeddedKeyStore.open(dir);
    const made = await keys.create(['a', 'b']);
    expect(made.get('a')).toHaveLength(32);
    await keys.close();
    keys = EmbeddedKeyStore.open(dir);
    expect(keys.keyOf('a')).toEqual(made.get('a'));
    // A user that has a key keeps it (a retried create).
    expect((await keys.create(['a'])).get('a')).toEqual(made.get('a'));
    await keys.destroy('a');
    await keys.scrub();
    expect(keys.keyOf('a')).toBeUndefined();
    expect(findBytes(filesUnder(dir), { 'key of a': made.get('a')!, 'key of b': made.get('b')! })).toEqual([`key of b in ${path.join(dir, 'keys.db')}`]);
    await keys.close();
    expect(readFileSync(path.join(dir, 'keys.db')).includes(made.get('a')!)).toBe(false);
  });
});
