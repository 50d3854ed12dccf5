import * as grpc from '@grpc/grpc-js';
import path from 'node:path';
import { createClient } from '../../client/userServiceClient';
import { EmbeddedLog } from '../../events/embedded/embeddedLog';
import { COMMANDS } from '../../events/eventLog';
import { readToEnd } from '../../events/readToEnd';
import { Cursor } from '../../lib/cursor';
import { DataLossError } from '../../lib/errors';
import { checksumOf, copyDataDir, createTally, expectUsersAsCreated, makePristine, removeDirs, type Ending, type Pristine } from '../support/corruptionFixture';
import { cellAreas, flipBits, leafPagesOf, overwritePages, pageCountOf, pickPages, seededRandom } from '../support/fileDamage';
import { runCli, startServer, type ServerProcess } from '../support/serverProcess';

/**
 * A damaged log.db (issue 12, finding 3), embedded log only: pages overwritten and bits flipped in
 * the records at fixed seeds. The log is the source of truth and nothing rebuilds it, so each case
 * must end refused, naming log.db and the way out (at start: exit code 4; or when the damaged
 * record is read: the change feed answers DATA_LOSS and `usersvc rebuild` fails, naming the file
 * and the offset), or unaffected (the damage hit nothing read: a replay gives the same checksum).
 * Whatever happens, every user the views hold reads back as created: never a wrong answer.
 */
const USERS = 2000;
const LOG = 'log.db';

const CASES: Array<{ name: string; damage: (file: string) => void }> = [
  { name: '3 pages overwritten with random bytes (seed 1)', damage: (f) => overwriteSome(f, 3, 1) },
  { name: 'page 1, the header and schema, overwritten (seed 2)', damage: (f) => overwritePages(f, [1], seededRandom(2)) },
  ...[1, 2, 3, 4].map((seed) => ({ name: `1 bit flipped in the records' cells (seed ${seed})`, damage: (f: string) => flipInRecords(f, 1, seed) })),
  { name: "20 bits flipped in the records' cells (seed 5)", damage: (f) => flipInRecords(f, 20, 5) },
];

function overwriteSome(file: string, count: number, seed: number): void {
  const random = seededRandom(seed);
  const pages = Array.from({ length: pageCountOf(file) - 1 }, (_, i) => i + 2);
  overwritePages(file, pickPages(pages, count, random), random);
}

function flipInRecords(file: string, bits: number, seed: number): void {
  flipBits(file, bits, seededRandom(seed), cellAreas(file, leafPagesOf(file, 'records')));
}

/** A server that listens, or the exit code and output of one that refused to start. */
async function startOrRefusal(dir: string): Promise<{ server: ServerProcess } | { code: number; output: string }> {
  try {
    return { server: await startServer(dir) };
  } catch (error) {
    const match = /server exited \((\d+)\) before listening:\n([\s\S]*)$/.exec((error as Error).message);
    if (!match) throw error;
    return { code: Number(match[1]), output: match[2] };
  }
}

/** The whole change feed from the log's start: its length, or the status it ended with. */
function watchAll(addr: string): Promise<{ events: number } | { code: number; details: string }> {
  const client = createClient(addr);
  const feed = client.WatchUsers({ cursor: '0:0' }, new grpc.Metadata(), { deadline: Date.now() + 30_000 }) as grpc.ClientReadableStream<{ event?: object; caught_up?: object }>;
  let events = 0;
  return new Promise<{ events: number } | { code: number; details: string }>((resolve) => {
    feed.on('data', (m: { event?: object; caught_up?: object }) => (m.caught_up ? resolve({ events }) : events++));
    feed.on('error', (error: grpc.ServiceError) => resolve({ code: error.code, details: error.details }));
  }).finally(() => {
    feed.cancel();
    client.close();
  });
}

/** How many commands the log holds, all passing their checksums; or the error of the first that fails. */
async function readCommands(dir: string): Promise<number | string> {
  const log = EmbeddedLog.open(dir);
  let count = 0;
  try {
    await readToEnd(log, COMMANDS, Cursor.empty, (batch) => void (count += batch.records.length));
    return count;
  } catch (error) {
    if (!(error instanceof DataLossError)) throw error;
    return error.message;
  } finally {
    await log.close();
  }
}

let pristine: Pristine;
const tally = createTally(`log.db damage, ${USERS} users: how each case ended`);
beforeAll(async () => {
  pristine = await makePristine('logdmg', USERS);
}, 120_000);
afterAll(() => {
  tally.print();
  removeDirs();
});

describe('a damaged log.db', () => {
  it.each(CASES)('$name: refused naming the file, or unaffected; never a wrong answer', async ({ name, damage }) => {
    const dir = copyDataDir(pristine.dir, 'logdmg-case');
    const file = path.join(dir, LOG);
    damage(file);
    const started = await startOrRefusal(dir);
    if (!('server' in started)) {
      expect(started.code).toBe(4);
      expect(started.output).toContain(file);
      expect(started.output).toMatch(/restore/);
      tally.add(name, 'refused', `at start: ${/"msg":"([^"]{0,90})/.exec(started.output)?.[1]}`);
      return;
    }
    const { server } = started;
    await expectUsersAsCreated(server.addr, pristine);
    const fed = await watchAll(server.addr);
    expect(await server.stop()).toBe(0);
    const replay = await runCli(['rebuild', '--data', copyDataDir(dir, 'logdmg-rebuild')]);
    let ending: Ending;
    let detail = '';
    if ('events' in fed) {
      // Every record read back whole: the replay must agree, event for event.
      expect(fed.events).toBe(USERS);
      expect(replay.code).toBe(0);
      expect(/checksum ([0-9a-f]{64})/.exec(replay.stdout)?.[1]).toBe(pristine.checksum);
      ending = 'unaffected';
      // Nothing re-reads a command once decided: a damaged one shows only when the whole log is read.
      const commands = await readCommands(copyDataDir(dir, 'logdmg-read'));
      if (typeof commands === 'string') expect(commands).toMatch(/log\.db is damaged \(record users\.commands 0:\d+ fails its checksum\)/);
      else expect(commands).toBe(USERS);
      detail = typeof commands === 'string' ? `served and replayed right; a read of every command finds ${commands.slice(commands.indexOf('record'), commands.indexOf(')'))}` : '';
    } else {
      // A record failed its checksum: the feed and the replay both stop there, naming the file and the record.
      expect(fed).toMatchObject({ code: grpc.status.DATA_LOSS, details: expect.stringContaining(file) });
      expect(fed.details).toMatch(/users\.events 0:\d+ fails its checksum\); .*restore log\.db/);
      expect(replay.code).toBe(4);
      expect(replay.stderr).toMatch(/log\.db is damaged \(record users\.events 0:\d+ fails its checksum\)/);
      ending = 'refused';
      detail = `on read: ${fed.details.slice(fed.details.indexOf('(') + 1, fed.details.indexOf(')'))}`;
    }
    tally.add(name, ending, detail);
    expect(await checksumOf(['checksum', '--data', dir])).toBe(pristine.checksum);
  });

  it('ends at least one case refused', () => {
    expect(tally.count('refused')).toBeGreaterThan(0);
  });
});
