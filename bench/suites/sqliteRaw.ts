import { rmSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../store/openDatabase';
import { ChunkedInsert } from '../../store/chunkedInsert';
import { createViewIndexes, createViewTables, migrateView } from '../../store/viewSchema';
import { round } from '../load/stats';
import { progress, type Measurement } from './context';

const rawFile = (dir: string) => path.join(dir, 'raw.db');

function removeRaw(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

/**
 * The encoded user a row keeps (view layout 5), as bytes of its usual size: a raw insert writes
 * the same row, with no encoding to do.
 */
const USER_BYTES = Buffer.alloc(80, 0x61);
/** An outcome's event as bytes of its usual size (a UserCreated with its user). */
const EVENT_BYTES = Buffer.alloc(110, 0x62);

/**
 * A fresh raw.db with the view's own schema and settings, and `rows` users in it, 10,000 per
 * transaction: the rows/s. With `outcomes`, each user also gets the outcome row a rebuild writes
 * for its event (command id, event bytes), into the table and its command-id index.
 */
function insertRows(file: string, rows: number, outcomes = false): { db: ReturnType<typeof openDatabase>; rate: number } {
  removeRaw(file);
  const db = openDatabase(file);
  migrateView(db, file, 'bench');
  const insert = db.prepare(
    'INSERT INTO users (id, email, email_lower, name, plan, created_at, updated_at, version, user, crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)',
  );
  const outcome = db.prepare('INSERT INTO outcomes (command_id, request_id, partition, offset, event, crc) VALUES (?, NULL, 0, ?, ?, 0)');
  const started = performance.now();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++)
      insert.run(
        `u${String(i).padStart(20, '0')}`,
        `user${i}@raw.example`,
        `user${i}@raw.example`,
        `Raw ${i}`,
        1 + (i % 3),
        1_764_000_000_000 + i,
        1_764_000_000_000 + i,
        1,
        USER_BYTES,
      );
    if (outcomes) for (let i = from; i < to; i++) outcome.run(`c${String((i * 7919) % 1_000_003)}-${i}`, i, EVENT_BYTES);
  });
  for (let i = 0; i < rows; i += 10_000) batch(i, Math.min(rows, i + 10_000));
  return { db, rate: Math.round(rows / ((performance.now() - started) / 1000)) };
}

/** Raw better-sqlite3 on the view's own table and settings, no service code: the floor under rebuild, measured in each round. */
export function batchedInsert(dir: string, rows: number): Measurement {
  progress(`raw SQLite: ${rows.toLocaleString('en')} rows, 10,000 per transaction`);
  const file = rawFile(dir);
  const { db, rate } = insertRows(file, rows);
  db.close();
  removeRaw(file);
  return { group: 'raw SQLite', name: BATCHED_INSERT, rate, unit: 'rows/s' };
}

export const BATCHED_INSERT = 'batched insert (view table, 10k rows per transaction)';

/**
 * The floors under GetUser (point lookup) and ListUsers (iterate), and the rebuild's own bulk-load
 * techniques: shown once, for reading, not judged.
 */
export function sqliteFloors(dir: string, rows: number): Measurement[] {
  progress(`raw SQLite floors: point lookups and iteration over ${rows.toLocaleString('en')} rows`);
  const file = rawFile(dir);
  const { db } = insertRows(file, rows);
  const lookups = 200_000;
  const get = db.prepare('SELECT * FROM users WHERE id = ?');
  let started = performance.now();
  for (let i = 0; i < lookups; i++) get.get(`u${String((i * 7919) % rows).padStart(20, '0')}`);
  const lookupRate = Math.round(lookups / ((performance.now() - started) / 1000));

  started = performance.now();
  let n = 0;
  for (const _row of db.prepare('SELECT * FROM users ORDER BY id').iterate()) n++;
  const iterateRate = Math.round(n / ((performance.now() - started) / 1000));
  db.close();
  removeRaw(file);
  const bulkRate = bulkInsertRate(file, rows);
  progress(`raw SQLite: ${rows.toLocaleString('en')} users with their outcome rows, 10,000 per transaction`);
  const both = insertRows(file, rows, true);
  both.db.close();
  removeRaw(file);
  return [
    {
      group: 'raw SQLite',
      name: 'batched insert, users and outcomes (the two rows a rebuild writes per event)',
      rate: both.rate,
      unit: 'events/s',
      note: "the floor under rebuild's own work: not the target",
    },
    {
      group: 'raw SQLite',
      name: 'bulk load (as a rebuild writes: 100 rows per statement, no journal, index built after)',
      rate: bulkRate,
      unit: 'rows/s',
      note: 'the floor under rebuild with its own techniques; not the target',
    },
    { group: 'raw SQLite', name: 'point lookup by id', rate: lookupRate, unit: 'rows/s', note: `${round(1000 / lookupRate, 4)} ms each` },
    { group: 'raw SQLite', name: 'iterate every row in id order', rate: iterateRate, unit: 'rows/s' },
  ];
}

/**
 * The same rows written the way a rebuild writes a view (store/viewRebuild.ts): a fresh file with
 * no journal, 100 rows per statement, the email index built at the end. Shown next to the target's
 * baseline so the rebuild's ratio can be read against the floor of its own techniques too.
 */
function bulkInsertRate(file: string, rows: number): number {
  progress(`raw SQLite bulk load: ${rows.toLocaleString('en')} rows, 100 per statement`);
  const db = openDatabase(file, { exclusive: true });
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  createViewTables(db);
  const insert = new ChunkedInsert(db, 'INSERT INTO users (id, email, email_lower, name, plan, created_at, updated_at, version, user, crc)', 10);
  const started = performance.now();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++)
      insert.add(
        `u${String(i).padStart(20, '0')}`,
        `user${i}@raw.example`,
        `user${i}@raw.example`,
        `Raw ${i}`,
        1 + (i % 3),
        1_764_000_000_000 + i,
        1_764_000_000_000 + i,
        1,
        USER_BYTES,
        0,
      );
    insert.flush();
  });
  for (let i = 0; i < rows; i += 10_000) batch(i, Math.min(rows, i + 10_000));
  createViewIndexes(db);
  const rate = Math.round(rows / ((performance.now() - started) / 1000));
  db.close();
  removeRaw(file);
  return rate;
}
