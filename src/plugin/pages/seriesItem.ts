import { PanelBuilders, SceneFlexItem, type SceneDataProvider } from '@grafana/scenes';

/** A time-series panel in a row of them, as every page lays them out. */
export function seriesItem(title: string, unit: string, data: SceneDataProvider): SceneFlexItem {
  return new SceneFlexItem({
    minHeight: 240,
    body: PanelBuilders.timeseries().setTitle(title).setUnit(unit).setData(data).build(),
  });
}
