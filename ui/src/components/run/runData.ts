// What the run page reads from a run: its tags split into user and system ones, its displayed status.
import type { KeyValue, Run } from "../../api";

export const PARENT_TAG = "mlflow.parentRunId";
export const SWEEP_TAG = "autotrack.sweep";
const TRIAL_STATE_TAG = "autotrack.trial.state";
const SYSTEM_PREFIXES = ["mlflow.", "autotrack."];

export function tagMap(run: Run): Record<string, string> {
  return Object.fromEntries((run.data.tags ?? []).map((tag) => [tag.key, tag.value]));
}

export function isSystemTag(key: string): boolean {
  return SYSTEM_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/** User tags first, then `mlflow.*` / `autotrack.*` ones, each sorted by key. */
export function splitTags(tags: KeyValue[] | undefined): { user: KeyValue[]; system: KeyValue[] } {
  const sorted = [...(tags ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  return { user: sorted.filter((t) => !isSystemTag(t.key)), system: sorted.filter((t) => isSystemTag(t.key)) };
}

/** A sweep trial's own state (PRUNED is kept as a tag), else the run's status. */
export function displayStatus(run: Run): string {
  return tagMap(run)[TRIAL_STATE_TAG] || run.info.status;
}

export function runName(run: Run): string {
  return run.info.run_name || tagMap(run)["mlflow.runName"] || run.info.run_id.slice(0, 8);
}

/** The route of a run's page, with its own query: wouter keeps the current query string on a bare route,
 * and another run's `?artifact=...` would not be found in this one. */
export function runRoute(runId: string, tab = "overview"): string {
  return `/runs/${runId}?tab=${tab}`;
}
