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
import { migrateView, writeViewRetention } from './viewSchema';
import { DEFAULT_REQUEST_ID_RETENTION_MS, pruneBefore } from '../lib/requestRetention';
import { ViewWaiters, type OutcomeKey } from './viewWaiters';

/**
 * A materialized view of the users, in its own SQLite file: the projection that writes it, the
 * queries handlers answer from, and the waits that give read-your-writes.
 */
export class UserView {
  private projection: Projection;
  private readonly waiters = new ViewWaiters();
  private readonly encodedUsers = new EncodedUserCache();
  private readonly byId: Statement;
  private readonly byEmail: Statement;
  private readonly outcomeByCommand: Statement;
  private readonly outcomeByRequest: Statement;
  private readonly newestOutcome: Statement;
  private readonly pruneStatement: Statement;

  private constructor(
    readonly file: string,
    readonly db: Db,
    /** How long a request id's outcome answers its retries (lib/requestRetention.ts). */
    readonly requestIdRetentionMs: number,
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
    this.newestOutcome = db.prepare('SELECT MAX(occurred_at) FROM outcomes').pluck();
    this.pruneStatement = db.prepare('DELETE FROM outcomes WHERE rowid IN (SELECT rowid FROM outcomes WHERE occurred_at < ? LIMIT ?)');
  }

  /**
   * Opens (creating if needed) a view file of the log named `logIdentity`, once the start-up check
   * (runtime/viewStartupCheck.ts) has found it in step with that log. Views are rebuildable, so
   * commits need not fsync.
   */
  static open(file: string, logIdentity: string, openEvent: EventOpener, requestIdRetentionMs = DEFAULT_REQUEST_ID_RETENTION_MS): UserView {
    const db = openDatabase(file);
    try {
      const discarded = migrateView(db, file, logIdentity);
      writeViewRetention(db, requestIdRetentionMs);
      return new UserView(file, db, requestIdRetentionMs, discarded, openEvent);
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

  /** When a command carrying this request id was last decided (its event's occurred_at), while its outcome is kept. */
  requestDecidedAt(requestId: string): number | undefined {
    return this.read(() => checked(this.outcomeByRequest.get(requestId) as OutcomeRow | undefined))?.occurred_at;
  }

  /** The newest occurred_at applied (0 for an empty view): the log's clock, which the retention is measured on. */
  decidedThrough(): number {
    return this.read(() => (this.newestOutcome.get() as number | null) ?? 0);
  }

  /**
   * Deletes up to `limit` outcomes that no command can count again (older than the retention
   * before the newest applied); returns how many went. In small steps: the projector shares the file.
   */
  pruneOutcomes(limit = 5000): number {
    const before = pruneBefore(this.decidedThrough(), this.requestIdRetentionMs);
    return this.read(() => this.pruneStatement.run(before, limit).changes);
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
   * Empties the fold (users, outcomes, applied cursor) in one transaction, so it can be folded
   * again from the log's start: for the decider's own fold, found behind the start of a log
   * compacted while it was not deciding. Never the view handlers answer from while serving: they
   * would read it empty until the fold caught up.
   */
  reset(): void {
    this.read(() => this.db.transaction(() => this.db.exec('DELETE FROM users; DELETE FROM outcomes; DELETE FROM applied_cursor;'))());
    this.projection = createProjection(this.db);
    this.encodedUsers.clear();
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
