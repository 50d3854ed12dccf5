import { DataLossError, ServiceError } from '../lib/errors';
import { Code } from '../lib/code';
import { isCorruption } from './integrityCheck';

/** What to do about a damaged view file: it is rebuilt from the log at the next start. */
export const VIEW_WAY_OUT = 'restart the server to rebuild it from the log (or stop it and run `usersvc rebuild`)';

/**
 * A SQLite error as a person should see it: SQLite's own messages ("database disk image is
 * malformed") never say which file, and a data directory holds several. Damage becomes
 * DATA_LOSS naming the file and `wayOut`; any other SQLite error keeps its code in an INTERNAL
 * status that names the file. Anything that is not a SQLite error is returned as it is.
 */
export function sqliteFileError(error: unknown, file: string, wayOut: string): unknown {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  if (!code.startsWith('SQLITE_') || error instanceof ServiceError) return error;
  const message = (error as Error).message;
  if (isCorruption(error)) return new DataLossError(`${file} is damaged (SQLite: ${message}); ${wayOut}`, { cause: error });
  return new ServiceError(Code.INTERNAL, `${file}: SQLite ${code}: ${message}`, { cause: error });
}

/** Runs `read` on a SQLite file, turning what SQLite throws into an error that names the file. */
export function withFile<T>(file: string, wayOut: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw sqliteFileError(error, file, wayOut);
  }
}
