// Latest metric values side by side; the best run of each metric is marked (low is best for losses and errors).
import { formatValue } from "../../format";
import type { Compared } from "./runs";
import { keysOf, lowerIsBetter } from "./runs";

export function MetricsTable({ runs }: { runs: Compared[] }) {
  const keys = keysOf(runs, "metrics");
  if (keys.length === 0) return <div className="muted">None of these runs logged a metric.</div>;
  return (
    <table className="plain compare-table" data-testid="metrics-table">
      <thead><tr><th>Metric</th><th>Best</th>{runs.map((run) => <th key={run.id}>{run.name}</th>)}</tr></thead>
      <tbody>
        {keys.map((key) => {
          const low = lowerIsBetter(key);
          const values = runs.map((run) => run.metrics[key]);
          const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
          const best = finite.length > 1 ? (low ? Math.min(...finite) : Math.max(...finite)) : undefined;
          return (
            <tr key={key} data-key={key}>
              <th scope="row" className="mono">{key}</th>
              <td className="muted">{low ? "lowest" : "highest"}</td>
              {values.map((value, i) => (
                <td key={runs[i].id} className={`num${value !== undefined && value === best ? " best" : ""}`}
                  title={value !== undefined && value === best ? "best of these runs" : undefined}>
                  {value === undefined ? "—" : formatValue(value)}
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
