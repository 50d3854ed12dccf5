import { decodeMessage, encodeMessage, messageType } from '../proto/schema';
import type { Command__Output } from '../proto/generated/userservice/Command';
import type { UserEvent__Output } from '../proto/generated/userservice/UserEvent';
import { commandUserId, userOf, type Command, type UserEvent } from '../proto/messages';
import type { PositionedEvent } from '../store/projection';
import type { LogRecord, NewRecord } from './eventLog';

const commandType = () => messageType('userservice.Command');
const eventType = () => messageType('userservice.UserEvent');

export const CONTENT_TYPE = 'application/x-protobuf';

function eventUserId(event: UserEvent): string {
  return event.kind === 'command_rejected' ? event.command_rejected.user_id : (userOf(event)?.id ?? '');
}

/** W3C trace context travels with a write: from the call's metadata to its command, then to its event. */
export const TRACE_HEADER = 'traceparent';
const trace = (traceparent: string | undefined): Record<string, string> => (traceparent ? { [TRACE_HEADER]: traceparent } : {});

/** A command as a log record, keyed by its user so one user's commands stay in order. */
export function commandRecord(command: Command, traceparent?: string): NewRecord {
  return {
    key: commandUserId(command),
    value: encodeMessage(commandType(), command),
    headers: { 'content-type': CONTENT_TYPE, 'command-type': command.kind, ...trace(traceparent) },
  };
}

/** A command as the decider may read it: what the service writes, one member set (see proto/messages.ts). */
export function decodeCommand(record: LogRecord): Command {
  const command = decodeMessage<Command__Output>(commandType(), record.value);
  if (!command.kind) throw new Error('the command names no create_user, update_user or delete_user');
  return command as Command;
}

/** An event as a log record: key = user id, value = protobuf `userservice.UserEvent`. */
export function eventRecord(event: UserEvent, traceparent?: string): NewRecord {
  return {
    key: eventUserId(event),
    value: encodeMessage(eventType(), event),
    headers: { 'content-type': CONTENT_TYPE, 'event-type': event.kind, ...trace(traceparent) },
  };
}

/** An event as views and subscribers may read it: one member set, and a change carries its user. */
export function decodeEvent(record: LogRecord): UserEvent {
  const event = decodeMessage<UserEvent__Output>(eventType(), record.value);
  if (!event.kind) throw new Error('the event names no user_created, user_updated, user_deleted or command_rejected');
  if (event.kind !== 'command_rejected' && !event[event.kind]?.user) throw new Error(`the ${event.kind} event carries no user`);
  return event as UserEvent;
}

/** Decodes a batch of event records with their positions. A record that does not decode is a
 * bug upstream (only the decider writes events); it is reported and skipped, the same way on
 * every replica, so views stay identical. */
export function positionedEvents(records: LogRecord[], report: (error: Error) => void): PositionedEvent[] {
  const events: PositionedEvent[] = [];
  for (const record of records) {
    try {
      events.push({ event: decodeEvent(record), partition: record.partition, offset: record.offset, bytes: record.value });
    } catch (error) {
      report(new Error(`skipping undecodable event at ${record.topic}/${record.partition}/${record.offset}`, { cause: error }));
    }
  }
  return events;
}
