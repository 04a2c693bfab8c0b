import React from 'react';
import { PluginType, type AppPluginMeta } from '@grafana/data';
import { createRoot } from 'react-dom/client';
import appJson from '../plugin.json';
import { plugin } from '../module';
import { HostApp } from './HostApp';
import type { HostSettings } from './hostSettings';
import { pluginMeta } from './pluginMeta';
import { installRuntimeServices } from './runtimeServices';

/**
 * Runs after grafanaBootData is set: installs Grafana's services, then mounts the app plugin the
 * way Grafana's plugin loader does (meta with the provisioned jsonData, init, root page).
 */
export function startHost(settings: HostSettings, container: HTMLElement): void {
  installRuntimeServices();
  const meta: AppPluginMeta = {
    ...pluginMeta<AppPluginMeta>(PluginType.app, appJson),
    enabled: true,
    jsonData: { datasourceUid: settings.datasourceUid, database: settings.database },
  };
  plugin.meta = meta;
  plugin.init(meta);
  createRoot(container).render(<HostApp app={plugin} meta={meta} />);
}
