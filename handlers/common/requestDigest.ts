import { createHash } from 'node:crypto';
import type { OpenCommand } from '../../proto/messages';

/** 16 bytes of SHA-256: collisions are out of reach for the requests one request_id can carry. */
const DIGEST_BYTES = 16;
/** Bumped only with a new encoding; the old one must keep its meaning for records already on the log. */
const ENCODING = 'request-digest/1';

/**
 * What a command asks for, as a digest: its kind and its fields as the command holds them (after
 * trimming and normalising), without the ids the handler makes up (command_id, a new user's id),
 * the time, or the request_id itself. A retry of the same request gives the same digest; a
 * request_id reused for another request gives another. An email retried in another case is
 * another request (other bytes reach the log), and so is an update mask naming other paths; the
 * order of the mask's paths does not count. CreateUser and a SyncUsers CREATE are one kind.
 *
 * The digest is stored with the outcome and compared on later requests, maybe by a later release:
 * the encoding below must not change its meaning.
 */
export function requestDigest(command: OpenCommand): Buffer {
  return createHash('sha256')
    .update(JSON.stringify([ENCODING, ...canonicalFields(command)]))
    .digest()
    .subarray(0, DIGEST_BYTES);
}

function canonicalFields(command: OpenCommand): Array<string | number | string[]> {
  switch (command.kind) {
    case 'create_user': {
      const { email, name, plan } = command.create_user;
      return [command.kind, email, name, plan];
    }
    case 'update_user': {
      const { user_id, paths, email, name, plan, expected_version } = command.update_user;
      return [command.kind, user_id, [...paths].sort(), email, name, plan, expected_version];
    }
    case 'delete_user': {
      const { user_id, expected_version } = command.delete_user;
      return [command.kind, user_id, expected_version];
    }
    case 'erase_user':
      return [command.kind, command.erase_user.user_id];
  }
}

/** True when two digests name different requests; an empty one (a record from before) cannot tell. */
export function differentRequests(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a?.length || !b?.length) return false;
  return !Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
