import type { BootData, DataSourceInstanceSettings } from '@grafana/data';

declare global {
  interface Window {
    grafanaBootData?: BootData;
    __grafana_public_path__?: string;
  }
}

/**
 * window.grafanaBootData as Grafana's index.html sets it. @grafana/runtime builds `config` from it
 * when the module is first evaluated, so this must be in place before anything imports runtime.
 * Only what the plugin code and @grafana/ui read is filled in; the rest keeps runtime's defaults.
 */
export function bootData(datasource: DataSourceInstanceSettings): BootData {
  const settings = {
    appUrl: `${window.location.origin}/`,
    appSubUrl: '',
    buildInfo: { version: '13.2.2', commit: 'netmon-host', env: 'production', edition: 'Open Source' },
    datasources: { [datasource.name]: datasource },
    defaultDatasource: datasource.name,
    featureToggles: {},
    minRefreshInterval: '5s',
    windowTitlePrefix: 'Netmon - ',
  };
  const user = {
    isSignedIn: true,
    id: 1,
    uid: 'netmon',
    login: 'netmon',
    name: 'netmon',
    theme: 'dark',
    orgId: 1,
    orgName: 'Main Org.',
    orgRole: 'Admin',
    timezone: 'browser',
    weekStart: '',
    language: 'en-US',
    permissions: {},
  };
  return { settings, user, navTree: [], assets: { dark: '', light: '' } } as unknown as BootData;
}
