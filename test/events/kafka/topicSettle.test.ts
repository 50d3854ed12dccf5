import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { whileTopicsSettle } from '../../../events/kafka/topicSettle';

/** kafkajs's own errors, as a broker that has not learnt of a new topic yet makes them. */
const unknownTopic = () =>
  new KafkaJSNumberOfRetriesExceeded(
    new KafkaJSProtocolError({
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      code: 3,
      retriable: true,
      message: 'This server does not host this topic-partition',
    } as never),
    { retryCount: 5, retryTime: 100 },
  );
// kafkajs's own table of broker error codes: the names checked are the ones kafkajs gives (code 14 is not COORDINATOR_LOAD_IN_PROGRESS there).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a file of kafkajs's package, not an export
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };

/** What a reader's group meets on a broker just started (code 14, the coordinator loading), wrapped as the reader reports it. */
const coordinatorLoading = () => Object.assign(new Error('Kafka reading users.meta failed'), { cause: createErrorFromCode(14) });

describe('whileTopicsSettle', () => {
  it('tries again while a broker does not know a new topic yet (also once kafkajs gave up), then answers', async () => {
    let calls = 0;
    const answer = await whileTopicsSettle(
      async () => {
        if (++calls < 3) throw unknownTopic();
        return 'identity';
      },
      5000,
      1,
    );
    expect([answer, calls]).toEqual(['identity', 3]);
  });

  it("tries again while a broker just started still loads its groups' coordinator", async () => {
    let calls = 0;
    const answer = await whileTopicsSettle(
      async () => {
        if (++calls < 2) throw coordinatorLoading();
        return 'identity';
      },
      5000,
      1,
    );
    expect([answer, calls]).toEqual(['identity', 2]);
  });

  it('gives any other error back at once, and an unsettled topic after the settle time', async () => {
    let calls = 0;
    await expect(whileTopicsSettle(async () => (calls++, Promise.reject(new Error('SASL failed'))), 5000, 1)).rejects.toThrow('SASL failed');
    expect(calls).toBe(1);
    await expect(whileTopicsSettle(async () => Promise.reject(unknownTopic()), 30, 5)).rejects.toThrow(KafkaJSNumberOfRetriesExceeded);
  });
});
