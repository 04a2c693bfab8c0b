import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';
import { lastValueFrom, Observable, throwError } from 'rxjs';

function urlOf(options: BackendSrvRequest): string {
  const url = new URL(options.url, window.location.origin);
  for (const [key, value] of Object.entries(options.params ?? {})) {
    if (value !== undefined) {
      url.searchParams.set(key, String(value));
    }
  }
  return url.pathname + url.search;
}

async function bodyOf(res: Response, responseType: BackendSrvRequest['responseType']): Promise<unknown> {
  if (responseType === 'text') {
    return res.text();
  }
  const text = await res.text();
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    // Grafana answers errors as JSON; anything else (a proxy's HTML page) still reaches the panel.
    return { message: `${res.status} ${res.statusText}: ${text.slice(0, 200)}` };
  }
}

async function send<T>(options: BackendSrvRequest, signal: AbortSignal): Promise<FetchResponse<T>> {
  const method = (options.method ?? 'GET').toUpperCase();
  const hasBody = options.data !== undefined && method !== 'GET';
  let res: Response;
  try {
    res = await fetch(urlOf(options), {
      method,
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
      body: hasBody ? JSON.stringify(options.data) : undefined,
      signal,
    });
  } catch (err) {
    // Unreachable server: FetchError-shaped, so toDataQueryResponse turns it into a panel error.
    const error: FetchError = {
      status: 0,
      statusText: 'Network error',
      data: { message: `${method} ${options.url} failed: ${err instanceof Error ? err.message : String(err)}` },
      config: options,
      cancelled: signal.aborted,
    };
    throw error;
  }
  const data = (await bodyOf(res, options.responseType)) as T;
  const response = {
    data,
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    headers: res.headers,
    redirected: res.redirected,
    type: res.type,
    url: res.url,
    config: options,
  };
  if (!res.ok) {
    const error: FetchError = { ...response, message: (data as { message?: string } | undefined)?.message };
    throw error;
  }
  return response;
}

/** One request as an Observable; unsubscribing aborts it, as Grafana cancels superseded queries. */
function fetchObservable<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
  return new Observable((subscriber) => {
    const abort = new AbortController();
    send<T>(options, abort.signal).then(
      (res) => {
        subscriber.next(res);
        subscriber.complete();
      },
      (err) => subscriber.error(err)
    );
    return () => abort.abort();
  });
}

const request = <T>(options: BackendSrvRequest) => lastValueFrom(fetchObservable<T>(options)).then((r) => r.data);

/** Grafana's BackendSrv over window.fetch: the host server answers the few APIs the plugin calls. */
export const fetchBackendSrv: BackendSrv = {
  fetch: fetchObservable,
  chunked: (options) => throwError(() => new Error(`${options.url}: the Netmon host serves no chunked responses`)),
  request,
  datasourceRequest: (options) => lastValueFrom(fetchObservable(options)),
  get: (url, params, requestId, options) => request({ ...options, url, params, requestId, method: 'GET' }),
  delete: (url, data, options) => request({ ...options, url, data, method: 'DELETE' }),
  post: (url, data, options) => request({ ...options, url, data, method: 'POST' }),
  patch: (url, data, options) => request({ ...options, url, data, method: 'PATCH' }),
  put: (url, data, options) => request({ ...options, url, data, method: 'PUT' }),
};
