// ESM Jest (see shared TOOLCHAIN.md): ts-jest in ESM mode, run through `npm run jest`.
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] };
const common = {
  transform,
  extensionsToTreatAsEsm: ['.ts'],
  testEnvironment: 'node',
  moduleNameMapper: {
    '^@ratchet/event-store/testing$': '<rootDir>/libs/event-store/src/testing/index.ts',
    '^@ratchet/event-store/eventstoredb$': '<rootDir>/libs/event-store/src/eventstoredb/index.ts',
    '^@ratchet/mqtt/testing$': '<rootDir>/libs/mqtt/src/testing/index.ts',
    '^@ratchet/device/testing$': '<rootDir>/libs/device/src/testing/index.ts',
    '^@ratchet/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

/** The test tier is in the file name: *.spec.ts (pure), *.int-spec.ts (real store or broker), test/*.e2e-spec.ts. */
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
  testTimeout: 60000,
};
