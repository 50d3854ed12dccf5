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

  it('gives any other error back at once, and an unsettled topic after the settle time', async () => {
    let calls = 0;
    await expect(whileTopicsSettle(async () => (calls++, Promise.reject(new Error('SASL failed'))), 5000, 1)).rejects.toThrow('SASL failed');
    expect(calls).toBe(1);
    await expect(whileTopicsSettle(async () => Promise.reject(unknownTopic()), 30, 5)).rejects.toThrow(KafkaJSNumberOfRetriesExceeded);
  });
});
