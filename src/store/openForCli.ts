import { join, resolve } from 'node:path';
import { connectControl } from './controlClient';
import { controlSocketAddress, serveControlSocket } from './controlServer';
import { acquireDataDirLock, isAlive, LOCK_FILE, type LockAttempt } from './dataDirLock';
import { openStore } from './openStore';
import { remoteStore } from './remoteStore';
import type { Store } from './store';
import { StoreError } from './storeError';

export interface CliStoreOptions {
  dataDir: string;
  url?: string;
}

/** How long to wait for an owner that holds the lock but is still opening the engine. */
const OWNER_STARTUP_MS = 10_000;
const RETRY_MS = 100;

/**
 * The store a netmon command should use: the server when a URL is given; else the embedded data
 * dir, opened here and shared over a control socket when nobody holds it, or reached through the
 * control socket of the netmon process that does.
 */
export async function openForCli(opts: CliStoreOptions): Promise<Store> {
  if (opts.url !== undefined) {
    return openStore({ url: opts.url });
  }
  const dir = resolve(opts.dataDir);
  let address: string;
  try {
    address = controlSocketAddress(dir);
  } catch (err) {
    throw new StoreError((err as Error).message);
  }
  const deadline = Date.now() + OWNER_STARTUP_MS;
  for (;;) {
    const lock = lockOf(dir);
    if (!lock.held) {
      return ownStore(dir, address, lock.release);
    }
    const owner = `netmon pid ${lock.pid} on ${dir}`;
    try {
      return remoteStore(await connectControl(address, owner), `embedded:${dir} (through ${owner})`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const starting = code === 'ENOENT' || code === 'ECONNREFUSED';
      if (!starting || Date.now() > deadline) {
        throw new StoreError(
          `data dir ${dir} is held by pid ${lock.pid}, but its control socket ${address} does not answer (${code ?? (err as Error).message}); ` +
            `expected a running netmon there — stop that process, or remove ${join(dir, LOCK_FILE)} if it is not netmon`
        );
      }
      // Still starting, or it died and the next round takes the stale lock over.
      await new Promise((r) => setTimeout(r, isAlive(lock.pid) ? RETRY_MS : 0));
    }
  }
}

function lockOf(dir: string): LockAttempt {
  try {
    return acquireDataDirLock(dir);
  } catch (err) {
    throw new StoreError(
      `cannot use data dir ${dir}: ${(err as Error).message}; expected a directory you can create and write`,
      {
        cause: err,
      }
    );
  }
}

async function ownStore(dir: string, address: string, release: () => void): Promise<Store> {
  let store: Store;
  try {
    store = await openStore({ dataDir: dir });
  } catch (err) {
    release();
    throw err;
  }
  let server: Awaited<ReturnType<typeof serveControlSocket>>;
  try {
    server = await serveControlSocket(store, address);
  } catch (err) {
    await store.close();
    release();
    throw new StoreError(`cannot serve the control socket ${address}: ${(err as Error).message}`, { cause: err });
  }
  return {
    description: store.description,
    query: (sql, params) => store.query(sql, params),
    queryText: (sql, format, params) => store.queryText(sql, format, params),
    command: (sql, params) => store.command(sql, params),
    insert: (table, rows, dedupToken) => store.insert(table, rows, dedupToken),
    async close() {
      // Socket first, so no request reaches a closed engine; lock last, so no one opens the dir meanwhile.
      await server.close();
      await store.close();
      release();
    },
  };
}
