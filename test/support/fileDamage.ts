import Database from 'better-sqlite3';
import { openSync, closeSync, readSync, writeSync, statSync } from 'node:fs';

/**
 * Damage done to SQLite files on purpose, at fixed seeds, for the corruption tests: whole pages
 * overwritten with random bytes (a torn or misdirected write), single bits flipped (bit rot). The
 * same seed always hits the same bytes of the same file, so a failure can be replayed.
 */

/** mulberry32: a tiny PRNG with 32 bits of state; enough to pick pages and bits reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const below = (random: () => number, n: number) => Math.floor(random() * n);

/** The page size from the file header (bytes 16-17, big-endian; 1 stands for 65536). */
export function pageSizeOf(file: string): number {
  const header = readBytes(file, 16, 2);
  const size = header.readUInt16BE(0);
  return size === 1 ? 65536 : size;
}

export const pageCountOf = (file: string): number => statSync(file).size / pageSizeOf(file);

/**
 * The leaf pages of one b-tree (a table or an index, by name) with where their cells start,
 * read through SQLite's dbstat before any damage is done.
 */
export function leafPagesOf(file: string, tree: string): Array<{ page: number; contentStart: number }> {
  const db = new Database(file, { readonly: true });
  try {
    const pages = db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").pluck().all(tree) as number[];
    const pageSize = pageSizeOf(file);
    return pages.map((page) => {
      // The b-tree page header follows the 100-byte file header on page 1; bytes 5-6 say where the cell content area starts (0 means 65536).
      const headerAt = (page - 1) * pageSize + (page === 1 ? 100 : 0);
      const start = readBytes(file, headerAt + 5, 2).readUInt16BE(0);
      return { page, contentStart: start === 0 ? 65536 : start };
    });
  } finally {
    db.close();
  }
}

/** Overwrites whole pages (1-based) with random bytes. */
export function overwritePages(file: string, pages: number[], random: () => number): void {
  const pageSize = pageSizeOf(file);
  for (const page of pages) {
    const bytes = Buffer.alloc(pageSize);
    for (let i = 0; i < pageSize; i++) bytes[i] = below(random, 256);
    writeBytes(file, (page - 1) * pageSize, bytes);
  }
}

/** `count` distinct random pages from `candidates`. */
export function pickPages(candidates: number[], count: number, random: () => number): number[] {
  const pool = [...candidates];
  const picked: number[] = [];
  while (picked.length < count && pool.length > 0) picked.push(pool.splice(below(random, pool.length), 1)[0]);
  return picked;
}

/** Flips `count` random bits, each in a random byte of [from, to) of the file. Returns the byte offsets hit. */
export function flipBits(file: string, count: number, random: () => number, range: Array<{ from: number; to: number }>): number[] {
  const total = range.reduce((sum, r) => sum + (r.to - r.from), 0);
  const hit: number[] = [];
  for (let i = 0; i < count; i++) {
    let at = below(random, total);
    const span = range.find((r) => (at < r.to - r.from ? true : ((at -= r.to - r.from), false)))!;
    const offset = span.from + at;
    flipBit(file, offset, below(random, 8));
    hit.push(offset);
  }
  return hit;
}

/** Flips one bit (0 is the lowest) of the byte at `position` of the file. */
export function flipBit(file: string, position: number, bit: number): void {
  const byte = readBytes(file, position, 1);
  byte[0] ^= 1 << bit;
  writeBytes(file, position, byte);
}

/** The byte ranges of the cell content areas of some leaf pages: where the rows themselves lie. */
export function cellAreas(file: string, leaves: Array<{ page: number; contentStart: number }>): Array<{ from: number; to: number }> {
  const pageSize = pageSizeOf(file);
  return leaves.map(({ page, contentStart }) => ({ from: (page - 1) * pageSize + contentStart, to: page * pageSize }));
}

function readBytes(file: string, position: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const bytes = Buffer.alloc(length);
    readSync(fd, bytes, 0, length, position);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

function writeBytes(file: string, position: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, position);
  } finally {
    closeSync(fd);
  }
}
