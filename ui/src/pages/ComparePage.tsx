// 2-20 runs side by side (`#/compare?runs=a,b,c`): params with differing values highlighted, latest metrics with
// the best marked, overlaid metric charts, and a scatter of any two columns. The choices live in the URL.
import { Link } from "wouter";
import { ColumnScatter } from "../components/compare/ColumnScatter";
import { MetricsTable } from "../components/compare/MetricsTable";
import { ParamsTable } from "../components/compare/ParamsTable";
import { keysOf, loadRuns, MAX_RUNS, MIN_RUNS, parseIds, type Compared } from "../components/compare/runs";
import { Await, Empty, StatusBadge } from "../components/common";
import { MetricCharts } from "../components/MetricCharts";
import { useApi } from "../hooks";
import { setQuery, useQuery } from "../url";
import "./ComparePage.css";

/** The scatter's default columns: a param that differs (what was changed) against the first metric. */
function defaultColumns(runs: Compared[]): [string, string] {
  const params = keysOf(runs, "params");
  const metrics = keysOf(runs, "metrics").map((key) => `metrics.${key}`);
  const differing = params.filter((key) => new Set(runs.map((run) => run.params[key])).size > 1);
  const x = differing[0] ?? params[0];
  return [x ? `params.${x}` : metrics[1] ?? metrics[0] ?? "", metrics[0] ?? ""];
}

function Comparison({ runs }: { runs: Compared[] }) {
  const query = useQuery();
  const onlyDiffering = query.get("diff") === "1";
  const columns = new Set([...keysOf(runs, "params").map((k) => `params.${k}`), ...keysOf(runs, "metrics").map((k) => `metrics.${k}`)]);
  const [defaultX, defaultY] = defaultColumns(runs);
  const x = columns.has(query.get("x") ?? "") ? query.get("x")! : defaultX;
  const y = columns.has(query.get("y") ?? "") ? query.get("y")! : defaultY;
  return (
    <div className="compare-page">
      <h1>Comparing {runs.length} runs</h1>
      <div className="compare-runs">
        {runs.map((run) => (
          <span key={run.id} className="compare-run">
            <Link href={`/runs/${run.id}`}>{run.name}</Link> <StatusBadge status={run.status} />
          </span>
        ))}
      </div>
      <section>
        <div className="toolbar">
          <h2 className="grow">Params</h2>
          <label><input type="checkbox" checked={onlyDiffering}
            onChange={(e) => setQuery({ diff: e.target.checked ? "1" : null }, { replace: true })} /> only differing</label>
        </div>
        <ParamsTable runs={runs} onlyDiffering={onlyDiffering} />
      </section>
      <section>
        <h2>Metrics</h2>
        <MetricsTable runs={runs} />
      </section>
      <section>
        <h2>Charts</h2>
        <MetricCharts runIds={runs.map((run) => run.id)} />
      </section>
      <section className="card">
        <h2>Scatter</h2>
        {columns.size === 0 ? <div className="muted">These runs have no params or metrics to plot.</div>
          : <ColumnScatter runs={runs} x={x} y={y} />}
      </section>
    </div>
  );
}

export function ComparePage() {
  const ids = parseIds(useQuery().get("runs"));
  const key = ids.join(",");
  const valid = ids.length >= MIN_RUNS && ids.length <= MAX_RUNS;
  const loaded = useApi(() => (valid ? loadRuns(ids) : Promise.resolve([])), [key]);
  if (!valid) {
    return (
      <Empty title={ids.length < MIN_RUNS ? "Pick at least two runs to compare" : `At most ${MAX_RUNS} runs can be compared`}>
        {ids.length < MIN_RUNS
          ? `The address names ${ids.length === 0 ? "no run" : "one run"}. `
          : `The address names ${ids.length} runs. `}
        Select {MIN_RUNS} to {MAX_RUNS} runs in a runs table and press Compare, or list their ids
        as <code>#/compare?runs=id1,id2</code>. <Link href="/">Go to the experiments</Link>.
      </Empty>
    );
  }
  return <Await loaded={loaded} what="Loading the runs">{(runs) => <Comparison runs={runs} />}</Await>;
}
