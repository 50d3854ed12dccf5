// setupFiles of the "kafka" jest project: the end-to-end suites start their servers on Kafka.
process.env.USERSVC_TEST_LOG = 'kafka';
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
