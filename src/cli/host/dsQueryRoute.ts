import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../../store/store';
import { BadQueryRequest, handleDsQuery } from './queryEndpoint';

/** Dashboards send a few KB of SQL; anything near this is not a Grafana request. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
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

/**
 * The standalone host's data door: Grafana's POST /api/ds/query on the given store, for the plugin
 * code running in a browser. Bad bodies get 400/413 with a message saying what was expected.
 */
export async function answerDsQuery(store: Store, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') {
    sendJson(res, 405, { message: `${req.method} /api/ds/query: expected POST with a JSON body` });
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
    sendJson(res, error instanceof TooLarge ? 413 : 400, { message });
    return;
  }
  try {
    sendJson(res, 200, await handleDsQuery(store, body));
  } catch (error) {
    if (error instanceof BadQueryRequest) {
      sendJson(res, 400, { message: error.message });
    } else {
      sendJson(res, 500, { message: error instanceof Error ? error.message : String(error) });
    }
  }
}
