// Three projects, by file name: unit tests need nothing running; int and e2e tests start real
// daprd sidecars (and FerretDB) through the test kit, @bank/testkit. The cluster
// suite (*.cluster.test.ts, jest.cluster.config.js, npm run test:cluster) matches none of them.
export const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  // ESM-only dependencies (jose), compiled to CommonJS like our sources.
  '^.+/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};
export const common = {
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  // Sources use ESM-style ".js" specifiers; Jest runs the CommonJS output of swc.
  moduleNameMapper: {
    // Each workspace package's entry point (its package.json "exports").
    '^@bank/([a-z-]+)$': '<rootDir>/services/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  rootDir: '.',
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/services/**/*.unit.test.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/services/**/*.int.test.ts', '<rootDir>/charts/**/*.int.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/services/**/*.e2e.test.ts'] },
  ],
  // Per test and per hook; starting a system (daprd, services, FerretDB) takes seconds.
  testTimeout: 180000,
};
