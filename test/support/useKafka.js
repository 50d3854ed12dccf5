// setupFiles of the end-to-end half of the "kafka" tier (jest.config.js): the end-to-end suites
// start their servers on Kafka.
process.env.USERSVC_TEST_LOG = 'kafka';
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
