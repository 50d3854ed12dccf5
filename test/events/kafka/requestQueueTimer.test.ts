import { quietRequestQueueTimer } from '../../../events/kafka/requestQueueTimer';

/** kafkajs's own request queue (one per broker connection), driven without a socket. */
interface Queue {
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  push(request: { entry: object; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the queue is a file of kafkajs's package, not an export
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => Queue;

const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const queues: Queue[] = [];
function queue(maxInFlightRequests = 1): Queue {
  const q = new RequestQueue({ maxInFlightRequests, requestTimeout: 1000, enforceRequestTimeout: false, clientId: 't', broker: 'b', logger });
  queues.push(q);
  return q;
}
/** A request whose sending is recorded; answered through fulfillRequest. */
function request(q: Queue, correlationId: number, sent: number[]) {
  q.push({
    entry: { correlationId, apiKey: 0, apiName: 'Test', apiVersion: 0, resolve: () => {}, reject: () => {} },
    expectResponse: true,
    sendRequest: () => sent.push(correlationId),
  });
}
const answer = (q: Queue, correlationId: number) => q.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 });

beforeAll(() => expect(quietRequestQueueTimer()).toBe(true));
afterEach(() => queues.splice(0).forEach((q) => q.destroy()));

describe('quietRequestQueueTimer', () => {
  it('leaves no timer armed on a connection once its requests are answered', () => {
    const q = queue();
    const sent: number[] = [];
    request(q, 1, sent);
    answer(q, 1);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still sends a request held back behind one in flight as soon as that one is answered', () => {
    const q = queue(1);
    const sent: number[] = [];
    request(q, 1, sent);
    request(q, 2, sent);
    expect(sent).toEqual([1]);
    answer(q, 1);
    expect(sent).toEqual([1, 2]);
    answer(q, 2);
    expect(q.pending).toHaveLength(0);
  });

  it('still sends a request held back by the broker throttling once the throttle ends', async () => {
    const q = queue(null as unknown as number);
    const sent: number[] = [];
    q.maybeThrottle(30);
    request(q, 1, sent);
    expect(sent).toEqual([]);
    while (sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sent).toEqual([1]);
  });

  it('is applied once however often it is called', () => {
    expect(quietRequestQueueTimer()).toBe(true);
    const q = queue();
    request(q, 1, []);
    answer(q, 1);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });
});
