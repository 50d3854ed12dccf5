import type { IncomingMessage } from 'node:http';
import type { JsonValue } from '@bufbuild/protobuf';
import { Code } from '../lib/code';
import { InvalidArgumentError } from '../lib/errors';
import { HttpError } from './httpErrors';

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

const tooLarge = (limit: number) => new HttpError(413, Code.RESOURCE_EXHAUSTED, `the request body is larger than ${limit} bytes; stream it as application/x-ndjson where the route accepts that, or send less`);

/** The whole body parsed as JSON (undefined when empty), refused beyond `limit` bytes. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<JsonValue | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  return parseJson(text, 'request body');
}

/** Newline-delimited JSON values as they arrive, each line at most `limit` bytes; blank lines are skipped. */
export async function* readNdjsonBody(req: IncomingMessage, limit: number): AsyncGenerator<{ value: JsonValue; line: number }> {
  let pending = '';
  let line = 0;
  const parse = (text: string) => (line++, text.trim() === '' ? undefined : { value: parseJson(text, `line ${line} of the body`), line });
  for await (const chunk of req as AsyncIterable<Buffer>) {
    pending += chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const parsed = parse(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      if (parsed) yield parsed;
    }
    if (pending.length > limit) throw tooLarge(limit);
  }
  const last = parse(pending);
  if (last) yield last;
}

function parseJson(text: string, what: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new InvalidArgumentError(what, `is not valid JSON (${(error as Error).message})`);
  }
}
