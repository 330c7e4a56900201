// Placeholder until the charts land (uPlot line charts of metric histories, live while RUNNING).
export interface MetricChartsProps {
  /** Runs whose histories are drawn, overlaid in one chart per metric. */
  runIds: string[];
  /** Metrics to draw (default: every metric the runs have). */
  metricKeys?: string[];
  /** Poll for new points while any of the runs is RUNNING. */
  live?: boolean;
}

export function MetricCharts({ runIds }: MetricChartsProps) {
  return <div className="empty">Charts for {runIds.length} run(s) are not built yet.</div>;
}
