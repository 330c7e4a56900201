// The model registry through MLflow's REST API: registered models, versions, aliases, tags.
import { ApiError, mlflow, type KeyValue } from "../../api";

export interface ModelVersion {
  name: string; version: string; creation_timestamp: number; last_updated_timestamp?: number;
  user_id?: string; current_stage?: string; description?: string; source: string; run_id?: string;
  status?: string; tags?: KeyValue[]; aliases?: string[];
}
export interface RegisteredModel {
  name: string; creation_timestamp: number; last_updated_timestamp?: number; description?: string;
  tags?: KeyValue[]; aliases?: { alias: string; version: string }[]; latest_versions?: ModelVersion[];
}

/** A filter value in MLflow's grammar, which has no escapes: single-quoted, or double-quoted if it holds a `'`. */
export function quote(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

export async function searchModels(text: string): Promise<RegisteredModel[]> {
  const filter = text.trim() ? `name ILIKE ${quote(`%${text.trim()}%`)}` : undefined;
  const found = await mlflow.get<{ registered_models?: RegisteredModel[] }>("registered-models/search",
    { filter, max_results: 1000, order_by: "name ASC" });
  return found.registered_models ?? [];
}

/** The registered model called exactly `name`, or undefined (asked by search, so a miss is no error). */
export async function findModel(name: string): Promise<RegisteredModel | undefined> {
  const found = await mlflow.get<{ registered_models?: RegisteredModel[] }>("registered-models/search",
    { filter: `name = ${quote(name)}`, max_results: 10 });
  return (found.registered_models ?? []).find((model) => model.name === name);
}

export async function getModel(name: string): Promise<RegisteredModel> {
  return (await mlflow.get<{ registered_model: RegisteredModel }>("registered-models/get", { name })).registered_model;
}

export async function listVersions(name: string): Promise<ModelVersion[]> {
  const found = await mlflow.get<{ model_versions?: ModelVersion[] }>("model-versions/search",
    { filter: `name = ${quote(name)}`, max_results: 1000 });
  return (found.model_versions ?? []).sort((a, b) => Number(b.version) - Number(a.version));
}

/** A new version of `name` (created first if it does not exist) whose source is `source`. */
export async function registerVersion(name: string, source: string, runId: string): Promise<ModelVersion> {
  if (!(await findModel(name))) {
    try {
      await mlflow.post("registered-models/create", { name });
    } catch (error) {  // created meanwhile by someone else: use it
      if (!(error instanceof ApiError && error.code === "RESOURCE_ALREADY_EXISTS")) throw error;
    }
  }
  const created = await mlflow.post<{ model_version: ModelVersion }>("model-versions/create",
    { name, source, run_id: runId });
  return created.model_version;
}

export const setAlias = (name: string, alias: string, version: string) =>
  mlflow.post("registered-models/alias", { name, alias, version });
export const deleteAlias = (name: string, alias: string) => mlflow.delete("registered-models/alias", { name, alias });
export const updateModelDescription = (name: string, description: string) =>
  mlflow.patch("registered-models/update", { name, description });
export const updateVersionDescription = (name: string, version: string, description: string) =>
  mlflow.patch("model-versions/update", { name, version, description });
export const setModelTag = (name: string, key: string, value: string) =>
  mlflow.post("registered-models/set-tag", { name, key, value });
export const deleteModelTag = (name: string, key: string) => mlflow.delete("registered-models/delete-tag", { name, key });

/** The command that serves a version over HTTP (`POST /invocations`). */
export function serveCommand(name: string, aliasOrVersion: { alias?: string; version?: string }): string {
  const target = aliasOrVersion.alias ? `${name}@${aliasOrVersion.alias}` : `${name}/${aliasOrVersion.version}`;
  const uri = `models:/${target}`;
  return `autotrack models serve -m ${/^[\w@/.:-]+$/.test(uri) ? uri : `'${uri.replace(/'/g, "'\\''")}'`}`;
}
