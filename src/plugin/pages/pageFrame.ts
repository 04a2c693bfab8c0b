import {
  EmbeddedScene,
  SceneControlsSpacer,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
  SceneVariableSet,
  VariableValueSelectors,
  type SceneObject,
  type SceneVariable,
} from '@grafana/scenes';

/**
 * The frame every Netmon page keeps: variables as pickers, then the time range and refresh
 * controls, around the page's body. The time range lives in the URL like the variables.
 */
export function pageFrame(variables: SceneVariable[], body: SceneObject, from = 'now-1h'): EmbeddedScene {
  return new EmbeddedScene({
    $timeRange: new SceneTimeRange({ from, to: 'now' }),
    $variables: new SceneVariableSet({ variables }),
    controls: [
      new VariableValueSelectors({}),
      new SceneControlsSpacer(),
      new SceneTimePicker({ isOnCanvas: true }),
      new SceneRefreshPicker({ intervals: ['10s', '30s', '1m', '5m'], isOnCanvas: true }),
    ],
    body,
  });
}
