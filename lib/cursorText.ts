import { Cursor } from './cursor';
import { InvalidArgumentError, OutOfRangeError } from './errors';

/**
 * Where a subscriber stands inside a snapshot: it has been sent, as of `cursor`, every user up to
 * `afterId` (in id order) that matched the filter whose key is `filterKey`, and nothing after.
 */
export interface SnapshotMark {
  afterId: string;
  filterKey: string;
}

/** A cursor a subscriber resumes from: a log position, and the snapshot mark when it stopped inside one. */
export interface ResumePoint {
  cursor: Cursor;
  snapshot?: SnapshotMark;
}

const SNAPSHOT_SEPARATOR = '~';

/**
 * Cursors as clients see them: the position, then `@` and the identity of the log it is a
 * position in (`0:42@Qm9vX2xvZ19p`). A cursor is only meaningful in the log it came from: after a
 * log is restored from an older copy, or replaced, the same offsets name other events, and a
 * client resuming from one would silently skip or repeat history. The identity makes that an
 * OUT_OF_RANGE instead. Cursors written before identities existed (`0:42`) are still taken.
 */
export class CursorText {
  private readonly partitionList: string;

  constructor(
    readonly identity: string,
    /** The partitions of the events topic: a cursor naming another is a client's mistake. */
    private readonly partitions: ReadonlySet<number>,
  ) {
    this.partitionList = [...partitions].sort((a, b) => a - b).join(', ');
  }

  /** An empty cursor (the start of everything) stays empty. */
  format(cursor: Cursor): string {
    return cursor.isEmpty() ? '' : `${cursor}@${this.identity}`;
  }

  /** A cursor inside a snapshot: `0:42~<user id, base64url>~<filter key>@identity`. */
  formatSnapshot(cursor: Cursor, mark: SnapshotMark): string {
    return `${cursor}${SNAPSHOT_SEPARATOR}${Buffer.from(mark.afterId).toString('base64url')}${SNAPSHOT_SEPARATOR}${mark.filterKey}@${this.identity}`;
  }

  /** Parses a cursor a client sent; `field` names the request field in errors. A snapshot cursor stands for its log position. */
  parse(text: string, field: string): Cursor {
    return this.parseResume(text, field).cursor;
  }

  /** Parses a cursor a subscriber resumes from, keeping its snapshot mark. */
  parseResume(text: string, field: string): ResumePoint {
    const { position: whole, identity } = splitCursorText(text);
    const [position, ...mark] = whole.split(SNAPSHOT_SEPARATOR);
    if (identity !== undefined && identity !== this.identity) {
      throw new OutOfRangeError(
        `${field} "${text}" is a position in another log (identity ${identity}; this service's log is ${this.identity}): ` +
          'the log was replaced or restored since it was issued; start again without a cursor (a fresh snapshot or read)',
      );
    }
    const cursor = Cursor.parse(position, field);
    const unknown = cursor.partitions().filter((p) => !this.partitions.has(p));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(
        field,
        `"${text}" names partition ${unknown.join(', ')}, which the log does not have (it has ${this.partitionList}); send a cursor this service issued`,
      );
    }
    return mark.length === 0 ? { cursor } : { cursor, snapshot: parseMark(mark, text, field) };
  }
}

/** Splits `0:42@identity` into its position and identity (undefined for a cursor without one). */
export function splitCursorText(text: string): { position: string; identity?: string } {
  const at = text.lastIndexOf('@');
  return at < 0 ? { position: text } : { position: text.slice(0, at), identity: text.slice(at + 1).trim() };
}

function parseMark([id, filterKey, ...rest]: string[], text: string, field: string): SnapshotMark {
  const afterId = Buffer.from(id ?? '', 'base64url').toString();
  // base64url decoding never throws: a round trip shows whether the text was one.
  if (rest.length > 0 || afterId === '' || Buffer.from(afterId).toString('base64url') !== id || !/^[0-9a-f]{8}$/.test(filterKey ?? '')) {
    throw new InvalidArgumentError(field, `malformed snapshot cursor "${text}"; resume from a cursor this service sent`);
  }
  return { afterId, filterKey };
}
