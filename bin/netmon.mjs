#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx netmon`, `npm run netmon` and a global link work
// without a build step. The package is CommonJS, so both of tsx's hooks are needed: the ESM one
// loads main.ts, the CJS one its extensionless requires. Both are pointed at our tsconfig, since
// tsx would otherwise read a tsconfig.json from the caller's working directory.
import { fileURLToPath } from 'node:url';
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

const tsconfig = fileURLToPath(new URL('../tsconfig.node.json', import.meta.url));
// The CJS hook has no option for it; it reads this variable when registered.
process.env.TSX_TSCONFIG_PATH = tsconfig;
registerCjs();
registerEsm({ tsconfig });
await import('../src/cli/main.ts');
