// A sweep (a parent run with trials): where it stands, how the objective improved, which params matter, and
// every trial. One summary call feeds the page; it is polled while the sweep is RUNNING.
import { useMemo, useState } from "react";
import { Link } from "wouter";
import { ApiError, ui } from "../api";
import { ErrorBox, Loading } from "../components/common";
import { OptimizationHistory } from "../components/sweep/OptimizationHistory";
import { ParallelCoordinates } from "../components/sweep/ParallelCoordinates";
import { ParamImportance } from "../components/sweep/ParamImportance";
import { SlicePlots } from "../components/sweep/SlicePlots";
import { SweepHeader } from "../components/sweep/SweepHeader";
import { TrialTable } from "../components/sweep/TrialTable";
import type { SweepSummary } from "../components/sweep/types";
import { useApi, useInterval } from "../hooks";
import "./SweepPage.css";

const POLL_MS = 2000;

export function SweepPage({ runId }: { runId: string }) {
  const loaded = useApi(() => ui.get<SweepSummary>("sweeps/get", { run_id: runId }), [runId]);
  const summary = loaded.data;
  useInterval(loaded.reload, POLL_MS, summary?.sweep.status === "RUNNING");
  const [selected, setSelected] = useState<Set<string> | null>(null);
  const [resetKey, setResetKey] = useState(0);
  const shown = useMemo(() => summary?.trials.filter((t) => !selected || selected.has(t.run_id)) ?? [],
    [summary, selected]);

  if (loaded.error && !summary) {
    const notSweep = loaded.error instanceof ApiError && loaded.error.code === "INVALID_PARAMETER_VALUE";
    return (
      <>
        <ErrorBox error={loaded.error} title={`Sweep ${runId} could not be shown`} />
        {notSweep && <Link href={`/runs/${runId}`}>Open {runId} as a run</Link>}
      </>
    );
  }
  if (!summary) return <Loading what="Loading the sweep" />;
  const live = summary.sweep.status === "RUNNING";
  return (
    <div className="sweep-page">
      {loaded.error && <ErrorBox error={loaded.error} title="The last refresh failed; showing what was loaded before" />}
      <SweepHeader summary={summary} />
      {live && <div className="muted small live-note" role="status">Live: refreshing every {POLL_MS / 1000} s while the sweep runs.</div>}
      <div className="grid-2">
        <section className="card">
          <h2>Optimization history</h2>
          <OptimizationHistory summary={summary} />
        </section>
        <section className="card">
          <h2>Parameter importance</h2>
          <ParamImportance runId={runId} completed={summary.counts.COMPLETE} />
        </section>
      </div>
      <section className="card">
        <h2>Parallel coordinates</h2>
        <ParallelCoordinates summary={summary} onSelect={setSelected} resetKey={resetKey} />
      </section>
      <section className="card">
        <h2>Slices</h2>
        <SlicePlots summary={summary} />
      </section>
      <section>
        <div className="toolbar">
          <h2 className="grow">Trials</h2>
          <span className="muted" data-testid="trial-count">
            {selected ? `${shown.length} of ${summary.trials.length} trials in the brushed ranges`
              : `${summary.trials.length} trials`}
          </span>
          {selected && <button onClick={() => { setSelected(null); setResetKey((k) => k + 1); }}>Clear selection</button>}
        </div>
        <TrialTable trials={shown} params={summary.params} metric={summary.sweep.metric}
          bestRunId={summary.sweep.best_run_id} />
      </section>
    </div>
  );
}
