import { columnNames, type IngestRows, type IngestTable } from '../../shared/schema';
import { SinkError, type RowSink } from '../writer/rowSink';

/**
 * Sends batches to Vector's node-tier http_server source (pipeline/), one POST per batch to
 * `<url>/v1/<table>`: NDJSON rows with exactly the table's columns plus `_seq` (the row's place in
 * the batch), the batch token in X-Netmon-Batch and the host in X-Netmon-Node. Vector dedupes on
 * (token, _seq), so a batch sent again after a lost answer or a restart is stored once.
 *
 * Vector answers 200 only once the batch is delivered downstream (end-to-end acknowledgements), so
 * a 2xx is the acknowledgement. 4xx other than 408/429 means this batch is malformed: rejected,
 * never retried. Anything else — 5xx, 408, 429, a refused connection, no answer within timeoutMs —
 * means Vector cannot take it now: unavailable, retried later while the batch waits in the spool.
 * RowWriter sends one batch at a time, so there is never more than one request in flight.
 */
export interface VectorSinkOptions {
  /** Base URL of the http_server source, e.g. http://127.0.0.1:8687. */
  url: string;
  /** Host name, sent as X-Netmon-Node. */
  node: string;
  /** A request not answered by then is given up as unavailable. Default 30 s (Vector answers after the ClickHouse insert). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Enough of an error body to say why, not a whole page of it. */
const MAX_ERROR_BODY = 300;

export class VectorSink implements RowSink {
  readonly description: string;
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: VectorSinkOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.description = `vector at ${this.base}`;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async insert<T extends IngestTable>(table: T, rows: ReadonlyArray<IngestRows[T]>, dedupToken: string): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    const url = `${this.base}/v1/${table}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          'x-netmon-batch': dedupToken,
          'x-netmon-node': this.opts.node,
        },
        body: ndjson(table, rows),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new SinkError(`POST ${url}: ${transportFailure(err, this.timeoutMs)}`, 'unavailable', { cause: err });
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      return;
    }
    const why = `POST ${url} answered ${response.status}${text.trim() ? `: ${oneLine(text)}` : ''}`;
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new SinkError(why, retryable || response.status < 400 ? 'unavailable' : 'rejected');
  }
}

/**
 * One JSON object per row, keys in schema order, each row's own `_seq`. A column a row leaves out
 * (added by a later migration) goes as null, which ClickHouse's JSONEachRow stores as the default,
 * as the store's own insert does.
 */
export function ndjson<T extends IngestTable>(table: T, rows: ReadonlyArray<IngestRows[T]>): string {
  const names = columnNames(table) as Array<keyof IngestRows[T] & string>;
  const lines = rows.map((row, seq) => {
    const out: Record<string, unknown> = {};
    for (const name of names) {
      out[name] = row[name] ?? null;
    }
    out._seq = seq;
    return JSON.stringify(out);
  });
  return `${lines.join('\n')}\n`;
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout, ...) is in its cause. */
function transportFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === 'TimeoutError') {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

function oneLine(text: string): string {
  const line = text.trim().split('\n')[0];
  return line.length > MAX_ERROR_BODY ? `${line.slice(0, MAX_ERROR_BODY)}…` : line;
}
