import type { Db } from './openDatabase';

/**
 * SQLite's `quick_check`: every page of the file readable, every b-tree well formed, every row's
 * columns in place; it skips only the comparison of indexes with their tables, which
 * `integrity_check` adds at several times the cost. Returns the problems found (none: an empty
 * list), at most `limit` of them. A file too damaged to be read at all throws SQLITE_CORRUPT or
 * SQLITE_NOTADB, which callers treat the same way.
 */
export function quickCheck(db: Db, limit = 5): string[] {
  const rows = db.pragma(`quick_check(${limit})`) as Array<{ quick_check: string }>;
  const problems = rows.map((row) => row.quick_check);
  return problems.length === 1 && problems[0] === 'ok' ? [] : problems;
}

/** SQLite's error codes that mean the file's bytes are damaged, not that the call was wrong. */
export const isCorruption = (error: unknown): boolean => ['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX'].includes(String((error as { code?: unknown }).code));
