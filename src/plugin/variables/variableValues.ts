import { MultiValueVariable, sceneGraph, type SceneObject } from '@grafana/scenes';

/**
 * What a builder needs of a variable: its picked values, [] meaning "no filter" (All, nothing
 * picked, or an empty text box). All must be asked for by name: getValue() then lists every
 * option, which would filter out the groups the options leave out (like '').
 */
export function variableValues(object: SceneObject, name: string): string[] {
  const variable = lookup(object, name);
  if (variable instanceof MultiValueVariable && variable.hasAllValue()) {
    return [];
  }
  const value = variable.getValue();
  const list = Array.isArray(value) ? value : [value];
  return list
    .filter((v): v is string | number => typeof v === 'string' || typeof v === 'number')
    .map(String)
    .filter((v) => v !== '');
}

export function variableText(object: SceneObject, name: string): string {
  const value = lookup(object, name).getValue();
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function lookup(object: SceneObject, name: string) {
  const variable = sceneGraph.lookupVariable(name, object);
  if (!variable) {
    throw new Error(`the page has no variable "${name}"`);
  }
  return variable;
}
