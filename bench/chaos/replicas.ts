import { appendFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { startServer, type ServerProcess } from '../harness/serverProcess';

/**
 * The three service replicas on the cluster, each on a fixed port (so the round-robin client
 * finds a restarted replica at the address it had) and a data directory of its own. What each
 * process printed is appended to `<runDir>/replica-<i>.log` when it ends: the evidence when the
 * checker finds something.
 */
export class Replicas {
  readonly addrs: string[];
  private readonly servers: (ServerProcess | undefined)[];

  constructor(
    private readonly runDir: string,
    private readonly args: string[],
    basePort: number,
    count = 3,
  ) {
    this.addrs = Array.from({ length: count }, (_, i) => `127.0.0.1:${basePort + i}`);
    this.servers = this.addrs.map(() => undefined);
  }

  dataDir(i: number): string {
    return path.join(this.runDir, `replica-${i}`);
  }

  logFile(i: number): string {
    return path.join(this.runDir, `replica-${i}.log`);
  }

  async startAll(): Promise<void> {
    for (let i = 0; i < this.addrs.length; i++) {
      rmSync(this.dataDir(i), { recursive: true, force: true });
      mkdirSync(this.dataDir(i), { recursive: true });
      await this.start(i);
    }
  }

  /** Start-ups that failed and were tried again, with the replica's last log line: for the report. */
  readonly failedStarts: string[] = [];

  /**
   * Starts replica i; a start that fails (on a cluster that just elected leaders, the service may
   * exit with UNAVAILABLE) is recorded and tried again, three times at most.
   */
  async start(i: number, attempts = 3): Promise<void> {
    let server;
    for (let attempt = 1; ; attempt++) {
      try {
        server = await startServer(this.dataDir(i), [...this.args, '--addr', this.addrs[i], '--http-addr', '']);
        break;
      } catch (error) {
        const message = (error as Error).message;
        appendFileSync(this.logFile(i), `${message}\n--- start attempt ${attempt} failed\n`);
        this.failedStarts.push(`replica ${i} start ${attempt}: ${/"msg":"([^"]+)"/.exec(message)?.[1] ?? message.slice(0, 300)}`);
        if (attempt >= attempts) throw error;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    this.servers[i] = server;
    void server.exited.then((code) => appendFileSync(this.logFile(i), `${server.output()}\n--- exited: ${code}\n`));
  }

  /** Sends a signal and waits for the process to end; resolves with its exit code or signal. */
  async signal(i: number, signal: NodeJS.Signals): Promise<number | string> {
    const server = this.servers[i];
    if (!server) return 'not running';
    this.servers[i] = undefined;
    return server.stop(signal);
  }

  /** SIGSTOP (true) or SIGCONT (false): a paused process keeps its sockets and state, runs nothing. */
  pause(i: number, paused: boolean): void {
    this.servers[i]?.child.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  running(i: number): boolean {
    return this.servers[i] !== undefined;
  }

  async stopAll(): Promise<(number | string)[]> {
    return Promise.all(this.addrs.map((_, i) => this.signal(i, 'SIGTERM')));
  }

  /**
   * The replica whose decider is active: only the member of the decider group that owns the
   * commands partition applies decisions to its decider.db (events/decider/decideCommands.ts),
   * so under load exactly one replica's decider.db-wal changes. (Every replica's Kafka client
   * has clientId "usersvc" and host 127.0.0.1, so describeGroups cannot tell them apart.)
   */
  async activeDecider(sampleMs = 1500): Promise<number> {
    const stamp = (i: number) => {
      try {
        const s = statSync(path.join(this.dataDir(i), 'decider.db-wal'));
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return 'none';
      }
    };
    for (let attempt = 0; attempt < 10; attempt++) {
      const before = this.addrs.map((_, i) => stamp(i));
      await new Promise((r) => setTimeout(r, sampleMs));
      const changed = this.addrs.map((_, i) => i).filter((i) => this.running(i) && stamp(i) !== before[i]);
      if (changed.length === 1) return changed[0];
    }
    throw new Error('no single replica is deciding (its decider.db did not change, or several did)');
  }
}
