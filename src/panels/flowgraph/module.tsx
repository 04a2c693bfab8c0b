import { PanelPlugin } from '@grafana/data';
import { FlowGraphPanel } from './FlowGraphPanel';
import { buildFlowGraphOptions, FlowGraphOptions } from './options';

export const plugin = new PanelPlugin<FlowGraphOptions>(FlowGraphPanel).setPanelOptions(buildFlowGraphOptions);
