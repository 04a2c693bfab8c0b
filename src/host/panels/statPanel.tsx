import React from 'react';
import {
  getDisplayValueAlignmentFactors,
  getFieldDisplayValues,
  PanelPlugin,
  ReducerID,
  VizOrientation,
  type FieldDisplay,
  type PanelProps,
  type ReduceDataOptions,
} from '@grafana/data';
import {
  BigValue,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  useTheme2,
  VizRepeater,
} from '@grafana/ui';

interface StatOptions {
  reduceOptions: ReduceDataOptions;
  orientation: VizOrientation;
  textMode: BigValueTextMode;
  colorMode: BigValueColorMode;
  graphMode: BigValueGraphMode;
  justifyMode: BigValueJustifyMode;
}

/**
 * Stand-in for Grafana's core stat panel: values reduced as the stat panel reduces them, drawn by
 * @grafana/ui's BigValue. With nothing to reduce, getFieldDisplayValues yields the field's
 * noValue text ("No data"), which is what Grafana's stat panel shows too.
 */
function StatPanel({ data, width, height, options, fieldConfig, replaceVariables, timeZone }: PanelProps<StatOptions>) {
  const theme = useTheme2();
  const getValues = () =>
    getFieldDisplayValues({
      fieldConfig,
      reduceOptions: options.reduceOptions,
      replaceVariables,
      theme,
      data: data.series,
      timeZone,
    });
  return (
    <VizRepeater<FieldDisplay, ReturnType<typeof getDisplayValueAlignmentFactors>>
      getValues={getValues}
      getAlignmentFactors={getDisplayValueAlignmentFactors}
      renderValue={({ value, width: w, height: h, alignmentFactors }) => (
        <BigValue
          value={value.display}
          width={w}
          height={h}
          theme={theme}
          colorMode={options.colorMode}
          graphMode={options.graphMode}
          justifyMode={options.justifyMode}
          textMode={options.textMode}
          alignmentFactors={alignmentFactors}
        />
      )}
      width={width}
      height={height}
      source={data}
      renderCounter={0}
      orientation={options.orientation}
      autoGrid
    />
  );
}

const STAT_DEFAULTS: StatOptions = {
  reduceOptions: { calcs: [ReducerID.lastNotNull], fields: '', values: false },
  orientation: VizOrientation.Auto,
  textMode: BigValueTextMode.Auto,
  colorMode: BigValueColorMode.Value,
  graphMode: BigValueGraphMode.None,
  justifyMode: BigValueJustifyMode.Auto,
};

const noEditor = () => null;

export const statPanel = new PanelPlugin<StatOptions>(StatPanel).useFieldConfig().setPanelOptions((builder) => {
  for (const [path, defaultValue] of Object.entries(STAT_DEFAULTS)) {
    builder.addCustomEditor({ id: path, path, name: path, editor: noEditor, defaultValue });
  }
});
