import { PanelOptionsEditorBuilder } from '@grafana/data';

export type EdgeColorBy = 'retransmitRatio' | 'failures' | 'none';

/** The edges-frame field each colouring reads; flowGraphEdges in src/shared/sql/flowGraph.ts emits both. */
export const COLOR_FIELDS: Record<Exclude<EdgeColorBy, 'none'>, string> = {
  retransmitRatio: 'detail__retransmit_ratio',
  failures: 'detail__failed',
};

export interface FlowGraphOptions {
  /** Stroke width of the busiest edge, in pixels; the others scale down from it on a log scale. */
  maxEdgeWidth: number;
  showNodeTitles: boolean;
  colorBy: EdgeColorBy;
  /** An edge at or above warn is drawn in the warning colour, at or above critical in the error colour. */
  retransmitRatioWarn: number;
  retransmitRatioCritical: number;
  failuresWarn: number;
  failuresCritical: number;
  /** Dashboard variables a click sets: a node sets nodeVariable, an edge both ends' variables. */
  nodeVariable: string;
  sourceVariable: string;
  targetVariable: string;
}

export const defaultFlowGraphOptions: FlowGraphOptions = {
  maxEdgeWidth: 12,
  showNodeTitles: true,
  colorBy: 'retransmitRatio',
  retransmitRatioWarn: 0.01,
  retransmitRatioCritical: 0.05,
  failuresWarn: 1,
  failuresCritical: 10,
  nodeVariable: 'group',
  sourceVariable: 'src_group',
  targetVariable: 'dst_group',
};

const CLICK = 'Click to filter';

export function buildFlowGraphOptions(builder: PanelOptionsEditorBuilder<FlowGraphOptions>) {
  const d = defaultFlowGraphOptions;
  return builder
    .addSliderInput({
      path: 'maxEdgeWidth',
      name: 'Widest edge',
      description: 'Stroke width, in pixels, of the edge with the largest mainstat (bytes); others scale by log',
      defaultValue: d.maxEdgeWidth,
      settings: { min: 2, max: 40, step: 1 },
    })
    .addBooleanSwitch({ path: 'showNodeTitles', name: 'Node labels', defaultValue: d.showNodeTitles })
    .addRadio({
      path: 'colorBy',
      name: 'Colour edges by',
      description: `Reads ${COLOR_FIELDS.retransmitRatio} or ${COLOR_FIELDS.failures} from the edges frame`,
      defaultValue: d.colorBy,
      settings: {
        options: [
          { value: 'retransmitRatio', label: 'Retransmit ratio' },
          { value: 'failures', label: 'Failures' },
          { value: 'none', label: 'None' },
        ],
      },
    })
    .addNumberInput({
      path: 'retransmitRatioWarn',
      name: 'Retransmit ratio: warning at',
      defaultValue: d.retransmitRatioWarn,
      settings: { min: 0, max: 1 },
      showIf: (o) => o.colorBy === 'retransmitRatio',
    })
    .addNumberInput({
      path: 'retransmitRatioCritical',
      name: 'Retransmit ratio: critical at',
      defaultValue: d.retransmitRatioCritical,
      settings: { min: 0, max: 1 },
      showIf: (o) => o.colorBy === 'retransmitRatio',
    })
    .addNumberInput({
      path: 'failuresWarn',
      name: 'Failures: warning at',
      defaultValue: d.failuresWarn,
      settings: { min: 0, integer: true },
      showIf: (o) => o.colorBy === 'failures',
    })
    .addNumberInput({
      path: 'failuresCritical',
      name: 'Failures: critical at',
      defaultValue: d.failuresCritical,
      settings: { min: 0, integer: true },
      showIf: (o) => o.colorBy === 'failures',
    })
    .addTextInput({
      path: 'nodeVariable',
      name: 'Node click sets variable',
      description: 'var-<name> in the URL gets the node id; the edge variables are cleared',
      defaultValue: d.nodeVariable,
      category: [CLICK],
    })
    .addTextInput({
      path: 'sourceVariable',
      name: 'Edge click sets source variable',
      defaultValue: d.sourceVariable,
      category: [CLICK],
    })
    .addTextInput({
      path: 'targetVariable',
      name: 'Edge click sets target variable',
      defaultValue: d.targetVariable,
      category: [CLICK],
    });
}
