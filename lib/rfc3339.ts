import type { Timestamp } from './timestamp';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Whether `text` is shaped as a date and time (`2026-12-02T14:01:00Z`), valid or not: what `--until` tells apart from a cursor by. */
export const looksLikeTime = (text: string) => /^\d{4}-\d{2}-\d{2}[Tt ]/.test(text);

/**
 * An RFC 3339 date and time with its offset (`2026-12-02T14:01:00.5+01:00`) as a Timestamp, to the
 * nanosecond; undefined when it is not one (a missing offset, the 31st of a 30-day month).
 */
export function parseRfc3339(text: string): Timestamp | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', offset] = m;
  const ms = Date.UTC(+year, +month - 1, +day, +hour, +minute, +second);
  // Date.UTC rolls 2026-02-30 over into March: a field out of range shows as a different date back.
  const back = new Date(ms);
  if (back.getUTCDate() !== +day || back.getUTCMonth() !== +month - 1 || +hour > 23 || +minute > 59 || +second > 59) return undefined;
  const offsetSeconds = /^[zZ]$/.test(offset) ? 0 : (offset.startsWith('-') ? -1 : 1) * (+offset.slice(1, 3) * 3600 + +offset.slice(4, 6) * 60);
  return { seconds: ms / 1000 - offsetSeconds, nanos: Number(fraction.padEnd(9, '0')) };
}
