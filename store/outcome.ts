import { Code } from '../lib/code';
import { Cursor } from '../lib/cursor';
import type { ErrorReason } from '../lib/errors';
import { millisFromTimestamp } from '../lib/timestamp';
import { decodeMessage, messageType } from '../proto/schema';
import { userOf, type User, type UserEvent } from '../proto/messages';
import { DamagedRowError, outcomeRowCrc } from './rowChecksum';

/** What the decider made of one command, as a handler answers it. */
export interface Outcome {
  commandId: string;
  requestId: string;
  code: Code;
  message: string;
  /** A rejection's ErrorInfo (VERSION_MISMATCH, ...); undefined for successes and older rejections. */
  errorInfo?: ErrorReason;
  /** The digest of the request that was decided; empty when it had none (no request_id, or an older record). */
  requestDigest: Uint8Array;
  /** The user's image right after the command (the last image for a deletion). */
  user: User | null;
  /** The log position just past the event: wait for it to read this write elsewhere. */
  cursor: Cursor;
  /** When it was decided (the event's occurred_at, ms): a request id's outcome stands for the retention from then. */
  occurredAt: number;
}

/** A row of the `outcomes` table: the event a command became, as it lies on the log. */
export interface OutcomeRow {
  command_id: string;
  request_id: string | null;
  partition: number;
  offset: number;
  event: Buffer;
  occurred_at: number;
  crc: number;
}

/** Throws DamagedRowError when an outcome row's values fail their CRC. */
export function checkOutcomeRow(row: OutcomeRow): void {
  // Types first: a flipped bit can turn TEXT into a BLOB of the same bytes (or the reverse), with the same CRC.
  const typed =
    typeof row.command_id === 'string' &&
    (row.request_id === null || typeof row.request_id === 'string') &&
    Buffer.isBuffer(row.event) &&
    Number.isInteger(row.partition) &&
    Number.isInteger(row.offset) &&
    Number.isInteger(row.occurred_at);
  if (!typed || row.crc !== outcomeRowCrc(row.command_id, row.request_id, row.partition, row.offset, row.event, row.occurred_at)) {
    throw new DamagedRowError(`the outcome row of command ${JSON.stringify(row.command_id)}`);
  }
}

const EMPTY = new Uint8Array(0);
const eventType = () => messageType('userservice.UserEvent');

export function outcomeOf(event: UserEvent, partition: number, offset: number): Outcome {
  const cursor = Cursor.of([[partition, offset + 1]]);
  if (event.kind === 'sealed') {
    // Its user was erased since: what the request did can no longer be read, only that it is gone.
    const message = `User ${event.sealed.user_id} was erased`;
    const occurredAt = millisFromTimestamp(event.occurred_at);
    return { commandId: event.command_id, requestId: event.request_id, code: Code.NOT_FOUND, message, requestDigest: EMPTY, user: null, cursor, occurredAt };
  }
  const rejected = event.kind === 'command_rejected' ? event.command_rejected : undefined;
  return {
    commandId: event.command_id,
    requestId: event.request_id,
    code: rejected ? rejected.code : Code.OK,
    message: rejected ? rejected.reason : '',
    ...(rejected?.error_reason ? { errorInfo: { reason: rejected.error_reason, metadata: { ...rejected.error_metadata } } } : {}),
    requestDigest: event.request_digest ?? EMPTY,
    user: event.kind === 'user_erased' ? erasedUser(event.user_erased.user_id, event.user_erased.version) : (userOf(event) ?? null),
    cursor,
    occurredAt: millisFromTimestamp(event.occurred_at),
  };
}

/** What is left to say of an erased user: its id and the version the erasure gave it (0: it was deleted before). */
export const erasedUser = (id: string, version: number): User => ({ id, email: '', name: '', plan: 0, created_at: null, updated_at: null, version });

/** Opens a sealed event with its user's key (events/sealing), or leaves it sealed when the key is gone. */
export type EventOpener = (event: UserEvent) => UserEvent;

/** Outcome rows are read back only for retries and late waiters, so the event is decoded then, not stored twice. */
export function outcomeFromRow(row: OutcomeRow, open: EventOpener): Outcome {
  checkOutcomeRow(row);
  return outcomeOf(open(decodeMessage<UserEvent>(eventType(), row.event)), row.partition, row.offset);
}
