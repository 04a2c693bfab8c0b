import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { render } from '@testing-library/react';
import {
  FieldType,
  PanelPlugin,
  PluginType,
  toDataFrame,
  type AppRootProps,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type PanelProps,
} from '@grafana/data';
import {
  locationService,
  LocationServiceProvider,
  setDataSourceSrv,
  setPluginImportUtils,
  setRunRequest,
  toDataQueryError,
  type DataSourceSrv,
} from '@grafana/runtime';
import { Observable, of, throwError } from 'rxjs';
import { createRunRequest } from '../../host/runRequest';
import App from '../components/App/App';

// jsdom has no canvas; @grafana/ui sizes text boxes (the graph-selection variables) by measuring text.
HTMLCanvasElement.prototype.getContext = (() => ({
  measureText: (text: string) => ({ width: text.length * 7 }),
  font: '',
})) as never;

/** One target as the pages send it. */
export interface SentQuery {
  refId: string;
  rawSql: string;
  format: number;
}

/** Answers a target with rows (one frame) or throws to fail it like an unreachable datasource. */
export type Answer = (q: SentQuery) => Array<Record<string, string | number | null>>;

/**
 * Grafana's services for a page test: a ClickHouse-typed datasource that answers from `answer`
 * and records every target, Grafana's runRequest semantics (the host's), and panels that print
 * their frames as text, which is all a page test reads (the panels have tests of their own).
 */
export function fakeGrafana(answer: Answer) {
  current = { answer, sent: [] };
  if (!installed) {
    install();
    installed = true;
  }
  const { sent } = current;
  return { sent, lastSql: (refId: string) => [...sent].reverse().find((q) => q.refId === refId)?.rawSql ?? '' };
}

let current: { answer: Answer; sent: SentQuery[] } = { answer: () => [], sent: [] };
let installed = false;

/** Grafana sets these once at start; a test file installs them once and swaps the answers. */
function install() {
  const datasource = {
    uid: 'netmon-clickhouse',
    type: 'grafana-clickhouse-datasource',
    name: 'ClickHouse',
    meta: { id: 'grafana-clickhouse-datasource' },
    getRef: () => ({ uid: 'netmon-clickhouse', type: 'grafana-clickhouse-datasource' }),
    query(request: DataQueryRequest): Observable<DataQueryResponse> {
      try {
        const data: DataFrame[] = request.targets.map((t) => {
          const q = t as unknown as SentQuery;
          current.sent.push(q);
          const frame = toDataFrame(current.answer(q));
          frame.refId = q.refId;
          return frame;
        });
        return of({ data });
      } catch (error) {
        return throwError(() => error);
      }
    },
  } as unknown as DataSourceApi;
  setDataSourceSrv({
    get: async () => datasource,
    getList: () => [],
    getInstanceSettings: () => ({
      uid: datasource.uid,
      type: datasource.type,
      name: datasource.name,
      meta: datasource.meta,
    }),
    reload: async () => undefined,
  } as unknown as DataSourceSrv);
  setRunRequest(createRunRequest(toDataQueryError));
  setPluginImportUtils({
    importPanelPlugin: async (id: string) => printingPanel(id),
    getPanelPluginFromCache: (id: string) => printingPanel(id),
  });
}

const panels = new Map<string, PanelPlugin>();

function printingPanel(id: string): PanelPlugin {
  let plugin = panels.get(id);
  if (!plugin) {
    plugin = new PanelPlugin(({ data, title }: PanelProps) => (
      <pre data-testid={`panel ${title}`}>
        {data.series
          .map((frame) =>
            Array.from({ length: frame.length }, (_, i) =>
              frame.fields.map((f) => `${f.name}=${f.type === FieldType.time ? 'T' : f.values[i]}`).join(' ')
            ).join('\n')
          )
          .join('\n')}
      </pre>
    ));
    plugin.meta = { id, name: id, type: PluginType.panel, info: { logos: { small: '' } } } as never;
    panels.set(id, plugin);
  }
  return plugin;
}

export function renderApp(path: string, jsonData: object = { datasourceUid: 'netmon-clickhouse', database: 'netmon' }) {
  const props = {
    basename: '/a/netmon-network-app',
    meta: { id: 'netmon-network-app', name: 'Netmon', type: PluginType.app, enabled: true, jsonData },
    query: {},
    path,
    onNavChanged: jest.fn(),
  } as unknown as AppRootProps;
  // Grafana renders apps inside its router and location service, both at the app's URL.
  locationService.push(path);
  return render(
    <LocationServiceProvider service={locationService}>
      <MemoryRouter initialEntries={[path]}>
        <App {...props} />
      </MemoryRouter>
    </LocationServiceProvider>
  );
}
