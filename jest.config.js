/** Jest 30 + @swc/jest: fast TS transform with legacy decorators and decorator metadata (Nest DI needs both). */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/test', '<rootDir>/src', '<rootDir>/examples'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^nest-realtime-streams$': '<rootDir>/libs/streams/src',
    '^nest-realtime-streams/(.*)$': '<rootDir>/libs/streams/src/$1',
    '^nest-realtime-streams-client$': '<rootDir>/libs/streams-client/src',
  },
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/support/summary.reporter.js'],
};
