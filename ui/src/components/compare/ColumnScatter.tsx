// Any two columns (params or metrics) of the compared runs against each other, one labelled point per run.
import { useMemo } from "react";
import { formatValue } from "../../format";
import { setQuery } from "../../url";
import { axisStyle, EChart, useChartColors } from "../sweep/EChart";
import { columnValue, keysOf, type Compared } from "./runs";

function axisFor(runs: Compared[], column: string) {
  const values = runs.map((run) => columnValue(run, column)).filter((v) => v !== undefined);
  const numeric = values.every((v) => typeof v === "number");
  return numeric ? { type: "value", scale: true }
    : { type: "category", data: [...new Set(values.map(String))].sort() };
}

export function ColumnScatter({ runs, x, y }: { runs: Compared[]; x: string; y: string }) {
  const colors = useChartColors();
  const columns = useMemo(() => [
    ...keysOf(runs, "params").map((key) => `params.${key}`),
    ...keysOf(runs, "metrics").map((key) => `metrics.${key}`),
  ], [runs]);
  const option = useMemo(() => {
    const xAxis = axisFor(runs, x), yAxis = axisFor(runs, y);
    const style = axisStyle(colors);
    const points = runs.map((run) => ({ name: run.name, x: columnValue(run, x), y: columnValue(run, y) }))
      .filter((p) => p.x !== undefined && p.y !== undefined);
    return {
      animation: false,
      grid: { left: 70, right: 30, top: 30, bottom: 50 },
      tooltip: { trigger: "item", formatter: (p: any) => `${p.data.name}<br/>${x} = ${formatValue(p.data.value[0])}<br/>${y} = ${formatValue(p.data.value[1])}` },
      xAxis: { ...xAxis, name: x, nameLocation: "middle", nameGap: 30, ...style },
      yAxis: { ...yAxis, name: y, ...style },
      series: [{
        type: "scatter", symbolSize: 11, itemStyle: { color: colors.accent },
        label: { show: true, position: "right", color: colors.soft, formatter: (p: any) => p.data.name },
        data: points.map((p) => ({ name: p.name, value: [p.x, p.y] })),
      }],
    };
  }, [runs, x, y, colors]);
  const select = (key: "x" | "y", value: string) => setQuery({ [key]: value }, { replace: true });
  return (
    <div>
      <div className="toolbar">
        <label>x <select aria-label="x column" value={x} onChange={(e) => select("x", e.target.value)}>
          {columns.map((c) => <option key={c} value={c}>{c}</option>)}</select></label>
        <label>y <select aria-label="y column" value={y} onChange={(e) => select("y", e.target.value)}>
          {columns.map((c) => <option key={c} value={c}>{c}</option>)}</select></label>
      </div>
      <EChart option={option} height={340} label="compare scatter" />
    </div>
  );
}
