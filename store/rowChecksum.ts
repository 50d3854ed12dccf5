import { crc32 } from 'node:zlib';

/**
 * CRC-32s of the rows of a view. SQLite's own checks (integrity_check at start) cover pages,
 * b-trees and indexes, not the values in a row: a flipped bit in a user's email passes them and
 * would be served, or worse, read by the decider for email uniqueness and turned into a wrong
 * event on the log. Each row carries the CRC of its values, checked whenever it is read.
 */
export function userRowCrc(
  id: string,
  email: string,
  emailLower: string,
  name: string,
  plan: number,
  createdAt: number,
  updatedAt: number,
  version: number,
  encoded: Uint8Array,
): number {
  return crc32(encoded, crc32(`${id}\0${email}\0${emailLower}\0${name}\0${plan}\0${createdAt}\0${updatedAt}\0${version}`));
}

export function outcomeRowCrc(commandId: string, requestId: string | null, partition: number, offset: number, event: Uint8Array, occurredAt: number): number {
  return crc32(event, crc32(`${commandId}\0${requestId ?? '\u0001'}\0${partition}\0${offset}\0${occurredAt}`));
}

/**
 * A row whose values fail their CRC. It carries SQLite's code for a damaged file on purpose: every
 * path that reports damage (store/sqliteFileError.ts: DATA_LOSS naming the file, the start-up
 * rebuild) treats it as what it is, a damaged page SQLite could not see.
 */
export class DamagedRowError extends Error {
  readonly code = 'SQLITE_CORRUPT';

  constructor(what: string) {
    super(`${what} fails its checksum`);
  }
}
