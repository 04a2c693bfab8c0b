import { PluginType, type DataSourceInstanceSettings, type DataSourcePluginMeta } from '@grafana/data';
import { DATASOURCE_TYPE } from './hostSettings';
import { pluginMeta } from './pluginMeta';

/**
 * The instance settings Grafana would list for the provisioned ClickHouse datasource. Kept apart
 * from the datasource class because it goes into grafanaBootData, before @grafana/runtime loads.
 */
export function clickHouseInstanceSettings(uid: string): DataSourceInstanceSettings {
  return {
    id: 1,
    uid,
    type: DATASOURCE_TYPE,
    name: 'ClickHouse',
    meta: {
      ...pluginMeta<DataSourcePluginMeta>(PluginType.datasource, { id: DATASOURCE_TYPE, name: 'ClickHouse' }),
      backend: true,
      metrics: true,
      logs: true,
      annotations: true,
    },
    jsonData: {},
    access: 'proxy',
    readOnly: true,
  };
}
