import type { Db } from '../../store/openDatabase';

/** Tables of the embedded log. One partition per topic: total order is what the decider needs. */
export function migrateLog(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS records (
      topic TEXT NOT NULL,
      partition INTEGER NOT NULL,
      offset INTEGER NOT NULL,
      key TEXT NOT NULL,
      value BLOB NOT NULL,
      headers TEXT,
      timestamp INTEGER NOT NULL,
      PRIMARY KEY (topic, partition, offset)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS consumer_positions (
      group_id TEXT NOT NULL,
      topic TEXT NOT NULL,
      partition INTEGER NOT NULL,
      offset INTEGER NOT NULL,
      PRIMARY KEY (group_id, topic, partition)
    ) WITHOUT ROWID;
  `);
}
