import { GroupCommit } from '../../lib/groupCommit';

describe('GroupCommit', () => {
  it('writes what was submitted in one turn together, and one write at a time, in order', async () => {
    const writes: number[][] = [];
    let inFlight = 0;
    const commit = new GroupCommit<number, string>(async (items) => {
      expect(++inFlight).toBe(1);
      writes.push(items);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return items.map((i) => `ok ${i}`);
    });
    const first = [1, 2, 3].map((i) => commit.submit(i));
    await new Promise((r) => setImmediate(r));
    const second = [4, 5].map((i) => commit.submit(i));
    expect(await Promise.all([...first, ...second])).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5']);
    expect(writes).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('rejects every item of a failed write, and goes on with the next', async () => {
    let fail = true;
    const commit = new GroupCommit<number, number>((items) => {
      if (fail) throw new Error('disk full');
      return items;
    });
    await expect(Promise.all([commit.submit(1), commit.submit(2)])).rejects.toThrow('disk full');
    fail = false;
    await expect(commit.submit(3)).resolves.toBe(3);
    await commit.idle();
  });
});
