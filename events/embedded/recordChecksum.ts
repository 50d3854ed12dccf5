import { crc32 } from 'node:zlib';

/**
 * The CRC-32 of a record of the embedded log, over its place (topic, partition, offset) and all it
 * carries, so a damaged page, a flipped bit or a record moved to another offset reads as corrupt
 * instead of being served or replayed. SQLite checks its own page structure, not the bytes in
 * them: this is the check of the bytes (what Kafka's record batches carry as their CRC-32C).
 */
export function recordChecksum(
  topic: string,
  partition: number,
  offset: number,
  key: string,
  value: Uint8Array,
  headers: string | null,
  timestamp: number,
): number {
  return crc32(value, crc32(`${topic}\0${partition}\0${offset}\0${key}\0${headers ?? ''}\0${timestamp}`));
}
