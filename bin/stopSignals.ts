import { constants } from 'node:os';
import type { Logger } from '../lib/logger';

/**
 * A repeat this soon after the first signal is the same request delivered twice: a signal to a
 * process group (npm start, Ctrl-C in a terminal) reaches the server directly and again through
 * npm, which forwards it.
 */
export const REPEAT_WINDOW_MS = 1_000;

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** The exit code of a process ended by `signal`, as a shell reports it (128 + its number): 143 for SIGTERM, 130 for SIGINT. */
export const exitCodeForSignal = (signal: NodeJS.Signals) => 128 + constants.signals[signal];

/**
 * Listens for SIGTERM and SIGINT: `first` resolves with the first one's name (the graceful
 * stop). A later one, past the repeat window, is someone insisting: `insist` is called with the
 * signal's exit code, to exit without waiting for the drain.
 */
export function watchSignals(logger: Logger, insist: (name: NodeJS.Signals, code: number) => void): { first: Promise<NodeJS.Signals> } {
  let firstAt: number | undefined;
  const first = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (name: NodeJS.Signals) => {
      if (firstAt === undefined) return void ((firstAt = Date.now()), resolve(name));
      if (Date.now() - firstAt < REPEAT_WINDOW_MS) return logger.info(`${name} again: already stopping`);
      insist(name, exitCodeForSignal(name));
    };
    for (const name of STOP_SIGNALS) process.on(name, onSignal);
  });
  return { first };
}
