import type { ParamValue, QueryParams } from './query';

/**
 * Collects the values of one query. Fixed roles (from_ms, limit) get their own names so the SQL
 * reads well; user values are numbered f0, f1, ... in order of appearance, so the same inputs
 * always produce the same text.
 */
export interface ParamBinder {
  /** Placeholder for a fixed role; binding the same name twice must carry the same value. */
  named(name: string, type: string, value: ParamValue): string;
  /** Placeholder for the next user value. */
  next(type: string, value: ParamValue): string;
  readonly params: QueryParams;
}

export function createBinder(): ParamBinder {
  const params: Record<string, ParamValue> = {};
  let counter = 0;
  return {
    params,
    named(name, type, value) {
      if (name in params && params[name] !== value) {
        throw new Error(`parameter ${name} bound twice with different values`);
      }
      params[name] = value;
      return `{${name}:${type}}`;
    },
    next(type, value) {
      const name = `f${counter++}`;
      params[name] = value;
      return `{${name}:${type}}`;
    },
  };
}
