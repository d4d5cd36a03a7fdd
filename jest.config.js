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

const project = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/test', '<rootDir>/src', '<rootDir>/examples'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^nest-realtime-streams$': '<rootDir>/libs/streams/src',
    '^nest-realtime-streams/(.*)$': '<rootDir>/libs/streams/src/$1',
    '^nest-realtime-streams-client$': '<rootDir>/libs/streams-client/src',
    '^nest-realtime-streams-protocol$': '<rootDir>/libs/streams-protocol/src',
  },
  testTimeout: 30000,
};

/**
 * The fast path reads ws internals, so the supported ws range (libs/streams/package.json) is tested at both
 * ends: every suite on the newest ws (the lock's), and the suites that exercise the transport again on
 * the oldest (`ws-oldest`, an npm alias in devDependencies), with `ws` mapped to it for the server, the
 * test clients and the library alike.
 */
const transportSuites = [
  '<rootDir>/libs/streams/src/gateway/{ws-internals,outbound-queue}.spec.ts',
  '<rootDir>/test/e2e/transport-*.e2e-spec.ts',
  '<rootDir>/test/e2e/gateway.e2e-spec.ts',
  '<rootDir>/test/e2e/slow-consumer.e2e-spec.ts',
  '<rootDir>/test/e2e/write-batching.e2e-spec.ts',
  '<rootDir>/test/iii-clients/raw-ws.e2e-spec.ts',
];

module.exports = {
  projects: [
    { ...project, displayName: 'ws-newest', globals: { WS_UNDER_TEST: 'ws' } },
    {
      ...project,
      displayName: 'ws-oldest',
      testMatch: transportSuites,
      moduleNameMapper: { ...project.moduleNameMapper, '^ws$': 'ws-oldest', '^ws/package\\.json$': 'ws-oldest/package.json' },
      globals: { WS_UNDER_TEST: 'ws-oldest' },
    },
  ],
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/support/summary.reporter.js'],
};
