import type { Statement } from 'better-sqlite3';
import type { Cursor } from '../lib/cursor';
import type { Encoded } from '../proto/encoded';
import type { User } from '../proto/messages';
import { openDatabase, type Db } from './openDatabase';
import { readView } from './viewDamage';
import { checkOutcomeRow, outcomeFromRow, type EventOpener, type Outcome, type OutcomeRow } from './outcome';
import { createProjection, type Applied, type PositionedEvent, type Projection } from './projection';
import { EncodedUserCache } from './encodedUserCache';
import { checkUserRow, encodedUserFromRow, userFromRow, type UserRow } from './userRow';
import { viewChecksum, type ViewChecksum } from './viewChecksum';
import { migrateView } from './viewSchema';
import { ViewWaiters, type OutcomeKey } from './viewWaiters';

/**
 * A materialized view of the users, in its own SQLite file: the projection that writes it, the
 * queries handlers answer from, and the waits that give read-your-writes.
 */
export class UserView {
  private readonly projection: Projection;
  private readonly waiters = new ViewWaiters();
  private readonly encodedUsers = new EncodedUserCache();
  private readonly byId: Statement;
  private readonly byEmail: Statement;
  private readonly outcomeByCommand: Statement;
  private readonly outcomeByRequest: Statement;

  private constructor(
    readonly file: string,
    readonly db: Db,
    /** True when the file held an older layout, now dropped: the projector replays the whole log into it. */
    readonly discardedOldLayout: boolean,
    /** Opens the sealed events outcome rows keep as the log holds them. */
    private readonly openEvent: EventOpener,
  ) {
    this.projection = createProjection(db);
    this.byId = db.prepare('SELECT * FROM users WHERE id = ?');
    this.byEmail = db.prepare('SELECT * FROM users WHERE email_lower = ?');
    this.outcomeByCommand = db.prepare('SELECT * FROM outcomes WHERE command_id = ?');
    this.outcomeByRequest = db.prepare('SELECT * FROM outcomes WHERE request_id = ?');
  }

  /**
   * Opens (creating if needed) a view file of the log named `logIdentity`, once the start-up check
   * (runtime/viewStartupCheck.ts) has found it in step with that log. Views are rebuildable, so
   * commits need not fsync.
   */
  static open(file: string, logIdentity: string, openEvent: EventOpener): UserView {
    const db = openDatabase(file);
    try {
      return new UserView(file, db, migrateView(db, file, logIdentity), openEvent);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  cursor(): Cursor {
    return this.projection.cursor();
  }

  /** Applies a batch of events in one transaction, then wakes the callers it satisfied. */
  apply(events: PositionedEvent[], through?: Cursor): Applied {
    this.encodedUsers.forget(events);
    const applied = this.read(() => this.projection.apply(events, through));
    this.waiters.notify(applied);
    return applied;
  }

  getUser(id: string): User | undefined {
    return this.read(() => {
      const row = this.byId.get(id) as UserRow | undefined;
      return row && userFromRow(row);
    });
  }

  /** The user as its row holds it encoded: what GetUser sends, with no decode or encode on the way. */
  getEncodedUser(id: string): Encoded<User> | undefined {
    return this.read(() => this.encodedUsers.get(id, this.readEncodedUser));
  }

  private readonly readEncodedUser = (id: string): Encoded<User> | undefined => {
    const row = this.byId.get(id) as UserRow | undefined;
    return row && encodedUserFromRow(row);
  };

  /** The id of the user holding an email (compared case-insensitively). */
  emailOwner(email: string): string | undefined {
    // The whole row, for its CRC: the decider's uniqueness rule reads this, and a damaged email
    // here would become a wrong event on the log, which no rebuild undoes.
    return this.read(() => {
      const row = this.byEmail.get(email.toLowerCase()) as UserRow | undefined;
      if (row) checkUserRow(row);
      return row?.id;
    });
  }

  /** True once a command carrying this request id has been decided. */
  seenRequest(requestId: string): boolean {
    return this.read(() => checked(this.outcomeByRequest.get(requestId) as OutcomeRow | undefined)) !== undefined;
  }

  /** True once this command has been decided. */
  seenCommand(commandId: string): boolean {
    return this.read(() => checked(this.outcomeByCommand.get(commandId) as OutcomeRow | undefined)) !== undefined;
  }

  findOutcome(key: OutcomeKey): Outcome | undefined {
    return this.read(() => {
      const row = (key.requestId ? this.outcomeByRequest.get(key.requestId) : undefined) ?? this.outcomeByCommand.get(key.commandId);
      return row ? outcomeFromRow(row as OutcomeRow, this.openEvent) : undefined;
    });
  }

  /**
   * Resolves with the outcome once it is applied. For a caller that has just looked the outcome
   * up with findOutcome and not found it, in the same synchronous stretch: no batch can slip
   * between the look-up and this registration.
   */
  waitForNewOutcome(key: OutcomeKey, deadline: number, signal?: AbortSignal): Promise<Outcome> {
    return this.waiters.waitForOutcome(key, deadline, signal);
  }

  /** Resolves once this view has applied everything up to `cursor`. */
  waitForCursor(cursor: Cursor, deadline: number, signal?: AbortSignal): Promise<void> {
    return this.waiters.waitForCursor(this.cursor(), cursor, deadline, signal);
  }

  /**
   * Checkpoints the WAL into the file and truncates it: after an erasure, so no old page of the
   * erased user's row is left in the WAL (deleted rows are overwritten in the file: secure_delete).
   * Best effort: a reader in the middle of a transaction keeps the WAL until the next one.
   */
  scrub(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  checksum(): ViewChecksum {
    return this.read(() => viewChecksum(this.db));
  }

  /** Every query of the view goes through here, so damage found while serving names this file. */
  private read<T>(query: () => T): T {
    return readView(this.file, query);
  }

  close(): void {
    this.db.close();
  }
}

function checked(row: OutcomeRow | undefined): OutcomeRow | undefined {
  if (row) checkOutcomeRow(row);
  return row;
}
