import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

export const noDataTestId = 'data-testid panel-no-data';

/** Grafana's PanelDataErrorView look: one centred, muted line; "No data" unless told otherwise. */
export function NoData({ message }: { message?: string }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.box} data-testid={noDataTestId}>
      {message || 'No data'}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    height: '100%',
    width: '100%',
    color: theme.colors.text.secondary,
  }),
});
