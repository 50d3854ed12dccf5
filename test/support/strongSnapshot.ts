import * as grpc from '@grpc/grpc-js';
import type { Client } from '../../client/userServiceClient';

/** Reads a WatchUsers (strong) until caught_up; returns the users of its SNAPSHOT events. */
export function strongSnapshot(client: Client, filter: string): Promise<object[]> {
  const metadata = new grpc.Metadata();
  metadata.set('users-consistency', 'strong');
  const call = client.WatchUsers({ filter }, metadata, { deadline: Date.now() + 20_000 }) as grpc.ClientReadableStream<{
    event?: { type: number; user: object };
    caught_up?: object;
  }>;
  const users: object[] = [];
  return new Promise((resolve, reject) => {
    call.on('data', (message) => {
      if (message.event) users.push(message.event.user);
      if (message.caught_up) {
        call.cancel();
        resolve(users);
      }
    });
    call.on('error', (error: grpc.ServiceError) => (error.code === grpc.status.CANCELLED ? undefined : reject(error)));
  });
}
