import type { DataFrameJson, FrameField } from './grafanaFrame';

/**
 * The datasource answers a time-series query (format 0) with sqlds' data.LongToWide: a long frame
 * (time, string dimensions, numbers) becomes one time column and one number column per value
 * column and distinct dimension values, those values as its labels; a missing point is null.
 * A frame without a time field or without string fields is returned as it is.
 */
export function longToWide(frame: DataFrameJson): DataFrameJson {
  const { fields } = frame.schema;
  const timeIndex = fields.findIndex((f) => f.type === 'time');
  const dims = fields.flatMap((f, i) => (f.type === 'string' ? [i] : []));
  if (timeIndex < 0 || dims.length === 0) {
    return frame;
  }
  const valueCols = fields.flatMap((f, i) => (i !== timeIndex && f.type !== 'string' ? [i] : []));
  const cols = frame.data.values;
  const rowCount = cols[timeIndex].length;
  const order = Array.from({ length: rowCount }, (_, r) => r).sort(
    (a, b) => Number(cols[timeIndex][a]) - Number(cols[timeIndex][b])
  );

  const times: unknown[] = [];
  const series = new Map<string, { labels: Record<string, string>; points: Map<number, unknown[]> }>();
  for (const r of order) {
    const t = cols[timeIndex][r];
    if (times.length === 0 || times[times.length - 1] !== t) {
      times.push(t);
    }
    const labels = Object.fromEntries(dims.map((d) => [fields[d].name, String(cols[d][r] ?? '')]));
    const key = JSON.stringify(labels);
    let s = series.get(key);
    if (!s) {
      s = { labels, points: new Map() };
      series.set(key, s);
    }
    s.points.set(
      times.length - 1,
      valueCols.map((v) => cols[v][r])
    );
  }

  const outFields: FrameField[] = [fields[timeIndex]];
  const outValues: unknown[][] = [times];
  for (const s of series.values()) {
    valueCols.forEach((v, k) => {
      outFields.push({ ...fields[v], typeInfo: { ...fields[v].typeInfo, nullable: true }, labels: s.labels });
      outValues.push(times.map((_, i) => s.points.get(i)?.[k] ?? null));
    });
  }
  return { schema: { refId: frame.schema.refId, fields: outFields }, data: { values: outValues } };
}
