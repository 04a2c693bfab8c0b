import pluginJson from 'plugin.json';

export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;

/** Grafana's page for this app's settings, where the config page lives. */
export const PLUGIN_CONFIG_URL = `/plugins/${pluginJson.id}`;

export enum ROUTES {
  Connections = 'connections',
  Dns = 'dns',
}
