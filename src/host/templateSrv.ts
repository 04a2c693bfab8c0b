import type { ScopedVars, TypedVariableModel } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import { sceneGraph, type SceneObject, type VariableCustomFormatterFn } from '@grafana/scenes';

declare global {
  interface Window {
    /** Set by the active EmbeddedScene; Grafana's TemplateSrv reads variables from it the same way. */
    __grafanaSceneContext?: SceneObject;
  }
}

function sceneOf(scopedVars?: ScopedVars): SceneObject | undefined {
  const fromRequest = scopedVars?.__sceneObject?.value?.valueOf() as SceneObject | undefined;
  return fromRequest ?? window.__grafanaSceneContext;
}

/**
 * Grafana's TemplateSrv as it behaves for scenes: interpolation is scenes' own (the query runner
 * passes itself as scopedVars.__sceneObject), and variables are the active scene's, in the legacy
 * shape datasources read: raw state value, so "All" is '$__all' as the ClickHouse datasource expects.
 */
export const sceneTemplateSrv: TemplateSrv = {
  getVariables() {
    const scene = window.__grafanaSceneContext;
    if (!scene) {
      return [];
    }
    return sceneGraph.getVariables(scene).state.variables.map((v) => {
      const state = v.state as { value?: unknown; text?: unknown };
      return {
        name: v.state.name,
        type: v.state.type,
        label: v.state.label,
        current: { value: state.value ?? v.getValue(), text: state.text ?? v.getValueText?.() },
      } as unknown as TypedVariableModel;
    });
  },
  replace(target, scopedVars, format) {
    const scene = sceneOf(scopedVars);
    if (!scene || target === undefined) {
      return target ?? '';
    }
    return sceneGraph.interpolate(scene, target, scopedVars, format as string | VariableCustomFormatterFn | undefined);
  },
  containsTemplate(target) {
    return target !== undefined && /\$(\w+|\{\w+)|\[\[\w+/.test(target);
  },
  updateTimeRange() {
    // Scenes owns the time range; its interpolation reads $__from/$__to from the scene itself.
  },
};
