import { decodeMessage, encodeMessage, messageType } from '../proto/schema';
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

export function decodeCommand(record: LogRecord): Command {
  return decodeMessage<Command>(commandType(), record.value);
}

/** An event as a log record: key = user id, value = protobuf `userservice.UserEvent`. */
export function eventRecord(event: UserEvent, traceparent?: string): NewRecord {
  return {
    key: eventUserId(event),
    value: encodeMessage(eventType(), event),
    headers: { 'content-type': CONTENT_TYPE, 'event-type': event.kind, ...trace(traceparent) },
  };
}

export function decodeEvent(record: LogRecord): UserEvent {
  return decodeMessage<UserEvent>(eventType(), record.value);
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
