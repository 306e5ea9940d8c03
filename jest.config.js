/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
  },
  // Every test file must leave the process with the descriptors it found.
  setupFilesAfterEnv: ['<rootDir>/test/setup/descriptors.ts'],
  testTimeout: 20000,
};
