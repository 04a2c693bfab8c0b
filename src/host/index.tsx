// Entry of the standalone host. Everything that imports @grafana/runtime loads in a later chunk:
// runtime builds its `config` from window.grafanaBootData the moment it is first evaluated.
import { bootData } from './bootData';
import { clickHouseInstanceSettings } from './dataSourceSettings';
import { HOST_SETTINGS_PATH, readHostSettings } from './hostSettings';

async function boot(container: HTMLElement): Promise<void> {
  const res = await fetch(HOST_SETTINGS_PATH);
  if (!res.ok) {
    throw new Error(`GET ${HOST_SETTINGS_PATH} answered ${res.status} ${res.statusText}`);
  }
  const settings = readHostSettings(await res.json());
  window.grafanaBootData = bootData(clickHouseInstanceSettings(settings.datasourceUid));
  // Where @grafana/ui looks for its icons; the server maps /public/ to the bundle.
  window.__grafana_public_path__ = '/public/';
  const { startHost } = await import(/* webpackChunkName: "app" */ './startHost');
  startHost(settings, container);
}

const container = document.getElementById('root') as HTMLElement;
boot(container).catch((err: unknown) => {
  // Nothing of Grafana may have loaded, so the failure is plain text a person can act on.
  container.textContent = `Netmon UI failed to start: ${err instanceof Error ? err.message : String(err)}`;
  throw err;
});
