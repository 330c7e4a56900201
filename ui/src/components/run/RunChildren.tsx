// The runs nested under this one (`tags.mlflow.parentRunId`): a sweep's trials, a search's fits.
import { Link } from "wouter";
import { mlflow, type Run } from "../../api";
import { formatDuration, formatTime, formatValue } from "../../format";
import { useApi, useInterval } from "../../hooks";
import { ErrorBox, StatusBadge } from "../common";
import { displayStatus, PARENT_TAG, runName, runRoute, SWEEP_TAG, tagMap } from "./runData";

const SHOWN = 200;

export function RunChildren({ run, live }: { run: Run; live: boolean }) {
  const { run_id: runId, experiment_id: experimentId } = run.info;
  const children = useApi(() => mlflow.post<{ runs?: Run[] }>("runs/search", {
    experiment_ids: [experimentId], filter: `tags.\`${PARENT_TAG}\` = '${runId}'`, max_results: SHOWN,
    order_by: ["attributes.start_time ASC"],
  }), [runId, experimentId]);
  useInterval(children.reload, 3000, live);
  if (children.error) return <ErrorBox error={children.error} title="Child runs could not be read" />;
  const runs = children.data?.runs ?? [];
  if (!runs.length) return null;
  const isSweep = tagMap(run)[SWEEP_TAG] === "parent";
  return (
    <section className="run-children">
      <h2>Child runs <span className="muted">({runs.length}{runs.length === SHOWN ? "+" : ""})</span>
        {isSweep && <> · <Link href={`/sweeps/${runId}`}>open the sweep view</Link></>}</h2>
      <table className="plain">
        <thead><tr><th>Name</th><th>Status</th><th>Started</th><th className="num">Duration</th><th>Latest metrics</th></tr></thead>
        <tbody>
          {runs.map((child) => (
            <tr key={child.info.run_id}>
              <td><Link href={runRoute(child.info.run_id)}>{runName(child)}</Link></td>
              <td><StatusBadge status={displayStatus(child)} /></td>
              <td>{formatTime(child.info.start_time)}</td>
              <td className="num">{formatDuration(child.info.start_time, child.info.end_time)}</td>
              <td className="muted child-metrics">
                {(child.data.metrics ?? []).slice(0, 4).map((m) => `${m.key}=${formatValue(m.value)}`).join("  ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
