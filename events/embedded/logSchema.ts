import { randomBytes } from 'node:crypto';
import { readLayout, writeLayout, type Layout } from '../../store/fileLayout';
import type { Db } from '../../store/openDatabase';
import { DataError } from '../../lib/startupErrors';

/**
 * The layouts of log.db. Unlike a view, the log is the source of truth: it is migrated in place,
 * never dropped, and refused when it is newer than this release.
 * 0: records and consumer positions (0.1.0 to 0.4.x, no layout stamp).
 * 1: a CRC-32 per record (`crc`, verified on every read; NULL for records written under layout 0)
 *    and the log's identity (`log_meta`), which every cursor handed out carries.
 */
export const LOG_LAYOUT: Layout = { kind: 'log', current: 1 };

const RECORD_COLUMNS = ['topic', 'partition', 'offset', 'key', 'value', 'headers', 'timestamp', 'crc'];

/** Tables of the embedded log. One partition per topic: total order is what the decider needs. */
export function migrateLog(db: Db, file: string): void {
  const layout = readLayout(db, file, LOG_LAYOUT);
  if (layout === LOG_LAYOUT.current) return checkColumns(db, file);
  db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS records (
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        headers TEXT,
        timestamp INTEGER NOT NULL,
        crc INTEGER,
        PRIMARY KEY (topic, partition, offset)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS consumer_positions (
        group_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        PRIMARY KEY (group_id, topic, partition)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS log_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `);
    // Layout 0 had no checksum column; its records stay unverified (NULL) rather than be blessed
    // with a checksum computed from bytes nobody can vouch for.
    if (!columnsOf(db).includes('crc')) db.exec('ALTER TABLE records ADD COLUMN crc INTEGER');
    db.prepare("INSERT OR IGNORE INTO log_meta (key, value) VALUES ('identity', ?)").run(newIdentity());
    writeLayout(db, LOG_LAYOUT);
  })();
  checkColumns(db, file);
}

/** The identity written when the log was created (or first opened by a release with layouts). */
export function readIdentity(db: Db, file: string): string {
  const row = db.prepare("SELECT value FROM log_meta WHERE key = 'identity'").get() as { value: string } | undefined;
  if (!row) throw new DataError(`${file} has lost its identity (log_meta holds none); it was not written by this release. Restore log.db from a backup`);
  return row.value;
}

/** 72 random bits, URL-safe: enough that two logs never share one, short enough for every cursor. */
export const newIdentity = (): string => randomBytes(9).toString('base64url');

const columnsOf = (db: Db) => (db.prepare('PRAGMA table_info(records)').all() as Array<{ name: string }>).map((c) => c.name);

/** A file that claims our layout but holds other columns was not written by us: refuse, do not guess. */
function checkColumns(db: Db, file: string): void {
  const columns = columnsOf(db);
  if (columns.join() !== RECORD_COLUMNS.join()) {
    throw new DataError(
      `${file}: the records table has columns (${columns.join(', ')}), not those of log layout ${LOG_LAYOUT.current} (${RECORD_COLUMNS.join(', ')}); it was not written by this release. Restore log.db from a backup`,
    );
  }
}

/** log_meta keys `start:<topic>`: where `trim` left each topic (absent: 0, nothing dropped). */
export function readLogStarts(db: Db): Map<string, number> {
  const rows = db.prepare("SELECT key, value FROM log_meta WHERE key LIKE 'start:%'").all() as Array<{ key: string; value: string }>;
  return new Map(rows.map((r) => [r.key.slice('start:'.length), Number(r.value)]));
}

export function writeLogStart(db: Db, topic: string, start: number): void {
  db.prepare('INSERT INTO log_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(`start:${topic}`, String(start));
}
