import React from 'react';
import { LoadingState } from '@grafana/data';
import { sceneGraph, SceneObjectBase, type SceneComponentProps, type SceneObjectState } from '@grafana/scenes';
import { Alert } from '@grafana/ui';
import { testIds } from '../testIds';

export interface DataNoticeState extends SceneObjectState {
  /** What the page shows, for the empty message: "connections", "DNS questions". */
  what: string;
  /** Why the range may be empty and what to do, after the range itself. */
  emptyHint: string;
}

/**
 * Says in words what the panels can only show as a corner icon or "No data": that the page's
 * main query failed (an unreachable datasource, a view the builders refused), or that the range
 * holds nothing, with the range and what to try. Reads the nearest data provider above it.
 */
export class DataNotice extends SceneObjectBase<DataNoticeState> {
  public static Component = DataNoticeRenderer;
}

function DataNoticeRenderer({ model }: SceneComponentProps<DataNotice>) {
  const { what, emptyHint } = model.useState();
  const { data } = sceneGraph.getData(model).useState();
  const range = sceneGraph.getTimeRange(model).useState().value;
  if (!data) {
    return null;
  }
  if (data.state === LoadingState.Error) {
    const message = data.errors?.[0]?.message ?? 'the query failed';
    return (
      <Alert title={`Cannot show ${what}`} severity="error" data-testid={testIds.notice.error}>
        {message}
      </Alert>
    );
  }
  const empty = data.state === LoadingState.Done && data.series.every((frame) => frame.length === 0);
  if (!empty) {
    return null;
  }
  return (
    <Alert title={`No ${what} in this time range`} severity="info" data-testid={testIds.notice.empty}>
      Nothing was recorded between {range.from.toISOString()} and {range.to.toISOString()} (UTC) for the current
      selection. {emptyHint}
    </Alert>
  );
}
