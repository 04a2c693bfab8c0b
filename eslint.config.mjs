import { defineConfig } from 'eslint/config';
import baseConfig from './.config/eslint.config.mjs';

export default defineConfig([
  {
    ignores: [
      '**/logs',
      '**/*.log',
      '**/npm-debug.log*',
      '**/yarn-debug.log*',
      '**/yarn-error.log*',
      '**/.pnpm-debug.log*',
      '**/node_modules/',
      '.yarn/cache',
      '.yarn/unplugged',
      '.yarn/build-state.yml',
      '.yarn/install-state.gz',
      '**/.pnp.*',
      '**/pids',
      '**/*.pid',
      '**/*.seed',
      '**/*.pid.lock',
      '**/lib-cov',
      '**/coverage',
      '**/dist/',
      'dist-host/',
      '**/artifacts/',
      '**/work/',
      '**/ci/',
      'test-results/',
      'playwright-report/',
      'blob-report/',
      'playwright/.cache/',
      'playwright/.auth/',
      '**/.idea',
      '**/.eslintcache',
      'tmp/',
    ],
  },
  ...baseConfig,
  {
    // Node code (agent, CLI, store, node:test files, scripts) is type-checked by tsconfig.node.json;
    // the root tsconfig.json covers only what the plugin bundles, so typed rules need the other project.
    files: [
      'src/agent/**/*.ts',
      'src/cli/**/*.ts',
      'src/store/**/*.ts',
      'src/lab/**/*.ts',
      'src/pipeline/**/*.ts',
      'src/**/*.test.ts',
      'src/**/*.itest.ts',
      'scripts/**/*.ts',
      'bench/**/*.ts',
      'e2e/**/*.ts',
    ],
    languageOptions: {
      parserOptions: {
        project: './tsconfig.node.json',
      },
    },
  },
]);
