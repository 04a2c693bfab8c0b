#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx netmon`, `npm run netmon` and a global link work
// without a build step. The package is CommonJS, so both of tsx's hooks are needed: the ESM one
// loads main.ts, the CJS one its extensionless requires. The tsconfig is named so that one in the
// caller's working directory does not apply.
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

const tsconfig = new URL('../tsconfig.node.json', import.meta.url).pathname;
registerCjs();
registerEsm({ tsconfig });
await import('../src/cli/main.ts');
