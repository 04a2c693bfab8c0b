import { LoadingState } from '@grafana/data';
import {
  sceneGraph,
  SceneQueryRunner,
  VariableDependencyConfig,
  type QueryRunnerState,
  type SceneObject,
} from '@grafana/scenes';
import { inlineParams } from '../../shared/sql/escape';
import type { BuiltQuery } from '../../shared/sql/query';
import type { TimeRange } from '../../shared/sql/timeRange';
import { variableText, variableValues } from '../variables/variableValues';

/** sqlds' format option as the ClickHouse datasource's query model carries it. */
export const FORMAT = { timeseries: 0, table: 1 } as const;

export interface BuiltTarget {
  readonly refId: string;
  readonly query: BuiltQuery;
  readonly format: keyof typeof FORMAT;
}

export interface BuildContext {
  readonly range: TimeRange;
  /** Series step for about POINTS points over the range; builders round it to their tier. */
  readonly stepSeconds: number;
  /** Picked values of a variable; [] for All or nothing. */
  values(name: string): string[];
  /** A variable's value as text, '' included (text boxes). */
  text(name: string): string;
}

export interface BuiltQueryRunnerState extends QueryRunnerState {
  build: (ctx: BuildContext) => readonly BuiltTarget[];
  /** Variables build() reads: a change to any of them runs the queries again. */
  dependsOn: readonly string[];
}

const POINTS = 300;

/**
 * A SceneQueryRunner whose SQL comes from the shared builders, rebuilt from the variables and the
 * time range before every run. The builders need the range itself (it picks the rollup), so the
 * SQL cannot be a template that the datasource fills in; and because the text is final, nothing
 * of the datasource's variable or ad-hoc rewriting applies to it.
 */
export class BuiltQueryRunner extends SceneQueryRunner {
  constructor(state: Omit<BuiltQueryRunnerState, 'queries'> & { queries?: QueryRunnerState['queries'] }) {
    // A placeholder target: the base class skips running when there are no queries at all.
    super({ queries: [{ refId: 'pending' }], ...state });
    this._variableDependency = new VariableDependencyConfig<QueryRunnerState>(this, {
      variableNames: [...state.dependsOn],
      onVariableUpdateCompleted: () => this.runQueries(),
    });
    this.addActivationHandler(() => {
      // The base class reruns on a time change after a timeout; the SQL must be rebuilt before.
      const sub = sceneGraph.getTimeRange(this).subscribeToState(() => {
        const error = this.rebuild();
        if (error) {
          setTimeout(() => this.showError(error), 0);
        }
      });
      return () => sub.unsubscribe();
    });
  }

  public override runQueries(): void {
    const error = this.rebuild();
    if (error) {
      this.showError(error);
      return;
    }
    super.runQueries();
  }

  /** Sets the built targets; returns the builder's message when it refused the view. */
  private rebuild(): string | undefined {
    try {
      const targets = (this.state as BuiltQueryRunnerState).build(buildContext(this));
      this.setState({
        queries: targets.map((t) => ({
          refId: t.refId,
          rawSql: inlineParams(t.query),
          format: FORMAT[t.format],
          queryType: t.format,
          editorType: 'sql',
        })),
      });
      return undefined;
    } catch (error) {
      this.setState({ queries: [] });
      return error instanceof Error ? error.message : String(error);
    }
  }

  private showError(message: string): void {
    const data = this.state.data;
    this.setState({
      data: {
        series: [],
        timeRange: sceneGraph.getTimeRange(this).state.value,
        ...data,
        state: LoadingState.Error,
        errors: [{ message }],
      },
    });
  }
}

export function buildContext(object: SceneObject): BuildContext {
  const { from, to } = sceneGraph.getTimeRange(object).state.value;
  const range = { fromMs: from.valueOf(), toMs: to.valueOf() };
  const spanSeconds = Math.max(1, (range.toMs - range.fromMs) / 1000);
  return {
    range,
    stepSeconds: Math.max(1, Math.ceil(spanSeconds / POINTS)),
    values: (name) => variableValues(object, name),
    text: (name) => variableText(object, name),
  };
}
