import { looksLikeTime, parseRfc3339 } from '../../lib/rfc3339';

describe('parseRfc3339', () => {
  it('reads a time with its offset to the nanosecond', () => {
    expect(parseRfc3339('2026-12-02T14:01:00Z')).toEqual({ seconds: Date.UTC(2026, 11, 2, 14, 1) / 1000, nanos: 0 });
    expect(parseRfc3339('2026-12-02T15:01:00.25+01:00')).toEqual({ seconds: Date.UTC(2026, 11, 2, 14, 1) / 1000, nanos: 250_000_000 });
    expect(parseRfc3339('2026-12-02t13:31:00.000000001-00:30')).toEqual({ seconds: Date.UTC(2026, 11, 2, 14, 1) / 1000, nanos: 1 });
  });

  it.each(['2026-12-02T14:01:00', '2026-02-30T00:00:00Z', '2026-12-02T24:00:00Z', '2026-12-02T14:01:00.1234567890Z', '2026-12-02', 'yesterday'])(
    'refuses %j',
    (text) => expect(parseRfc3339(text)).toBeUndefined(),
  );

  it('tells a time from a cursor by its shape', () => {
    expect(looksLikeTime('2026-12-02T14:01:00')).toBe(true);
    expect(looksLikeTime('0:42@Qm9vX2xvZ19p')).toBe(false);
  });
});
