import { SceneAppPage } from '@grafana/scenes';
import { ROUTES } from '../../constants';
import { prefixRoute } from '../../utils/prefixRoute';
import type { PageSettings } from '../pageSettings';
import { connectionsScene } from './connectionsScene';
import { pairScene } from './pairScene';
import { PAIR_ROUTE } from './pairUrl';

export function connectionsPage(settings: PageSettings): SceneAppPage {
  return new SceneAppPage({
    title: 'Connections',
    subTitle: 'Who talks to whom, how much, and how well: bytes, retransmits, RTT, failed connects and resets',
    url: prefixRoute(ROUTES.Connections),
    // The page renders its own routes (the pair drill-down) below this one.
    routePath: `${ROUTES.Connections}/*`,
    getScene: () => connectionsScene(settings),
    drilldowns: [
      {
        routePath: 'pair',
        getPage: (_match, parent) =>
          new SceneAppPage({
            title: 'Pair of groups',
            subTitle: 'One row of the flows table: its series and its single connections',
            url: prefixRoute(PAIR_ROUTE),
            routePath: 'pair',
            getParentPage: () => parent,
            getScene: () => pairScene(settings),
          }),
      },
    ],
  });
}
