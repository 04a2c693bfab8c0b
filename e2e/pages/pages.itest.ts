import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { bpftraceMissing } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { labPrerequisitesMissing } from '../../src/lab/lab';
import type { Store } from '../../src/store/store';
import { openTestStore } from '../../src/store/testStore';
import {
  browserUnavailable,
  ensureHostBuilt,
  HostPage,
  launchBrowser,
  startHost,
  type RunningHost,
} from '../host/hostPage';
import { ConnectionsPage } from './ConnectionsPage';
import { DnsPage } from './DnsPage';
import { readUntil } from './readUntil';
import { captureShop, NODE, type FlowTruth, type ShopCapture } from './shopCapture';

/**
 * The Connections and DNS pages in headless Chromium on traffic the real agent captured in the
 * lab: the numbers a person reads in the DOM are the ground truth of the traffic tools and the lab
 * DNS server, the flow graph draws the pairs, a click filters or drills down, and every page is
 * kept as a screenshot in e2e/artifacts/. Needs root, bpftrace, ip, nft, cgroup v2 and Chromium;
 * skipped with the reason without them, except under CI=true, where that is a failure.
 */

const missing =
  [labPrerequisitesMissing(), bpftraceMissing, browserUnavailable()].filter((m) => m !== undefined).join(', ') ||
  undefined;
const skip = missing !== undefined && process.env.CI !== 'true' ? `needs ${missing}` : false;
/** A full-page PNG of a rendered page is tens of kB; an empty or blank one is far smaller. */
const MIN_SCREENSHOT_BYTES = 20_000;
const GROUP_BY = ['src_deployment', 'dst_deployment'];

const dir = mkdtempSync(join(tmpdir(), 'netmon-pages-e2e-'));
let store: Store | undefined;
let host: RunningHost | undefined;
let browser: Browser | undefined;
let shop: ShopCapture;

before(async () => {
  if (skip) {
    return;
  }
  assert.equal(missing, undefined, `CI=true and this machine lacks ${missing}`);
  ensureHostBuilt();
  store = await openTestStore();
  shop = await captureShop(store, dir);
  host = await startHost({ store });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a browser page on the host, runs `checks`, then checks the page stayed clean and closes it. */
async function onPage(checks: (hp: HostPage) => Promise<void>): Promise<void> {
  const hp = await HostPage.open(browser!, host!.baseUrl);
  try {
    await checks(hp);
    assert.deepEqual([...hp.pageErrors, ...hp.consoleErrors], [], hp.problems());
  } finally {
    await hp.close();
  }
}

/** Saves the page as an artefact and checks the file holds a real picture. */
async function keepScreenshot(hp: HostPage, name: string): Promise<void> {
  const path = await hp.screenshot(name);
  const { size } = statSync(path);
  assert.ok(
    size >= MIN_SCREENSHOT_BYTES,
    `${path}: ${size} bytes, expected a rendered page (>= ${MIN_SCREENSHOT_BYTES})`
  );
}

/** What the flows table shows for a pair; decbytes prints sizes under 1 kB as exact bytes. */
function flowRow(f: FlowTruth): Record<string, string> {
  return {
    'src deployment': f.srcDeployment,
    'dst deployment': f.dstDeployment,
    'Bytes sent by source': `${f.bytesSrc} B`,
    'Bytes sent by destination': `${f.bytesDst} B`,
    'Connections opened': String(f.opened),
    'Failed connects': String(f.failed),
  };
}

/** The same columns of a row the page shows, so rows compare with flowRow. */
function shownFlow(row: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(flowRow(shop.flows[0])).map((k) => [k, row[k]]));
}

const byPair = (a: Record<string, string>, b: Record<string, string>) =>
  `${a['src deployment']}>${a['dst deployment']}`.localeCompare(`${b['src deployment']}>${b['dst deployment']}`);

const MINUTE_MS = 60_000;
/**
 * The capture widened to whole minutes: short ranges read the minute rollup, whose series points
 * sit at the start of their minute, so a range that starts mid-minute draws its charts empty.
 */
const range = () => ({
  fromMs: Math.floor(shop.fromMs / MINUTE_MS) * MINUTE_MS,
  toMs: Math.ceil(shop.toMs / MINUTE_MS) * MINUTE_MS,
});
/** The time range a drill-down URL carries (scenes writes ISO times), as epoch ms. */
function urlRange(url: URL): { fromMs: number; toMs: number } {
  const ms = (v: string | null) => (v !== null && /^\d+$/.test(v) ? Number(v) : Date.parse(v ?? ''));
  return { fromMs: ms(url.searchParams.get('from')), toMs: ms(url.searchParams.get('to')) };
}

const intoShop = () => shop.flows.filter((f) => f.dst.startsWith('shop/'));

test(
  'Connections into namespace shop, grouped by deployment: the flows, the graph, and a click that filters',
  { skip, timeout: 180_000 },
  async (t) => {
    await onPage(async (hp) => {
      const page = new ConnectionsPage(hp);
      await page.open(range(), { dst_namespace: 'shop', group_by: GROUP_BY });

      await t.test('the flows table lists each pair with its exact bytes, opened and failed connects', async () => {
        const expected = intoShop().map(flowRow).sort(byPair);
        const shown = await readUntil(async () => (await page.flows()).map(shownFlow).sort(byPair), expected);
        assert.deepEqual(shown, expected);
        assert.ok(
          !shown.some((r) => r['dst deployment'] === 'postgres'),
          'no flow into namespace db (web -> postgres, worker -> postgres)'
        );
      });
      await keepScreenshot(hp, 'pages-connections');

      await t.test('the flow graph draws the groups and the edges between them', async () => {
        const flows = intoShop();
        const nodes = [...new Set(flows.flatMap((f) => [f.src, f.dst]))].sort();
        assert.deepEqual(await readUntil(async () => (await page.graphNodes()).sort(), nodes), nodes);
        const edges = flows.map((f) => `${f.src} -> ${f.dst}`).sort();
        assert.deepEqual(await readUntil(async () => (await page.graphEdges()).sort(), edges), edges);
      });

      await t.test('a click on a graph node filters the page to the flows touching that group', async () => {
        const worker = intoShop().filter((f) => f.src === 'batch/worker');
        assert.ok(worker.length > 0, 'the scenario has a flow from batch/worker into shop');
        await page.clickGraphNode('batch/worker');
        const expected = worker.map(flowRow).sort(byPair);
        assert.deepEqual(
          await readUntil(async () => (await page.flows()).map(shownFlow).sort(byPair), expected),
          expected
        );
        const nodes = ['batch/worker', 'shop/api'];
        assert.deepEqual(await readUntil(async () => (await page.graphNodes()).sort(), nodes), nodes);
      });
      await keepScreenshot(hp, 'pages-connections-clicked');
    });
  }
);

test(
  'a flows table cell opens the pair drill-down, which lists every connection with its process and ports',
  { skip, timeout: 120_000 },
  async () => {
    const pair = shop.flows.find((f) => f.src === 'shop/web' && f.dst === 'shop/api')!;
    await onPage(async (hp) => {
      const page = new ConnectionsPage(hp);
      await page.open(range(), { dst_namespace: 'shop', group_by: GROUP_BY });
      await page.openPair([pair.srcDeployment, pair.dstDeployment], pair.srcDeployment);
      // The link keeps the page's URL state (time range, selectors) and adds the row's groups.
      const url = new URL(hp.page.url());
      assert.deepEqual(urlRange(url), range(), url.search);
      assert.deepEqual(
        ['var-dst_namespace', 'var-pair_src_deployment', 'var-pair_dst_deployment'].map((k) => url.searchParams.get(k)),
        ['shop', pair.srcDeployment, pair.dstDeployment],
        url.search
      );

      // One client row per connection, refused ones included; the server saw the accepted ones only.
      const expected = {
        clients: pair.clients.map((c) => `${c.pid} ${c.comm} :${c.local.port} -> :${c.remote.port}`).sort(),
        servers: pair.opened,
        observers: [NODE],
        protocols: ['tcp'],
      };
      const shown = await readUntil(async () => {
        const rows = await page.pairConnections();
        return {
          clients: rows
            .filter((r) => r.direction === 'outbound')
            .map((r) => `${r.pid} ${r.comm} :${r.src_port} -> :${r.dst_port}`)
            .sort(),
          servers: rows.filter((r) => r.direction === 'inbound').length,
          observers: [...new Set(rows.map((r) => r.observer))],
          protocols: [...new Set(rows.map((r) => r.protocol))],
        };
      }, expected);
      assert.deepEqual(shown, expected);
      await keepScreenshot(hp, 'pages-connections-pair');
    });
  }
);

test(
  'DNS of namespace shop: exact NXDOMAIN, SERVFAIL and TIMEOUT counts, the failing names, and a name drill-down',
  { skip, timeout: 120_000 },
  async (t) => {
    const { NOERROR, NXDOMAIN, SERVFAIL, TIMEOUT } = shop.dns;
    const failing = [...NXDOMAIN, ...SERVFAIL, ...TIMEOUT];
    await onPage(async (hp) => {
      const page = new DnsPage(hp);
      await page.open(range(), { client_namespace: 'shop' });

      await t.test('the stat panels show the counts the DNS server gave', async () => {
        const expected = {
          Questions: String(NOERROR.length + failing.length),
          NXDOMAIN: String(NXDOMAIN.length),
          SERVFAIL: String(SERVFAIL.length),
          TIMEOUT: String(TIMEOUT.length),
        };
        const stats = async () =>
          Object.fromEntries(await Promise.all(Object.keys(expected).map(async (k) => [k, await page.stat(k)])));
        assert.deepEqual(await readUntil(stats, expected), expected);
      });

      await t.test('the failing names table lists each failed name once, with its outcome', async () => {
        const count = (names: readonly string[], qname: string) => (names.includes(qname) ? '1' : '0');
        const expected = [...failing].sort().map((qname) => ({
          qname,
          nxdomain: count(NXDOMAIN, qname),
          servfail: count(SERVFAIL, qname),
          timeouts: count(TIMEOUT, qname),
        }));
        const names = async () =>
          (await page.failingNames())
            .map(({ qname, nxdomain, servfail, timeouts }) => ({ qname, nxdomain, servfail, timeouts }))
            .sort((x, y) => x.qname.localeCompare(y.qname));
        assert.deepEqual(await readUntil(names, expected), expected);
      });
      await keepScreenshot(hp, 'pages-dns');

      await t.test('a name opens its drill-down, which shows who asked it', async () => {
        await page.openName(NXDOMAIN[0]);
        const url = new URL(hp.page.url());
        // The link keeps the page's time range and selectors.
        assert.deepEqual(urlRange(url), range(), url.search);
        assert.equal(url.searchParams.get('var-client_namespace'), 'shop', url.search);
        const expected = [['shop', 'web', 'web-1', NODE, '1', '1']];
        const clients = async () =>
          (await page.nameClients()).map((r) => [
            r.client_namespace,
            r.client_deployment,
            r.client_pod,
            r.node,
            r.queries,
            r.errors,
          ]);
        assert.deepEqual(await readUntil(clients, expected), expected);
      });
      await keepScreenshot(hp, 'pages-dns-name');
    });
  }
);
