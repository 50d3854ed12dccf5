import type { IncomingMessage } from 'node:http';
import type { JsonValue } from '@bufbuild/protobuf';
import { Code } from '../lib/code';
import { HttpError } from './httpErrors';
import { parseStrictJson, type JsonPlace } from './strictJson';

export type BodyFormat = 'json' | 'ndjson';

/** The body's format from Content-Type; 415 naming what is accepted for anything else. */
export function bodyFormat(req: IncomingMessage, accepted: BodyFormat[]): BodyFormat {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  // curl -d and fetch without headers send no JSON content type; a missing one is read as JSON.
  const format: BodyFormat | undefined = type === '' || type === 'application/json' ? 'json' : type === 'application/x-ndjson' ? 'ndjson' : undefined;
  if (format && accepted.includes(format)) return format;
  const names = accepted.map((f) => (f === 'json' ? 'application/json' : 'application/x-ndjson')).join(' or ');
  throw new HttpError(415, Code.INVALID_ARGUMENT, `Content-Type "${type}" is not accepted here; send ${names}`);
}

const tooLarge = (limit: number) =>
  new HttpError(
    413,
    Code.RESOURCE_EXHAUSTED,
    `the request body is larger than ${limit} bytes; stream it as application/x-ndjson where the route accepts that, or send less`,
  );

/** The whole body parsed as strict JSON (undefined when empty), refused beyond `limit` bytes. */
export async function readJsonBody(req: IncomingMessage, limit: number, place: JsonPlace = {}): Promise<JsonValue | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of unread(req)) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return parseStrictJson(Buffer.concat(chunks), place);
}

/**
 * Newline-delimited JSON values as they arrive, each line at most `limit` bytes; blank lines are
 * skipped. Lines are cut as bytes, so a character split between two chunks stays whole.
 */
export async function* readNdjsonBody(req: IncomingMessage, limit: number): AsyncGenerator<{ value: JsonValue; line: number }> {
  const pending: Buffer[] = [];
  let pendingSize = 0;
  let line = 0;
  const parse = (bytes: Buffer) => {
    line++;
    const value = parseStrictJson(bytes, { where: `line ${line} of the body` });
    return value === undefined ? undefined : { value, line };
  };
  const takeLine = (last: Buffer) => {
    pending.push(last);
    const bytes = Buffer.concat(pending);
    pending.length = 0;
    pendingSize = 0;
    return parse(bytes);
  };
  for await (const chunk of unread(req)) {
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf(0x0a, start)) >= 0) {
      const parsed = takeLine(chunk.subarray(start, newline));
      start = newline + 1;
      if (parsed) yield parsed;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingSize += chunk.length - start;
    }
    if (pendingSize > limit) throw tooLarge(limit);
  }
  const last = takeLine(Buffer.alloc(0));
  if (last) yield last;
}

/** The body's chunks; leaving the loop early (413, a bad line) leaves the request open, so the
 * answer can still be written and the rest drained (earlyAnswers.ts) instead of the socket cut. */
const unread = (req: IncomingMessage) => req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
