import type { DataSourceRef } from '@grafana/schema';
import type { AppSettings } from '../appSettings';

export const CLICKHOUSE_TYPE = 'grafana-clickhouse-datasource';

/** What every page needs of the app's settings. */
export interface PageSettings {
  readonly datasource: DataSourceRef;
  readonly database: string;
}

export function pageSettings(settings: AppSettings): PageSettings {
  return { datasource: { type: CLICKHOUSE_TYPE, uid: settings.datasourceUid }, database: settings.database };
}
