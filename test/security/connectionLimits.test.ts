import * as grpc from '@grpc/grpc-js';
import { createClient } from '../../client/userServiceClient';
import { removeDir, startServer, tempDir } from '../support/serverProcess';
import { SyncStream } from '../support/syncStream';

const caughtUp = (s: SyncStream) => s.received.some((m) => m.caught_up);

describe('connection limits', () => {
  it('holds a connection to --max-concurrent-streams calls at once, and closes idle connections', async () => {
    const dir = tempDir('limits');
    const server = await startServer(dir, ['--max-concurrent-streams', '2', '--idle-timeout-ms', '500']);
    const client = createClient(server.addr);

    // One connection, two streams open (one answering writes, one on the feed): a third waits for
    // a slot instead of being served, and gets the slot the server frees when it ends a call.
    // (Not a cancelled call's slot: Node 22 and 24 count a stream the client has just reset until
    // a later tick, so the waiting call, sent in the same packet as the reset, is refused with
    // ENHANCE_YOUR_CALM, which grpc-js reports as RESOURCE_EXHAUSTED.)
    const writer = new SyncStream(client).change({ request_id: 'hold', op: 0 });
    const feed = new SyncStream(client).subscribe();
    await Promise.all([writer.until((s) => s.results().length === 1), feed.until(caughtUp)]);
    const third = new SyncStream(client).subscribe();
    await new Promise((r) => setTimeout(r, 300));
    expect(caughtUp(third)).toBe(false);
    writer.halfClose(); // its one write answered: the server ends it with OK
    expect(await writer.ended()).toBeUndefined();
    await third.until(caughtUp);
    feed.cancel();
    third.cancel();

    // With no call for longer than the idle timeout, the server closes the connection. (A plain
    // pick_first channel shows it as IDLE; round_robin would reconnect at once.)
    const plain = new grpc.Client(server.addr, grpc.credentials.createInsecure());
    await new Promise<void>((resolve, reject) => plain.waitForReady(Date.now() + 5000, (e) => (e ? reject(e) : resolve())));
    expect(plain.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.READY);
    await new Promise((r) => setTimeout(r, 1500));
    expect(plain.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.IDLE);
    plain.close();
    client.close();
    expect(await server.stop()).toBe(0);
    removeDir(dir);
  });
});
