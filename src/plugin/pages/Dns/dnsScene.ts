import { emptyStateScene } from '../emptyStateScene';

export function dnsScene() {
  return emptyStateScene(
    'DNS',
    'Queries by name and resolver, latency, NXDOMAIN and SERVFAIL rates, and timeouts arrive with issue 5.'
  );
}
