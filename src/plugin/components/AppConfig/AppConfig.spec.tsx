import React from 'react';
import { Observable, of, throwError } from 'rxjs';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { DataSourceInstanceSettings, PluginType } from '@grafana/data';
import { DataSourceRef } from '@grafana/schema';
import {
  BackendSrv,
  BackendSrvRequest,
  DataSourceSrv,
  GetDataSourceListFilters,
  locationService,
  setBackendSrv,
  setDataSourceSrv,
} from '@grafana/runtime';
import AppConfig, { AppConfigProps, CLICKHOUSE_DATASOURCE_TYPE } from './AppConfig';
import { testIds } from '../testIds';

// What Grafana would list: only the ClickHouse ones may be offered.
const datasources = [
  { uid: 'ch-prod', name: 'ClickHouse prod', type: CLICKHOUSE_DATASOURCE_TYPE },
  { uid: 'prom', name: 'Prometheus', type: 'prometheus' },
].map(
  (ds) => ({ ...ds, meta: { id: ds.type, info: { logos: { small: '' } } } }) as unknown as DataSourceInstanceSettings
);

function uidOf(ref: DataSourceRef | string | null | undefined) {
  return typeof ref === 'string' ? ref : ref?.uid;
}

setDataSourceSrv({
  getList: (filters?: GetDataSourceListFilters) =>
    datasources.filter((ds) => !filters?.pluginId || ds.type === filters.pluginId),
  getInstanceSettings: (ref?: DataSourceRef | string | null) => datasources.find((ds) => ds.uid === uidOf(ref)),
} as unknown as DataSourceSrv);

const requests: BackendSrvRequest[] = [];
let respond: () => Observable<unknown>;
setBackendSrv({
  fetch: (request: BackendSrvRequest) => {
    requests.push(request);
    return respond();
  },
} as unknown as BackendSrv);

function renderConfig(jsonData: object) {
  const props = {
    plugin: {
      meta: { id: 'netmon-network-app', name: 'Netmon', type: PluginType.app, enabled: true, pinned: true, jsonData },
    },
    query: {},
  } as unknown as AppConfigProps;
  return render(<AppConfig {...props} />);
}

describe('AppConfig', () => {
  beforeEach(() => {
    requests.length = 0;
    respond = () => of({ data: {}, status: 200 });
    jest.spyOn(locationService, 'reload').mockImplementation(() => {});
  });

  afterEach(() => jest.restoreAllMocks());

  test('saves the picked ClickHouse datasource and the database into jsonData, then reloads', async () => {
    renderConfig({});
    expect(screen.getByTestId(testIds.appConfig.database)).toHaveValue('netmon');
    expect(screen.getByTestId(testIds.appConfig.submit)).toBeDisabled();

    fireEvent.keyDown(screen.getByLabelText('Select a data source'), { key: 'ArrowDown' });
    expect(screen.queryByText('Prometheus')).not.toBeInTheDocument();
    fireEvent.click(await screen.findByText('ClickHouse prod'));
    fireEvent.change(screen.getByTestId(testIds.appConfig.database), { target: { value: 'netmon_staging' } });
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));

    await waitFor(() => expect(locationService.reload).toHaveBeenCalled());
    expect(requests).toEqual([
      {
        url: '/api/plugins/netmon-network-app/settings',
        method: 'POST',
        data: { enabled: true, pinned: true, jsonData: { datasourceUid: 'ch-prod', database: 'netmon_staging' } },
      },
    ]);
  });

  test('starts from the saved settings and falls back to the netmon database when it is blank', async () => {
    renderConfig({ datasourceUid: 'ch-prod', database: '  ' });

    expect(screen.getByText('ClickHouse prod')).toBeInTheDocument();
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));

    await waitFor(() => expect(requests).toHaveLength(1));
    expect(requests[0].data.jsonData).toEqual({ datasourceUid: 'ch-prod', database: 'netmon' });
  });

  test('says which plugin failed to save and why, and stays on the page', async () => {
    respond = () => throwError(() => new Error('403 Forbidden'));
    renderConfig({ datasourceUid: 'ch-prod' });

    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));

    expect(await screen.findByText(/netmon-network-app failed: 403 Forbidden/)).toBeInTheDocument();
    expect(locationService.reload).not.toHaveBeenCalled();
  });
});
