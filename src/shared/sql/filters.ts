import { lookup } from './catalog';
import type { Dataset } from './dataset';
import type { ParamBinder } from './params';
import { clickhouseType, validateValue } from './valueKinds';

export type FilterValue = string | number;

/**
 * A condition on one dimension, values always travelling as typed placeholders; or `anyOf`, which
 * holds when all filters of at least one of its lists hold (a flow-graph node is a group on
 * either side of a connection).
 */
export type Filter<D extends string = string> =
  | { readonly dim: D; readonly op: 'eq' | 'neq'; readonly value: FilterValue }
  | { readonly dim: D; readonly op: 'in' | 'notIn'; readonly values: readonly FilterValue[] }
  | { readonly op: 'anyOf'; readonly anyOf: ReadonlyArray<ReadonlyArray<Filter<D>>> };

const OPERATORS = { eq: '=', neq: '!=', in: 'IN', notIn: 'NOT IN' } as const;

export function filterCondition(dataset: Dataset, filter: Filter, binder: ParamBinder): string {
  if (filter.op === 'anyOf') {
    const lists: unknown = (filter as { anyOf?: unknown }).anyOf;
    if (!Array.isArray(lists) || lists.length === 0 || !lists.every((l) => Array.isArray(l) && l.length > 0)) {
      throw new Error(`${dataset.name} filter anyOf: expected a non-empty list of non-empty filter lists`);
    }
    const alternatives = lists.map(
      (list: readonly Filter[]) => `(${list.map((f) => filterCondition(dataset, f, binder)).join(' AND ')})`
    );
    return `(${alternatives.join(' OR ')})`;
  }
  const dim = lookup(dataset.dimensions, filter.dim, `${dataset.name} filter dimension`);
  const operator = lookup(OPERATORS, filter.op, `operator in the filter on ${filter.dim}`);
  if (dim.groupOnly) {
    throw new Error(`${dataset.name} dimension ${filter.dim} can group but not filter (it expands rows)`);
  }
  const input = `${dataset.name} filter on ${filter.dim}`;
  const type = clickhouseType(dim.values);
  if (filter.op === 'eq' || filter.op === 'neq') {
    return `${dim.expr} ${operator} ${binder.next(type, validateValue(dim.values, filter.value, input))}`;
  }
  const list: unknown = (filter as { values?: unknown }).values;
  if (!Array.isArray(list)) {
    throw new Error(`${input}: operator ${filter.op} expects a list in "values"`);
  }
  const values = list.map((v) => validateValue(dim.values, v, input));
  return `${dim.expr} ${operator} ${binder.next(`Array(${type})`, values as string[] | number[])}`;
}

/** Every dimension the filters name, anyOf alternatives included. */
export function filterDimensions(filters: readonly Filter[]): string[] {
  return filters.flatMap((f) =>
    f.op === 'anyOf' ? (Array.isArray(f.anyOf) ? f.anyOf.flatMap((list) => filterDimensions(list)) : []) : [f.dim]
  );
}

/** Filters may name raw-only dimensions, which decides the tier as much as grouping does. */
export function filterNeedsRaw(dataset: Dataset, filters: readonly Filter[]): boolean {
  return filters.some((f) =>
    f.op === 'anyOf'
      ? Array.isArray(f.anyOf) && f.anyOf.some((list) => Array.isArray(list) && filterNeedsRaw(dataset, list))
      : lookup(dataset.dimensions, f.dim, `${dataset.name} filter dimension`).rawOnly
  );
}
