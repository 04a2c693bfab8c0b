import { screen } from '@testing-library/react';
import { selectors } from '@grafana/e2e-selectors';
import { fakeGrafana, renderApp } from '../../testing/fakeServices';
import { testIds } from '../testIds';

describe('App', () => {
  beforeEach(() => {
    fakeGrafana(() => []);
  });

  test('opens on Connections, with the time controls', async () => {
    renderApp('/');

    expect(await screen.findByTestId('panel Top flows')).toBeInTheDocument();
    expect(screen.getByText('Group by')).toBeInTheDocument();
    expect(screen.getByTestId(selectors.components.TimePicker.openButton)).toHaveTextContent('Last 1 hour');
    expect(screen.getByTestId(selectors.components.RefreshPicker.runButtonV2)).toBeInTheDocument();
  });

  test('renders the DNS page on its route', async () => {
    renderApp('/dns');

    expect(await screen.findByTestId('panel Top failing names')).toBeInTheDocument();
    expect(screen.queryByTestId('panel Top flows')).not.toBeInTheDocument();
  });

  test('points to the config page until a datasource is picked', async () => {
    renderApp('/connections', {});

    expect(screen.getByTestId(testIds.app.unconfigured)).toHaveTextContent('configuration page');
  });

  test('says nothing about configuration once a datasource is set', async () => {
    renderApp('/connections');

    await screen.findByTestId('panel Top flows');
    expect(screen.queryByTestId(testIds.app.unconfigured)).not.toBeInTheDocument();
  });
});
