/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/support/quietKafka.js'],
};

module.exports = {
  // Two runs of the end-to-end suites, one per log; every other suite runs once (the EventLog
  // contract runs on both backends by itself).
  projects: [
    { ...common, displayName: 'embedded', testMatch: ['<rootDir>/test/**/*.test.ts'] },
    {
      ...common,
      displayName: 'kafka',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      // logCorruption damages log.db, which only the embedded log has. viewRowDamage flips bits
      // in views.db rows, found by their CRC whatever the log; the heal it ends with (a rebuild
      // from the log) is what differs on Kafka, and viewCorruption proves that one here. Running
      // both on Kafka cost CI about 3 minutes (108 s on Node 20, 67 s on Node 24).
      testPathIgnorePatterns: ['/npmStart\\.test\\.ts$', '/readmeExamples\\.test\\.ts$', '/logCorruption\\.test\\.ts$', '/viewRowDamage\\.test\\.ts$'],
      setupFiles: [...common.setupFiles, '<rootDir>/test/support/useKafka.js'],
    },
  ],
  globalSetup: '<rootDir>/test/support/kafkaSetup.js',
  globalTeardown: '<rootDir>/test/support/kafkaTeardown.js',
  testTimeout: 120000,
  // The end-to-end suites start real servers; two workers match the two cores we have.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summaryReporter.js'],
};
