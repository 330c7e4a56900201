// Params side by side; a row whose values are not all the same is marked `differs` (and can be shown alone).
import type { Compared } from "./runs";
import { keysOf } from "./runs";

export function ParamsTable({ runs, onlyDiffering }: { runs: Compared[]; onlyDiffering: boolean }) {
  const keys = keysOf(runs, "params");
  const rows = keys.map((key) => {
    const values = runs.map((run) => run.params[key]);
    return { key, values, differs: new Set(values.map((v) => v ?? "\u0000missing")).size > 1 };
  }).filter((row) => row.differs || !onlyDiffering);
  if (keys.length === 0) return <div className="muted">None of these runs logged a param.</div>;
  return (
    <table className="plain compare-table" data-testid="params-table">
      <thead><tr><th>Param</th>{runs.map((run) => <th key={run.id}>{run.name}</th>)}</tr></thead>
      <tbody>
        {rows.map(({ key, values, differs }) => (
          <tr key={key} data-key={key} className={differs ? "differs" : ""}>
            <th scope="row" className="mono">{key}</th>
            {values.map((value, i) => <td key={runs[i].id} className={value === undefined ? "muted" : ""}>{value ?? "—"}</td>)}
          </tr>
        ))}
        {rows.length === 0 && <tr><td colSpan={runs.length + 1} className="muted">Every param has the same value in all runs.</td></tr>}
      </tbody>
    </table>
  );
}
