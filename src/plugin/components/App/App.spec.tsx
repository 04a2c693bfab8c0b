import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { render, screen } from '@testing-library/react';
import { AppRootProps, PanelPlugin, PanelProps, PluginType } from '@grafana/data';
import { selectors } from '@grafana/e2e-selectors';
import { locationService, LocationServiceProvider, setPluginImportUtils } from '@grafana/runtime';
import App from './App';
import { testIds } from '../testIds';

// Grafana's text panel lives in Grafana itself, not in a package; stand in for its loader with a
// panel that shows its markdown verbatim, which is all these tests read.
const textPanel = new PanelPlugin<{ content: string }>(({ options }: PanelProps<{ content: string }>) => (
  <div>{options.content}</div>
));
textPanel.meta = { id: 'text', name: 'Text', type: PluginType.panel, info: { logos: { small: '' } } } as never;
setPluginImportUtils({
  importPanelPlugin: async () => textPanel,
  getPanelPluginFromCache: () => textPanel,
});

function renderApp(path: string, jsonData: object = { datasourceUid: 'netmon-clickhouse', database: 'netmon' }) {
  const props = {
    basename: '/a/netmon-network-app',
    meta: { id: 'netmon-network-app', name: 'Netmon', type: PluginType.app, enabled: true, jsonData },
    query: {},
    path,
    onNavChanged: jest.fn(),
  } as unknown as AppRootProps;
  // Grafana renders apps inside its router and location service, both at the app's URL.
  locationService.push(path);
  return render(
    <LocationServiceProvider service={locationService}>
      <MemoryRouter initialEntries={[path]}>
        <App {...props} />
      </MemoryRouter>
    </LocationServiceProvider>
  );
}

describe('App', () => {
  test('opens on Connections, with its empty state and the time controls', async () => {
    renderApp('/');

    expect(await screen.findByText(/arrives? with issue 5/)).toHaveTextContent(/retransmits, RTT, failed connects/);
    expect(screen.getByRole('heading', { name: 'Connections' })).toBeInTheDocument();
    expect(screen.getByTestId(selectors.components.TimePicker.openButton)).toHaveTextContent('Last 1 hour');
    expect(screen.getByTestId(selectors.components.RefreshPicker.runButtonV2)).toBeInTheDocument();
  });

  test('renders the DNS scene on its route', async () => {
    renderApp('/dns');

    expect(await screen.findByText(/arrives? with issue 5/)).toHaveTextContent(/NXDOMAIN and SERVFAIL/);
    expect(screen.getByRole('heading', { name: 'DNS' })).toBeInTheDocument();
  });

  test('points to the config page until a datasource is picked', async () => {
    renderApp('/connections', {});

    expect(screen.getByTestId(testIds.app.unconfigured)).toHaveTextContent('configuration page');
    expect(await screen.findByText(/arrives? with issue 5/)).toBeInTheDocument();
  });

  test('says nothing about configuration once a datasource is set', async () => {
    renderApp('/connections');

    await screen.findByText(/arrives? with issue 5/);
    expect(screen.queryByTestId(testIds.app.unconfigured)).not.toBeInTheDocument();
  });
});
