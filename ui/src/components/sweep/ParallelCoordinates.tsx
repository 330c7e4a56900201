// Params -> objective as parallel coordinates (ECharts `parallel`). Brushing a range on any axis (drag along
// it) selects the trials whose lines pass through every brushed range; the page filters its trial table by it.
import { useEffect, useMemo, useRef, useState } from "react";
import type { EChartsType } from "echarts/core";
import { formatValue } from "../../format";
import { Empty } from "../common";
import { axisStyle, EChart, useChartColors } from "./EChart";
import { isScored, paramAxes, type SweepSummary } from "./types";

export interface ParallelCoordinatesProps {
  summary: SweepSummary;
  /** The run ids inside every brushed range, or null when nothing is brushed. */
  onSelect: (runIds: Set<string> | null) => void;
  /** Changing it clears the brushes. */
  resetKey: number;
}

/** Green for the best values, red for the worst, so good regions of the space stand out. */
function valueColor(value: number, low: number, high: number, mode: string): string {
  const t = high > low ? (value - low) / (high - low) : 0.5;
  const goodness = mode === "minimize" ? 1 - t : t;
  return `hsl(${Math.round(goodness * 130)}, 65%, 48%)`;
}

export function ParallelCoordinates({ summary, onSelect, resetKey }: ParallelCoordinatesProps) {
  const colors = useChartColors();
  const [chart, setChart] = useState<EChartsType>();
  const { trials, sweep } = summary;
  const plotted = useMemo(() => trials.filter(isScored), [trials]);
  const axes = useMemo(() => paramAxes(summary), [summary]);
  const option = useMemo(() => {
    const values = plotted.map((t) => t.value as number);
    const low = Math.min(...values), high = Math.max(...values);
    const style = axisStyle(colors);
    // Every line of a category meets its axis at the label's height: a chip in the page's background keeps
    // the label readable over them (axes draw above the series).
    const categoryLabel = { ...style.axisLabel, backgroundColor: colors.bg, padding: [2, 5], borderRadius: 3 };
    return {
      animation: false,
      parallel: { left: 70, right: 90, top: 60, bottom: 30, parallelAxisDefault: { nameGap: 18, realtime: true } },
      tooltip: { trigger: "item", formatter: (p: any) => `trial #${plotted[p.dataIndex]?.number}: ${sweep.metric} = ${formatValue(plotted[p.dataIndex]?.value)}` },
      parallelAxis: [
        ...axes.map((axis, dim) => ({
          id: `param:${axis.name}`, dim, name: axis.name, type: axis.kind,
          data: axis.kind === "category" ? axis.categories : undefined, scale: axis.kind === "value", ...style,
          ...(axis.kind === "category" ? { axisLabel: categoryLabel } : {}),
        })),
        { id: "objective", dim: axes.length, name: sweep.metric, type: "value", scale: true, ...style,
          nameTextStyle: { color: colors.fg, fontWeight: "bold" } },
      ],
      series: [{
        type: "parallel", smooth: false, inactiveOpacity: 0.06, activeOpacity: 1,
        lineStyle: { width: 1.6, opacity: 0.75 }, emphasis: { lineStyle: { width: 3 } },
        data: plotted.map((t) => ({
          value: [...axes.map((axis) => {
            const v = t.params[axis.name];
            return v === undefined || v === null ? "-" : axis.kind === "category" ? String(v) : v;
          }), t.value],
          lineStyle: { color: valueColor(t.value as number, low, high, sweep.mode) },
        })),
      }],
    };
  }, [plotted, axes, sweep.metric, sweep.mode, colors]);

  const latest = useRef({ plotted, onSelect });
  latest.current = { plotted, onSelect };
  // The trials inside every brushed range, as ECharts marks them (`active`); neither active nor inactive
  // ones means nothing is brushed.
  const on = useMemo(() => ({
    axisareaselected: () => {
      const series = (chart as any)?.getModel().getSeriesByIndex(0);
      if (!series) return;
      const active: number[] = series.getRawIndicesByActiveState("active");
      const inactive: number[] = series.getRawIndicesByActiveState("inactive");
      const { plotted: rows, onSelect: select } = latest.current;
      select(active.length === 0 && inactive.length === 0 ? null : new Set(active.map((i) => rows[i].run_id)));
    },
  }), [chart]);
  // A live sweep's new trials: the chart has them now (the chart's own effect ran first), so the
  // selection is read again and a new trial inside the brushed ranges joins the table.
  useEffect(() => { on.axisareaselected(); }, [on, option]);

  useEffect(() => {
    if (!chart || resetKey === 0) return;
    axes.forEach((_, index) => chart.dispatchAction({ type: "axisAreaSelect", parallelAxisIndex: index, intervals: [] }));
    chart.dispatchAction({ type: "axisAreaSelect", parallelAxisId: "objective", intervals: [] });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [resetKey]);

  if (plotted.length === 0) {
    return <Empty title="No completed trial yet">Parallel coordinates appear once a trial has finished.</Empty>;
  }
  return (
    <>
      <EChart option={option} height={360} label="parallel coordinates" on={on} onChart={setChart} />
      <div className="muted small">Drag along an axis to select a range; the trial table below follows. Click a range to remove it.</div>
    </>
  );
}
