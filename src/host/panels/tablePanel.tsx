import React from 'react';
import { PanelPlugin, type PanelProps } from '@grafana/data';
import { TableCellHeight } from '@grafana/schema';
import { Table, type TableSortByFieldState } from '@grafana/ui';
import { addCustomFieldConfig } from './customFieldConfig';
import { NoData } from './NoData';

interface TableOptions {
  showHeader: boolean;
  cellHeight?: TableCellHeight;
  enablePagination?: boolean;
  frameIndex: number;
  sortBy?: TableSortByFieldState[];
  showTypeIcons?: boolean;
}

function TablePanel({
  data,
  width,
  height,
  options,
  fieldConfig,
  timeRange,
  replaceVariables,
}: PanelProps<TableOptions>) {
  const frame = data.series[options.frameIndex] ?? data.series[0];
  if (!frame || frame.length === 0) {
    return <NoData />;
  }
  return (
    <Table
      // A new frame structure must rebuild the table's columns, as Grafana's table panel does.
      key={data.structureRev}
      data={frame}
      width={width}
      height={height}
      noHeader={!options.showHeader}
      showTypeIcons={options.showTypeIcons}
      cellHeight={options.cellHeight}
      enablePagination={options.enablePagination}
      initialSortBy={options.sortBy}
      fieldConfig={fieldConfig}
      timeRange={timeRange}
      replaceVariables={replaceVariables}
      resizable
    />
  );
}

const noEditor = () => null;

/**
 * Stand-in for Grafana's core table panel, on @grafana/ui's Table: field config (units, overrides,
 * data links) reaches the cells because VizPanel applies it with this plugin's registry.
 */
export const tablePanel = new PanelPlugin<TableOptions>(TablePanel)
  .useFieldConfig({
    useCustomConfig: (builder) =>
      addCustomFieldConfig(builder, {
        align: 'auto',
        cellOptions: { type: 'auto' },
        inspect: false,
        filterable: undefined,
        width: undefined,
        minWidth: undefined,
        hidden: undefined,
        hideFrom: undefined,
        hideHeader: undefined,
        sortable: undefined,
        wrapText: undefined,
        wrapHeaderText: undefined,
        tooltip: undefined,
        styleField: undefined,
        footer: undefined,
      }),
  })
  .setPanelOptions((builder) => {
    const defaults: Partial<TableOptions> = {
      showHeader: true,
      frameIndex: 0,
      cellHeight: TableCellHeight.Sm,
      showTypeIcons: false,
    };
    for (const path of [
      'showHeader',
      'cellHeight',
      'enablePagination',
      'frameIndex',
      'sortBy',
      'showTypeIcons',
    ] as const) {
      builder.addCustomEditor({ id: path, path, name: path, editor: noEditor, defaultValue: defaults[path] });
    }
  });
