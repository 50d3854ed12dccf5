import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { pageSizeOf } from './fileDamage';

/**
 * Where each record of log.db lies in the file, found by reading SQLite's b-tree leaf pages
 * (https://www.sqlite.org/fileformat2.html): the damage tests pick a record by its meaning (topic,
 * offset, a byte of its cell) rather than a byte of the file, since the pages a record lands on
 * change with how the appends were grouped, and the user ids change with every run.
 */
export interface RecordCell {
  topic: string;
  offset: number;
  /** The file offset of the cell's payload size (after the child page number of an interior cell). */
  start: number;
  /** The cell's length in bytes, from its payload size on (records are small: none spills to an overflow page). */
  length: number;
  /** The file offset of the first column's value (the topic's text). */
  body: number;
}

/** Every record's cell, in (topic, offset) order. Read before any damage is done. */
export function recordCells(file: string): RecordCell[] {
  const bytes = readFileSync(file);
  const pageSize = pageSizeOf(file);
  const cells: RecordCell[] = [];
  for (const { page, leaf } of pagesOf(file)) {
    // An index b-tree keeps whole records in its interior pages too, each after a 4-byte child page number.
    const header = (page - 1) * pageSize + (page === 1 ? 100 : 0);
    const count = bytes.readUInt16BE(header + 3);
    const pointers = header + (leaf ? 8 : 12);
    for (let i = 0; i < count; i++) cells.push(readCell(bytes, (page - 1) * pageSize + bytes.readUInt16BE(pointers + 2 * i), leaf ? 0 : 4));
  }
  return cells.sort((a, b) => (a.topic === b.topic ? a.offset - b.offset : a.topic < b.topic ? -1 : 1));
}

/** The cell of one record, or an error naming what was not found. */
export function recordCell(cells: RecordCell[], topic: string, offset: number): RecordCell {
  const cell = cells.find((c) => c.topic === topic && c.offset === offset);
  if (!cell) throw new Error(`no record ${topic} 0:${offset} among the ${cells.length} cells read`);
  return cell;
}

/** The pages of the records b-tree that hold records (all but overflow pages), read through dbstat. */
function pagesOf(file: string): Array<{ page: number; leaf: boolean }> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare("SELECT pageno, pagetype FROM dbstat WHERE name = 'records' AND pagetype IN ('leaf', 'internal')").all() as Array<{
      pageno: number;
      pagetype: string;
    }>;
    return rows.map((r) => ({ page: r.pageno, leaf: r.pagetype === 'leaf' }));
  } finally {
    db.close();
  }
}

/** A cell of an index b-tree (a WITHOUT ROWID table's row): payload size, then the record. */
function readCell(bytes: Buffer, start: number, childPointer: number): RecordCell {
  const [payload, afterSize] = varint(bytes, start + childPointer);
  const [headerSize, afterHeaderSize] = varint(bytes, afterSize);
  const types: number[] = [];
  for (let at = afterHeaderSize; at < afterSize + headerSize;) {
    const [type, next] = varint(bytes, at);
    types.push(type);
    at = next;
  }
  const body = afterSize + headerSize;
  // Columns: topic (text), partition (0: no bytes), offset (an integer), then the rest.
  const topicLength = (types[0] - 13) / 2;
  const topic = bytes.toString('utf8', body, body + topicLength);
  const offset = integer(bytes, body + topicLength + sizeOf(types[1]), types[2]);
  return { topic, offset, start: start + childPointer, length: afterSize - start - childPointer + payload, body };
}

function varint(bytes: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const byte = bytes[at + i];
    if (i === 8) return [value * 256 + byte, at + 9];
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return [value, at + i + 1];
  }
  throw new Error('unreachable');
}

const INTEGER_SIZES = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0];
const sizeOf = (type: number): number => (type < 10 ? INTEGER_SIZES[type] : Math.floor((type - 12) / 2));

function integer(bytes: Buffer, at: number, type: number): number {
  if (type === 8) return 0;
  if (type === 9) return 1;
  return bytes.readIntBE(at, sizeOf(type));
}
