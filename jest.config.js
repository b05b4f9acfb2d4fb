// SWC strips types without type-checking, which keeps `npm test` fast; `npm run typecheck`
// (tsc --noEmit) is the type gate and runs in CI before the tests.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
  // Stacks synthesized in-process reference .build/manifest.json; build (or confirm the cache) once.
  globalSetup: '<rootDir>/__tests__/build/global-setup.ts',
  testTimeout: 120000,
};
