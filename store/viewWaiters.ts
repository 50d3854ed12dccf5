import { withDeadline } from '../lib/abortable';
import type { Cursor } from '../lib/cursor';
import { outcomeOf, type Outcome } from './outcome';
import type { Applied } from './projection';

/** An outcome is awaited by its command id, or by its request id when the call carried one. */
export interface OutcomeKey {
  commandId: string;
  requestId?: string;
}

const keysOf = (key: OutcomeKey): string[] => (key.requestId ? [`c:${key.commandId}`, `r:${key.requestId}`] : [`c:${key.commandId}`]);

/**
 * Callers waiting for the view to reach a state. Waiters are indexed by outcome key, so each
 * applied batch wakes exactly the callers whose commands it decided, whatever their number.
 */
export class ViewWaiters {
  private readonly byKey = new Map<string, Set<(outcome: Outcome) => void>>();
  private readonly byCursor = new Set<{ cursor: Cursor; resolve: () => void }>();

  waitForOutcome(key: OutcomeKey, deadline: number, signal?: AbortSignal): Promise<Outcome> {
    let resolveOutcome!: (outcome: Outcome) => void;
    const promise = new Promise<Outcome>((resolve) => (resolveOutcome = resolve));
    const keys = keysOf(key);
    const settle = (outcome: Outcome) => {
      release();
      resolveOutcome(outcome);
    };
    const release = () => keys.forEach((k) => this.remove(k, settle));
    for (const k of keys) {
      const set = this.byKey.get(k) ?? new Set();
      set.add(settle);
      this.byKey.set(k, set);
    }
    return withDeadline(
      promise,
      deadline,
      signal,
      'waiting for the write to be applied (it may still be: retry with the same request_id to learn its outcome)',
      release,
    );
  }

  waitForCursor(current: Cursor, cursor: Cursor, deadline: number, signal?: AbortSignal): Promise<void> {
    if (current.covers(cursor)) return Promise.resolve();
    let entry!: { cursor: Cursor; resolve: () => void };
    const promise = new Promise<void>((resolve) => (entry = { cursor, resolve }));
    this.byCursor.add(entry);
    return withDeadline(promise, deadline, signal, `waiting for the view to reach cursor ${cursor}`, () => this.byCursor.delete(entry));
  }

  /** Wakes whoever the batch satisfied. An outcome is built only for a command someone waits on. */
  notify(applied: Applied): void {
    if (this.byKey.size > 0) {
      for (const { event, partition, offset } of applied.events) {
        const byCommand = this.byKey.has(`c:${event.command_id}`);
        const byRequest = event.request_id !== '' && this.byKey.has(`r:${event.request_id}`);
        if (!byCommand && !byRequest) continue;
        const outcome = outcomeOf(event, partition, offset);
        if (byCommand) this.wake(`c:${event.command_id}`, outcome);
        if (byRequest) this.wake(`r:${event.request_id}`, outcome);
      }
    }
    for (const entry of this.byCursor) {
      if (applied.cursor.covers(entry.cursor)) {
        this.byCursor.delete(entry);
        entry.resolve();
      }
    }
  }

  private wake(key: string, outcome: Outcome): void {
    const set = this.byKey.get(key);
    if (set) for (const settle of [...set]) settle(outcome);
  }

  private remove(key: string, settle: (outcome: Outcome) => void): void {
    const set = this.byKey.get(key);
    if (!set) return;
    set.delete(settle);
    if (set.size === 0) this.byKey.delete(key);
  }
}
