import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  getDefaultTimeRange,
  LoadingState,
  toDataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type PanelData,
} from '@grafana/data';
import { lastValueFrom, NEVER, Observable, of, throwError, toArray } from 'rxjs';
import { createRunRequest } from './runRequest';

const runRequest = createRunRequest((err) => ({ message: err instanceof Error ? err.message : String(err) }));

function request(targets = [{ refId: 'A' }]): DataQueryRequest {
  return { targets, range: getDefaultTimeRange(), requestId: 'r1' } as unknown as DataQueryRequest;
}

function dataSource(query: () => Observable<DataQueryResponse> | Promise<DataQueryResponse>): DataSourceApi {
  return { name: 'test-ds', query } as unknown as DataSourceApi;
}

const states = (data: PanelData[]) => data.map((d) => d.state);

test('a response becomes Done PanelData carrying its frames, request and time range', async () => {
  const frame = toDataFrame({ refId: 'A', fields: [{ name: 'n', values: [1] }] });
  const req = request();
  const out = await lastValueFrom(
    runRequest(
      dataSource(() => of({ data: [frame] })),
      req
    ).pipe(toArray())
  );
  assert.deepEqual(states(out), [LoadingState.Done]);
  assert.equal(out[0].series[0], frame);
  assert.equal(out[0].request, req);
  assert.equal(out[0].timeRange, req.range);
  assert.equal(typeof req.endTime, 'number');
});

test('a failing query ends in Error with the message in error and errors, never a spinner', async () => {
  const fails = dataSource(() => throwError(() => new Error('502 Bad Gateway: store unreachable')));
  const out = await lastValueFrom(runRequest(fails, request()).pipe(toArray()));
  assert.deepEqual(states(out), [LoadingState.Error]);
  assert.equal(out[0].error?.message, '502 Bad Gateway: store unreachable');
  assert.deepEqual(
    out[0].errors?.map((e) => e.message),
    ['502 Bad Gateway: store unreachable']
  );
});

test('a query method that throws at once, or rejects, fails the same way', async () => {
  for (const query of [
    () => {
      throw new Error('sync');
    },
    () => Promise.reject(new Error('async')),
  ]) {
    const out = await lastValueFrom(runRequest(dataSource(query), request()).pipe(toArray()));
    assert.deepEqual(states(out), [LoadingState.Error]);
  }
});

test("per-query errors in a response (the datasource's own) make the panel's state Error", async () => {
  const packet: DataQueryResponse = { data: [], errors: [{ refId: 'A', message: 'Unknown column nope' }] };
  const out = await lastValueFrom(
    runRequest(
      dataSource(() => of(packet)),
      request()
    ).pipe(toArray())
  );
  assert.equal(out[0].state, LoadingState.Error);
  assert.equal(out[0].errors?.[0].message, 'Unknown column nope');
});

test('a slow query shows Loading after 200 ms, then its result', async () => {
  const slow = dataSource(() => new Promise((resolve) => setTimeout(() => resolve({ data: [] }), 300)));
  const out = await lastValueFrom(runRequest(slow, request()).pipe(toArray()));
  assert.deepEqual(states(out), [LoadingState.Loading, LoadingState.Done]);
});

test('packets with different keys are merged; a request without targets is Done at once', async () => {
  const a = toDataFrame({ refId: 'A', fields: [] });
  const b = toDataFrame({ refId: 'B', fields: [] });
  const two = dataSource(() => of({ key: 'A', data: [a] }, { key: 'B', data: [b] }));
  const out = await lastValueFrom(runRequest(two, request()).pipe(toArray()));
  assert.deepEqual(out.at(-1)?.series, [a, b]);
  const none = await lastValueFrom(
    runRequest(
      dataSource(() => NEVER),
      request([])
    )
  );
  assert.equal(none.state, LoadingState.Done);
});
