import type { SceneVariable } from '@grafana/scenes';
import { DNS_SELECTORS, dnsSelectorValuesQuery, type DnsSelector, type DnsView } from '../../../shared/views/dnsView';
import type { BuildContext } from '../../queries/BuiltQueryRunner';
import { BuiltValuesVariable } from '../../variables/BuiltValuesVariable';
import type { PageSettings } from '../pageSettings';

const LABELS: Record<DnsSelector, string> = {
  client_cluster: 'Cluster',
  client_namespace: 'Namespace',
  client_deployment: 'Workload',
  client_pod: 'Pod',
  node: 'Node',
  server_ip: 'Resolver',
};

/** Coarser client levels narrow finer ones; node and resolver stand alone (see dnsSelectorValuesQuery). */
const parents = (dim: DnsSelector) => {
  const at = DNS_SELECTORS.indexOf(dim);
  return at <= 3 ? DNS_SELECTORS.slice(0, at) : [];
};

export function dnsVariables(settings: PageSettings): SceneVariable[] {
  return DNS_SELECTORS.map(
    (dim) =>
      new BuiltValuesVariable({
        name: dim,
        label: LABELS[dim],
        datasource: settings.datasource,
        parents: parents(dim),
        query: (ctx) => dnsSelectorValuesQuery(readDnsView(ctx, settings), dim, ctx.range),
      })
  );
}

export function readDnsView(ctx: BuildContext, settings: PageSettings): DnsView {
  return {
    selectors: Object.fromEntries(DNS_SELECTORS.map((dim) => [dim, ctx.values(dim)])),
    database: settings.database,
  };
}
