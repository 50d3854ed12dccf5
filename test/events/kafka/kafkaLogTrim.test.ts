import { openTestKafkaLog, uniquePrefix } from '../../support/kafka';
import { describeTrimContract } from '../trimContract';

describeTrimContract('Apache Kafka', async () => {
  const log = await openTestKafkaLog(uniquePrefix('trim'));
  return {
    log,
    async cleanup() {
      await log.close();
    },
  };
});
