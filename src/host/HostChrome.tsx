import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { NavLink } from 'react-router-dom';
import appJson from '../plugin.json';

/** The app's own nav entries, from plugin.json as Grafana builds its menu from them. */
const NAV = appJson.includes
  .filter((i) => i.type === 'page' && i.addToNav && i.path)
  .map((i) => ({ text: i.name, url: (i.path as string).replace('%PLUGIN_ID%', appJson.id) }));

export const hostChromeTestIds = { nav: 'data-testid host-nav' };

/**
 * The host's top bar: the app's name and its pages. Grafana's mega menu plays this part; this is
 * the host's own small stand-in, not a copy of it.
 */
export function HostChrome() {
  const styles = useStyles2(getStyles);
  return (
    <header className={styles.bar}>
      <span className={styles.brand}>{appJson.name}</span>
      <nav className={styles.nav} data-testid={hostChromeTestIds.nav}>
        {NAV.map((item) => (
          <NavLink
            key={item.url}
            to={item.url}
            className={({ isActive }) => cx(styles.link, isActive && styles.active)}
          >
            {item.text}
          </NavLink>
        ))}
      </nav>
    </header>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  bar: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(3),
    height: 48,
    padding: theme.spacing(0, 2),
    background: theme.colors.background.primary,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  brand: css({ fontWeight: theme.typography.fontWeightMedium, fontSize: theme.typography.h5.fontSize }),
  nav: css({ display: 'flex', gap: theme.spacing(2) }),
  link: css({
    color: theme.colors.text.secondary,
    padding: theme.spacing(0.5, 1),
    borderRadius: theme.shape.radius.default,
    '&:hover': { color: theme.colors.text.primary, background: theme.colors.action.hover },
  }),
  active: css({ color: theme.colors.text.primary, background: theme.colors.action.selected }),
});
