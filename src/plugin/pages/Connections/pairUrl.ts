import { prefixRoute } from '../../utils/prefixRoute';
import { ROUTES } from '../../constants';

/** The drill-down route below the Connections page. */
export const PAIR_ROUTE = `${ROUTES.Connections}/pair`;

/** URL name of the variable that carries one group-by column's value on the drill-down. */
export const pairVariable = (dim: string) => `pair_${dim}`;

/**
 * A data link to the drill-down: the page's own URL state (time range, selectors, group-by) plus
 * the row's value of each group-by column, each percent-encoded by Grafana's link interpolation.
 */
export function pairUrl(groupBy: readonly string[]): string {
  const pair = groupBy.map((dim) => `&var-${pairVariable(dim)}=\${__data.fields.${dim}:percentencode}`).join('');
  return `${prefixRoute(PAIR_ROUTE)}\${__url.params}${pair}`;
}
