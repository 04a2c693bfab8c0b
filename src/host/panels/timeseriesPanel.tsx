import React from 'react';
import { FieldColorModeId, FieldType, PanelPlugin, type DataFrame, type PanelProps } from '@grafana/data';
import { LegendDisplayMode, TimeSeries, type VizLegendOptions } from '@grafana/ui';
import { addCustomFieldConfig } from './customFieldConfig';
import { NoData } from './NoData';

interface TimeseriesOptions {
  legend: VizLegendOptions;
}

/** Grafana's timeseries panel graphs frames with a time field and at least one number field. */
function graphable(frames: DataFrame[]): DataFrame[] {
  return frames.filter(
    (f) =>
      f.length > 0 &&
      f.fields.some((x) => x.type === FieldType.time) &&
      f.fields.some((x) => x.type === FieldType.number)
  );
}

function TimeseriesPanel({ data, width, height, timeZone, options }: PanelProps<TimeseriesOptions>) {
  const frames = graphable(data.series);
  if (frames.length === 0) {
    return <NoData />;
  }
  return (
    <TimeSeries
      frames={frames}
      structureRev={data.structureRev}
      timeRange={data.timeRange}
      timeZone={timeZone}
      width={width}
      height={height}
      legend={options.legend}
      options={options}
    />
  );
}

/** Stand-in for Grafana's core timeseries panel, on @grafana/ui's uPlot TimeSeries. */
export const timeseriesPanel = new PanelPlugin<TimeseriesOptions>(TimeseriesPanel)
  .useFieldConfig({
    standardOptions: { color: { defaultValue: { mode: FieldColorModeId.PaletteClassic } } },
    useCustomConfig: (builder) =>
      // Grafana's defaultGraphConfig, so series look as they would in Grafana.
      addCustomFieldConfig(builder, {
        drawStyle: 'line',
        lineInterpolation: 'linear',
        lineWidth: 1,
        fillOpacity: 0,
        gradientMode: 'none',
        showPoints: 'auto',
        pointSize: 5,
        spanNulls: false,
        insertNulls: false,
        barAlignment: 0,
        barWidthFactor: 0.6,
        stacking: { mode: 'none', group: 'A' },
        axisPlacement: 'auto',
        axisLabel: '',
        axisColorMode: 'text',
        axisBorderShow: false,
        axisCenteredZero: false,
        axisSoftMin: undefined,
        axisSoftMax: undefined,
        scaleDistribution: { type: 'linear' },
        hideFrom: { legend: false, tooltip: false, viz: false },
        thresholdsStyle: { mode: 'off' },
      }),
  })
  .setPanelOptions((builder) =>
    builder.addCustomEditor({
      id: 'legend',
      path: 'legend',
      name: 'Legend',
      editor: () => null,
      defaultValue: { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
    })
  );
