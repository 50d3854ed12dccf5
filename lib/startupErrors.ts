/**
 * Why a process could not start, in the two kinds a supervisor treats differently (each has its
 * own exit code, bin/exitCodes.ts): a mistake in the configuration, which a restart repeats, and
 * something another process holds, which a restart may find free.
 */

/** A reason not to start; the subclass says which kind (and so which exit code). */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A flag, an environment variable or a file one of them names is wrong; the message says which. */
export class ConfigError extends StartupError {}

/** Something the process must own is held by another: the data directory, a listening address. */
export class InUseError extends StartupError {}

/**
 * A listen error as an InUseError naming the flag to change when the address was taken
 * (EADDRINUSE, which grpc-js only mentions in its message); any other error as it is.
 */
export function inUseOr(error: unknown, flag: string, addr: string): unknown {
  const taken = (error as { code?: unknown }).code === 'EADDRINUSE' || /EADDRINUSE/.test(String((error as Error).message));
  return taken ? new InUseError(`${flag} ${addr} is in use by another process; stop it or pick another port (0 picks a free one)`, { cause: error }) : error;
}

/**
 * The data directory cannot be served as it is: a corrupt or foreign file, one from a newer
 * release, a view out of step with its log that may not be rebuilt. The message names the file
 * and the way out; a restart fails the same way until someone acts.
 */
export class DataError extends StartupError {}
