import { SceneAppPage } from '@grafana/scenes';
import { ROUTES } from '../../constants';
import { prefixRoute } from '../../utils/prefixRoute';
import { dnsScene } from './dnsScene';

export const dnsPage = new SceneAppPage({
  title: 'DNS',
  subTitle: 'DNS questions seen on the wire, paired with their answers',
  url: prefixRoute(ROUTES.Dns),
  // The page renders its own routes (drilldowns, tabs) below this one.
  routePath: `${ROUTES.Dns}/*`,
  getScene: dnsScene,
});
