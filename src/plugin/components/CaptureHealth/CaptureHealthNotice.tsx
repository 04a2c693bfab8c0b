import React from 'react';
import { LoadingState, type DataFrame } from '@grafana/data';
import { sceneGraph, SceneObjectBase, type SceneComponentProps, type SceneObjectState } from '@grafana/scenes';
import { Alert } from '@grafana/ui';
import { agentHealthSummaryQuery } from '../../../shared/sql/agentHealth';
import type { PageSettings } from '../../pages/pageSettings';
import { BuiltQueryRunner } from '../../queries/BuiltQueryRunner';
import { testIds } from '../testIds';

/** Losses that make every number on the page short, in the words the notice uses. */
const LOSSES = {
  lost_events: 'events lost by bpftrace',
  map_full_errors: 'map-full errors',
  malformed_lines: 'malformed lines',
  records_dropped: 'records dropped',
  intervals_short_of_probes: 'intervals with probes missing',
} as const;

/**
 * Says, above the data, when the agents lost some of it in this range (agent_health): how much,
 * of what kind, on which nodes, and the capture gaps behind holes in the charts. Quiet otherwise.
 */
export class CaptureHealthNotice extends SceneObjectBase<SceneObjectState> {
  public static Component = CaptureHealthRenderer;

  static create(settings: PageSettings): CaptureHealthNotice {
    return new CaptureHealthNotice({
      $data: new BuiltQueryRunner({
        datasource: settings.datasource,
        dependsOn: [],
        build: (ctx) => [
          { refId: 'health', query: agentHealthSummaryQuery(ctx.range, settings.database), format: 'table' },
        ],
      }),
    });
  }
}

function column(frame: DataFrame, name: string): unknown[] {
  return frame.fields.find((f) => f.name === name)?.values ?? [];
}

const total = (frame: DataFrame, name: string) => column(frame, name).reduce<number>((s, v) => s + Number(v ?? 0), 0);

function CaptureHealthRenderer({ model }: SceneComponentProps<CaptureHealthNotice>) {
  const { data } = sceneGraph.getData(model).useState();
  const frame = data?.state === LoadingState.Done ? data.series[0] : undefined;
  if (!frame || frame.length === 0) {
    return null;
  }
  const losses = Object.entries(LOSSES)
    .map(([name, words]) => [total(frame, name), words] as const)
    .filter(([n]) => n > 0);
  const gaps = total(frame, 'gaps');
  if (losses.length === 0 && gaps === 0) {
    return null;
  }
  const nodes = column(frame, 'node')
    .filter(
      (_, i) =>
        Object.keys(LOSSES).some((name) => Number(column(frame, name)[i] ?? 0) > 0) ||
        Number(column(frame, 'gaps')[i]) > 0
    )
    .map(String);
  const gapSeconds = Math.round(total(frame, 'gap_ms') / 1000);
  return (
    <Alert
      title={
        losses.length > 0
          ? 'Capture lost data in this range: the figures below are short'
          : 'Capture had gaps in this range'
      }
      severity={losses.length > 0 ? 'warning' : 'info'}
      data-testid={testIds.notice.captureHealth}
    >
      {[
        ...losses.map(([n, words]) => `${n.toLocaleString('en-US')} ${words}`),
        ...(gaps > 0 ? [`${gaps} capture gap${gaps === 1 ? '' : 's'} (${gapSeconds} s in all)`] : []),
      ].join(', ')}{' '}
      on {nodes.join(', ')}. The agents&apos; own rows in agent_health say when and why; the terminal status of{' '}
      <code>netmon up</code> shows the same counters live.
    </Alert>
  );
}
