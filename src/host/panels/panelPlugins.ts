import { PluginType, type PanelPlugin, type PanelPluginMeta } from '@grafana/data';
import flowGraphJson from '../../panels/flowgraph/plugin.json';
import { plugin as flowGraphPanel } from '../../panels/flowgraph/module';
import { pluginMeta, type PluginJson } from '../pluginMeta';
import { statPanel } from './statPanel';
import { tablePanel } from './tablePanel';
import { textPanel } from './textPanel';
import { timeseriesPanel } from './timeseriesPanel';

const core = (id: string, name: string): PluginJson => ({ id, name, info: { version: '13.2.2' } });

/** Every panel a page may name: Grafana's core panels as stand-ins, and our own panel for real. */
const panels = new Map<string, PanelPlugin>(
  (
    [
      [core('timeseries', 'Time series'), timeseriesPanel],
      [core('table', 'Table'), tablePanel],
      [core('stat', 'Stat'), statPanel],
      [core('text', 'Text'), textPanel],
      [flowGraphJson, flowGraphPanel],
    ] as Array<[PluginJson, PanelPlugin]>
  ).map(([json, plugin]) => {
    plugin.meta = {
      ...pluginMeta<PanelPluginMeta>(PluginType.panel, json),
      sort: 0,
      skipDataQuery: json.id === 'text',
    };
    return [json.id, plugin];
  })
);

/** @grafana/runtime's PluginImportUtils over the bundled panels. */
export const panelImportUtils = {
  getPanelPluginFromCache: (id: string) => panels.get(id),
  importPanelPlugin: async (id: string) => {
    const plugin = panels.get(id);
    if (!plugin) {
      throw new Error(`panel plugin "${id}" is not in the Netmon host; it serves ${[...panels.keys()].join(', ')}`);
    }
    return plugin;
  },
};
