import type { SetVerdict } from './checker';
import type { WriteRecord } from './load';

/** When a fault ran: from its injection to the next fault's (or the end of the load). */
export interface FaultWindow {
  name: string;
  from: number;
  to: number;
  /** Writes acknowledged where none may be (two brokers of three down). */
  forbiddenAcks: number;
}

export interface FaultRow {
  fault: string;
  /** First failed write to the first success after it, in seconds; 0 when nothing failed. */
  unavailableS: number;
  /** The slowest write in the window (a write the client resent on UNAVAILABLE until it went through). */
  maxLatencyMs: number;
  p50Ms: number;
  p99Ms: number;
  acked: number;
  failed: number;
  forbiddenAcks: number;
  /** The machine's CPU use over the window (all cores), in percent. */
  cpuBusyPercent: number;
}

const MINUTE_MS = 60_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function faultRow(window: FaultWindow, writes: WriteRecord[], cpuBusyPercent: number): FaultRow {
  const inWindow = writes.filter((w) => w.startedAt >= window.from && w.startedAt < window.to).sort((a, b) => a.startedAt - b.startedAt);
  const firstFailure = inWindow.find((w) => !w.ok);
  const recovered = firstFailure && inWindow.filter((w) => w.ok && w.startedAt >= firstFailure.startedAt).sort((a, b) => a.endedAt - b.endedAt)[0];
  const unavailableMs = firstFailure ? (recovered?.endedAt ?? window.to) - firstFailure.startedAt : 0;
  const after = inWindow
    .filter((w) => w.ok && w.startedAt < window.from + MINUTE_MS)
    .map((w) => w.endedAt - w.startedAt)
    .sort((a, b) => a - b);
  return {
    fault: window.name,
    unavailableS: Math.round(unavailableMs / 100) / 10,
    maxLatencyMs: Math.max(0, ...inWindow.filter((w) => w.ok).map((w) => w.endedAt - w.startedAt)),
    p50Ms: percentile(after, 50),
    p99Ms: percentile(after, 99),
    acked: inWindow.filter((w) => w.ok).length,
    failed: inWindow.filter((w) => !w.ok).length,
    forbiddenAcks: window.forbiddenAcks,
    cpuBusyPercent,
  };
}

export function table(rows: FaultRow[], verdict: SetVerdict, extra: string[]): string {
  const lines = [
    '| fault | write unavailability (s) | slowest write (ms) | p50 / p99 write (ms), minute after | acked | failed | acked while forbidden | machine CPU busy |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.fault} | ${r.unavailableS} | ${r.maxLatencyMs} | ${r.p50Ms} / ${r.p99Ms} | ${r.acked} | ${r.failed} | ${r.forbiddenAcks} | ${r.cpuBusyPercent}% |`,
    ),
    '',
    `| acknowledged | lost | duplicated | indeterminate: absent | indeterminate: applied once | reads fresh | reads stale | reads failed |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${verdict.acked} | ${verdict.lost} | ${verdict.duplicated} | ${verdict.indeterminateAbsent} | ${verdict.indeterminateApplied} | ${verdict.freshReads} | ${verdict.staleReads} | ${verdict.readErrors} |`,
    '',
    ...extra,
  ];
  return lines.join('\n');
}
