// The objective of each completed trial in trial order, and the best value so far as a step line.
import { useMemo } from "react";
import { formatValue } from "../../format";
import { Empty } from "../common";
import { axisStyle, EChart, useChartColors } from "./EChart";
import { bestSoFar, isScored, type SweepSummary } from "./types";

export function OptimizationHistory({ summary }: { summary: SweepSummary }) {
  const colors = useChartColors();
  const { trials, sweep } = summary;
  const option = useMemo(() => {
    const ordered = [...trials].sort((a, b) => (a.number ?? 0) - (b.number ?? 0));
    const best = bestSoFar(ordered, sweep.mode);
    const axis = axisStyle(colors);
    return {
      animation: false,
      grid: { left: 60, right: 20, top: 30, bottom: 40 },
      tooltip: { trigger: "item", formatter: (p: any) => `trial #${p.value[0]}<br/>${p.seriesName}: ${formatValue(p.value[1])}` },
      legend: undefined,
      xAxis: { type: "value", name: "trial", nameLocation: "middle", nameGap: 26, minInterval: 1, ...axis },
      yAxis: { type: "value", name: sweep.metric, scale: true, ...axis },
      series: [
        { name: sweep.metric, type: "scatter", symbolSize: 8, itemStyle: { color: colors.accent },
          data: ordered.filter(isScored).map((t) => [t.number, t.value]) },
        { name: `best ${sweep.metric}`, type: "line", step: "end", showSymbol: false, lineStyle: { color: colors.ok },
          data: ordered.map((t, i) => [t.number, best[i]]).filter(([, v]) => v !== null) },
      ],
    };
  }, [trials, sweep.mode, sweep.metric, colors]);
  if (!trials.some(isScored)) {
    return <Empty title="No completed trial yet">The history fills in as trials finish.</Empty>;
  }
  return <EChart option={option} height={280} label="optimization history" />;
}
