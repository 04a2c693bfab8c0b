import { DATABASE } from '../shared/schema';

/** What the config page stores in the app's jsonData: which ClickHouse datasource and database hold Netmon's tables. */
export interface AppSettings {
  /** uid of a grafana-clickhouse-datasource; '' until someone picks one. */
  datasourceUid: string;
  database: string;
}

/** jsonData is whatever was last saved (or provisioned), so any field may be missing. */
export function readAppSettings(jsonData: Partial<AppSettings> | undefined): AppSettings {
  return {
    datasourceUid: jsonData?.datasourceUid?.trim() ?? '',
    database: jsonData?.database?.trim() || DATABASE,
  };
}
