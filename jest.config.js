/**
 * Jest on Node 24 with native ES modules (MikroORM 7 is ESM-only): run it with
 * `--experimental-vm-modules` (see `npm test`). TypeScript is stripped by SWC, which is fast and does not
 * type-check; `npm run typecheck` does that.
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true },
        module: { type: 'es6' },
      },
    ],
  },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.hms-data/', '/.exp/'],
  // Integration and end-to-end suites start databases and servers.
  testTimeout: 120_000,
  // Each test file starts its own graph; two at a time fit this machine's 2 cores.
  maxWorkers: 2,
};
