// Reading a run's artifacts: listings (MLflow's artifacts/list), file text, and what kind of preview fits a file.
import { ApiError, artifactUrl, mlflow } from "../../api";

export interface FileInfo { path: string; is_dir: boolean; file_size?: number }

/** Files bigger than this are offered for download instead of being read into the page. */
export const PREVIEW_LIMIT = 2 * 1024 * 1024;

export async function listArtifacts(runId: string, path: string): Promise<FileInfo[]> {
  const found = await mlflow.get<{ files?: FileInfo[] }>("artifacts/list", { run_id: runId, path: path || undefined });
  return (found.files ?? []).sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
}

export async function fetchText(artifactUri: string, path: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(artifactUrl(artifactUri, path));
  } catch (error) {
    throw new ApiError(0, "UNREACHABLE", `The tracking server does not answer (${error}). Is it still running?`);
  }
  const text = await response.text();
  if (!response.ok) {
    let body: any = {};
    try { body = JSON.parse(text); } catch { /* not MLflow's error format */ }
    throw new ApiError(response.status, body.error_code ?? `HTTP_${response.status}`, body.message ?? text.slice(0, 300));
  }
  return text;
}

export type PreviewKind = "image" | "html" | "json" | "yaml" | "csv" | "tsv" | "mlmodel" | "text" | "binary";

const IMAGE = /\.(png|jpe?g|gif|svg|webp|bmp|ico)$/i;
const TEXT = /\.(txt|log|md|rst|py|ipynb|sh|toml|ini|cfg|conf|xml|js|ts|sql|r|requirements|lock|env|diff|patch)$/i;

export function previewKind(path: string): PreviewKind {
  const name = path.split("/").pop() ?? path;
  if (name === "MLmodel") return "mlmodel";
  if (IMAGE.test(name)) return "image";
  if (/\.html?$/i.test(name)) return "html";
  if (/\.json$/i.test(name)) return "json";
  if (/\.ya?ml$/i.test(name)) return "yaml";
  if (/\.csv$/i.test(name)) return "csv";
  if (/\.tsv$/i.test(name)) return "tsv";
  if (TEXT.test(name) || !name.includes(".")) return "text";
  return "binary";
}

export function baseName(path: string): string {
  return path.split("/").pop() ?? path;
}

export function formatBytes(size: number | undefined): string {
  if (size === undefined || size === null) return "";
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}
