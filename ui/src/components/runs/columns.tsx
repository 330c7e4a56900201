// The runs table's columns: the fixed ones (name, status, start, duration) and the metrics, params and
// tags the user picks, each knowing how it sorts on the server (MLflow's order_by) and how it renders.
import { formatDuration, formatTime, formatValue } from "../../format";
import type { RunKeys, RunRow } from "./types";

export interface Column {
  /** `attributes.start_time`, `metrics.loss`, `params.lr`, `tags.team`: also its id in the URL. */
  id: string;
  label: string;
  /** What the header says the column holds (metric, param, tag), empty for run fields. */
  kind: string;
  width: number;
  sortable: boolean;
  numeric: boolean;
  text: (row: RunRow) => string;
}

const ENTITY = /^(metrics|params|tags|attributes)\.(.+)$/;

/** MLflow's order_by clause for a column id (`metrics.val loss` -> metrics.`val loss` DESC). */
export function orderBy(id: string, descending: boolean): string {
  const [, entity, key] = ENTITY.exec(id) ?? [];
  return `${entity}.\`${key}\` ${descending ? "DESC" : "ASC"}`;
}

export const FIXED: Column[] = [
  { id: "attributes.run_name", label: "Name", kind: "", width: 400, sortable: true, numeric: false, text: (row) => row.name },
  { id: "attributes.status", label: "Status", kind: "", width: 110, sortable: true, numeric: false, text: (row) => row.status },
  { id: "attributes.start_time", label: "Started", kind: "", width: 165, sortable: true, numeric: false, text: (row) => formatTime(row.start) },
  { id: "duration", label: "Duration", kind: "", width: 90, sortable: false, numeric: true, text: (row) => formatDuration(row.start, row.end) },
];

/** A column for a chosen `metrics.*`, `params.*` or `tags.*` key. */
export function keyColumn(id: string): Column {
  const [, entity, key] = ENTITY.exec(id) ?? ["", "tags", id];
  return {
    id, label: key, kind: entity === "metrics" ? "metric" : entity === "params" ? "param" : "tag",
    width: entity === "tags" ? 160 : 140, sortable: true, numeric: entity === "metrics",
    text: entity === "params" ? (row) => paramText(row.cells[id]) : (row) => formatValue(row.cells[id]),
  };
}

const LONG_NUMBER = /^[-+]?\d*\.\d{6,}(e[-+]?\d+)?$/i;

/** Params are strings; a long float (a sampled learning rate) reads better rounded (the cell's title keeps it whole). */
function paramText(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return LONG_NUMBER.test(text) ? formatValue(Number(text)) : text;
}

const DEFAULT_EACH = 6; // varying metrics, and varying params, shown by default

/** Default chosen keys: the metrics and params whose values differ between runs (a few of each). */
export function defaultKeys(keys: RunKeys | undefined): string[] {
  if (!keys) return [];
  const varying = (infos: RunKeys["metrics"], prefix: string) =>
    infos.filter((info) => info.values > 1).slice(0, DEFAULT_EACH).map((info) => `${prefix}.${info.key}`);
  return [...varying(keys.metrics, "metrics"), ...varying(keys.params, "params")];
}
