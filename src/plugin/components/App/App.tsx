import React, { useMemo } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { SceneApp, useSceneApp } from '@grafana/scenes';
import { AppRootProps } from '@grafana/data';
import { Alert, TextLink } from '@grafana/ui';
import { readAppSettings } from '../../appSettings';
import { PLUGIN_CONFIG_URL, ROUTES } from '../../constants';
import { connectionsPage } from '../../pages/Connections/connectionsPage';
import { dnsPage } from '../../pages/Dns/dnsPage';
import { pageSettings, type PageSettings } from '../../pages/pageSettings';
import { testIds } from '../testIds';

function getSceneApp(settings: PageSettings) {
  return new SceneApp({
    pages: [connectionsPage(settings), dnsPage(settings)],
    urlSyncOptions: {
      updateUrlOnInit: true,
      createBrowserHistorySteps: true,
    },
  });
}

function App({ meta }: AppRootProps) {
  const settings = readAppSettings(meta.jsonData);
  const { datasourceUid, database } = settings;
  // useSceneApp keeps one app per factory: a new factory only when the settings change.
  const factory = useMemo(
    () => () => getSceneApp(pageSettings({ datasourceUid, database })),
    [datasourceUid, database]
  );
  const scene = useSceneApp(factory);

  return (
    <>
      {datasourceUid === '' && (
        <Alert title="No ClickHouse datasource configured" severity="warning" data-testid={testIds.app.unconfigured}>
          Netmon reads its tables through a ClickHouse datasource. Pick one on the{' '}
          <TextLink href={PLUGIN_CONFIG_URL}>configuration page</TextLink>.
        </Alert>
      )}
      <Routes>
        {/* The app's own URL has no screen of its own; Connections is where people start. */}
        <Route path="" element={<Navigate to={ROUTES.Connections} replace />} />
        <Route path="*" element={<scene.Component model={scene} />} />
      </Routes>
    </>
  );
}

export default App;
