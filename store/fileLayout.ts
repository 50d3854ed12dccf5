import { DataError } from '../lib/startupErrors';
import type { Db } from './openDatabase';

/**
 * Every SQLite file of ours says what it is and which layout it holds, in the two header fields
 * SQLite keeps for that: `application_id` (one number for all our files: "USVC") and
 * `user_version` (the layout, per kind of file). A file of a newer layout is refused, never
 * dropped or written to: a rollback to an older release must not destroy a newer one's data.
 */
export const APPLICATION_ID = 0x55535643;

export interface Layout {
  /** What the file is, in messages: "log", "view". */
  kind: string;
  /** The layout this release writes and reads. */
  current: number;
}

/**
 * The layout a file holds: 0 for a new, empty file or one written before layouts were numbered.
 * Throws when the file is another application's or from a newer release.
 */
export function readLayout(db: Db, file: string, layout: Layout): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  const application = db.pragma('application_id', { simple: true }) as number;
  if (application !== 0 && application !== APPLICATION_ID) {
    throw new DataError(
      `${file} is not a usersvc ${layout.kind} file (its SQLite application_id is ${application}); move it away or point --data at the right directory`,
    );
  }
  if (version > layout.current) {
    throw new DataError(
      `${file} holds ${layout.kind} layout ${version}, written by a newer usersvc; this one reads up to layout ${layout.current}. ` +
        'Run the newer release, or restore a backup made by this one; the file was left untouched',
    );
  }
  return version;
}

/** Stamps a file with our application id and its layout (inside the caller's transaction, if any). */
export function writeLayout(db: Db, layout: Layout): void {
  db.pragma(`application_id = ${APPLICATION_ID}`);
  db.pragma(`user_version = ${layout.current}`);
}
