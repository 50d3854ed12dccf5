import { isUtf8 } from 'node:buffer';
import type { JsonValue } from '@bufbuild/protobuf';
import { InvalidArgumentError } from '../lib/errors';
import { NOT_UTF8 } from '../proto/wireCheck';

/** Where a JSON text sits in the request: the field its keys are under, and a note for streams. */
export interface JsonPlace {
  /** The request field the JSON fills (`user` for PATCH), '' when it is the whole request. */
  prefix?: string;
  /** Said after the reason, e.g. `line 3 of the body`. */
  where?: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * JSON from raw body bytes, refusing what JSON.parse and Buffer#toString let through: bytes that
 * are not UTF-8 (toString would store U+FFFD), an escaped lone surrogate (`"\ud800"`, no text at
 * all), and a key given twice in one object (JSON.parse keeps the last one silently). Each
 * refusal names the field, as the gRPC decoder does for the same fault. Undefined for an empty body.
 */
export function parseStrictJson(bytes: Uint8Array, place: JsonPlace = {}): JsonValue | undefined {
  if (isBlank(bytes)) return undefined;
  scanJson(bytes, place);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new InvalidArgumentError(place.where ?? 'request body', `is not valid JSON (${(error as Error).message})`);
  }
}

/** One open object or array while scanning: the keys seen so far, or the index reached. */
interface Frame {
  keys?: Set<string>;
  key?: string;
  expectKey?: boolean;
  index: number;
}

/**
 * One pass over the bytes that follows the nesting (structural characters are ASCII, and UTF-8
 * never uses an ASCII byte inside a multi-byte character) and looks only at strings. It does not
 * judge syntax: where it stops making sense it stops, and JSON.parse reports the error.
 */
function scanJson(bytes: Uint8Array, place: JsonPlace): void {
  const stack: Frame[] = [];
  const fail = (field: string[], reason: string): never => {
    const name = [place.prefix, ...field].filter(Boolean).join('.').replace(/\.\[/g, '[') || 'request body';
    throw new InvalidArgumentError(name, place.where ? `${reason} (${place.where})` : reason);
  };
  const pathOf = () => stack.map((f) => (f.keys ? (f.key ?? '') : `[${f.index}]`));
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    const top = stack[stack.length - 1];
    if (c === 0x7b /* { */) stack.push({ keys: new Set(), expectKey: true, index: 0 });
    else if (c === 0x5b /* [ */) stack.push({ index: 0 });
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x2c /* , */ && top) {
      if (top.keys) top.expectKey = true;
      else top.index++;
    } else if (c === QUOTE) {
      const end = closingQuote(bytes, i);
      if (end < 0) return;
      const token = bytes.subarray(i, end + 1);
      const text = stringText(token);
      if (top?.keys && top.expectKey) {
        top.key = text ?? '';
        top.expectKey = false;
        if (text === undefined) fail(pathOf(), NOT_UTF8);
        if (top.keys.has(top.key)) fail(pathOf(), 'is given twice in one JSON object; send each key once (JSON.parse would keep only the last)');
        top.keys.add(top.key);
      } else if (text === undefined) fail(pathOf(), NOT_UTF8);
      i = end;
    }
  }
}

/** The index of the quote that closes the string opening at `start`, or -1. */
function closingQuote(bytes: Uint8Array, start: number): number {
  for (let i = start + 1; i < bytes.length; i++) {
    if (bytes[i] === BACKSLASH) i++;
    else if (bytes[i] === QUOTE) return i;
  }
  return -1;
}

/** The text of a JSON string token (quotes included); undefined when it is not Unicode text. */
function stringText(token: Uint8Array): string | undefined {
  const inner = token.subarray(1, token.length - 1);
  if (!isUtf8(inner)) return undefined;
  const raw = Buffer.from(inner.buffer, inner.byteOffset, inner.byteLength).toString('utf8');
  if (!raw.includes('\\')) return raw;
  let text: string;
  try {
    text = JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw; // a bad escape: JSON.parse reports it for the whole body
  }
  return LONE_SURROGATE.test(text) ? undefined : text;
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}
