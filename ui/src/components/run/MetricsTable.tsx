// Latest value of each metric with a sparkline of its history. All of a run's histories come in one call to
// the charts' endpoint (`metric-histories`), thinned on the server to a sparkline's width, extremes kept:
// one request per page however many metrics, and a million-point metric costs no more than a short one.
import { ui, type Metric } from "../../api";
import { formatValue } from "../../format";
import { useApi, useInterval } from "../../hooks";
import { Empty, ErrorBox } from "../common";
import { Sparkline } from "./Sparkline";

/** Points kept per sparkline: two per pixel column of its 120 px. */
const SPARK_POINTS = 240;

interface Series { key: string; count: number; steps: number[]; timestamps: number[]; values: (number | null)[] }

async function histories(runId: string): Promise<Record<string, { count: number; points: Metric[] }>> {
  const found = await ui.post<{ histories: Series[] }>("metric-histories", { run_ids: [runId], max_points: SPARK_POINTS });
  return Object.fromEntries(found.histories.map((series) => [series.key, {
    count: series.count,
    points: series.values.flatMap((value, i) => value === null ? [] :
      [{ key: series.key, value, step: series.steps[i], timestamp: series.timestamps[i] }]),
  }]));
}

export function MetricsTable({ runId, metrics, live }: { runId: string; metrics: Metric[]; live: boolean }) {
  const keys = metrics.map((m) => m.key).sort((a, b) => a.localeCompare(b));
  const history = useApi(() => histories(runId), [runId, keys.join("\n")]);
  useInterval(history.reload, 3000, live);
  if (!keys.length) {
    return <Empty title="No metrics">Log one with <code>autotrack.log_metric("loss", value, step=step)</code>.</Empty>;
  }
  const latest = Object.fromEntries(metrics.map((m) => [m.key, m]));
  return (
    <>
      {history.error && <ErrorBox error={history.error} title="Metric histories could not be read" />}
      <table className="plain metrics-table">
        <thead><tr><th>Metric</th><th className="num">Latest</th><th className="num">Steps</th><th>History</th></tr></thead>
        <tbody>
          {keys.map((key) => {
            const series = history.data?.[key];
            return (
              <tr key={key} data-metric={key}>
                <td className="mono">{key}</td>
                <td className="num">{formatValue(latest[key].value)}</td>
                <td className="num muted">{series ? series.count : ""}</td>
                <td>{series ? <Sparkline points={series.points} count={series.count} /> : null}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
