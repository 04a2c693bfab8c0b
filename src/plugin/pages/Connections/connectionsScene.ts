import { emptyStateScene } from '../emptyStateScene';

export function connectionsScene() {
  return emptyStateScene(
    'Connections',
    'Who talks to whom, how much, and how well (bytes, retransmits, RTT, failed connects) arrives with issue 5.'
  );
}
