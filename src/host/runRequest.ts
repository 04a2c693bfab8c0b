import {
  DataTopic,
  LoadingState,
  type DataFrame,
  type DataQueryError,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type PanelData,
} from '@grafana/data';
import { catchError, defer, map, merge, type Observable, of, share, takeUntil, timer } from 'rxjs';

/** Grafana shows "loading" only when a query is slower than this. */
const LOADING_AFTER_MS = 200;

interface RunningQueryState {
  packets: Record<string, DataQueryResponse>;
  panelData: PanelData;
}

/** Merges every packet received so far (one per key) into one PanelData, as Grafana does. */
function processResponsePacket(packet: DataQueryResponse, state: RunningQueryState): RunningQueryState {
  const packets = { ...state.packets, [packet.key || 'A']: packet };
  let loadingState = packet.state || LoadingState.Done;
  let error: DataQueryError | undefined;
  let errors: DataQueryError[] | undefined;
  const series: DataFrame[] = [];
  const annotations: DataFrame[] = [];
  for (const p of Object.values(packets)) {
    if (p.error || p.errors?.length) {
      loadingState = LoadingState.Error;
      error = p.error ?? p.errors?.[0];
      errors = p.errors ?? (p.error ? [p.error] : undefined);
    }
    for (const frame of (p.data ?? []) as DataFrame[]) {
      (frame.meta?.dataTopic === DataTopic.Annotations ? annotations : series).push(frame);
    }
  }
  return {
    packets,
    panelData: { ...state.panelData, state: loadingState, series, annotations, error, errors },
  };
}

/**
 * Grafana's runRequest (public/app/features/query/state/runRequest.ts), which scenes gets through
 * getRunRequest(): runs ds.query, emits Loading if nothing came within 200 ms, merges packets into
 * PanelData, and turns any failure into an Error state carrying the error, never an endless spinner.
 * toQueryError is @grafana/runtime's toDataQueryError (passed in so this stays testable in Node).
 */
export function createRunRequest(toQueryError: (err: unknown) => DataQueryError) {
  return function runRequest(
    datasource: DataSourceApi,
    request: DataQueryRequest,
    queryFunction?: typeof datasource.query
  ): Observable<PanelData> {
    let state: RunningQueryState = {
      panelData: { state: LoadingState.Loading, series: [], request, timeRange: request.range },
      packets: {},
    };
    if (request.targets.length === 0) {
      request.endTime = Date.now();
      return of({ ...state.panelData, state: LoadingState.Done });
    }
    // defer: a query method that throws synchronously fails the stream like one that errors later.
    const data = defer(() => (queryFunction ?? datasource.query.bind(datasource))(request)).pipe(
      map((packet: DataQueryResponse) => {
        if (!Array.isArray(packet.data)) {
          throw new Error(`${datasource.name}: expected the response's data to be an array, got ${typeof packet.data}`);
        }
        request.endTime = Date.now();
        state = processResponsePacket(packet, state);
        return state.panelData;
      }),
      catchError((err) => {
        const error = toQueryError(err);
        return of({ ...state.panelData, state: LoadingState.Error, error, errors: [error] });
      }),
      share()
    );
    return merge(
      timer(LOADING_AFTER_MS).pipe(
        map(() => state.panelData),
        takeUntil(data)
      ),
      data
    );
  };
}
