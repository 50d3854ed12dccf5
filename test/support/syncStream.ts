import type * as grpc from '@grpc/grpc-js';
import type { Client } from '../../client/userServiceClient';
import type { ChangeEvent__Output } from '../../proto/generated/userservice/ChangeEvent';
import type { SyncResult__Output } from '../../proto/generated/userservice/SyncResult';
import type { UserChange } from '../../proto/generated/userservice/UserChange';
import type { UserUpdate } from '../../proto/generated/userservice/UserUpdate';
import type { WriteResult__Output } from '../../proto/generated/userservice/WriteResult';

/** A SyncUsers stream in a test: everything it receives is kept, and `until` waits for a condition. */
export class SyncStream {
  readonly received: SyncResult__Output[] = [];
  status: grpc.StatusObject | undefined;
  error: grpc.ServiceError | undefined;
  private readonly call: grpc.ClientDuplexStream<UserUpdate, SyncResult__Output>;
  private readonly waiters = new Set<() => void>();

  constructor(client: Client, timeoutMs = 30_000) {
    this.call = client.SyncUsers({ deadline: new Date(Date.now() + timeoutMs) });
    this.call.on('data', (m) => this.push(m));
    this.call.on('error', (e: grpc.ServiceError) => {
      this.error = e;
      this.wake();
    });
    this.call.on('status', (s: grpc.StatusObject) => {
      this.status = s;
      this.wake();
    });
  }

  subscribe(cursor = '', filter = ''): this {
    this.call.write({ subscribe: { cursor, filter } });
    return this;
  }

  change(change: UserChange): this {
    this.call.write({ change });
    return this;
  }

  /** The change events received. A change always carries its user, so `user` is given as present. */
  events(): Array<ChangeEvent__Output & { user: NonNullable<ChangeEvent__Output['user']> }> {
    return this.received.flatMap((m) => (m.event?.user ? [{ ...m.event, user: m.event.user }] : []));
  }

  results(): WriteResult__Output[] {
    return this.received.flatMap((m) => (m.result ? [m.result] : []));
  }

  /** Waits until `condition` holds (checked on every message), or fails after `timeoutMs`. */
  until(condition: (s: SyncStream) => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (condition(this)) {
          done();
          resolve();
        } else if (this.status || this.error) {
          done();
          reject(new Error(`stream ended before the condition held: ${this.error?.message ?? this.status?.details}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`condition not met in ${timeoutMs} ms; received ${JSON.stringify(this.received).slice(0, 2000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for the stream's end (failing the test if it does not come) and returns its error, if any. */
  async ended(timeoutMs = 10_000): Promise<grpc.ServiceError | undefined> {
    await this.until((s) => !!(s.status || s.error), timeoutMs);
    return this.error;
  }

  halfClose(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }

  private push(message: SyncResult__Output): void {
    this.received.push(message);
    this.wake();
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }
}
