// Three tiers, as in the conventions: co-located unit specs, integration suites against real
// services, and end-to-end suites that boot the farm on loopback.
const common = {
  transform: { '^.+\\.(t|j)s$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^@tessera/(.*)$': '<rootDir>/libs/$1/src' },
  testEnvironment: 'node',
};

module.exports = {
  rootDir: __dirname,
  projects: [
    { ...common, displayName: 'unit', rootDir: __dirname, testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...common, displayName: 'integration', rootDir: __dirname, testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'e2e', rootDir: __dirname, testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    { ...common, displayName: 'chaos', rootDir: __dirname, testMatch: ['<rootDir>/test/chaos/**/*.test.ts'] },
  ],
};
