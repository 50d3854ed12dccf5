import { answered } from './kafkaErrors';

/** How long a transactional request is repeated while the previous transaction is still ending. */
const BUDGET_MS = 5000;

/**
 * Runs `request` again while the transaction coordinator answers CONCURRENT_TRANSACTIONS, which
 * it does until the previous transaction's markers are written: for a moment after every commit,
 * for seconds after a broker failover. kafkajs repeats that answer for a transaction's sends but
 * not for AddOffsetsToTxn (`transaction.sendOffsets`), and that request comes first when a batch
 * decided no event: every command in it was a client's retry of one decided already, common right
 * after a fault. The batch then failed, the decider fenced itself and started over, and did so
 * again while the markers lagged: 13 and 14 such failures in two chaos runs of four broker kills
 * each, none once repeated here (writes unavailable 11-43 s after a kill before, 9-23 s after).
 */
export async function whileTransactionEnds<T>(request: () => Promise<T>, budgetMs = BUDGET_MS): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
    try {
      return await request();
    } catch (error) {
      if (!answered(error, CONCURRENT) || Date.now() + pause > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

const CONCURRENT = new Set(['CONCURRENT_TRANSACTIONS']);
