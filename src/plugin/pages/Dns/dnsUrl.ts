import { ROUTES } from '../../constants';
import { prefixRoute } from '../../utils/prefixRoute';

export const NAME_ROUTE = `${ROUTES.Dns}/name`;
export const QNAME_VARIABLE = 'qname';

/** A data link from a name cell to its drill-down, keeping the page's time range and selectors. */
export const nameUrl = `${prefixRoute(NAME_ROUTE)}\${__url.params}&var-${QNAME_VARIABLE}=\${__data.fields.qname:percentencode}`;
