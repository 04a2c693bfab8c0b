import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Response } from 'playwright-core';
import { UI_START_PATH } from '../../src/cli/host/hostServer';
import { connectionRow, dnsQueryRow } from '../../src/store/sampleRows';
import type { Store } from '../../src/store/store';
import { openTestStore } from '../../src/store/testStore';
import { browserUnavailable, HostPage, launchBrowser, startHost, type RunningHost } from './hostPage';

/**
 * The standalone host in a real Chromium: the real app plugin renders its pages from a chDB store,
 * panels query /api/ds/query, and a datasource outage ends in a visible panel error.
 */

const unavailable = browserUnavailable();
// Without a browser the test is skipped with the reason, except under CI, where it must fail.
const skip = unavailable !== undefined && process.env.CI !== 'true' ? unavailable : false;
const PANEL_ERROR = 'data-testid Panel status error';

let store: Store;
let host: RunningHost;
let browser: Browser;
let outage: string | undefined;

before(async () => {
  if (skip) {
    return;
  }
  assert.equal(unavailable, undefined, unavailable);
  const build = spawnSync(process.execPath, [join(__dirname, '../../scripts/ensureHost.mjs')], { encoding: 'utf8' });
  assert.equal(build.status, 0, `building dist-host failed:\n${build.stdout}${build.stderr}`);
  store = await openTestStore();
  const now = Date.now();
  await store.insert(
    'connections',
    Array.from({ length: 30 }, (_, i) =>
      connectionRow({
        ts: now - (i + 1) * 60_000,
        bytes_tx: 1000 + i,
        bytes_rx: 500,
        local_deployment: i % 2 ? 'api' : 'web',
      })
    )
  );
  await store.insert(
    'dns_queries',
    Array.from({ length: 10 }, (_, i) => dnsQueryRow({ ts: now - (i + 1) * 60_000, latency_us: 200 + i }))
  );
  host = await startHost({ store, queryOutage: () => outage });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.close();
  await store?.close();
});

/** Opens a page and records the /api/ds/query answers it gets. */
async function openRecording(path: string): Promise<{ hp: HostPage; queries: Response[] }> {
  const hp = await HostPage.open(browser, host.baseUrl);
  const queries: Response[] = [];
  hp.page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/api/ds/query') {
      queries.push(r);
    }
  });
  await hp.goto(path);
  await hp.page.waitForLoadState('networkidle');
  return { hp, queries };
}

test(
  'the Connections and DNS pages of the real app render, with no page errors',
  { skip, timeout: 120_000 },
  async () => {
    const { hp } = await openRecording(UI_START_PATH);
    try {
      assert.equal(await hp.pageTitle(), 'Connections');
      await hp.screenshot('host-connections');
      // The host's nav goes through @grafana/runtime's locationService, as Grafana's menu does.
      await hp.page.getByRole('link', { name: 'DNS', exact: true }).click();
      await hp.page.waitForURL(/\/a\/netmon-network-app\/dns/);
      await hp.page.getByTestId('data-testid host-page-title').filter({ hasText: 'DNS' }).waitFor();
      await hp.page.waitForLoadState('networkidle');
      await hp.screenshot('host-dns');
      assert.deepEqual([...hp.pageErrors, ...hp.consoleErrors], [], hp.problems());
    } finally {
      await hp.close();
    }
  }
);

test('panels get their data from the store through /api/ds/query', { skip, timeout: 120_000 }, async (t) => {
  const { hp, queries } = await openRecording(UI_START_PATH);
  try {
    if (queries.length === 0) {
      // The page is still its empty state: its text panel must show its markdown.
      t.diagnostic('no panel on the Connections page queries yet; checking its text panel instead');
      const content = hp.page.getByTestId('data-testid panel content').first();
      assert.match(await content.innerText(), /\w{3,}/);
    } else {
      for (const res of queries) {
        assert.equal(res.status(), 200, `${res.url()}: ${await res.text()}`);
        const body = (await res.json()) as { results: Record<string, { status: number; error?: string }> };
        for (const [refId, result] of Object.entries(body.results)) {
          assert.equal(result.status, 200, `${refId}: ${result.error}`);
        }
      }
      assert.equal(await hp.page.getByTestId(PANEL_ERROR).count(), 0, 'no panel shows an error');
    }
    assert.deepEqual([...hp.pageErrors, ...hp.consoleErrors], [], hp.problems());
  } finally {
    await hp.close();
  }
});

test(
  'an unreachable datasource ends in a panel error within seconds, not a spinner',
  { skip, timeout: 120_000 },
  async (t) => {
    outage = 'ClickHouse is unreachable (test outage)';
    const { hp, queries } = await openRecording(UI_START_PATH);
    try {
      assert.equal(await hp.pageTitle(), 'Connections');
      if (queries.length === 0) {
        t.diagnostic('no panel on the Connections page queries yet; runRequest.test.ts covers the error state');
      } else {
        assert.ok(queries.every((r) => r.status() === 502));
        await hp.page.getByTestId(PANEL_ERROR).first().waitFor({ timeout: 5000 });
        await hp.screenshot('host-outage');
      }
      // The 502s themselves are logged by the browser; anything else is a fault.
      const others = hp.consoleErrors.filter((e) => !/status of 502.*\/api\/ds\/query/.test(e));
      assert.deepEqual([...hp.pageErrors, ...others], [], hp.problems());
    } finally {
      outage = undefined;
      await hp.close();
    }
  }
);
