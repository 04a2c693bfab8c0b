import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import appJson from '../../plugin.json';
import { HOST_SETTINGS_PATH, type HostSettings } from '../../host/hostSettings';
import type { Store } from '../../store/store';
import { answerDsQuery, sendJson } from './dsQueryRoute';
import { fileUnder, sendFile } from './staticFiles';

/** Where `npm run build:host` writes the browser bundle (src/host/webpack.config.ts). */
export const DIST_HOST_DIR = join(__dirname, '../../../dist-host');

/** The app's default page (plugin.json's defaultNav), where `netmon up` points people. */
export const UI_START_PATH = (appJson.includes.find((i) => 'defaultNav' in i && i.defaultNav)?.path ?? '/').replace(
  '%PLUGIN_ID%',
  appJson.id
);

export interface HostServerOptions {
  store: Store;
  settings: HostSettings;
  /** The built bundle; DIST_HOST_DIR unless a test says otherwise. */
  distDir?: string;
  /**
   * While this returns a reason, /api/ds/query answers 502 with it, as Grafana does when a
   * datasource's backend is unreachable. Lets tests show what a panel does when the store is gone.
   */
  queryOutage?: () => string | undefined;
}

const NOT_BUILT = `<!doctype html><html><body style="background:#111217;color:#ccccdc;font-family:sans-serif">
<h1>Netmon UI not built</h1><p>UI not built: run <code>npm run build:host</code>, then reload.</p></body></html>`;

function sendIndex(res: ServerResponse, distDir: string): void {
  const index = fileUnder(distDir, 'index.html');
  if (index) {
    sendFile(res, index);
    return;
  }
  res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
  res.end(NOT_BUILT);
}

async function route(options: HostServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const distDir = options.distDir ?? DIST_HOST_DIR;
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/api/ds/query') {
    const outage = options.queryOutage?.();
    if (outage !== undefined) {
      sendJson(res, 502, { message: outage });
      return;
    }
    await answerDsQuery(options.store, req, res);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { message: `${req.method} ${path}: only POST /api/ds/query takes a body here` });
    return;
  }
  if (path === HOST_SETTINGS_PATH) {
    sendJson(res, 200, options.settings);
  } else if (path === '/api/health') {
    sendJson(res, 200, { database: 'ok', store: options.store.description });
  } else if (path.startsWith('/api/')) {
    sendJson(res, 404, {
      message: `no route ${path}; this host answers POST /api/ds/query and GET ${HOST_SETTINGS_PATH}`,
    });
  } else if (path.startsWith('/public/')) {
    const file = fileUnder(distDir, path.slice('/public/'.length));
    if (file) {
      sendFile(res, file);
    } else {
      sendJson(res, 404, { message: `no file ${path} in ${distDir}` });
    }
  } else {
    // Every other path is a page of the single-page app (/, /a/<app>/...): the router decides.
    sendIndex(res, distDir);
  }
}

/**
 * The standalone host: the browser bundle of the real plugin code, its settings, and Grafana's
 * /api/ds/query on the store. Call listen(port, '127.0.0.1') on the result, or use listenHost.
 */
export function createHostServer(options: HostServerOptions): Server {
  return createServer((req, res) => {
    route(options, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, { message: error instanceof Error ? error.message : String(error) });
      } else {
        res.destroy();
      }
    });
  });
}

/** The port is taken; the caller knows which flags choose another. */
export class PortInUse extends Error {
  constructor(readonly port: number) {
    super(`127.0.0.1:${port} is already in use`);
  }
}

/** Listens on 127.0.0.1 (0 = any free port) and resolves with the base URL it answers on. */
export function listenHost(server: Server, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUse(port) : err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

export function closeHost(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Browsers keep connections alive; without this close() waits for them to time out.
    server.closeAllConnections();
  });
}
