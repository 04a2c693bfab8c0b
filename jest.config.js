// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');
const grafanaConfig = require('./.config/jest.config');
const [swcTransform] = Object.values(grafanaConfig.transform);

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...grafanaConfig,
  // Jest owns the browser-side specs only: *.test.ts / *.itest.ts are node:test files (run by
  // scripts/test.mjs) and would fail under jsdom, so the scaffold's broader patterns are narrowed.
  testMatch: ['<rootDir>/src/{plugin,panels,shared}/**/*.spec.{ts,tsx}'],
  transform: {
    ...grafanaConfig.transform,
    // Grafana 13's ESM-only dependencies (d3-*, ...) ship .mjs, which the scaffold's pattern misses.
    '^.+\\.mjs$': swcTransform,
  },
  // ESM-only packages that @grafana/data 13 requires from its CommonJS build.
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@react-hookz', '@ver0'])],
};
