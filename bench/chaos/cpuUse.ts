import { readFileSync } from 'node:fs';

/**
 * How busy the whole machine was, sampled from /proc/stat once a second: the cluster's writes are
 * slow with no fault at all, and a fault's row means little unless the table also says whether
 * the two cores were saturated at the time (three JVMs, three replicas and the load share them).
 */
export class CpuUse {
  private readonly samples: Array<{ at: number; busy: number; total: number }> = [];
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 1000) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** The share of all cores' time spent busy between two instants, in percent (0 when unknown). */
  busyPercent(from: number, to: number): number {
    const first = [...this.samples].reverse().find((s) => s.at <= from) ?? this.samples[0];
    const last = [...this.samples].reverse().find((s) => s.at <= to);
    if (!first || !last || last.total <= first.total) return 0;
    return Math.round((100 * (last.busy - first.busy)) / (last.total - first.total));
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    // The first line adds up every core: user nice system idle iowait irq softirq steal ...
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = fields[3] + fields[4];
    this.samples.push({ at: Date.now(), busy: total - idle, total });
  }
}
