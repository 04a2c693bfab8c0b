import { PluginType, type PluginMeta } from '@grafana/data';

/** The part of a plugin.json the host reads. */
export interface PluginJson {
  id: string;
  name: string;
  info?: { version?: string; description?: string };
}

/**
 * The meta Grafana's plugin loader would build from a plugin.json. The host bundles every plugin,
 * so module and baseUrl point nowhere; scenes reads id and info.version (for option migrations).
 */
export function pluginMeta<T extends PluginMeta = PluginMeta>(type: PluginType, json: PluginJson): T {
  return {
    id: json.id,
    name: json.name,
    type,
    info: {
      author: { name: 'Netmon host' },
      description: json.info?.description ?? '',
      links: [],
      logos: { small: '', large: '' },
      screenshots: [],
      updated: '',
      // Unbuilt plugin.json files still say %VERSION%; scenes only compares versions.
      version: /^\d/.test(json.info?.version ?? '') ? (json.info?.version as string) : '0.0.0',
    },
    module: '',
    baseUrl: '',
  } as PluginMeta as T;
}
