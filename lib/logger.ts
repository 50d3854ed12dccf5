import pino from 'pino';
import { createLogDestination } from './logDestination';

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** The logging the service needs; pino underneath, so lines are JSON and cheap to write. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Whether lines at `level` are written (to skip building one that would be dropped). */
  enabled(level: Level): boolean;
  /** Starts writing out what is buffered; never blocks. */
  flush(): void;
  /** Resolves once what is buffered is written (or given up on), or after `ms`: call before the process exits. */
  drain(ms: number): Promise<void>;
  /** Lines dropped because stdout's reader went away or fell too far behind. */
  droppedLines(): number;
}

/**
 * One JSON object a line (`time`, `level`, `msg`, then the fields), to stdout unless `write` is
 * given. An `error` field is serialized with its message, stack and cause. Stdout is written in
 * the background (a line per call written synchronously cost a third of GetUser's throughput),
 * and a broken or stuck stdout costs lines, counted, never the process (lib/logDestination.ts).
 */
export function createLogger(minimum: Level = 'info', write?: (line: string) => void): Logger {
  const options: pino.LoggerOptions = {
    level: minimum,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { error: pino.stdSerializers.err },
  };
  const destination = write ? undefined : createLogDestination();
  const log = pino(options, write ? { write } : destination);
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
    enabled: (level) => log.isLevelEnabled(level),
    flush: () => destination?.flush(),
    drain: (ms) => destination?.drain(ms) ?? Promise.resolve(),
    droppedLines: () => destination?.droppedLines() ?? 0,
  };
}
