// The sweep endpoints' answers (autotrack/server/ui_sweeps.py).

export type TrialState = "COMPLETE" | "FAILED" | "PRUNED" | "KILLED" | "RUNNING";
export type ParamValue = number | string | boolean | null;

export interface Trial {
  number: number | null;
  run_id: string;
  run_name: string;
  state: TrialState;
  status: string;
  params: Record<string, ParamValue>;
  value: number | null;
  start_time: number;
  end_time: number | null;
  duration_s: number | null;
  error: string | null;
  artifact_uri: string;
}

/** One entry of the recorded search space (`sweep_space.json`). */
export interface SpaceEntry { distribution?: string; low?: number; high?: number; q?: number; values?: ParamValue[] }

export interface SweepSummary {
  sweep: {
    run_id: string; run_name: string; experiment_id: string; status: string; start_time: number;
    end_time: number | null; artifact_uri: string; metric: string; metrics: string[];
    mode: "minimize" | "maximize"; algo: string | null; n_trials: number | null; best_run_id: string | null;
    settings: Record<string, string>; space: Record<string, unknown> | null;
  };
  counts: Record<TrialState, number> & { total: number };
  params: string[];
  trials: Trial[];
}

export interface Importance {
  metric: string;
  importances: { param: string; importance: number }[];
  n_complete: number;
  evaluator: string;
  message: string | null;
}

/** The space's entry for a (dotted) param name, if the sweep recorded one. */
export function spaceEntry(space: Record<string, unknown> | null, name: string): SpaceEntry | undefined {
  let node: unknown = space;
  for (const part of name.split(".")) {
    if (!node || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node && typeof node === "object" && "distribution" in node ? (node as SpaceEntry) : undefined;
}

/** How a param is drawn on an axis: numbers (log scale for log-uniform ones) or categories. */
export interface ParamAxis { name: string; kind: "value" | "log" | "category"; categories: string[] }

export function paramAxes(summary: SweepSummary): ParamAxis[] {
  return summary.params.map((name) => {
    const values = summary.trials.map((t) => t.params[name]).filter((v) => v !== undefined && v !== null);
    const numeric = values.length > 0 && values.every((v) => typeof v === "number");
    const entry = spaceEntry(summary.sweep.space, name);
    if (numeric) {
      const positive = values.every((v) => (v as number) > 0);
      const log = positive && !!entry?.distribution?.endsWith("loguniform");
      return { name, kind: log ? "log" : "value", categories: [] };
    }
    const known = entry?.values?.map(String) ?? [];
    const seen = [...new Set(values.map(String))].sort();
    return { name, kind: "category", categories: [...known, ...seen.filter((v) => !known.includes(v))] };
  });
}

/** A trial the charts draw: completed, with its objective (a pruned trial's value is only its last report). */
export function isScored(trial: Trial): boolean {
  return trial.state === "COMPLETE" && trial.value !== null;
}

/** Best value so far after each trial, in trial order (null until the first completed one). */
export function bestSoFar(trials: Trial[], mode: "minimize" | "maximize"): (number | null)[] {
  let best: number | null = null;
  return trials.map((t) => {
    if (isScored(t) && t.value !== null && (best === null || (mode === "minimize" ? t.value < best : t.value > best))) best = t.value;
    return best;
  });
}
