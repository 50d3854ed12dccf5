import * as grpc from '@grpc/grpc-js';
import { createClient, unary, type Client } from '../../client/userServiceClient';

/** One write as the caller saw it. `version` and `cursor` only when it was acknowledged. */
export interface WriteRecord {
  requestId: string;
  method: 'CreateUser' | 'UpdateUser' | 'DeleteUser';
  /** Unknown for a CreateUser that failed: the checker finds it by request id. */
  userId?: string;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  /** The gRPC status of a failure. */
  code?: number;
  version?: number;
  cursor?: string;
}

/** One GetUser with `users-min-cursor` after an acknowledged write, on one replica. */
export interface ReadRecord {
  requestId: string;
  replica: number;
  at: number;
  /** 'fresh': it saw the write (or a later version); 'stale': it did not; 'error': no answer. */
  verdict: 'fresh' | 'stale' | 'error';
  detail?: string;
}

const WRITE_DEADLINE_MS = 5_000;
const READ_DEADLINE_MS = 5_000;

/**
 * Writers at a steady total rate through one round-robin client over every replica, one write
 * in flight per writer (so the order of a user's writes is the order they were sent), each user
 * owned by one writer. After each acknowledged write, a GetUser with `users-min-cursor` set to the
 * write's `users-cursor` goes to every replica that is up, each through a client of its own:
 * whichever replica took the write, the others must answer with it too.
 */
export class Load {
  readonly writes: WriteRecord[] = [];
  readonly reads: ReadRecord[] = [];
  private readonly client: Client;
  private readonly pinned: Client[];
  private running = false;
  private loops: Promise<void>[] = [];
  private seq = 0;

  constructor(
    addrs: string[],
    private readonly isUp: (replica: number) => boolean,
    private readonly runId: string,
    private readonly ratePerSecond = 20,
    private readonly writers = 4,
  ) {
    this.client = createClient(`ipv4:${addrs.join(',')}`);
    this.pinned = addrs.map((a) => createClient(a));
  }

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.writers }, (_, w) => this.writer(w));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  close(): void {
    this.client.close();
    this.pinned.forEach((c) => c.close());
  }

  private async writer(w: number): Promise<void> {
    const interval = (1000 * this.writers) / this.ratePerSecond;
    const users: { id: string; version: number }[] = [];
    let next = Date.now() + (interval * w) / this.writers;
    while (this.running) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next = Math.max(next + interval, Date.now() - interval); // steady rate; no burst after a stall
      if (!this.running) break;
      const record = await this.writeOnce(w, users);
      this.writes.push(record);
      if (record.ok) void this.readBack(record);
    }
  }

  /** Creates while the writer owns few users, otherwise updates or deletes one of them. */
  private async writeOnce(w: number, users: { id: string; version: number }[]): Promise<WriteRecord> {
    const requestId = `${this.runId}-w${w}-${++this.seq}`;
    const roll = Math.random();
    const pick = users.length > 0 ? Math.floor(Math.random() * users.length) : -1;
    const method = users.length < 5 || roll < 0.3 ? 'CreateUser' : roll < 0.9 ? 'UpdateUser' : 'DeleteUser';
    const target = method === 'CreateUser' ? undefined : users[pick];
    const options = { timeoutMs: WRITE_DEADLINE_MS };
    const send = () =>
      method === 'CreateUser'
        ? unary(this.client, method, { email: `${requestId}@chaos.test`, name: `chaos ${requestId}`, plan: 1, request_id: requestId }, options)
        : method === 'UpdateUser'
          ? unary(this.client, method, { user: { id: target!.id, name: `n ${requestId}` }, update_mask: { paths: ['name'] }, request_id: requestId }, options)
          : unary(this.client, method, { id: target!.id, request_id: requestId }, options);
    const startedAt = Date.now();
    const base = { requestId, method, userId: target?.id, startedAt } as const;
    try {
      const { response, trailers } = await send();
      const version = Number(response.version);
      const userId = method === 'DeleteUser' ? target!.id : (response.id as string);
      if (method === 'CreateUser') users.push({ id: userId, version });
      else if (method === 'DeleteUser') users.splice(pick, 1);
      else target!.version = version;
      return { ...base, userId, endedAt: Date.now(), ok: true, version, cursor: String(trailers.get('users-cursor')[0] ?? '') };
    } catch (error) {
      // The outcome is unknown: the user is no longer written to, so the checker can settle it from the log.
      if (target) users.splice(pick, 1);
      return { ...base, endedAt: Date.now(), ok: false, code: (error as grpc.ServiceError).code ?? -1 };
    }
  }

  private async readBack(write: WriteRecord): Promise<void> {
    await Promise.all(
      this.pinned.map(async (client, replica) => {
        if (!this.isUp(replica)) return;
        const at = Date.now();
        const push = (verdict: ReadRecord['verdict'], detail?: string) => this.reads.push({ requestId: write.requestId, replica, at, verdict, detail });
        try {
          const { response } = await unary(
            client,
            'GetUser',
            { id: write.userId },
            { timeoutMs: READ_DEADLINE_MS, metadata: { 'users-min-cursor': write.cursor! } },
          );
          const seen = Number(response.version);
          // A deleted user must not be found; any other write must be seen at its version or later.
          if (write.method === 'DeleteUser') push('stale', `found at version ${seen} after its deletion at ${write.version}`);
          else push(seen >= write.version! ? 'fresh' : 'stale', seen >= write.version! ? undefined : `version ${seen}, acknowledged ${write.version}`);
        } catch (error) {
          const code = (error as grpc.ServiceError).code;
          if (code === grpc.status.NOT_FOUND) push(write.method === 'DeleteUser' ? 'fresh' : 'stale', 'NOT_FOUND');
          else push('error', `${grpc.status[code] ?? code}: ${(error as Error).message}`);
        }
      }),
    );
  }
}
