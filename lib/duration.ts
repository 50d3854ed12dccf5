import { ConfigError } from './startupErrors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration an operator writes (`90s`, `30m`, `24h`, `7d`, `0`), in milliseconds; `flag` names the
 * option in the refusal, which shows the forms accepted.
 */
export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d{1,12})\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match || (match[2] === undefined && match[1] !== '0')) {
    throw new ConfigError(`--${flag} must be a duration like 90s, 30m, 24h or 7d, got "${text}"`);
  }
  return Number(match[1]) * UNITS[match[2] ?? 'ms'];
}

/** A duration as an operator would write it back: the largest whole unit. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's']) if (ms % UNITS[unit] === 0 && ms >= UNITS[unit]) return `${ms / UNITS[unit]}${unit}`;
  return `${ms}ms`;
}
