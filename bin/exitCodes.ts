import { createLogger } from '../lib/logger';
import { ConfigError, DataError, InUseError } from '../lib/startupErrors';

/** usersvc's exit codes (README, "Running it"), so a supervisor can tell what a restart would do. */
export const EXIT = {
  /** Done; for `serve`, stopped by SIGTERM or SIGINT after draining. */
  OK: 0,
  /** Anything else went wrong (the log line carries the stack); `call`: the server answered with an error. */
  FAILED: 1,
  /** Usage or configuration: an unknown flag, a value that does not parse, a file that cannot be read. A restart fails the same way. */
  CONFIG: 2,
  /** Another process holds what this one needs: the data directory, or an address to listen on. */
  IN_USE: 3,
  /** The data directory cannot be served as it is: a corrupt or newer file, or a view out of step with its log under --no-auto-rebuild. The message names the file and the way out. */
  DATA: 4,
} as const;

export function exitCodeOf(error: unknown): number {
  if (error instanceof InUseError) return EXIT.IN_USE;
  if (error instanceof DataError) return EXIT.DATA;
  if (error instanceof ConfigError || isParseArgsError(error)) return EXIT.CONFIG;
  return EXIT.FAILED;
}

/** node:util's parseArgs refuses an unknown flag or a missing value with these codes. */
const isParseArgsError = (error: unknown) => String((error as { code?: unknown } | undefined)?.code).startsWith('ERR_PARSE_ARGS_');

/**
 * Reports why usersvc stops with an error and resolves with its exit code. `serve` writes it as one
 * more JSON log line on stdout (level `error`, the problem as `msg`, `exit_code`), where its
 * other lines go; the other commands are tools for people and write `usersvc: <problem>` on stderr.
 */
export async function reportFailure(error: unknown, asLogLine: boolean): Promise<number> {
  const code = exitCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (!asLogLine) {
    process.stderr.write(`usersvc: ${message}\n`);
    return code;
  }
  // The process exits right after: the line gets a second to reach stdout, not forever (a reader that stopped reading).
  const logger = createLogger('info');
  logger.error(message, { exit_code: code, ...(code === EXIT.FAILED ? { error } : {}) });
  await logger.drain(1_000);
  return code;
}
