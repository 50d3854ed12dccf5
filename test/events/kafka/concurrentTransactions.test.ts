import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { whileTransactionEnds } from '../../../events/kafka/concurrentTransactions';

/** kafkajs's error for the coordinator's CONCURRENT_TRANSACTIONS answer, bare and wrapped once its retries ran out. */
const concurrent = () =>
  new KafkaJSProtocolError({
    type: 'CONCURRENT_TRANSACTIONS',
    code: 51,
    retriable: true,
    message: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
  } as never);
const wrapped = () => new KafkaJSNumberOfRetriesExceeded(concurrent(), { retryCount: 4, retryTime: 100 });

describe('whileTransactionEnds', () => {
  it('repeats a request while the previous transaction is still ending, then answers', async () => {
    let calls = 0;
    const answer = await whileTransactionEnds(async () => {
      calls++;
      if (calls === 1) throw concurrent();
      if (calls === 2) throw wrapped();
      return 'added';
    });
    expect([answer, calls]).toEqual(['added', 3]);
  });

  it('gives any other error back at once, and CONCURRENT_TRANSACTIONS once the budget is spent', async () => {
    let calls = 0;
    await expect(whileTransactionEnds(async () => (calls++, Promise.reject(new Error('fenced'))))).rejects.toThrow('fenced');
    expect(calls).toBe(1);
    await expect(whileTransactionEnds(() => Promise.reject(concurrent()), 50)).rejects.toThrow(KafkaJSProtocolError);
  });
});
