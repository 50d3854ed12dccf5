import { DataDirLockedError, lockDataDir } from '../../store/dataDirLock';
import { removeDir, tempDir } from '../support/serverProcess';

describe('lockDataDir', () => {
  it('refuses a second holder, naming the first, and is free again once released', () => {
    const dir = tempDir('lock');
    const first = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by process ${process.pid} `));
    first.release();
    lockDataDir(dir).release();
    removeDir(dir);
  });
});
