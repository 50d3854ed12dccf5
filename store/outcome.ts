import { Code } from '../lib/code';
import { Cursor } from '../lib/cursor';
import { decodeMessage, encodeMessage, messageType } from '../proto/schema';
import { userOf, type User, type UserEvent } from '../proto/messages';

/** What the decider made of one command, as a handler answers it. */
export interface Outcome {
  commandId: string;
  requestId: string;
  code: Code;
  message: string;
  /** The user's image right after the command (the last image for a deletion). */
  user: User | null;
  /** The log position just past the event: wait for it to read this write elsewhere. */
  cursor: string;
}

export interface OutcomeRow {
  command_id: string;
  request_id: string | null;
  code: number;
  message: string;
  user: Buffer | null;
  position: string;
}

const userType = () => messageType('userservice.User');

export function outcomeOf(event: UserEvent, partition: number, offset: number): Outcome {
  const rejected = event.kind === 'command_rejected' ? event.command_rejected : undefined;
  return {
    commandId: event.command_id,
    requestId: event.request_id,
    code: rejected ? rejected.code : Code.OK,
    message: rejected ? rejected.reason : '',
    user: userOf(event) ?? null,
    cursor: Cursor.of([[partition, offset + 1]]).toString(),
  };
}

export function rowFromOutcome(outcome: Outcome): OutcomeRow {
  return {
    command_id: outcome.commandId,
    request_id: outcome.requestId || null,
    code: outcome.code,
    message: outcome.message,
    user: outcome.user ? encodeMessage(userType(), outcome.user) : null,
    position: outcome.cursor,
  };
}

export function outcomeFromRow(row: OutcomeRow): Outcome {
  return {
    commandId: row.command_id,
    requestId: row.request_id ?? '',
    code: row.code,
    message: row.message,
    user: row.user ? decodeMessage<User>(userType(), row.user) : null,
    cursor: row.position,
  };
}
