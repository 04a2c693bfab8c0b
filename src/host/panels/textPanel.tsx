import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { PanelPlugin, renderMarkdown, type GrafanaTheme2, type PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

interface TextOptions {
  mode: 'markdown' | 'html' | 'code';
  content: string;
}

/** Stand-in for Grafana's core text panel: variables replaced, then markdown rendered (and sanitised). */
function TextPanel({ options, replaceVariables }: PanelProps<TextOptions>) {
  const styles = useStyles2(getStyles);
  const content = replaceVariables(options.content ?? '');
  const html = useMemo(() => (options.mode === 'code' ? '' : renderMarkdown(content)), [content, options.mode]);
  if (options.mode === 'code') {
    return <pre className={styles.text}>{content}</pre>;
  }
  return <div className={styles.text} dangerouslySetInnerHTML={{ __html: html }} />;
}

const getStyles = (theme: GrafanaTheme2) => ({
  text: css({
    height: '100%',
    overflow: 'auto',
    color: theme.colors.text.primary,
    '& p:last-child': { marginBottom: 0 },
    '& a': { color: theme.colors.text.link },
  }),
});

const noEditor = () => null;

export const textPanel = new PanelPlugin<TextOptions>(TextPanel).setPanelOptions((builder) => {
  builder.addCustomEditor({ id: 'mode', path: 'mode', name: 'Mode', editor: noEditor, defaultValue: 'markdown' });
  builder.addCustomEditor({ id: 'content', path: 'content', name: 'Content', editor: noEditor, defaultValue: '' });
});
