import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

/**
 * AES-256-GCM as the log's sealed records use it (proto/user_log.proto, `Sealed`): a fresh random
 * 96-bit nonce per record, the 16-byte tag after the ciphertext, and additional data binding the
 * record to its user and command, so a sealed body moved into another record fails to open.
 */
export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD_LABEL = 'usersvc-sealed-v1';

/**
 * Random bytes from the CSPRNG, drawn 4 KiB at a time: a call of randomBytes per 12-byte nonce was
 * a tenth of a bulk import's CPU. Each slice is a copy, used once.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function random(bytes: number): Buffer {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const out = Buffer.from(pool.subarray(poolAt, poolAt + bytes));
  pool.fill(0, poolAt, poolAt + bytes);
  poolAt += bytes;
  return out;
}

export const newKey = (): Buffer => random(KEY_BYTES);

const additionalData = (userId: string, commandId: string) => Buffer.from(`${AAD_LABEL}\u0000${userId}\u0000${commandId}`);

export function sealBytes(plaintext: Uint8Array, key: Buffer, userId: string, commandId: string): { nonce: Buffer; ciphertext: Buffer } {
  const nonce = random(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(additionalData(userId, commandId));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, ciphertext };
}

/** The plaintext, or an Error when the body does not open with this key (damaged, or moved from another record). */
export function openBytes(nonce: Uint8Array, ciphertext: Uint8Array, key: Buffer, userId: string, commandId: string): Buffer {
  if (nonce.length !== NONCE_BYTES || ciphertext.length < TAG_BYTES) throw new Error('the sealed body is too short to be one');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(additionalData(userId, commandId));
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  return Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)), decipher.final()]);
}
