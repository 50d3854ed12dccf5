import * as grpc from '@grpc/grpc-js';
import path from 'node:path';
import { createClient } from '../../client/userServiceClient';
import { EmbeddedLog } from '../../events/embedded/embeddedLog';
import { COMMANDS, EVENTS } from '../../events/eventLog';
import { readToEnd } from '../../events/readToEnd';
import { Cursor } from '../../lib/cursor';
import { DataLossError } from '../../lib/errors';
import { checksumOf, copyDataDir, createTally, expectUsersAsCreated, makePristine, removeDirs, type Ending, type Pristine } from '../support/corruptionFixture';
import { flipBit, overwritePages, pageCountOf, pickPages, seededRandom } from '../support/fileDamage';
import { recordCell, recordCells } from '../support/logRecordCells';
import { runCli, startServer, type ServerProcess } from '../support/serverProcess';

/**
 * A damaged log.db (issue 12, finding 3), embedded log only: pages overwritten and bits flipped in
 * the records at fixed seeds. The log is the source of truth and nothing rebuilds it, so each case
 * must end refused, naming log.db and the way out (at start: exit code 4; or when the damaged
 * record is read, or found missing from its place: the change feed answers DATA_LOSS and
 * `usersvc rebuild` fails, naming the file and the offset; neither waits for it), or unaffected
 * (the damage hit nothing read: a replay gives the same checksum).
 * Whatever happens, every user the views hold reads back as created: never a wrong answer.
 */
const USERS = 2000;
/** How the embedded log names a damaged record: it fails its checksum, or it is missing from its place. */
const DAMAGED_RECORD = String.raw`0:\d+ (fails its checksum|is missing, and the log goes on to 0:\d+)`;
const LOG = 'log.db';

/** Each case damages the file and says what it did, so a failing case names the damage to replay. */
const CASES: Array<{ name: string; damage: (file: string) => string; ends?: RegExp }> = [
  { name: '3 pages overwritten with random bytes (seed 1)', damage: (f) => overwriteSome(f, 3, 1) },
  { name: 'page 1, the header and schema, overwritten (seed 2)', damage: (f) => (overwritePages(f, [1], seededRandom(2)), 'page 1') },
  ...[1, 2, 3, 4].map((seed) => ({ name: `1 bit flipped in the records' cells (seed ${seed})`, damage: (f: string) => flipInRecords(f, 1, seed) })),
  { name: "20 bits flipped in the records' cells (seed 5)", damage: (f) => flipInRecords(f, 20, 5) },
  // A record whose key sorts out of its topic's range is never read, so its checksum never fails:
  // the reads stopped short of it and the next found nothing, waiting for ever (CI's seed 4 hang);
  // hidden at a topic's end, the log looked a record shorter. The log now refuses to open.
  ...[
    [EVENTS, 1000],
    [COMMANDS, 1000],
    [EVENTS, USERS - 1],
  ].map(([topic, offset]) => ({
    name: `the topic of record ${topic} 0:${offset} damaged, hiding it`,
    damage: (f: string) => hideRecord(f, String(topic), Number(offset)),
    ends: new RegExp(`^refused: at start: .*log\\.db is corrupt \\(records of topic ${topic} partition 0: 1 at offsets ${offset} to ${offset},`),
  })),
];

function overwriteSome(file: string, count: number, seed: number): string {
  const random = seededRandom(seed);
  const pages = Array.from({ length: pageCountOf(file) - 1 }, (_, i) => i + 2);
  const picked = pickPages(pages, count, random);
  overwritePages(file, picked, random);
  return `pages ${picked.join(', ')}`;
}

/**
 * Flips bits in records picked by their place in the log (topic, offset, byte of the cell), not
 * by their place in the file: pages fill differently from run to run, so a seed hits the same
 * field of the same record every time.
 */
function flipInRecords(file: string, bits: number, seed: number): string {
  const random = seededRandom(seed);
  const cells = recordCells(file);
  const hits: string[] = [];
  for (let i = 0; i < bits; i++) {
    const cell = cells[Math.floor(random() * cells.length)];
    const [byte, bit] = [Math.floor(random() * cell.length), Math.floor(random() * 8)];
    flipBit(file, cell.start + byte, bit);
    hits.push(`${cell.topic} 0:${cell.offset} byte ${byte} of ${cell.length} bit ${bit}`);
  }
  return hits.join('; ');
}

/** The '.' of the record's topic becomes 0xae: the key now sorts after every topic's records. */
function hideRecord(file: string, topic: string, offset: number): string {
  const cell = recordCell(recordCells(file), topic, offset);
  flipBit(file, cell.body + topic.indexOf('.'), 7);
  return `${topic} 0:${offset}: its topic's '.' byte, bit 7`;
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
  const feed = client.WatchUsers({ cursor: '0:0' }, new grpc.Metadata(), { deadline: Date.now() + 30_000 }) as grpc.ClientReadableStream<{
    event?: object;
    caught_up?: object;
  }>;
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
/** What each case damaged, printed even when a case timed out, so its damage can be replayed. */
const damages: string[] = [];
afterAll(() => {
  process.stdout.write(`log.db damage done, case by case\n${damages.join('\n')}\n`);
  tally.print();
  removeDirs();
});

describe('a damaged log.db', () => {
  it.each(CASES)('$name: refused naming the file, or unaffected; never a wrong answer', async ({ name, damage, ends }) => {
    const dir = copyDataDir(pristine.dir, 'logdmg-case');
    const file = path.join(dir, LOG);
    damages.push(`  ${name}: ${damage(file)}`);
    const started = await startOrRefusal(dir);
    if (!('server' in started)) {
      expect(started.code).toBe(4);
      expect(started.output).toContain(file);
      expect(started.output).toMatch(/restore/);
      const detail = `at start: ${/"msg":"([^"]{0,200})/.exec(started.output)?.[1]}`;
      tally.add(name, 'refused', detail);
      if (ends) expect(`refused: ${detail}`).toMatch(ends);
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
      if (typeof commands === 'string') expect(commands).toMatch(new RegExp(`log\\.db is damaged \\(record users\\.commands ${DAMAGED_RECORD}\\)`));
      else expect(commands).toBe(USERS);
      detail =
        typeof commands === 'string'
          ? `served and replayed right; a read of every command finds ${commands.slice(commands.indexOf('record'), commands.indexOf(')'))}`
          : '';
    } else {
      // A record failed its checksum or was missing from its place: the feed and the replay both stop there, naming the file and the offset.
      expect(fed).toMatchObject({ code: grpc.status.DATA_LOSS, details: expect.stringContaining(file) });
      expect(fed.details).toMatch(new RegExp(`users\\.events ${DAMAGED_RECORD}\\); .*restore log\\.db`));
      expect(replay.code).toBe(4);
      expect(replay.stderr).toMatch(new RegExp(`log\\.db is damaged \\(record users\\.events ${DAMAGED_RECORD}\\)`));
      ending = 'refused';
      detail = `on read: ${fed.details.slice(fed.details.indexOf('(') + 1, fed.details.indexOf(')'))}`;
    }
    tally.add(name, ending, detail);
    if (ends) expect(`${ending}: ${detail}`).toMatch(ends);
    expect(await checksumOf(['checksum', '--data', dir])).toBe(pristine.checksum);
  });

  it('ends at least one case refused', () => {
    expect(tally.count('refused')).toBeGreaterThan(0);
  });
});
