import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { closeHost, createHostServer, listenHost, type HostServerOptions } from '../../src/cli/host/hostServer';
import { DATASOURCE_UID } from '../../src/host/hostSettings';
import appJson from '../../src/plugin.json';
import { DATABASE } from '../../src/shared/schema';

/** The system's Chromium; browsers are never downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(__dirname, '../artifacts');

/**
 * Why browser tests cannot run here, or undefined when they can. Under CI=true a missing browser
 * is a failure, not a skip: the caller passes this to assert instead of test's `skip`.
 */
export function browserUnavailable(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `${CHROMIUM_PATH} is missing (install chromium; browsers are never downloaded)`;
}

/** Where the app's pages live in the host, as in Grafana: /a/<plugin id>. */
export const APP_PATH = `/a/${appJson.id}`;

/**
 * Builds dist-host/ when it is missing or older than its sources (scripts/ensureHost.mjs), so a
 * browser test always loads the code under test; costs nothing when the bundle is fresh.
 */
export function ensureHostBuilt(): void {
  const build = spawnSync(process.execPath, [join(__dirname, '../../scripts/ensureHost.mjs')], { encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`building dist-host (node scripts/ensureHost.mjs) failed:\n${build.stdout}${build.stderr}`);
  }
}

/** A page of the app with its URL state: time range (epoch ms) and variables, repeated for multi-values. */
export function appPath(
  route: string,
  range: { fromMs: number; toMs: number },
  variables: Record<string, string | readonly string[]> = {}
): string {
  const query = new URLSearchParams({ from: String(range.fromMs), to: String(range.toMs) });
  for (const [name, value] of Object.entries(variables)) {
    for (const v of typeof value === 'string' ? [value] : value) {
      query.append(`var-${name}`, v);
    }
  }
  return `${APP_PATH}/${route}?${query}`;
}

/** The host server on an ephemeral 127.0.0.1 port, serving the built dist-host/ bundle. */
export interface RunningHost {
  server: Server;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startHost(
  options: Omit<HostServerOptions, 'settings'> & Partial<HostServerOptions>
): Promise<RunningHost> {
  const server = createHostServer({ settings: { datasourceUid: DATASOURCE_UID, database: DATABASE }, ...options });
  const baseUrl = await listenHost(server, 0);
  return { server, baseUrl, close: () => closeHost(server) };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The aria-label of PanelChrome's loading bar, shown while a panel's query runs. */
const LOADING_BAR = 'Panel loading bar';
const MISSING_ASSET = /\/public\/(fonts|build\/img\/icons)\//;

/**
 * One browser page on the host, recording what went wrong in it: uncaught exceptions and console
 * errors, so a test can assert the page stayed clean and print them when it did not.
 */
export class HostPage {
  readonly pageErrors: string[] = [];
  readonly consoleErrors: string[] = [];
  /** Grafana assets @grafana/ui asks for that no npm package ships (Inter fonts, some icons). */
  readonly missingAssets: string[] = [];

  private constructor(
    readonly page: Page,
    readonly baseUrl: string
  ) {
    page.on('pageerror', (err) => this.pageErrors.push(err.stack ?? err.message));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') {
        return;
      }
      const url = msg.location().url;
      if (msg.text().startsWith('Failed to load resource') && MISSING_ASSET.test(url)) {
        this.missingAssets.push(url);
      } else {
        this.consoleErrors.push(url ? `${msg.text()} (${url})` : msg.text());
      }
    });
  }

  static async open(browser: Browser, baseUrl: string): Promise<HostPage> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    return new HostPage(page, baseUrl);
  }

  /** Loads an app path (e.g. /a/netmon-network-app/dns) and waits for the page header. */
  async goto(path: string): Promise<void> {
    await this.page.goto(this.baseUrl + path);
    await this.page.getByTestId('data-testid host-page-title').waitFor({ timeout: 30_000 });
  }

  pageTitle(): Promise<string> {
    return this.page.getByTestId('data-testid host-page-title').innerText();
  }

  /** A panel by its title, as Grafana's PanelChrome labels it (data-testid "data-testid Panel header <title>"). */
  panel(title: string) {
    return this.page.getByTestId(`data-testid Panel header ${title}`);
  }

  /**
   * After a load: waits until the network is quiet and no panel shows its loading bar. Panels
   * that a later in-page change (a click, a variable) sends back to their queries may still be
   * on their old data when this returns, so reads after one retry until they settle.
   */
  async waitForPanels(timeoutMs = 30_000): Promise<void> {
    await this.page.waitForLoadState('networkidle', { timeout: timeoutMs });
    // A string expression: this file is type-checked without the DOM library.
    await this.page.waitForFunction(`document.querySelector('[aria-label="${LOADING_BAR}"]') === null`, null, {
      timeout: timeoutMs,
    });
  }

  /**
   * The rows of a table panel as the person sees them: one object per row, keyed by the column
   * headers' text, with each cell's displayed (formatted) text.
   */
  async tableRows(title: string): Promise<Array<Record<string, string>>> {
    const table = this.panel(title).getByRole('table');
    const headers = (await table.getByRole('columnheader').allInnerTexts()).map((h) => h.trim());
    const rows = await table
      .getByRole('row')
      .filter({ has: this.page.getByRole('cell') })
      .all();
    return Promise.all(
      rows.map(async (row) => {
        const cells = await row.getByRole('cell').allInnerTexts();
        return Object.fromEntries(cells.map((text, i) => [headers[i], text.trim()]));
      })
    );
  }

  /** Problems the page reported, one per line, for an assertion message. */
  problems(): string {
    return [...this.pageErrors.map((e) => `pageerror: ${e}`), ...this.consoleErrors.map((e) => `console: ${e}`)].join(
      '\n'
    );
  }

  /** Saves a full-page PNG under e2e/artifacts/ and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const path = join(ARTIFACTS_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  close(): Promise<void> {
    return this.page.close();
  }
}
