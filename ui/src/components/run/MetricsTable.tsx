// Latest value of each metric with a sparkline of its history (MLflow's metrics/get-history).
import { mlflow, type Metric } from "../../api";
import { formatValue } from "../../format";
import { useApi, useInterval } from "../../hooks";
import { Empty, ErrorBox } from "../common";
import { Sparkline } from "./Sparkline";

/** Histories are read for this many metrics; more would cost one request each for little to see. */
const MAX_SPARKLINES = 60;

async function histories(runId: string, keys: string[]): Promise<Record<string, Metric[]>> {
  const answers = await Promise.all(keys.slice(0, MAX_SPARKLINES).map((key) =>
    mlflow.get<{ metrics?: Metric[] }>("metrics/get-history", { run_id: runId, metric_key: key })
      .then((found) => [key, found.metrics ?? []] as const)));
  return Object.fromEntries(answers);
}

export function MetricsTable({ runId, metrics, live }: { runId: string; metrics: Metric[]; live: boolean }) {
  const keys = metrics.map((m) => m.key).sort((a, b) => a.localeCompare(b));
  const history = useApi(() => histories(runId, keys), [runId, keys.join("\n")]);
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
            const points = history.data?.[key];
            const last = points?.length ? points.reduce((a, b) => (b.step > a.step || (b.step === a.step && b.timestamp >= a.timestamp) ? b : a)) : undefined;
            return (
              <tr key={key} data-metric={key}>
                <td className="mono">{key}</td>
                <td className="num">{formatValue(last?.value ?? latest[key].value)}</td>
                <td className="num muted">{points ? points.length : ""}</td>
                <td>{points ? <Sparkline points={points} /> : null}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {keys.length > MAX_SPARKLINES && <div className="muted">Sparklines for the first {MAX_SPARKLINES} metrics; the charts tab draws any.</div>}
    </>
  );
}
