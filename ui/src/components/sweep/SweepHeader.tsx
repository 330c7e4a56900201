// What the sweep is (name, metric, direction, algorithm) and where it stands (counts per state, the best trial).
import { Link } from "wouter";
import { formatDuration, formatTime, formatValue } from "../../format";
import { StatusBadge } from "../common";
import type { SweepSummary } from "./types";

const STATES = ["COMPLETE", "FAILED", "PRUNED", "KILLED", "RUNNING"] as const;

export function SweepHeader({ summary }: { summary: SweepSummary }) {
  const { sweep, counts, trials } = summary;
  const best = trials.find((t) => t.run_id === sweep.best_run_id);
  return (
    <section className="sweep-header">
      <div className="sweep-title">
        <h1>{sweep.run_name}</h1>
        <StatusBadge status={sweep.status} />
        <Link href={`/runs/${sweep.run_id}`} className="muted">parent run</Link>
        <Link href={`/experiments/${sweep.experiment_id}`} className="muted">experiment</Link>
      </div>
      <dl className="sweep-facts">
        <div><dt>Metric</dt><dd data-fact="metric">{sweep.metric}</dd></div>
        <div><dt>Goal</dt><dd data-fact="mode">{sweep.mode}</dd></div>
        <div><dt>Algorithm</dt><dd data-fact="algo">{sweep.algo ?? "?"}</dd></div>
        <div><dt>Trials</dt><dd data-fact="total">{counts.total}{sweep.n_trials ? ` of ${sweep.n_trials}` : ""}</dd></div>
        <div><dt>Started</dt><dd>{formatTime(sweep.start_time)}</dd></div>
        <div><dt>Duration</dt><dd>{formatDuration(sweep.start_time, sweep.end_time)}</dd></div>
      </dl>
      <div className="sweep-counts" aria-label="Trials by state">
        {STATES.map((state) => (
          <span key={state} className={`sweep-count status-${state === "COMPLETE" ? "finished" : state.toLowerCase()}`}
            data-state={state}>
            <b>{counts[state] ?? 0}</b> {state.toLowerCase()}
          </span>
        ))}
      </div>
      <div className="sweep-best">
        {best ? (
          <>Best trial: <Link href={`/runs/${best.run_id}`} data-testid="best-trial">#{best.number} {best.run_name}</Link>
            {" "}with {sweep.metric} = <b>{formatValue(best.value)}</b></>
        ) : <span className="muted">No completed trial yet.</span>}
      </div>
    </section>
  );
}
