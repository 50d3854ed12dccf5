import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { processCpuMs } from '../load/processCpu';
import type { LoadResult } from '../load/h2load';

/** One measured row of the report. */
export interface Measurement {
  group: string;
  name: string;
  /** calls/s, users/s or events/s: what `unit` says. */
  rate: number;
  unit: string;
  p50ms?: number;
  p99ms?: number;
  /** Server CPU ms per call (or per item). */
  serverCpuMs?: number;
  /** The load generator's CPU ms per call. */
  loadCpuMs?: number;
  bytesPerMessage?: number;
  note?: string;
  /** Raw samples for the plots (ms), not written to the JSON file. */
  latenciesMs?: number[];
  /** The round it was measured in (bench/suites/rounds.ts); none on a row of medians. */
  round?: number;
}

/** A target: `ours / baseline >= min`, or a figure of ours against a plain limit. */
export interface Ratio {
  name: string;
  ours: string;
  baseline: string;
  /** The median of `rounds` (bench/suites/rounds.ts). */
  value: number;
  /** The value in each round, when measured in rounds. */
  rounds?: number[];
  target: number;
  /** `>=` for ratios and rates, `<` or `<=` for limits such as seconds. */
  op: '>=' | '<' | '<=';
  /** The unit of a limit or a rate; a ratio (`x`) when there is none. */
  unit?: 's' | 'ms' | 'ms CPU per call' | '% of a core' | 'users/s';
}

const benchStarted = performance.now();
/** A progress line, with the seconds since the bench started (which part costs what of the budget). */
export const progress = (line: string) => process.stderr.write(`bench [${Math.round((performance.now() - benchStarted) / 1000)} s]: ${line}\n`);

/** Runs `work` and reports the CPU `pid` used meanwhile, per `count` items. */
export async function withServerCpu<T extends LoadResult>(pid: number, work: () => Promise<T>): Promise<T & { serverCpuMs: number }> {
  const before = processCpuMs(pid);
  const result = await work();
  const used = processCpuMs(pid) - before;
  return { ...result, serverCpuMs: Number((used / Math.max(1, result.requests)).toFixed(4)) };
}

export function measurement(group: string, name: string, result: LoadResult & { serverCpuMs?: number }, extra: Partial<Measurement> = {}): Measurement {
  return {
    group,
    name,
    rate: result.perSecond,
    unit: 'calls/s',
    p50ms: result.p50ms,
    p99ms: result.p99ms,
    serverCpuMs: result.serverCpuMs,
    loadCpuMs: result.loadCpuMsPerCall,
    bytesPerMessage: Number.isNaN(result.bytesPerResponse) ? undefined : result.bytesPerResponse,
    latenciesMs: result.latenciesMs,
    ...extra,
  };
}

/** Starts the baseline servers (bare grpc-js, bare http JSON) in a process of their own. */
export async function startBaselines(): Promise<{ grpc: string; http: string; pid: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'baselines', 'bareServers.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`baseline servers exited ${code}`)));
  });
  return { ...(JSON.parse(line) as { grpc: string; http: string }), pid: child.pid!, child };
}
