import { EventBusSrv, type DataSourceApi, type DataSourceInstanceSettings, type DataSourceRef } from '@grafana/data';
import {
  config,
  setAppEvents,
  setBackendSrv,
  setDataSourceSrv,
  setEchoSrv,
  setPluginImportUtils,
  setRunRequest,
  setTemplateSrv,
  toDataQueryError,
  FakeEchoSrv,
  type DataSourceSrv,
} from '@grafana/runtime';
import { initializeLoggersRegistry } from '@grafana/runtime/unstable';
import { setPanelDataErrorView } from 'grafana-runtime-esm/components/PanelDataErrorView.mjs';
import { setPluginPage } from 'grafana-runtime-esm/components/PluginPage.mjs';
import { initDataSourceInstanceSettings } from 'grafana-runtime-esm/services/dataSource/settings.mjs';
import { fetchBackendSrv } from './backendSrv';
import { ClickHouseDataSource } from './clickHouseDataSource';
import { HostPluginPage } from './HostPluginPage';
import { NoData } from './panels/NoData';
import { panelImportUtils } from './panels/panelPlugins';
import { registerStandardEditors, registerStandardFieldConfigs } from './panels/standardOptions';
import { createRunRequest } from './runRequest';
import { sceneTemplateSrv } from './templateSrv';

/** A DataSourceSrv that knows one datasource: the store behind the host server. */
function singleDataSourceSrv(settings: DataSourceInstanceSettings): DataSourceSrv {
  // DataSourceApi is invariant in its query type; the srv hands out the general one, as Grafana's does.
  const instance = new ClickHouseDataSource(settings) as unknown as DataSourceApi;
  // The pages name it by uid; scenes may also pass the type alone or nothing (the default).
  const matches = (ref: DataSourceRef | string | null | undefined) => {
    if (ref === undefined || ref === null || ref === 'default') {
      return true;
    }
    if (typeof ref === 'string') {
      return ref === settings.uid || ref === settings.name;
    }
    return ref.uid ? ref.uid === settings.uid : ref.type === undefined || ref.type === settings.type;
  };
  const unknown = (ref: DataSourceRef | string | null | undefined) =>
    new Error(`datasource ${JSON.stringify(ref)} is not served by the Netmon host; it serves uid "${settings.uid}"`);
  return {
    get: async (ref) => {
      if (!matches(ref)) {
        throw unknown(ref);
      }
      return instance;
    },
    getList: () => [settings],
    getInstanceSettings: (ref) => (matches(ref) ? settings : undefined),
    reload: async () => undefined,
    registerRuntimeDataSource: () => {
      throw new Error('the Netmon host registers no runtime datasources');
    },
  };
}

/**
 * What Grafana's app.ts installs before any plugin code runs, for the services the plugin and
 * scenes call: backend, datasources, templating, runRequest, panel loading, and the chrome's
 * PluginPage. Everything else keeps @grafana/runtime's defaults (e.g. locationService).
 */
export function installRuntimeServices(): void {
  initializeLoggersRegistry();
  registerStandardEditors();
  registerStandardFieldConfigs();
  const settings = Object.values(config.datasources)[0];
  initDataSourceInstanceSettings(config.datasources, config.defaultDatasource);
  setBackendSrv(fetchBackendSrv);
  setDataSourceSrv(singleDataSourceSrv(settings));
  setTemplateSrv(sceneTemplateSrv);
  setRunRequest(createRunRequest(toDataQueryError));
  setPluginImportUtils(panelImportUtils);
  setPanelDataErrorView(NoData);
  setPluginPage(HostPluginPage);
  setEchoSrv(new FakeEchoSrv());
  // Grafana's app-wide event bus; panels publish hover and refresh events on it.
  setAppEvents(new EventBusSrv());
}
