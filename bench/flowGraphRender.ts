/**
 * Flow-graph render benchmark (issue 5): the real FlowGraphView (src/panels/flowgraph) drawn in
 * headless Chromium with synthetic graphs of 100, 500 and 1,000 nodes (4 edges a node), timing
 * the layout, the first render (mount to committed, and to painted) and a hover re-render.
 *
 *   npm run bench:flowgraph -- [--runs N] [--hovers N]
 *
 * The page is bundled from bench/flowgraph/entry.jsx with the standalone host's webpack config
 * (everything bundled, nothing external) into a temp dir. Medians are printed, not asserted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import webpack from 'webpack';
import { launchBrowser } from '../e2e/host/hostPage';
import hostConfig from '../src/host/webpack.config';

const SIZES = [100, 500, 1000];
const EDGES_PER_NODE = 4;

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, hovers: { type: 'string', default: '20' } },
});

function count(name: keyof typeof args): number {
  const n = Number(args[name]);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`--${name}: expected a positive whole number, got "${String(args[name])}"`);
  }
  return n;
}

async function bundle(dir: string): Promise<void> {
  const base = hostConfig({});
  const compiler = webpack({
    ...base,
    entry: { bench: join(__dirname, 'flowgraph', 'entry.jsx') },
    output: { path: dir, filename: '[name].js', publicPath: '' },
    cache: { type: 'filesystem', name: 'netmon-bench-flowgraph', buildDependencies: { config: [__filename] } },
    plugins: [],
  });
  await new Promise<void>((resolve, reject) =>
    compiler.run((err, stats) => {
      compiler.close(() => undefined);
      if (err || stats?.hasErrors()) {
        reject(err ?? new Error(stats?.toString('errors-only')));
      } else {
        resolve();
      }
    })
  );
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><body><div id="root"></div><script src="bench.js"></script></body></html>'
  );
}

interface SizeResult {
  nodes: number;
  edges: number;
  shapes: number;
  layoutMs: number;
  firstRenderCommitMs: number;
  firstRenderPaintedMs: number;
  hoverCommitMs: number;
  hoverPaintedMs: number;
}

async function main(): Promise<void> {
  const runs = count('runs');
  const hovers = count('hovers');
  const dir = mkdtempSync(join(tmpdir(), 'netmon-bench-flowgraph-'));
  const browser = await launchBrowser();
  try {
    const start = Date.now();
    await bundle(dir);
    process.stderr.write(`bundled in ${((Date.now() - start) / 1000).toFixed(0)} s\n`);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${join(dir, 'index.html')}`);
    const results: SizeResult[] = [];
    for (const nodes of SIZES) {
      // A string, so this Node-typed file needs no DOM types for the page's global.
      const result = await page.evaluate<SizeResult>(
        `window.netmonFlowGraphBench.run(${nodes}, ${nodes * EDGES_PER_NODE}, ${runs}, ${hovers})`
      );
      if (errors.length > 0) {
        throw new Error(`the page failed: ${errors.join('; ')}`);
      }
      results.push(result);
      process.stderr.write(`${nodes} nodes done\n`);
    }
    const round = (ms: number) => Math.round(ms * 10) / 10;
    console.log(
      '| nodes | edges | SVG shapes | layout ms | first render, committed ms | first render, painted ms | hover, committed ms | hover, painted ms |'
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of results) {
      console.log(
        `| ${r.nodes} | ${r.edges} | ${r.shapes} | ${round(r.layoutMs)} | ${round(r.firstRenderCommitMs)} | ` +
          `${round(r.firstRenderPaintedMs)} | ${round(r.hoverCommitMs)} | ${round(r.hoverPaintedMs)} |`
      );
    }
    console.log(
      `\nChromium ${browser.version()}, ${availableParallelism()} cores, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}, medians of ${runs} renders and ${runs * hovers} hovers per size`
    );
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench:flowgraph failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
