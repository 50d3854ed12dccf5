import type { Db } from './openDatabase';

/**
 * SQLite's `quick_check`: every page of the file readable, every b-tree well formed, every row's
 * columns in place; it skips only the comparison of indexes with their tables, which
 * `integrity_check` adds at several times the cost. Returns the problems found (none: an empty
 * list), at most `limit` of them. A file too damaged to be read at all throws SQLITE_CORRUPT or
 * SQLITE_NOTADB, which callers treat the same way.
 */
export function quickCheck(db: Db, limit = 5): string[] {
  return check(db, 'quick_check', limit);
}

/**
 * SQLite's `integrity_check`: quick_check, and every index entry matched with its table row. A
 * flipped bit in an index key leaves the b-tree well formed, so only this finds it: a row missing
 * from `outcomes_command_id` (which de-duplication looks up) passes quick_check. For files with
 * indexes; about 2.3 times quick_check's time on a view of 1,000,000 users (bench/RESULTS.md).
 */
export function integrityCheck(db: Db, limit = 5): string[] {
  return check(db, 'integrity_check', limit);
}

function check(db: Db, pragma: 'quick_check' | 'integrity_check', limit: number): string[] {
  const rows = db.pragma(`${pragma}(${limit})`) as Array<Record<string, string>>;
  const problems = rows.map((row) => row[pragma]);
  return problems.length === 1 && problems[0] === 'ok' ? [] : problems;
}

/** SQLite's error codes that mean the file's bytes are damaged, not that the call was wrong. */
export const isCorruption = (error: unknown): boolean =>
  ['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX'].includes(String((error as { code?: unknown }).code));
