import React, { SyntheticEvent, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv, locationService } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, useStyles2 } from '@grafana/ui';
import { AppSettings, readAppSettings } from '../../appSettings';
import { testIds } from '../testIds';

/** The datasource plugin Netmon's queries are written for. */
export const CLICKHOUSE_DATASOURCE_TYPE = 'grafana-clickhouse-datasource';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<Partial<AppSettings>>> {}

const AppConfig = ({ plugin }: AppConfigProps) => {
  const s = useStyles2(getStyles);
  const { enabled, pinned, jsonData } = plugin.meta;
  const [settings, setSettings] = useState<AppSettings>(() => readAppSettings(jsonData));
  const [saveError, setSaveError] = useState<string>();

  const onSubmit = async (event: SyntheticEvent) => {
    event.preventDefault();
    try {
      await updatePlugin(plugin.meta.id, { enabled, pinned, jsonData: readAppSettings(settings) });
      // Grafana hands the app its jsonData only when the app loads, so a reload is the one way to apply it.
      locationService.reload();
    } catch (e) {
      setSaveError(`Saving the settings of ${plugin.meta.id} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return (
    <form onSubmit={onSubmit}>
      <FieldSet label="ClickHouse" className={s.marginTop}>
        <Field
          label="Datasource"
          description={`The ${CLICKHOUSE_DATASOURCE_TYPE} datasource that reads the Netmon store`}
          invalid={settings.datasourceUid === ''}
          error="Pick the ClickHouse datasource Netmon writes to"
        >
          <DataSourcePicker
            inputId="netmon-datasource"
            pluginId={CLICKHOUSE_DATASOURCE_TYPE}
            current={settings.datasourceUid || null}
            noDefault
            width={60}
            onChange={(ds) => setSettings({ ...settings, datasourceUid: ds.uid })}
          />
        </Field>
        <Field label="Database" description="Database that holds the connections and dns_queries tables">
          <Input
            id="netmon-database"
            width={60}
            data-testid={testIds.appConfig.database}
            value={settings.database}
            onChange={(e) => setSettings({ ...settings, database: e.currentTarget.value })}
          />
        </Field>
        {saveError && (
          <Alert severity="error" title="Settings not saved">
            {saveError}
          </Alert>
        )}
        <Button type="submit" data-testid={testIds.appConfig.submit} disabled={settings.datasourceUid === ''}>
          Save settings
        </Button>
      </FieldSet>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  marginTop: css({ marginTop: theme.spacing(3) }),
});

async function updatePlugin(pluginId: string, data: Partial<PluginMeta<AppSettings>>) {
  const response = getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data });
  return (await lastValueFrom(response)).data;
}
