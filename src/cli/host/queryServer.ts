import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Store } from '../../store/store';
import { BadQueryRequest, handleDsQuery } from './queryEndpoint';

/** Dashboards send a few KB of SQL; anything near this is not a Grafana request. */
export const MAX_BODY_BYTES = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function route(store: Store, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path !== '/api/ds/query') {
    send(res, 404, { message: `no route ${path}; this server answers POST /api/ds/query` });
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, { message: `${req.method} /api/ds/query: expected POST with a JSON body` });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (error) {
    const message =
      error instanceof TooLarge
        ? `request body is over ${MAX_BODY_BYTES} bytes; expected a Grafana /api/ds/query body`
        : `request body is not JSON (${error instanceof Error ? error.message : String(error)}); expected a Grafana /api/ds/query body`;
    send(res, error instanceof TooLarge ? 413 : 400, { message });
    return;
  }
  try {
    send(res, 200, await handleDsQuery(store, body));
  } catch (error) {
    if (error instanceof BadQueryRequest) {
      send(res, 400, { message: error.message });
    } else {
      send(res, 500, { message: error instanceof Error ? error.message : String(error) });
    }
  }
}

/**
 * The standalone host's data door: Grafana's /api/ds/query on the given store, for the plugin
 * code running in a browser. Call listen(port, '127.0.0.1') on the result; nothing else is served.
 */
export function createQueryServer(store: Store): Server {
  return createServer((req, res) => {
    void route(store, req, res);
  });
}
