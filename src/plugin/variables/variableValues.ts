import { sceneGraph, type SceneObject } from '@grafana/scenes';

const ALL = '$__all';

/**
 * What a builder needs of a variable: its picked values, [] meaning "no filter" (All, nothing
 * picked, or an empty text box). A variable the scene does not have is a programming error.
 */
export function variableValues(object: SceneObject, name: string): string[] {
  const value = lookup(object, name).getValue();
  const list = Array.isArray(value) ? value : [value];
  const strings = list.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
  return strings.includes(ALL) ? [] : strings.filter((v) => v !== '');
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
