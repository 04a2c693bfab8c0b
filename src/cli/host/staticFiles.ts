import { createReadStream, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/** The file under dir that relPath names, or undefined if there is none (or it would leave dir). */
export function fileUnder(dir: string, relPath: string): string | undefined {
  try {
    const file = normalize(join(dir, decodeURIComponent(relPath)));
    if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) {
      return undefined;
    }
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Streams a built file. Chunks carry a content hash in their names and may be cached; index.html
 * and the entry (host.js) must not be, so a rebuild shows up on reload.
 */
export function sendFile(res: ServerResponse, file: string): void {
  const hashed = /\.[0-9a-f]{8,}\.\w+$/.test(file);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
}
