import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DATASOURCE_UID } from '../../host/hostSettings';
import { DATABASE } from '../../shared/schema';
import type { Store } from '../../store/store';
import { closeHost, createHostServer, DIST_HOST_DIR, listenHost, PortInUse, UI_START_PATH } from './hostServer';

export interface RunningUi {
  /** The app's first page, e.g. http://127.0.0.1:3000/a/netmon-network-app/connections. */
  url: string;
  /** False when dist-host/ has no bundle: the pages then say how to build it. */
  built: boolean;
  close(): Promise<void>;
}

/**
 * `netmon up`'s local UI: the host server on 127.0.0.1:port over the store up holds, with the
 * provisioned datasource uid and the schema's database, as a Grafana with Netmon provisioned has.
 */
export async function serveUi(store: Store, port: number): Promise<RunningUi> {
  const server = createHostServer({ store, settings: { datasourceUid: DATASOURCE_UID, database: DATABASE } });
  let base: string;
  try {
    base = await listenHost(server, port);
  } catch (err) {
    if (err instanceof PortInUse) {
      throw new Error(
        `cannot serve the UI: 127.0.0.1:${port} is already in use; pick another port with --ui-port N (0 = any free port) or skip the UI with --no-ui`
      );
    }
    throw err;
  }
  return {
    url: base + UI_START_PATH,
    built: existsSync(join(DIST_HOST_DIR, 'index.html')),
    close: () => closeHost(server),
  };
}
