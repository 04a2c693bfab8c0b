import { SceneAppPage } from '@grafana/scenes';
import { ROUTES } from '../../constants';
import { prefixRoute } from '../../utils/prefixRoute';
import { connectionsScene } from './connectionsScene';

export const connectionsPage = new SceneAppPage({
  title: 'Connections',
  subTitle: 'TCP and UDP connections between processes, containers and hosts',
  url: prefixRoute(ROUTES.Connections),
  // The page renders its own routes (drilldowns, tabs) below this one.
  routePath: `${ROUTES.Connections}/*`,
  getScene: connectionsScene,
});
