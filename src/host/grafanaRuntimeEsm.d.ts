// Types for the setters @grafana/runtime keeps for Grafana itself (its "internal" entry, not
// published); webpack's alias 'grafana-runtime-esm' points at runtime's own dist/esm files.
declare module 'grafana-runtime-esm/components/PluginPage.mjs' {
  export function setPluginPage(component: (typeof import('@grafana/runtime'))['PluginPage']): void;
}

declare module 'grafana-runtime-esm/components/PanelDataErrorView.mjs' {
  export function setPanelDataErrorView(component: (typeof import('@grafana/runtime'))['PanelDataErrorView']): void;
}

declare module 'grafana-runtime-esm/services/dataSource/settings.mjs' {
  import type { DataSourceInstanceSettings } from '@grafana/data';
  export function initDataSourceInstanceSettings(
    settings: Record<string, DataSourceInstanceSettings>,
    defaultName: string
  ): void;
}
