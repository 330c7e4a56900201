// The runs being compared, loaded through MLflow's `runs/get`, and what the tables and the scatter read of them.
import { ApiError, mlflow, type Run } from "../../api";

export const MIN_RUNS = 2;
export const MAX_RUNS = 20;

export interface Compared { id: string; name: string; status: string; params: Record<string, string>; metrics: Record<string, number> }

/** Every run, or an error naming each id the server does not know (all of them, not only the first). */
export async function loadRuns(ids: string[]): Promise<Compared[]> {
  const answers = await Promise.allSettled(ids.map((id) => mlflow.get<{ run: Run }>("runs/get", { run_id: id })));
  const unknown = ids.filter((_, i) => {
    const answer = answers[i];
    return answer.status === "rejected" && answer.reason instanceof ApiError && answer.reason.status === 404;
  });
  if (unknown.length) {
    throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST",
      `No run with id ${unknown.join(", ")}. Remove ${unknown.length > 1 ? "them" : "it"} from the address, or pick runs in a runs table.`);
  }
  const failed = answers.find((answer) => answer.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return answers.map((answer) => {
    const run = (answer as PromiseFulfilledResult<{ run: Run }>).value.run;
    return {
      id: run.info.run_id,
      name: run.info.run_name || run.info.run_id.slice(0, 8),
      status: run.info.status,
      params: Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value])),
      metrics: Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, Number(m.value)])),
    };
  });
}

/** The ids in `?runs=a,b,c`, without blanks or repeats. */
export function parseIds(text: string | null): string[] {
  return [...new Set((text ?? "").split(",").map((id) => id.trim()).filter(Boolean))];
}

export function keysOf(runs: Compared[], part: "params" | "metrics"): string[] {
  return [...new Set(runs.flatMap((run) => Object.keys(run[part])))].sort();
}

/** Losses, errors and times are better low; everything else (accuracy, scores, R²) high. */
export function lowerIsBetter(metric: string): boolean {
  return /loss|err|rmse|mse|mae|mape|deviance|perplexity|time|duration|latency|_s$|seconds/i.test(metric);
}

/** A column of the scatter: `params.<key>` or `metrics.<key>`. */
export function columnValue(run: Compared, column: string): number | string | undefined {
  const [part, ...rest] = column.split(".");
  const key = rest.join(".");
  if (part === "metrics") return run.metrics[key];
  const text = run.params[key];
  if (text === undefined) return undefined;
  const number = Number(text);
  return text.trim() !== "" && Number.isFinite(number) ? number : text;
}
