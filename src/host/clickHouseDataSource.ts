import type { DataQuery, ScopedVars, TypedVariableModel } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { expandConditionalAll } from '../shared/sql/macros';

/** A query of grafana-clickhouse-datasource, as the pages write it. */
export interface ClickHouseQuery extends DataQuery {
  rawSql: string;
  format?: number;
  editorType?: string;
}

/** The ClickHouse datasource's own formatter: a multi-value variable becomes a quoted SQL list. */
function formatValue(value: unknown): string {
  return Array.isArray(value) ? `'${value.join("','")}'` : String(value);
}

/** As CHDatasource.applyConditionalAll decides: a variable whose value is '' or $__all selects all. */
function selectsAll(variables: TypedVariableModel[], name: string): boolean {
  const variable = variables.find((v) => v.name === name) as { current?: { value?: unknown } } | undefined;
  const value = String(variable?.current?.value ?? 'not set');
  return value === '' || value === '$__all';
}

/**
 * The frontend half of grafana-clickhouse-datasource: template variables are applied here, as its
 * CHDatasource.applyTemplateVariables does, and the REAL DataSourceWithBackend.query posts the
 * result to /api/ds/query, where the host server expands the backend macros.
 */
export class ClickHouseDataSource extends DataSourceWithBackend<ClickHouseQuery> {
  override applyTemplateVariables(query: ClickHouseQuery, scopedVars: ScopedVars): ClickHouseQuery {
    const templateSrv = getTemplateSrv();
    const variables = templateSrv.getVariables();
    const sql = expandConditionalAll(query.rawSql ?? '', (name) => selectsAll(variables, name));
    return { ...query, rawSql: templateSrv.replace(sql, scopedVars, formatValue) };
  }
}
