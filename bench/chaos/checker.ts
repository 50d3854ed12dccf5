import type { LoggedEvent } from './logHistory';
import type { ReadRecord, WriteRecord } from './load';

/** What the set check counted (Jepsen's set checker: acknowledged, lost, duplicated, recovered). */
export interface SetVerdict {
  acked: number;
  lost: number;
  duplicated: number;
  /** Errored or timed-out writes, settled from the log: absent, or applied exactly once. */
  indeterminateAbsent: number;
  indeterminateApplied: number;
  staleReads: number;
  freshReads: number;
  readErrors: number;
  /** Each finding, with the request id, for the report. */
  findings: string[];
}

/**
 * Holds the callers' history against the log: every acknowledged write has exactly one event,
 * with the version the caller was told; no request id has two events; every write whose answer
 * was an error is absent or applied once; every user's versions in the log go up by one.
 */
export function checkHistory(writes: WriteRecord[], reads: ReadRecord[], events: LoggedEvent[]): SetVerdict {
  const findings: string[] = [];
  const byRequest = new Map<string, LoggedEvent[]>();
  for (const e of events) byRequest.set(e.requestId, [...(byRequest.get(e.requestId) ?? []), e]);
  const ours = new Set(writes.map((w) => w.requestId));
  let lost = 0;
  let duplicated = 0;
  let indeterminateAbsent = 0;
  let indeterminateApplied = 0;
  for (const [requestId, list] of byRequest) {
    if (list.length > 1 && requestId) {
      duplicated++;
      findings.push(`duplicate: request ${requestId} has ${list.length} events (${list.map((e) => `${e.kind} p${e.partition}@${e.offset}`).join(', ')})`);
    }
  }
  // One decision per command: a command id with two events was decided twice (a zombie decider's
  // transaction, or a batch handled again after a takeover), whatever its request id says.
  const byCommand = new Map<string, LoggedEvent[]>();
  for (const e of events) byCommand.set(e.commandId, [...(byCommand.get(e.commandId) ?? []), e]);
  for (const [commandId, list] of byCommand) {
    if (list.length > 1 && (byRequest.get(list[0].requestId)?.length ?? 0) <= 1) {
      duplicated++;
      findings.push(
        `duplicate: command ${commandId} (request ${list[0].requestId}) has ${list.length} events (${list.map((e) => `${e.kind} v${e.version} p${e.partition}@${e.offset}`).join(', ')})`,
      );
    } else if (list.length > 1)
      findings.push(`  same command ${commandId}: ${list.map((e) => `${e.kind} v${e.version} p${e.partition}@${e.offset}`).join(', ')}`);
  }
  for (const w of writes) {
    const found = byRequest.get(w.requestId) ?? [];
    if (w.ok) {
      const match = found.find((e) => e.kind !== 'command_rejected' && e.version === w.version && e.userId === w.userId);
      if (!match) {
        lost++;
        findings.push(
          `lost: ${w.method} ${w.requestId} acknowledged at version ${w.version} of ${w.userId}; the log has ${found.map((e) => `${e.kind} v${e.version}`).join(', ') || 'nothing'}`,
        );
      }
    } else if (found.length === 0) indeterminateAbsent++;
    else if (found.length === 1) indeterminateApplied++;
  }
  // A user's versions climb by one per change in the log (a gap or repeat means a lost or doubled decision).
  const versions = new Map<string, number>();
  for (const e of [...events].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    if (!e.userId || !ours.has(e.requestId)) continue;
    const last = versions.get(e.userId) ?? 0;
    if (e.version !== last + 1) findings.push(`version gap: ${e.userId} goes from ${last} to ${e.version} at p${e.partition}@${e.offset} (${e.requestId})`);
    versions.set(e.userId, e.version!);
  }
  // NOT_FOUND after an update is stale only if the writer had not yet sent the user's deletion.
  const deletions = new Map(writes.filter((w) => w.method === 'DeleteUser').map((w) => [w.userId, w.startedAt]));
  const writesById = new Map(writes.map((w) => [w.requestId, w]));
  let staleReads = 0;
  for (const r of reads) {
    if (r.verdict !== 'stale') continue;
    const w = writesById.get(r.requestId)!;
    const deletedAt = deletions.get(w.userId);
    if (r.detail === 'NOT_FOUND' && deletedAt !== undefined && deletedAt > w.startedAt) continue;
    staleReads++;
    findings.push(`stale read: GetUser after ${w.method} ${w.requestId} on replica ${r.replica}: ${r.detail}`);
  }
  return {
    acked: writes.filter((w) => w.ok).length,
    lost,
    duplicated,
    indeterminateAbsent,
    indeterminateApplied,
    staleReads,
    freshReads: reads.filter((r) => r.verdict === 'fresh').length,
    readErrors: reads.filter((r) => r.verdict === 'error').length,
    findings,
  };
}
