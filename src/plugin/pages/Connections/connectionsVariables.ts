import { TextBoxVariable, type SceneVariable } from '@grafana/scenes';
import { VariableHide } from '@grafana/schema';
import {
  defaultConnectionsView,
  GROUP_BY_CHOICES,
  SELECTOR_DIMENSIONS,
  selectorParents,
  selectorValuesQuery,
  validateGroupBy,
  type ConnectionsView,
  type SelectorDimension,
} from '../../../shared/views/connectionsView';
import type { BuildContext } from '../../queries/BuiltQueryRunner';
import { BuiltValuesVariable } from '../../variables/BuiltValuesVariable';
import { PickedCustomVariable } from '../../variables/PickedCustomVariable';
import type { PageSettings } from '../pageSettings';

/** URL names: var-group_by, var-src_namespace, ...; the flow graph panel sets var-group, var-src_group, var-dst_group. */
export const GROUP_BY = 'group_by';
export const GRAPH_VARIABLES = { node: 'group', source: 'src_group', target: 'dst_group' } as const;

/** Every variable the view reads, so a query reruns when any of them changes. */
export const VIEW_VARIABLES: readonly string[] = [GROUP_BY, ...SELECTOR_DIMENSIONS, ...Object.values(GRAPH_VARIABLES)];

const label = (dim: SelectorDimension) => `${dim.startsWith('src') ? 'Source' : 'Destination'} ${dim.slice(4)}`;

export function connectionsVariables(settings: PageSettings): SceneVariable[] {
  const selectors = SELECTOR_DIMENSIONS.map(
    (dim) =>
      new BuiltValuesVariable({
        name: dim,
        label: label(dim),
        datasource: settings.datasource,
        parents: selectorParents(dim),
        query: (ctx) =>
          selectorValuesQuery(
            { selectors: readSelectors(ctx), groupBy: [], database: settings.database },
            dim,
            ctx.range
          ),
      })
  );
  return [
    new PickedCustomVariable({
      name: GROUP_BY,
      label: 'Group by',
      isMulti: true,
      query: Object.entries(GROUP_BY_CHOICES)
        .map(([value, text]) => `${text} : ${value}`)
        .join(', '),
      value: [...defaultConnectionsView.groupBy],
      text: defaultConnectionsView.groupBy.map((g) => GROUP_BY_CHOICES[g]),
    }),
    ...selectors,
    ...Object.entries(GRAPH_VARIABLES).map(
      ([role, name]) =>
        new TextBoxVariable({
          name,
          label: role === 'node' ? 'Graph node' : role === 'source' ? 'Graph edge from' : 'Graph edge to',
          value: '',
          hide: VariableHide.dontHide,
        })
    ),
  ];
}

/**
 * The view the variables describe. The group-by is checked here so that a wrong column in a URL
 * fails every query with the builders' message naming it and the accepted ones.
 */
export function readView(ctx: BuildContext, settings: PageSettings): ConnectionsView {
  const selectors = readSelectors(ctx);
  const one = (name: string) => ctx.values(name)[0];
  return {
    selectors,
    groupBy: validateGroupBy(ctx.values(GROUP_BY)),
    graph: {
      node: one(GRAPH_VARIABLES.node),
      source: one(GRAPH_VARIABLES.source),
      target: one(GRAPH_VARIABLES.target),
    },
    database: settings.database,
  };
}

function readSelectors(ctx: BuildContext): ConnectionsView['selectors'] {
  return Object.fromEntries(SELECTOR_DIMENSIONS.map((dim) => [dim, ctx.values(dim)]));
}
