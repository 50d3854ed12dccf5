import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DataLossError } from '../lib/errors';
import { VIEW_WAY_OUT, withFile } from './sqliteFileError';

/**
 * Damage found in a view while it is served (a row failing its CRC, a page SQLite cannot read) is
 * remembered in a file next to it, `views.db.damaged`, so the next start rebuilds the view even
 * when SQLite's own checks find nothing wrong (they do not read the values in a row). A rebuild
 * removes the mark.
 */
export const damageMark = (file: string) => `${file}.damaged`;

/** The views of this process found damaged, and what was found: read on every query, so kept in memory. */
const damagedViews = new Map<string, DataLossError>();

/**
 * Runs a read of a view file: SQLite errors name the file, and damage is marked for the next
 * start. Once a view is found damaged, every later read of it is refused with that damage: a row
 * that passes its CRC may sit next to one whose key was damaged, and a NOT_FOUND for that key
 * would be a wrong answer served.
 */
export function readView<T>(file: string, query: () => T): T {
  const known = damagedViews.get(file);
  if (known) throw known;
  try {
    return withFile(file, VIEW_WAY_OUT, query);
  } catch (error) {
    if (error instanceof DataLossError) markDamaged(file, error);
    throw error;
  }
}

/** Remembers damage found in a view, here and for the next start (which rebuilds it). */
export function markDamaged(file: string, error: DataLossError): void {
  damagedViews.set(file, error);
  try {
    writeFileSync(damageMark(file), `${new Date().toISOString()} ${error.message}\n`, { flag: 'wx' });
  } catch {
    // Marked already, or a disk too full to take the mark: the answer still says DATA_LOSS and what to do.
  }
}

/** What was found, when the view was marked damaged while served; undefined otherwise. */
export function readDamageMark(file: string): string | undefined {
  return existsSync(damageMark(file)) ? readFileSync(damageMark(file), 'utf8').trim() : undefined;
}

/** After a rebuild: the file is whole again. */
export function clearDamageMark(file: string): void {
  damagedViews.delete(file);
  rmSync(damageMark(file), { force: true });
}
