import { DataLossError } from '../../lib/errors';
import { openBytes, sealBytes } from '../../lib/sealBox';
import { decodeMessage, encodeMessage, messageType } from '../../proto/schema';
import { commandUserId, eventUserId, type Command, type OpenCommand, type OpenEvent, type Sealed, type UserEvent } from '../../proto/messages';

/** What sealing and opening need of the key store: the keys known now (sync; see KeyStore.refresh). */
export type Keys = { keyOf(userId: string): Buffer | undefined };

const commandType = () => messageType('userservice.Command');
const eventType = () => messageType('userservice.UserEvent');

/**
 * A command as the log keeps it: whole, sealed with its user's key, only its ids and time in the
 * clear. An EraseUser carries nothing personal and stays open (the decider must read it whatever
 * becomes of the key). A command of a user without a key is refused: handlers look the key up
 * first, and a user without one is erased or unknown.
 */
export function sealCommand(command: OpenCommand, keys: Keys): Command {
  if (command.kind === 'erase_user') return command;
  const userId = commandUserId(command);
  const key = keys.keyOf(userId);
  if (!key) throw new Error(`no key to seal a command of user ${userId}: look it up before making the command`);
  return {
    command_id: command.command_id,
    request_id: command.request_id,
    issued_at: command.issued_at,
    kind: 'sealed',
    sealed: sealed(encodeMessage(commandType(), command), key, userId, command.command_id, command.kind),
  };
}

/**
 * An event as the log keeps it: sealed with its user's key. Left open: UserErased (nothing
 * personal), and a rejection naming a user without a key (an unknown or erased id: its reason is
 * made of ids, never of what the request asked).
 */
export function sealEvent(event: OpenEvent, keys: Keys): UserEvent {
  if (event.kind === 'user_erased') return event;
  const userId = eventUserId(event);
  const key = keys.keyOf(userId);
  if (!key) {
    if (event.kind === 'command_rejected') return event;
    throw new Error(`no key to seal a ${event.kind} event of user ${userId}`);
  }
  return {
    command_id: event.command_id,
    request_id: event.request_id,
    occurred_at: event.occurred_at,
    kind: 'sealed',
    sealed: sealed(encodeMessage(eventType(), event), key, userId, event.command_id, event.kind),
  };
}

/** The command inside a sealed one, or the sealed one as it is when its user's key is gone. */
export function openCommand(command: Command, keys: Keys): Command {
  if (command.kind !== 'sealed') return command;
  const body = opened(command.sealed, command.command_id, keys);
  return body ? checkedInner(decodeMessage<Command>(commandType(), body), command) : command;
}

/** The event inside a sealed one, or the sealed one as it is when its user's key is gone. */
export function openEvent(event: UserEvent, keys: Keys): UserEvent {
  if (event.kind !== 'sealed') return event;
  const body = opened(event.sealed, event.command_id, keys);
  return body ? checkedInner(decodeMessage<UserEvent>(eventType(), body), event) : event;
}

/**
 * An opened event as a reader without its user's key sees it: what is kept in memory of an erased
 * user's past events (the change feed's window) becomes this, as if read again from the log.
 */
export function redacted(event: UserEvent): UserEvent {
  if (event.kind === 'sealed' || event.kind === 'user_erased') return event;
  const empty = Buffer.alloc(0);
  return {
    command_id: event.command_id,
    request_id: event.request_id,
    occurred_at: event.occurred_at,
    kind: 'sealed',
    sealed: { user_id: eventUserId(event), nonce: empty, ciphertext: empty, kind: event.kind },
  };
}

function sealed(body: Buffer, key: Buffer, userId: string, commandId: string, kind: string): Sealed {
  const { nonce, ciphertext } = sealBytes(body, key, userId, commandId);
  return { user_id: userId, nonce, ciphertext, kind };
}

function opened(seal: Sealed, commandId: string, keys: Keys): Buffer | undefined {
  const key = keys.keyOf(seal.user_id);
  if (!key) return undefined;
  try {
    return openBytes(seal.nonce, seal.ciphertext, key, seal.user_id, commandId);
  } catch (error) {
    // The key is the user's, so the body was damaged or put in another record: never guessed at.
    throw new DataLossError(
      `the sealed ${seal.kind || 'record'} of user ${seal.user_id} (command ${commandId}) does not open with its key: it was damaged or moved`,
      {
        cause: error,
      },
    );
  }
}

/** What was sealed must be what the envelope says: one record, never a sealed one inside another. */
function checkedInner<T extends { command_id: string; kind?: string }>(inner: T, outer: { command_id: string }): T {
  if (inner.command_id !== outer.command_id || inner.kind === 'sealed' || !inner.kind) {
    throw new DataLossError(`a sealed record of command ${outer.command_id} holds another record`);
  }
  return inner;
}
