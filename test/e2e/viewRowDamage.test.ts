import * as grpc from '@grpc/grpc-js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, serverStream, unary, type Client } from '../../client/userServiceClient';
import { checksumOf, copyDataDir, createTally, expectUsersAsCreated, makePristine, removeDirs, type Pristine } from '../support/corruptionFixture';
import { cellAreas, flipBits, leafPagesOf, seededRandom } from '../support/fileDamage';
import { logLines } from '../support/serverLogs';
import { runCli, startServer } from '../support/serverProcess';
import { EXIT } from '../../bin/exitCodes';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * One bit flipped in the values of a row of views.db: SQLite's integrity_check passes it (it
 * checks structure, not values), so the view starts as it is. Each row's CRC must turn every read
 * of the damaged row into DATA_LOSS naming the file (never the changed value, never a NOT_FOUND
 * served after the damage was seen), and the next start must rebuild the view from the log.
 */
const USERS = 500;
const VIEW = 'views.db';
const REBUILDING = 'view out of step with the log: rebuilding it before serving';

type Answer = 'as created' | 'DATA_LOSS';

/** Reads everything a client can (the list, each user, each create's retry); each answer is right or DATA_LOSS. */
async function sweep(client: Client, pristine: Pristine, file: string): Promise<Answer[]> {
  const dataLoss = (error: grpc.ServiceError): Answer => {
    expect(error).toMatchObject({ code: grpc.status.DATA_LOSS, details: expect.stringContaining(file) });
    return 'DATA_LOSS';
  };
  const answers: Answer[] = [];
  answers.push(
    await serverStream(client, 'ListUsers', {}).then(({ messages }) => {
      expect(messages).toEqual(pristine.users);
      return 'as created' as Answer;
    }, dataLoss),
  );
  for (let i = 0; i < pristine.users.length; i += 100) {
    const chunk = pristine.users.map((user, n) => ({ user, request: pristine.requests[n] })).slice(i, i + 100);
    const reads = chunk.map(({ user }) =>
      unary(client, 'GetUser', { id: user.id }).then(({ response }) => {
        expect(response).toEqual(user);
        return 'as created' as Answer;
      }, dataLoss),
    );
    // A retry answers from the outcome row of the first request: the same user, or DATA_LOSS.
    const retries = chunk.map(({ request }) =>
      unary(client, 'CreateUser', request).then(({ response }) => {
        expect(pristine.users).toContainEqual(response);
        return 'as created' as Answer;
      }, dataLoss),
    );
    answers.push(...(await Promise.all([...reads, ...retries])));
  }
  return answers;
}

/** Flips the lowest bit of the first byte of `text` where it lies in the rows of `table` (ids vary by run; a text found this way does not). */
function flipInValue(file: string, table: string, text: string): void {
  const bytes = readFileSync(file);
  const needle = Buffer.from(text);
  for (const { from, to } of cellAreas(file, leafPagesOf(file, table))) {
    const at = bytes.subarray(from, to).indexOf(needle);
    if (at < 0) continue;
    bytes[from + at] ^= 1;
    writeFileSync(file, bytes);
    return;
  }
  throw new Error(`"${text}" is not in the rows of ${table}`);
}

let pristine: Pristine;
const tally = createTally(`one bit flipped in a row of views.db, ${USERS} users: how each case ended`);
beforeAll(async () => {
  pristine = await makePristine('rowdmg', USERS);
}, 120_000);
afterAll(() => {
  tally.print();
  removeDirs();
});

const CASES = [1, 2, 3, 4, 5, 6].flatMap((seed) => ['users', 'outcomes'].map((table) => ({ table, seed })));

describe('one bit flipped in the values of a views.db row', () => {
  it.each(CASES)('in $table (seed $seed): refused with DATA_LOSS, then healed at the next start; never a wrong answer', async ({ table, seed }) => {
    const dir = copyDataDir(pristine.dir, 'rowdmg-case');
    const file = path.join(dir, VIEW);
    flipBits(file, 1, seededRandom(seed), cellAreas(file, leafPagesOf(file, table)));
    let server = await startServer(dir);
    const client = createClient(server.addr);
    const answers = await sweep(client, pristine, file);
    client.close();
    expect(await server.stop()).toBe(0);
    const refused = answers.includes('DATA_LOSS');
    if (!refused) {
      // Nothing read the bit (a byte SQLite does not use): the view must be the one before the damage.
      // (Once it was not, with every answer right: a TEXT column's serial type flipped to a BLOB's of
      // the same bytes, which passed the CRC; rows now check their types too.)
      expect(await checksumOf(['checksum', '--data', dir])).toBe(pristine.checksum);
      tally.add(`${table}, seed ${seed}`, 'unaffected');
      return;
    }
    server = await startServer(dir);
    expect(logLines(server).find((line) => line.msg === REBUILDING)).toMatchObject({ file, reason: expect.stringMatching(/^(was found damaged|is corrupt)/) });
    await expectUsersAsCreated(server.addr, pristine);
    expect(await server.stop()).toBe(0);
    expect(await checksumOf(['checksum', '--data', dir])).toBe(pristine.checksum);
    tally.add(`${table}, seed ${seed}`, 'healed', `${answers.filter((a) => a === 'DATA_LOSS').length} answers DATA_LOSS first`);
  });

  it('is found by `usersvc checksum` too (exit 4, the file named), and the next start rebuilds the view', async () => {
    const dir = copyDataDir(pristine.dir, 'rowdmg-checksum');
    const file = path.join(dir, VIEW);
    flipInValue(file, 'users', pristine.users[7].email); // a value, not structure: SQLite's checks pass it
    const run = await runCli(['checksum', '--data', dir]);
    expect(run).toMatchObject({
      code: EXIT.DATA,
      stderr: expect.stringMatching(
        new RegExp(`^usersvc: ${escape(file)} is damaged \\(SQLite: the users row of ".*" fails its checksum\\); stop the server and run`),
      ),
    });
    const server = await startServer(dir);
    expect(logLines(server).find((line) => line.msg === REBUILDING)).toMatchObject({ file, reason: expect.stringMatching(/^was found damaged/) });
    await expectUsersAsCreated(server.addr, pristine);
    expect(await server.stop()).toBe(0);
    expect(await checksumOf(['checksum', '--data', dir])).toBe(pristine.checksum);
  });

  it('ends cases refused then healed (a flipped value bit is found by its row CRC)', () => {
    // Ids differ per run, so which byte a seed hits does too: 8 to 9 of 12 healed in the runs seen,
    // the rest in bytes nothing reads. The case above hits a value on purpose.
    expect(tally.count('healed')).toBeGreaterThanOrEqual(3);
  });
});
