import { describeEventLogContract } from '../eventLog.contract';
import { openTestKafkaLog, uniquePrefix } from '../../support/kafka';

describeEventLogContract('Apache Kafka', async () => {
  const prefix = uniquePrefix('contract');
  const fixture = {
    log: await openTestKafkaLog(prefix),
    async reopen() {
      await fixture.log.close();
      fixture.log = await openTestKafkaLog(prefix);
      return fixture.log;
    },
    async cleanup() {
      await fixture.log.close();
    },
    async removeStorage(topic: string) {
      await fixture.log.admin.deleteTopics({ topics: [fixture.log.physical(topic)] });
    },
  };
  return fixture;
});
