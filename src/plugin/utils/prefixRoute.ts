import { PLUGIN_BASE_URL } from '../constants';

/** Scenes match routes relative to the app, but links and `url` need the app's full path. */
export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}
