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
};
