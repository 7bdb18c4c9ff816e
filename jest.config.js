/** Jest runs the TypeScript sources directly (ts-jest); e2e tests under test/ run the built binaries. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^@cpsbackup/([a-z-]+)$': '<rootDir>/packages/$1/src',
    '^@cpsbackup/([a-z-]+)/dist/(.*)$': '<rootDir>/packages/$1/src/$2',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 60000,
};
