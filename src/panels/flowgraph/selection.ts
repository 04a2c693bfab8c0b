import { FlowGraphOptions } from './options';

/** What a click picked: a node, or an edge by its two ends. */
export type FlowSelection = { kind: 'node'; id: string } | { kind: 'edge'; source: string; target: string };

/**
 * URL query changes for a click, as locationService.partial takes them: the picked variables get
 * the ids, the others are removed (null), so a node click and an edge click never combine into a
 * filter nobody chose. A blank variable name in the options means "do not set".
 */
export function selectionParams(
  selection: FlowSelection,
  options: Pick<FlowGraphOptions, 'nodeVariable' | 'sourceVariable' | 'targetVariable'>
): Record<string, string | null> {
  const node = selection.kind === 'node' ? selection.id : null;
  const source = selection.kind === 'edge' ? selection.source : null;
  const target = selection.kind === 'edge' ? selection.target : null;
  const params: Record<string, string | null> = {};
  for (const [name, value] of [
    [options.nodeVariable, node],
    [options.sourceVariable, source],
    [options.targetVariable, target],
  ] as const) {
    if (name.trim()) {
      params[`var-${name.trim()}`] = value;
    }
  }
  return params;
}
