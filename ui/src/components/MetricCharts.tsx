// Metric histories as line charts: one chart per metric, the runs overlaid with a legend, x = step, wall
// time or relative time, EMA smoothing, log scale. The server downsamples (extremes kept), so a million
// logged points arrive as a few thousand. Live: while a run is RUNNING, the histories are asked again
// every second and the lines grow in place. Settings live in the URL (chart_x, chart_smooth, chart_log).
import { useEffect, useMemo, useState } from "react";
import { ui } from "../api";
import { useApi, useInterval } from "../hooks";
import { href, setQuery, useQuery } from "../url";
import { Await, Empty } from "./common";
import { MetricChart, type Line } from "./charts/MetricChart";
import { ema, pointsPerSeries, positiveOnly, runColor, xValues, X_AXES, type Histories, type XAxis } from "./charts/series";
import "./charts/charts.css";

export interface MetricChartsProps {
  /** Runs whose histories are drawn, overlaid in one chart per metric. */
  runIds: string[];
  /** Metrics to draw (default: every metric the runs have). */
  metricKeys?: string[];
  /** Poll for new points while any of the runs is RUNNING. */
  live?: boolean;
  /** Poll period in milliseconds while live (default 1000). */
  pollMs?: number;
}

/** The `data-theme` of <html>, followed so canvas colours are re-read when the theme switches. */
function useTheme(): string {
  const read = () => document.documentElement.dataset.theme ?? "light";
  const [theme, setTheme] = useState(read);
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(read()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, []);
  return theme;
}

export function MetricCharts({ runIds, metricKeys, live = false, pollMs = 1000 }: MetricChartsProps) {
  const query = useQuery();
  const xAxis = (X_AXES.some((a) => a.value === query.get("chart_x")) ? query.get("chart_x") : "step") as XAxis;
  const smoothing = Math.min(0.99, Math.max(0, Number(query.get("chart_smooth")) || 0));
  const logScale = query.get("chart_log") === "1";
  const theme = useTheme();
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const runKey = runIds.join(",");
  const keysKey = (metricKeys ?? []).join(",");
  const loaded = useApi(() => ui.post<Histories>("metric-histories", {
    run_ids: runIds, metric_keys: metricKeys, max_points: pointsPerSeries(runIds.length),
  }), [runKey, keysKey]);
  const running = !!loaded.data?.runs.some((run) => run.status === "RUNNING");
  useInterval(loaded.reload, pollMs, live && running && !loaded.loading);

  if (runIds.length === 0) return <Empty title="No runs selected">Select runs to chart their metrics.</Empty>;
  return (
    <div className="metric-charts" data-live={live && running ? "1" : "0"}>
      <div className="toolbar chart-controls">
        <label>X axis{" "}
          <select aria-label="X axis" value={xAxis} onChange={(e) => setQuery({ chart_x: e.target.value === "step" ? null : e.target.value })}>
            {X_AXES.map((a) => <option key={a.value} value={a.value}>{a.label}</option>)}
          </select>
        </label>
        <label className="chart-smoothing">Smoothing{" "}
          <input aria-label="Smoothing" type="range" min={0} max={0.99} step={0.01} value={smoothing}
            onChange={(e) => setQuery({ chart_smooth: Number(e.target.value) > 0 ? e.target.value : null }, { replace: true })} />
          <span className="mono">{smoothing.toFixed(2)}</span>
        </label>
        <label><input type="checkbox" aria-label="Log scale" checked={logScale}
          onChange={(e) => setQuery({ chart_log: e.target.checked ? "1" : null })} /> Log scale</label>
        {live && running && <span className="badge status-running" title="New points are fetched every second">live</span>}
      </div>
      <Await loaded={loaded} what="Loading metrics">
        {(data) => <Charts data={data} hidden={hidden} setHidden={setHidden} xAxis={xAxis}
          smoothing={smoothing} logScale={logScale} theme={theme} />}
      </Await>
    </div>
  );
}

interface ChartsProps {
  data: Histories; hidden: Set<string>; setHidden: (hidden: Set<string>) => void;
  xAxis: XAxis; smoothing: number; logScale: boolean; theme: string;
}

function Charts({ data, hidden, setHidden, xAxis, smoothing, logScale, theme }: ChartsProps) {
  const colors = useMemo(() => new Map(data.runs.map((run, index) => [run.run_id, runColor(index)])), [data.runs]);
  const byMetric = useMemo(() => {
    const runs = new Map(data.runs.map((run) => [run.run_id, run]));
    const charts = new Map<string, Line[]>(data.metric_keys.map((key) => [key, []]));
    for (const history of data.histories) {
      if (hidden.has(history.run_id)) continue;
      const run = runs.get(history.run_id)!;
      const smoothed = ema(history.values, smoothing);
      charts.get(history.key)?.push({
        run, color: colors.get(run.run_id)!, xs: xValues(history, xAxis, run), steps: history.steps,
        raw: logScale ? positiveOnly(history.values) : history.values,
        shown: logScale ? positiveOnly(smoothed) : smoothed, count: history.count,
      });
    }
    return [...charts].filter(([, lines]) => lines.length > 0 || hidden.size > 0);
  }, [data, hidden, xAxis, smoothing, logScale, colors]);

  if (data.histories.length === 0) {
    return <Empty title="No metrics logged yet">
      Metrics appear here as they are logged: <code>autotrack.log_metric("loss", value, step=step)</code>, or
      {" "}<code>autotrack.autolog()</code> before training.
    </Empty>;
  }
  const toggle = (runId: string) => {
    const next = new Set(hidden);
    if (next.has(runId)) next.delete(runId); else next.add(runId);
    setHidden(next);
  };
  return (
    <>
      {data.runs.length > 1 && (
        <ul className="chart-legend" aria-label="Runs">
          {data.runs.map((run) => (
            <li key={run.run_id} className={hidden.has(run.run_id) ? "off" : ""}>
              <button className="chart-legend-toggle" onClick={() => toggle(run.run_id)}
                aria-pressed={!hidden.has(run.run_id)} title={hidden.has(run.run_id) ? "Show this run" : "Hide this run"}>
                <span className="chart-swatch" style={{ background: colors.get(run.run_id) }} />
              </button>
              <a href={href(`/runs/${run.run_id}`)}>{run.run_name || run.run_id}</a>
            </li>
          ))}
        </ul>
      )}
      <div className="metric-charts-grid">
        {byMetric.map(([key, lines]) => (
          <MetricChart key={key} title={key} lines={lines} xAxis={xAxis} logScale={logScale}
            smoothing={smoothing} theme={theme} />
        ))}
      </div>
    </>
  );
}
