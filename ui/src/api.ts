// The server's JSON API: MLflow's REST paths (api/2.0/mlflow/...) and autotrack's own UI endpoints
// (api/autotrack/ui/...). URLs are relative to the page, which the server serves at `/`.

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message);
  }
}

type Params = Record<string, string | number | boolean | string[] | undefined | null>;

function url(path: string, params?: Params): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(key, String(item));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function request<T>(method: string, path: string, params?: Params, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url(path, params), {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, "UNREACHABLE", `The tracking server does not answer (${error}). Is it still running?`);
  }
  const text = await response.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    throw new ApiError(response.status, json?.error_code ?? `HTTP_${response.status}`,
      json?.message ?? (text.slice(0, 300) || response.statusText));
  }
  if (json === undefined) throw new ApiError(response.status, "BAD_RESPONSE", "The server answered with something that is not JSON.");
  return json as T;
}

/** MLflow's REST API: `mlflow.get("runs/get", {run_id})`. */
export const mlflow = {
  get: <T = any>(path: string, params?: Params) => request<T>("GET", `api/2.0/mlflow/${path}`, params),
  post: <T = any>(path: string, body: unknown) => request<T>("POST", `api/2.0/mlflow/${path}`, undefined, body),
  patch: <T = any>(path: string, body: unknown) => request<T>("PATCH", `api/2.0/mlflow/${path}`, undefined, body),
  delete: <T = any>(path: string, body: unknown) => request<T>("DELETE", `api/2.0/mlflow/${path}`, undefined, body),
};

/** autotrack's own endpoints for what MLflow's API lacks (columnar tables, downsampled histories, sweeps). */
export const ui = {
  get: <T = any>(path: string, params?: Params) => request<T>("GET", `api/autotrack/ui/${path}`, params),
  post: <T = any>(path: string, body: unknown) => request<T>("POST", `api/autotrack/ui/${path}`, undefined, body),
};

/** The URL that downloads one artifact of a run through the server's artifact proxy
 * (`artifactUri` is the run's `mlflow-artifacts:/<experiment>/<run>/artifacts`). */
export function artifactUrl(artifactUri: string, path: string): string {
  const root = artifactUri.replace(/^mlflow-artifacts:\/*/, "");
  const full = [root, path].filter(Boolean).join("/");
  return "api/2.0/mlflow-artifacts/artifacts/" + full.split("/").map(encodeURIComponent).join("/");
}

// MLflow's JSON shapes, as the server answers them.
export interface KeyValue { key: string; value: string }
export interface Metric { key: string; value: number; timestamp: number; step: number }
export interface Experiment {
  experiment_id: string; name: string; artifact_location: string; lifecycle_stage: string;
  last_update_time?: number; creation_time?: number; tags?: KeyValue[];
}
export interface RunInfo {
  run_id: string; run_name?: string; experiment_id: string; status: string; start_time: number;
  end_time?: number; artifact_uri: string; lifecycle_stage: string; user_id?: string;
}
export interface Run { info: RunInfo; data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] } }
