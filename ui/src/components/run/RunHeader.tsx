// The run at a glance: name, status, when, how long, who, from which source and commit.
import { Link } from "wouter";
import { mlflow, type Experiment, type Run } from "../../api";
import { formatDuration, formatTime, shortId } from "../../format";
import { useApi } from "../../hooks";
import { StatusBadge } from "../common";
import { displayStatus, PARENT_TAG, runName, runRoute, SWEEP_TAG, tagMap } from "./runData";

/** The parent by its name (a sweep's trial names its sweep) with a link to it, and to its sweep view when it
 * is one; the short id stands in until the parent is read, or when it cannot be (deleted, no access). */
function ParentLink({ runId }: { runId: string }) {
  const parent = useApi(() => mlflow.get<{ run: Run }>("runs/get", { run_id: runId }).then((found) => found.run),
    [runId]);
  const isSweep = parent.data ? tagMap(parent.data)[SWEEP_TAG] === "parent" : false;
  return (
    <>
      <Link href={runRoute(runId)} className="parent-link" title={runId}>
        {parent.data ? runName(parent.data) : shortId(runId)}
      </Link>
      {isSweep && <> · <Link href={`/sweeps/${runId}`} className="parent-sweep-link">sweep view</Link></>}
    </>
  );
}

export function RunHeader({ run }: { run: Run }) {
  const tags = tagMap(run);
  const info = run.info;
  const parent = tags[PARENT_TAG];
  const commit = tags["mlflow.source.git.commit"];
  const experiment = useApi(() => mlflow.get<{ experiment: Experiment }>("experiments/get", { experiment_id: info.experiment_id })
    .then((found) => found.experiment.name), [info.experiment_id]);
  const experimentName = experiment.data ?? `experiment ${info.experiment_id}`;
  const facts: [string, React.ReactNode][] = [
    ["Run ID", <code>{info.run_id}</code>],
    ["Experiment", <Link href={`/experiments/${info.experiment_id}`}>{experimentName}</Link>],
    ["Started", formatTime(info.start_time)],
    ["Duration", formatDuration(info.start_time, info.end_time) + (info.status === "RUNNING" ? " (running)" : "")],
    ["User", info.user_id || tags["mlflow.user"] || "—"],
    ["Source", tags["mlflow.source.name"] ? <code title={tags["mlflow.source.name"]}>{tags["mlflow.source.name"]}</code> : "—"],
    ["Git commit", commit ? <code title={commit}>{commit.slice(0, 12)}</code> : "—"],
  ];
  if (parent) facts.push(["Parent run", <ParentLink runId={parent} />]);
  return (
    <header className="run-header">
      <nav className="crumbs muted">
        <Link href="/">Experiments</Link> / <Link href={`/experiments/${info.experiment_id}`}>{experimentName}</Link>
        {parent && <> / <Link href={runRoute(parent)}>parent run</Link></>}
      </nav>
      <h1><span className="run-name">{runName(run)}</span> <StatusBadge status={displayStatus(run)} /></h1>
      <dl className="run-facts">
        {facts.map(([label, value]) => (
          <div key={label}><dt>{label}</dt><dd>{value}</dd></div>
        ))}
      </dl>
    </header>
  );
}
