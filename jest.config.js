/** Jest runs the TypeScript sources directly (ts-jest); e2e tests under test/ run the built binaries. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    // A package's own exports, from its sources: "@cpsbackup/x" and the test kit's subpaths.
    '^@cpsbackup/testkit/([a-z-]+)$': '<rootDir>/packages/testkit/src/$1',
    '^@cpsbackup/store/s3$': '<rootDir>/packages/store/src/s3-backend',
    '^@cpsbackup/log/exit$': '<rootDir>/packages/log/src/exit',
    '^@cpsbackup/([a-z-]+)$': '<rootDir>/packages/$1/src',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 60000,
  // CPSBACKUP_S3=rgw (make test-rgw): one Ceph RGW for the run; no-ops otherwise.
  globalSetup: '<rootDir>/packages/testkit/src/s3/jest-global-setup.ts',
  // …and the records keys tests' stores left beside their removed directories.
  globalTeardown: '<rootDir>/packages/testkit/src/jest-global-teardown.ts',
};
