import type { DataFrame, DataQueryRequest, DataQueryResponse } from '@grafana/data';
import { VariableRefresh, type DataQuery, type DataSourceRef } from '@grafana/schema';
import { getDataSourceSrv } from '@grafana/runtime';
import {
  CustomVariable,
  MultiValueVariable,
  sceneGraph,
  VariableDependencyConfig,
  type MultiValueVariableState,
  type VariableValueOption,
} from '@grafana/scenes';
import { from, map, mergeMap, type Observable } from 'rxjs';
import { inlineParams } from '../../shared/sql/escape';
import type { BuiltQuery } from '../../shared/sql/query';
import { buildContext, FORMAT, type BuildContext } from '../queries/BuiltQueryRunner';
import { keepPicked } from './keepPicked';

export interface BuiltValuesVariableState extends MultiValueVariableState {
  datasource: DataSourceRef;
  /** A builder query whose first column holds the values, best first. */
  query: (ctx: BuildContext) => BuiltQuery;
  /** Variables the query reads. */
  parents: readonly string[];
  refresh: VariableRefresh;
}

/**
 * A picker whose options come from a shared builder over the page's time range (so they come
 * from the rollups, busiest first), run through the datasource like any panel query.
 */
export class BuiltValuesVariable extends MultiValueVariable<BuiltValuesVariableState> {
  public static Component = CustomVariable.Component;

  constructor(
    state: Omit<BuiltValuesVariableState, 'type' | 'refresh' | 'options' | 'value' | 'text'> &
      Partial<BuiltValuesVariableState>
  ) {
    super({
      type: 'custom',
      options: [],
      value: [],
      text: [],
      isMulti: true,
      includeAll: true,
      defaultToAll: true,
      refresh: VariableRefresh.onTimeRangeChanged,
      ...state,
    });
    this._variableDependency = new VariableDependencyConfig(this, { variableNames: [...state.parents] });
  }

  public getValueOptions(): Observable<VariableValueOption[]> {
    const ctx = buildContext(this);
    const rawSql = inlineParams(this.state.query(ctx));
    const range = sceneGraph.getTimeRange(this).state.value;
    const target: DataQuery & Record<string, unknown> = {
      refId: 'values',
      rawSql,
      format: FORMAT.table,
      queryType: 'table',
      editorType: 'sql',
    };
    const request: DataQueryRequest = {
      app: 'netmon',
      requestId: `netmon-values-${this.state.name}`,
      range,
      interval: `${ctx.stepSeconds}s`,
      intervalMs: ctx.stepSeconds * 1000,
      maxDataPoints: 1000,
      scopedVars: {},
      timezone: 'utc',
      startTime: Date.now(),
      targets: [target],
    };
    return from(getDataSourceSrv().get(this.state.datasource)).pipe(
      mergeMap((ds) => from(ds.query(request) as Observable<DataQueryResponse> | Promise<DataQueryResponse>)),
      map((response) => {
        const error = response.errors?.[0];
        if (error) {
          throw new Error(error.message ?? 'the values query failed');
        }
        return optionsOf(response.data[0] as DataFrame | undefined);
      })
    );
  }

  protected override interceptStateUpdateAfterValidation(update: Partial<MultiValueVariableState>): void {
    super.interceptStateUpdateAfterValidation(update);
    keepPicked(this.state, this.hasAllValue(), update);
  }
}

function optionsOf(frame: DataFrame | undefined): VariableValueOption[] {
  const values = frame?.fields[0]?.values ?? [];
  const seen = new Set<string>();
  for (const v of values) {
    const text = v === null || v === undefined ? '' : String(v);
    if (text !== '') {
      seen.add(text);
    }
  }
  return [...seen].map((v) => ({ label: v, value: v }));
}
