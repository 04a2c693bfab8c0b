import { PanelOptionsEditorBuilder } from '@grafana/data';

export interface FlowGraphOptions {
  /** Stroke width of the busiest edge, in pixels; the others scale down from it. */
  maxEdgeWidth: number;
  showNodeTitles: boolean;
}

export const defaultFlowGraphOptions: FlowGraphOptions = {
  maxEdgeWidth: 12,
  showNodeTitles: true,
};

export function buildFlowGraphOptions(builder: PanelOptionsEditorBuilder<FlowGraphOptions>) {
  return builder
    .addSliderInput({
      path: 'maxEdgeWidth',
      name: 'Widest edge',
      description: 'Stroke width, in pixels, of the edge with the largest mainstat',
      defaultValue: defaultFlowGraphOptions.maxEdgeWidth,
      settings: { min: 2, max: 40, step: 1 },
    })
    .addBooleanSwitch({
      path: 'showNodeTitles',
      name: 'Node titles',
      defaultValue: defaultFlowGraphOptions.showNodeTitles,
    });
}
