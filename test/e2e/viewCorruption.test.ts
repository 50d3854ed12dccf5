import path from 'node:path';
import { checksumOf, copyDataDir, createTally, expectUsersAsCreated, makePristine, removeDirs, type Pristine } from '../support/corruptionFixture';
import { cellAreas, flipBits, leafPagesOf, overwritePages, pageCountOf, pageSizeOf, pickPages, seededRandom } from '../support/fileDamage';
import { logLines } from '../support/serverLogs';
import { startServer } from '../support/serverProcess';

/**
 * A damaged views.db (issue 12, finding 3): pages overwritten and bits flipped at fixed seeds in a
 * view of 2,000 users. Each case must end healed (the view rebuilt from the log at start, its live
 * checksum equal to `usersvc rebuild`'s and to the checksum before the damage) or unaffected (the
 * damage hit nothing in use: the checksum is unchanged); and in both, every user reads back as
 * created. A wrong answer served fails the case.
 */
const USERS = 2000;
const VIEW = 'views.db';
const REBUILDING = 'view out of step with the log: rebuilding it before serving';

const pagesAfterHeader = (file: string) => Array.from({ length: pageCountOf(file) - 1 }, (_, i) => i + 2);
const wholeDataArea = (file: string) => [{ from: pageSizeOf(file), to: pageCountOf(file) * pageSizeOf(file) }];

const CASES: Array<{ name: string; damage: (file: string) => void }> = [
  { name: '3 pages overwritten with random bytes (seed 1)', damage: (f) => overwriteSome(f, 3, 1) },
  { name: '8 pages overwritten with random bytes (seed 2)', damage: (f) => overwriteSome(f, 8, 2) },
  { name: 'page 1, the header and schema, overwritten (seed 3)', damage: (f) => overwritePages(f, [1], seededRandom(3)) },
  ...[1, 2, 3].map((seed) => ({
    name: `20 bits flipped in the data area (seed ${seed})`,
    damage: (f: string) => void flipBits(f, 20, seededRandom(seed), wholeDataArea(f)),
  })),
  ...[2, 4].map((seed) => ({
    name: `3 bits flipped in the rows of the outcomes_command_id index (seed ${seed})`,
    damage: (f: string) => flipInTree(f, 'outcomes_command_id', 3, seed),
  })),
  { name: 'a page of the outcomes_command_id index overwritten (seed 5)', damage: (f) => overwriteTree(f, 'outcomes_command_id', 5) },
];

function overwriteSome(file: string, count: number, seed: number): void {
  const random = seededRandom(seed);
  overwritePages(file, pickPages(pagesAfterHeader(file), count, random), random);
}

function flipInTree(file: string, tree: string, bits: number, seed: number): void {
  flipBits(file, bits, seededRandom(seed), cellAreas(file, leafPagesOf(file, tree)));
}

function overwriteTree(file: string, tree: string, seed: number): void {
  const random = seededRandom(seed);
  overwritePages(
    file,
    pickPages(
      leafPagesOf(file, tree).map((l) => l.page),
      1,
      random,
    ),
    random,
  );
}

let pristine: Pristine;
const tally = createTally(`views.db damage, ${USERS} users: how each case ended`);
beforeAll(async () => {
  pristine = await makePristine('viewdmg', USERS);
}, 120_000);
afterAll(() => {
  tally.print();
  removeDirs();
});

describe('a damaged views.db', () => {
  it.each(CASES)('$name: healed from the log or unaffected, never a wrong answer', async ({ name, damage }) => {
    const dir = copyDataDir(pristine.dir, 'viewdmg-case');
    damage(path.join(dir, VIEW));
    const server = await startServer(dir);
    const rebuilding = logLines(server).find((line) => line.msg === REBUILDING);
    await expectUsersAsCreated(server.addr, pristine);
    const live = await checksumOf(['checksum', '--data', dir]);
    expect(await server.stop()).toBe(0);
    // The live checksum is the one a replay of the log gives, and the one before the damage.
    expect(await checksumOf(['rebuild', '--data', copyDataDir(dir, 'viewdmg-rebuild'), ...pristine.backend])).toBe(live);
    expect(live).toBe(pristine.checksum);
    if (rebuilding) expect(rebuilding).toMatchObject({ file: path.join(dir, VIEW), reason: expect.stringMatching(/^is corrupt/) });
    tally.add(name, rebuilding ? 'healed' : 'unaffected', rebuilding?.reason.slice(0, 100));
  });

  it('ends at least one case healed', () => {
    expect(tally.count('healed')).toBeGreaterThan(0);
  });
});
