/**
 * What every SQL builder returns: text with typed placeholders `{name:Type}` and their values, the
 * form @clickhouse/client binds server-side. Where a consumer cannot bind (a Grafana datasource
 * query), inlineParams in escape.ts renders the values through the one escaping path.
 */
export type ParamValue = string | number | boolean | readonly string[] | readonly number[];
export type QueryParams = Record<string, ParamValue>;

export interface BuiltQuery {
  readonly sql: string;
  readonly params: QueryParams;
}
