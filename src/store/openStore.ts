import { constants, accessSync, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from './chdbConnection';
import { ensureDir } from './ensureDir';
import { storeFromClient, type InsertFormat } from './clientStore';
import type { Store } from './store';
import { StoreError } from './storeError';

export interface OpenStoreOptions {
  /** Directory of the embedded engine; default './data'. Ignored when url is given. */
  dataDir?: string;
  /** http(s)://[user:password@]host:port of a ClickHouse server, instead of the embedded engine. */
  url?: string;
  /**
   * How inserts reach the embedded engine: Native files (the default, the cheaper) or
   * JSONCompactEachRow (the benches' comparison). A server always gets JSONCompactEachRow: its
   * file() would read the server's disk, not this one.
   */
  insertFormat?: InsertFormat;
}

export const DEFAULT_DATA_DIR = './data';

/**
 * chdb types its connection against @clickhouse/client-common while the client declares its own
 * copy of the same interface; the shapes are identical, the nominal types are not.
 */
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/** Opens the embedded engine or a server and checks that it answers before handing it out. */
export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  if (opts.url !== undefined && opts.insertFormat === 'Native') {
    throw new StoreError(
      `insert format Native with ClickHouse at a URL: expected the embedded engine (a server's file() reads its own disk)`
    );
  }
  const { client, description } = opts.url !== undefined ? httpClient(opts.url) : embeddedClient(opts.dataDir);
  const ping = await client.ping({ select: true }).catch((error: unknown) => ({ success: false as const, error }));
  if (!ping.success) {
    await client.close().catch(() => undefined);
    const reason = ping.error instanceof Error ? ping.error.message : String(ping.error);
    const expected =
      opts.url !== undefined
        ? 'expected a ClickHouse server answering there (check the host, port and credentials)'
        : 'expected the embedded engine to start';
    throw new StoreError(`ClickHouse at ${description} did not answer: ${firstLine(reason)}; ${expected}`, {
      cause: ping.error,
    });
  }
  const insertFormat = opts.url !== undefined ? 'JSONCompactEachRow' : (opts.insertFormat ?? 'Native');
  return storeFromClient(client, description, { insertFormat });
}

function httpClient(url: string): { client: ClickHouseClient; description: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new StoreError(`ClickHouse URL "${url}" is not a URL; expected e.g. http://user:password@host:8123`, {
      cause: error,
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new StoreError(
      `ClickHouse URL "${url}" uses ${parsed.protocol}; expected http:// or https:// (the HTTP interface, port 8123/8443)`
    );
  }
  const username = decodeURIComponent(parsed.username) || undefined;
  const password = decodeURIComponent(parsed.password) || undefined;
  parsed.username = '';
  parsed.password = '';
  const description = parsed.toString().replace(/\/$/, '');
  // The client would also log a failed ping as a warning; openStore reports it as a StoreError.
  const log = { level: ClickHouseLogLevel.ERROR };
  return { client: createClient({ url: description, username, password, log }), description };
}

function embeddedClient(dataDir = DEFAULT_DATA_DIR): { client: ClickHouseClient; description: string } {
  const dir = resolve(dataDir);
  const description = `embedded:${dir}`;
  // Checked here because the engine may abort the whole process on a directory it cannot use.
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new StoreError(`data dir ${dir} is a file; expected a directory (pass another --data-dir)`);
  }
  try {
    ensureDir(dir);
  } catch (error) {
    throw new StoreError(`cannot create data dir ${dir}: ${errorCode(error)}; expected a path you may create`, {
      cause: error,
    });
  }
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new StoreError(
      `data dir ${dir} is not writable by this user (${errorCode(error)}); expected a directory you can write`,
      { cause: error }
    );
  }
  try {
    return {
      client: createClient({ connection: createChdbConnection({ path: dir }) as unknown as ClientConnection }),
      description,
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreError(
      `cannot open the embedded engine at ${dir}: ${firstLine(reason)}; expected one data dir per process`,
      { cause: error }
    );
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
