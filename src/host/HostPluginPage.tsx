import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, NavModelItem } from '@grafana/data';
import type { PluginPage } from '@grafana/runtime';
import { Stack, Tab, TabsBar, useStyles2 } from '@grafana/ui';

export const hostPageTestIds = {
  title: 'data-testid host-page-title',
  actions: 'data-testid host-page-actions',
};

/** Grafana's breadcrumb trail: the page's parents, outermost first. */
function trail(nav: NavModelItem | undefined): NavModelItem[] {
  return nav ? [...trail(nav.parentItem), nav] : [];
}

/**
 * The host's PluginPage, in Grafana's place: what SceneAppPage hands over (title, subtitle, page
 * controls as actions, tabs, breadcrumbs) laid out like Grafana's page header, around the scene.
 */
export const HostPluginPage: typeof PluginPage = ({ pageNav, subTitle, actions, renderTitle, children }) => {
  const styles = useStyles2(getStyles);
  const title = pageNav?.text ?? '';
  const parents = trail(pageNav?.parentItem);
  return (
    <div className={styles.page}>
      {parents.length > 0 && (
        <nav className={styles.breadcrumbs} aria-label="Breadcrumbs">
          {parents.map((p) => (
            <a key={p.url ?? p.text} href={p.url}>
              {p.text}
            </a>
          ))}
        </nav>
      )}
      <div className={styles.header}>
        <div>
          {renderTitle ? (
            renderTitle(title)
          ) : (
            <h1 className={styles.title} data-testid={hostPageTestIds.title}>
              {title}
            </h1>
          )}
          {subTitle && <div className={styles.subTitle}>{subTitle}</div>}
        </div>
        {actions && (
          <Stack gap={1} alignItems="center" data-testid={hostPageTestIds.actions}>
            {actions}
          </Stack>
        )}
      </div>
      {pageNav?.children && pageNav.children.length > 0 && (
        <TabsBar className={styles.tabs}>
          {pageNav.children.map((tab) => (
            <Tab
              key={tab.url ?? tab.text}
              label={tab.text}
              href={tab.url}
              active={tab.active}
              icon={tab.icon as never}
            />
          ))}
        </TabsBar>
      )}
      <div className={styles.body}>{children}</div>
    </div>
  );
};

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', flexGrow: 1, padding: theme.spacing(2, 3), minHeight: 0 }),
  breadcrumbs: css({
    display: 'flex',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
    color: theme.colors.text.secondary,
    '& a:not(:last-child)::after': { content: '"›"', marginLeft: theme.spacing(1) },
  }),
  header: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'flex-start',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  }),
  title: css({ margin: 0, fontSize: theme.typography.h2.fontSize }),
  subTitle: css({ color: theme.colors.text.secondary, marginTop: theme.spacing(0.5) }),
  tabs: css({ marginBottom: theme.spacing(2) }),
  body: css({ display: 'flex', flexDirection: 'column', flexGrow: 1, minHeight: 0 }),
});
