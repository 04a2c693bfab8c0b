/**
 * What the host server tells the page at GET /api/host/settings: which datasource uid the app's
 * jsonData names and which database holds Netmon's tables, so `netmon up` decides them, not the
 * bundle. Pure types and data: the server (src/cli/host) imports this too.
 */
export interface HostSettings {
  datasourceUid: string;
  database: string;
}

export const HOST_SETTINGS_PATH = '/api/host/settings';

/** The provisioned datasource (provisioning/datasources/clickhouse.yaml) and its plugin. */
export const DATASOURCE_UID = 'netmon-clickhouse';
export const DATASOURCE_TYPE = 'grafana-clickhouse-datasource';

/** Refuses anything but the shape above, naming what was wrong, so a stale server shows up as such. */
export function readHostSettings(json: unknown): HostSettings {
  const s = json as Partial<HostSettings> | null;
  if (typeof s !== 'object' || s === null || typeof s.datasourceUid !== 'string' || typeof s.database !== 'string') {
    throw new Error(
      `${HOST_SETTINGS_PATH} answered ${JSON.stringify(json)}; expected {"datasourceUid": string, "database": string}`
    );
  }
  return { datasourceUid: s.datasourceUid, database: s.database };
}
