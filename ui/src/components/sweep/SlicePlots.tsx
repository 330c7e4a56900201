// One small scatter per parameter: the objective against that parameter's value, over completed trials.
import { useMemo } from "react";
import { formatValue } from "../../format";
import { axisStyle, EChart, useChartColors, type ChartColors } from "./EChart";
import { isScored, paramAxes, type ParamAxis, type SweepSummary, type Trial } from "./types";

function sliceOption(axis: ParamAxis, trials: Trial[], metric: string, colors: ChartColors) {
  const style = axisStyle(colors);
  return {
    animation: false,
    title: undefined,
    grid: { left: 56, right: 14, top: 28, bottom: 36 },
    tooltip: { trigger: "item", formatter: (p: any) => `trial #${p.data[2]}<br/>${axis.name} = ${p.data[0]}<br/>${metric} = ${formatValue(p.data[1])}` },
    xAxis: { type: axis.kind, name: axis.name, nameLocation: "middle", nameGap: 24, scale: axis.kind === "value",
      data: axis.kind === "category" ? axis.categories : undefined, ...style },
    yAxis: { type: "value", scale: true, ...style },
    series: [{
      type: "scatter", symbolSize: 7, itemStyle: { color: colors.accent, opacity: 0.8 },
      data: trials.filter((t) => isScored(t) && t.params[axis.name] !== undefined && t.params[axis.name] !== null)
        .map((t) => [axis.kind === "category" ? String(t.params[axis.name]) : t.params[axis.name], t.value, t.number]),
    }],
  };
}

function Slice({ axis, summary }: { axis: ParamAxis; summary: SweepSummary }) {
  const colors = useChartColors();
  const option = useMemo(() => sliceOption(axis, summary.trials, summary.sweep.metric, colors),
    [axis, summary.trials, summary.sweep.metric, colors]);
  return (
    <div className="slice">
      <EChart option={option} height={220} label={`slice ${axis.name}`} />
    </div>
  );
}

export function SlicePlots({ summary }: { summary: SweepSummary }) {
  const axes = useMemo(() => paramAxes(summary), [summary]);
  return <div className="slices">{axes.map((axis) => <Slice key={axis.name} axis={axis} summary={summary} />)}</div>;
}
