import { processCpuMs } from '../load/processCpu';
import { progress, type Measurement } from './context';

/**
 * CPU a server uses with no calls at all, as % of one core: /proc/<pid>/stat (user + system time)
 * read at the start and the end of a quiet window, every process in the same window. A server
 * that polls its log burns this all day, with nobody calling.
 */
export async function restingCpu(servers: { label: string; pid: number }[], seconds: number): Promise<Measurement[]> {
  progress(`at rest: CPU of ${servers.map((s) => s.label).join(', ')} over ${seconds} s with no calls`);
  const before = servers.map((s) => processCpuMs(s.pid));
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsedMs = performance.now() - started;
  return servers.map((s, i) => ({
    group: 'at rest',
    name: s.label,
    rate: Number((((processCpuMs(s.pid) - before[i]) / elapsedMs) * 100).toFixed(2)),
    unit: '% of a core',
    note: `CPU time over a ${seconds} s window with no calls (/proc/<pid>/stat utime+stime; 10 ms ticks)`,
  }));
}
