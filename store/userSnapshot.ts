import type { Cursor } from '../lib/cursor';
import type { Encoded } from '../proto/encoded';
import type { User } from '../proto/messages';
import type { SqlWhere } from './filter/filterToSql';
import { openDatabase, type Db } from './openDatabase';
import { readAppliedCursor } from './projection';
import { readView } from './viewDamage';
import { encodedUserFromRow, userFromRow, type UserRow } from './userRow';

/**
 * A consistent, read-only snapshot of a view: its own connection holds one read transaction,
 * so every page comes from the same state however long the reader takes (WAL keeps it intact
 * while the projector writes on). Close it, or the WAL cannot be checkpointed past it.
 */
export class UserSnapshot {
  readonly cursor: Cursor;

  private constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {
    db.exec('BEGIN');
    this.cursor = readAppliedCursor(db);
  }

  static open(file: string): UserSnapshot {
    return readView(file, () => {
      const db = openDatabase(file, { readonly: true });
      try {
        return new UserSnapshot(db, file);
      } catch (error) {
        db.close();
        throw error;
      }
    });
  }

  /** Up to `limit` users after `afterId` in id order, matching `where`. */
  page(where: SqlWhere, afterId: string, limit: number): User[] {
    return this.rows(where, afterId, limit, userFromRow);
  }

  /** The same page, each user as its row holds it encoded (what ListUsers sends), with its id to page on. */
  encodedPage(where: SqlWhere, afterId: string, limit: number): Array<{ id: string; user: Encoded<User> }> {
    return this.rows(where, afterId, limit, (row) => ({ id: row.id, user: encodedUserFromRow(row) }));
  }

  private rows<T>(where: SqlWhere, afterId: string, limit: number, map: (row: UserRow) => T): T[] {
    return readView(this.file, () =>
      (this.db.prepare(`SELECT * FROM users WHERE id > ? AND ${where.sql} ORDER BY id LIMIT ?`).all(afterId, ...where.params, limit) as UserRow[]).map(map),
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
