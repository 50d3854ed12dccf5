// Three tiers of suites, by what they need (README, "Test tiers"):
// - unit:  the sources alone, in the jest process: no build, no child process, no broker, no Java;
//          only the contract image every message is loaded from (`buf build`, contractImageSetup.js).
// - e2e:   the build (servers and the CLI from dist/, handlers that serverless.yml names in dist/,
//          the contract image dist/contract) and outside tools, on the embedded log.
// - kafka: a real Kafka broker, which kafkaSetup.js starts only when a kafka suite is selected;
//          the end-to-end suites run a second time here, on Kafka.
// A suite lands in the first tier that lists it: unit, then kafka, else e2e. A new suite no list
// names runs in e2e, where everything but a broker is ready, so none is ever left out.

/** Paths under test/: a folder (ending in "/") stands for every suite in it. */
const UNIT = [
  'lib/',
  'client/userServiceClient.test.ts',
  'events/changeFeed.test.ts',
  'events/decider/',
  'events/embedded/',
  // Sealing and the embedded key store: SQLite files, no build.
  'events/sealing/',
  'events/compaction/',
  // kafkajs's errors only, no broker: the retry rules of the Kafka log.
  'events/kafka/concurrentTransactions.test.ts',
  'events/kafka/topicSettle.test.ts',
  // kafkajs's request queue alone, no socket.
  'events/kafka/requestQueueTimer.test.ts',
  // kafkajs's consumer group recovery alone, no broker.
  'events/kafka/offsetOutOfRange.test.ts',
  'proto/pathTemplate.test.ts',
  'gateway/streamWriters.test.ts',
  'handlers/changeOf.test.ts',
  // In-process functions without the log functions, which load from dist/ (createUser and
  // submitCommand run them, so they are e2e).
  'handlers/common/readConsistency.test.ts',
  'handlers/common/requestDigest.test.ts',
  'runtime/call/callSource.test.ts',
  'runtime/call/runCall.test.ts',
  'runtime/grpc/encodeOnce.test.ts',
  'runtime/openDataDir.test.ts',
  'store/dataDirLock.test.ts',
  'store/filter/',
  'store/projection.test.ts',
  'store/encodedUserCache.test.ts',
  'store/userRow.test.ts',
];
/** The suites that need a broker, besides the end-to-end suites' Kafka run. */
const KAFKA = ['kafka/', 'events/kafka/'];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const globs = (paths) => paths.map((p) => `<rootDir>/test/${p}${p.endsWith('/') ? '**/*.test.ts' : ''}`);
const patterns = (paths) => paths.map((p) => `<rootDir>/test/${escape(p)}${p.endsWith('/') ? '' : '$'}`);

/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/support/quietKafka.js'],
};

// Per project, so jest runs it only when a suite of a kafka project is selected (once, however
// many projects name the same file).
const broker = {
  globalSetup: '<rootDir>/test/support/kafkaSetup.js',
  globalTeardown: '<rootDir>/test/support/kafkaTeardown.js',
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: globs(UNIT), globalSetup: '<rootDir>/test/support/contractImageSetup.js' },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...patterns(UNIT), ...patterns(KAFKA)],
    },
    { ...common, ...broker, displayName: 'kafka', testMatch: globs(KAFKA), testPathIgnorePatterns: ['/node_modules/', ...patterns(UNIT)] },
    // The end-to-end suites again, their servers on Kafka. Same name: `--selectProjects kafka`
    // runs both halves of the tier.
    {
      ...common,
      ...broker,
      displayName: 'kafka',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      // logCorruption damages log.db, which only the embedded log has. viewRowDamage flips bits
      // in views.db rows, found by their CRC whatever the log; the heal it ends with (a rebuild
      // from the log) is what differs on Kafka, and viewCorruption proves that one here. Running
      // both on Kafka cost CI about 3 minutes (108 s on Node 20, 67 s on Node 24).
      testPathIgnorePatterns: [
        '/node_modules/',
        '/npmStart\\.test\\.ts$',
        '/readmeExamples\\.test\\.ts$',
        '/logCorruption\\.test\\.ts$',
        '/viewRowDamage\\.test\\.ts$',
      ],
      setupFiles: [...common.setupFiles, '<rootDir>/test/support/useKafka.js'],
    },
  ],
  testTimeout: 120000,
  // The end-to-end suites start real servers; two workers match the two cores we have.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summaryReporter.js'],
};
