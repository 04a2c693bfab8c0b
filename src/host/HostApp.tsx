import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import { PluginContextProvider, type AppPlugin, type AppPluginMeta } from '@grafana/data';
import { config, locationService, LocationServiceProvider } from '@grafana/runtime';
import { GlobalStyles, PortalContainer, ThemeContext } from '@grafana/ui';
import { Navigate, Route, Router, Routes } from 'react-router-dom';
import { HostChrome } from './HostChrome';

/** react-router driven by @grafana/runtime's locationService, as Grafana's own router is. */
function LocationServiceRouter({ children }: { children: React.ReactNode }) {
  const history = locationService.getHistory();
  const [location, setLocation] = useState(history.location);
  useEffect(() => {
    const sub = locationService.getLocationObservable().subscribe(setLocation);
    return () => sub.unsubscribe();
  }, []);
  return (
    <Router navigator={history} location={location}>
      {children}
    </Router>
  );
}

interface Props {
  app: AppPlugin;
  meta: AppPluginMeta;
}

/**
 * The whole page: Grafana's theme and global styles, the host's top bar, and the app plugin's own
 * root under /a/<app id>/*, where Grafana mounts it. Nothing of the plugin is re-implemented here.
 */
export function HostApp({ app, meta }: Props) {
  const Root = app.root;
  if (!Root) {
    throw new Error(`app plugin ${meta.id} has no root page (setRootPage)`);
  }
  const basename = `/a/${meta.id}`;
  return (
    <ThemeContext.Provider value={config.theme2}>
      <GlobalStyles />
      <LocationServiceProvider service={locationService}>
        <LocationServiceRouter>
          <div className={styles.shell}>
            <HostChrome />
            <main className={styles.main}>
              <Routes>
                <Route
                  path={`${basename}/*`}
                  element={
                    <PluginContextProvider meta={meta}>
                      <Root meta={meta} basename={basename} path={basename} query={{}} onNavChanged={() => {}} />
                    </PluginContextProvider>
                  }
                />
                <Route path="*" element={<Navigate to={basename} replace />} />
              </Routes>
            </main>
          </div>
        </LocationServiceRouter>
      </LocationServiceProvider>
      <PortalContainer />
    </ThemeContext.Provider>
  );
}

const styles = {
  shell: css({ display: 'flex', flexDirection: 'column', minHeight: '100vh' }),
  main: css({ display: 'flex', flexDirection: 'column', flexGrow: 1 }),
};
