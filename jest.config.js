/** Jest: TypeScript through SWC (decorator metadata on, for type-graphql), and the ESM-only
 * dependencies (agenda and what it imports) transformed to CommonJS instead of ignored. */
const esmDeps = ['agenda', 'cron-parser', 'luxon', 'human-interval', 'date.js', 'debug', 'ms'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmDeps.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testTimeout: 60000,
  // Agenda 6 leaves its lock watchdog timer running after a job (half the lock lifetime);
  // our own handles are closed by every suite, so do not wait for Agenda's.
  forceExit: true,
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
};
