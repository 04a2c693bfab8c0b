import { SceneAppPage } from '@grafana/scenes';
import { ROUTES } from '../../constants';
import { prefixRoute } from '../../utils/prefixRoute';
import type { PageSettings } from '../pageSettings';
import { dnsNameScene } from './dnsNameScene';
import { dnsScene } from './dnsScene';
import { NAME_ROUTE } from './dnsUrl';

export function dnsPage(settings: PageSettings): SceneAppPage {
  return new SceneAppPage({
    title: 'DNS',
    subTitle: 'DNS questions seen on the wire, paired with their answers',
    url: prefixRoute(ROUTES.Dns),
    // The page renders its own routes (drilldowns, tabs) below this one.
    routePath: `${ROUTES.Dns}/*`,
    getScene: () => dnsScene(settings),
    drilldowns: [
      {
        routePath: 'name',
        getPage: (_match, parent) =>
          new SceneAppPage({
            title: 'DNS name',
            subTitle: 'Who asks one name, which resolvers answer, and what they answer',
            url: prefixRoute(NAME_ROUTE),
            routePath: 'name',
            getParentPage: () => parent,
            getScene: () => dnsNameScene(settings),
          }),
      },
    ],
  });
}
