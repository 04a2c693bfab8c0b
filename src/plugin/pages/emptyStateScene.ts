import {
  EmbeddedScene,
  PanelBuilders,
  SceneControlsSpacer,
  SceneFlexItem,
  SceneFlexLayout,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
} from '@grafana/scenes';

/**
 * A page's frame before its panels exist: the time range and refresh controls every Netmon page
 * keeps, around one text panel that says what is coming. Screens replace the body, not the frame.
 */
export function emptyStateScene(title: string, markdown: string): EmbeddedScene {
  return new EmbeddedScene({
    $timeRange: new SceneTimeRange({ from: 'now-1h', to: 'now' }),
    controls: [
      new SceneControlsSpacer(),
      new SceneTimePicker({ isOnCanvas: true }),
      new SceneRefreshPicker({ intervals: ['10s', '30s', '1m', '5m'], isOnCanvas: true }),
    ],
    body: new SceneFlexLayout({
      children: [
        new SceneFlexItem({
          minHeight: 200,
          body: PanelBuilders.text().setTitle(title).setOption('content', markdown).build(),
        }),
      ],
    }),
  });
}
