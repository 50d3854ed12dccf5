import { DataLossError } from '../lib/errors';
import { decodeMessage, encodeMessage, messageType } from '../proto/schema';
import type { Command__Output } from '../proto/generated/userservice/Command';
import type { UserEvent__Output } from '../proto/generated/userservice/UserEvent';
import { commandUserId, eventUserId, type Command, type OpenCommand, type OpenEvent, type UserEvent } from '../proto/messages';
import type { PositionedEvent } from '../store/projection';
import type { LogRecord, NewRecord } from './eventLog';
import type { KeyStore } from './sealing/keyStore';
import { openCommand, openEvent, sealCommand, sealEvent, type Keys } from './sealing/sealedRecords';

const commandType = () => messageType('userservice.Command');
const eventType = () => messageType('userservice.UserEvent');

export const CONTENT_TYPE = 'application/x-protobuf';

/** W3C trace context travels with a write: from the call's metadata to its command, then to its event. */
export const TRACE_HEADER = 'traceparent';
const trace = (traceparent: string | undefined): Record<string, string> => (traceparent ? { [TRACE_HEADER]: traceparent } : {});

/**
 * A command as a log record, keyed by its user so one user's commands stay in order, and sealed
 * with that user's key (events/sealing): no personal data reaches the log in the clear.
 */
export function commandRecord(command: OpenCommand, keys: Keys, traceparent?: string): NewRecord {
  return {
    key: commandUserId(command),
    value: encodeMessage(commandType(), sealCommand(command, keys)),
    headers: { 'content-type': CONTENT_TYPE, 'command-type': command.kind, ...trace(traceparent) },
  };
}

/**
 * A command as the decider may read it: what the service writes, one member set (see
 * proto/messages.ts), opened with its user's key; still `sealed` when that key is gone.
 */
export function decodeCommand(record: LogRecord, keys: Keys): Command {
  const command = decodeMessage<Command__Output>(commandType(), record.value);
  if (!command.kind) throw new Error('the command names no create_user, update_user, delete_user, erase_user or sealed');
  return openCommand(command as Command, keys);
}

/** An event as a log record: key = user id, value = protobuf `userservice.UserEvent`, sealed with the user's key. */
export function eventRecord(event: OpenEvent, keys: Keys, traceparent?: string): NewRecord {
  return {
    key: eventUserId(event),
    value: encodeMessage(eventType(), sealEvent(event, keys)),
    headers: { 'content-type': CONTENT_TYPE, 'event-type': event.kind, ...trace(traceparent) },
  };
}

/**
 * An event as views and subscribers may read it: one member set, a change carries its user, and
 * it is opened with its user's key. Still `sealed` when the key is gone: the user was erased.
 */
export function decodeEvent(record: LogRecord, keys: Keys): UserEvent {
  const event = openEvent(decodeMessage<UserEvent__Output>(eventType(), record.value) as UserEvent, keys);
  if (!event.kind) throw new Error('the event names no user_created, user_updated, user_deleted, command_rejected, user_erased or sealed');
  const changed = event.kind === 'user_created' || event.kind === 'user_updated' || event.kind === 'user_deleted';
  if (changed && !(event as unknown as Record<string, { user?: unknown }>)[event.kind]?.user) throw new Error(`the ${event.kind} event carries no user`);
  return event;
}

/** positionedEvents, once the key store knows the keys of the records' users (on Kafka it may read its topic to the end). */
export async function openedEvents(records: LogRecord[], keys: KeyStore, report: (error: Error) => void): Promise<PositionedEvent[]> {
  await keys.refresh(new Set(records.map((r) => r.key)));
  return positionedEvents(records, keys, report);
}

/** Decodes a batch of event records with their positions. A record that does not decode is a
 * bug upstream (only the decider writes events); it is reported and skipped, the same way on
 * every replica, so views stay identical. On Kafka, call `keys.refresh` with the records' keys first. */
export function positionedEvents(records: LogRecord[], keys: Keys, report: (error: Error) => void): PositionedEvent[] {
  const events: PositionedEvent[] = [];
  for (const record of records) {
    let event: UserEvent;
    try {
      event = decodeEvent(record, keys);
    } catch (error) {
      // A sealed body that fails to open is damage, not a bug upstream: it stops the reader.
      if (error instanceof DataLossError) throw error;
      report(new Error(`skipping undecodable event at ${record.topic}/${record.partition}/${record.offset}`, { cause: error }));
      continue;
    }
    events.push({ event, partition: record.partition, offset: record.offset, bytes: record.value });
  }
  return events;
}
