// Charts of any runs, by URL: `?runs=a,b,c&metrics=loss,acc#/charts` (shareable; the benchmark opens it).
import { MetricCharts } from "../components/MetricCharts";
import { useQuery } from "../url";

export function ChartsPage() {
  const query = useQuery();
  const list = (name: string) => (query.get(name) ?? "").split(",").filter(Boolean);
  const runIds = list("runs");
  const metrics = list("metrics");
  return (
    <div>
      <h1>Charts</h1>
      <MetricCharts runIds={runIds} metricKeys={metrics.length ? metrics : undefined} live />
    </div>
  );
}
