/** How long a request id's outcome answers its retries unless --request-id-retention says otherwise. */
export const DEFAULT_REQUEST_ID_RETENTION_MS = 24 * 3_600_000;

/**
 * Whether a request id's earlier outcome (decided at `decidedAt`, the event's occurred_at) still
 * answers a command carrying the same id, issued at `issuedAt`, once the log has decided events up
 * to `clock` (the newest occurred_at decided). Every input comes from the log, never from the clock
 * of the machine asking, so the decider, a replica's handler and a rebuild all agree. Measuring
 * from the newest of `clock` and `issuedAt` makes the answer only ever turn from true to false as
 * the log grows: an outcome older than `clock - retention` can be pruned, since no later command
 * can count it again, even one whose clock lags behind.
 */
export function outcomeStands(decidedAt: number, clock: number, issuedAt: number, retentionMs: number): boolean {
  return decidedAt >= Math.max(clock, issuedAt) - retentionMs;
}

/** Outcomes decided before this can go: outcomeStands is false for them from here on. */
export const pruneBefore = (clock: number, retentionMs: number): number => clock - retentionMs;
