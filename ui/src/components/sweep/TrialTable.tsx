// Every trial of the sweep (or those the parallel coordinates select): state, objective, params, duration.
// A failed trial's row opens to its traceback; sorting lives in the URL (`tsort`, `tdesc`).
import { Fragment, useMemo, useState } from "react";
import { Link } from "wouter";
import { artifactUrl } from "../../api";
import { formatValue } from "../../format";
import { useApi } from "../../hooks";
import { setQuery, useQuery } from "../../url";
import { Await, StatusBadge } from "../common";
import type { ParamValue, Trial } from "./types";

async function readTraceback(trial: Trial): Promise<string> {
  const response = await fetch(artifactUrl(trial.artifact_uri, "traceback.txt"));
  if (!response.ok) throw new Error(`The traceback of run ${trial.run_id} could not be read (HTTP ${response.status}).`);
  return response.text();
}

function Traceback({ trial }: { trial: Trial }) {
  const loaded = useApi(() => readTraceback(trial), [trial.run_id]);
  return (
    <Await loaded={loaded} what="Reading the traceback">
      {(text) => <pre className="traceback" data-testid="traceback">{text}</pre>}
    </Await>
  );
}

function formatParam(value: ParamValue | undefined): string {
  return typeof value === "boolean" ? String(value) : formatValue(value);
}

type SortKey = string; // "number" | "value" | "duration" | "param:<name>"

function sortValue(trial: Trial, key: SortKey): ParamValue {
  if (key === "value") return trial.value;
  if (key === "duration") return trial.duration_s;
  if (key.startsWith("param:")) return trial.params[key.slice(6)] ?? null;
  return trial.number;
}

function compare(a: ParamValue, b: ParamValue): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1; // missing values last
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

export function TrialTable({ trials, params, metric, bestRunId }: {
  trials: Trial[]; params: string[]; metric: string; bestRunId: string | null;
}) {
  const query = useQuery();
  const sort = query.get("tsort") || "number";
  const descending = query.get("tdesc") === "1";
  const [open, setOpen] = useState<Set<string>>(new Set());
  const rows = useMemo(() => {
    const sorted = [...trials].sort((a, b) => compare(sortValue(a, sort), sortValue(b, sort)));
    return descending ? sorted.reverse() : sorted;
  }, [trials, sort, descending]);
  const toggle = (runId: string) => setOpen((previous) => {
    const next = new Set(previous);
    if (next.has(runId)) next.delete(runId); else next.add(runId);
    return next;
  });
  const header = (key: SortKey, label: string, className = "") => (
    <th className={className} aria-sort={sort === key ? (descending ? "descending" : "ascending") : "none"}>
      <button className="sort" onClick={() => setQuery({ tsort: key, tdesc: sort === key && !descending ? "1" : null }, { replace: true })}>
        {label}{sort === key ? (descending ? " ▼" : " ▲") : ""}
      </button>
    </th>
  );
  const columns = 6 + params.length;
  return (
    <table className="plain trial-table" data-testid="trial-table">
      <thead>
        <tr>
          {header("number", "#", "num")}
          <th>Run</th>
          <th>State</th>
          {header("value", metric, "num")}
          {params.map((name) => <Fragment key={name}>{header(`param:${name}`, name)}</Fragment>)}
          {header("duration", "Duration", "num")}
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((trial) => (
          <Fragment key={trial.run_id}>
            <tr data-run-id={trial.run_id} data-state={trial.state} className={trial.run_id === bestRunId ? "best" : ""}>
              <td className="num">{trial.number}</td>
              <td><Link href={`/runs/${trial.run_id}`}>{trial.run_name}</Link>{trial.run_id === bestRunId && <span className="best-mark" title="best trial"> ★</span>}</td>
              <td><StatusBadge status={trial.state === "COMPLETE" ? "FINISHED" : trial.state} /></td>
              <td className="num">{formatValue(trial.value)}</td>
              {params.map((name) => <td key={name} className={typeof trial.params[name] === "number" ? "num" : ""}>
                {formatParam(trial.params[name])}</td>)}
              <td className="num">{trial.duration_s === null ? "" : `${trial.duration_s.toFixed(2)}s`}</td>
              <td className="trial-error">
                {trial.state === "FAILED" && (
                  <button className="link" onClick={() => toggle(trial.run_id)} aria-expanded={open.has(trial.run_id)}>
                    {open.has(trial.run_id) ? "▾" : "▸"} {trial.error ?? "traceback"}
                  </button>
                )}
              </td>
            </tr>
            {open.has(trial.run_id) && (
              <tr className="traceback-row"><td colSpan={columns}><Traceback trial={trial} /></td></tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}
