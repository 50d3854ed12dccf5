// kafkajs warns at start-up about its v2 partitioner change; we pick the partitioner explicitly.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
