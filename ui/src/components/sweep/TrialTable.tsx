// Every trial of the sweep (or those the parallel coordinates select): state, objective, params, duration.
// A failed trial's row opens to its traceback; sorting lives in the URL (`tsort`, `tdesc`). Rows are
// virtualized (only those in view are in the DOM) so a 10,000-trial sweep scrolls as smoothly as 16;
// a fixed column layout keeps widths steady while rows come and go, and long cells end in an ellipsis.
import { useVirtualizer } from "@tanstack/react-virtual";
import { Fragment, useMemo, useRef, useState } from "react";
import { Link } from "wouter";
import { artifactUrl } from "../../api";
import { formatValue } from "../../format";
import { useApi } from "../../hooks";
import { setQuery, useQuery } from "../../url";
import { Await, StatusBadge } from "../common";
import type { ParamValue, Trial } from "./types";
import "./TrialTable.css";

const ROW_HEIGHT = 33;
const FIXED_WIDTH = 52 + 180 + 108 + 96 + 80; // the columns of TrialTable.css other than params and Error

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
  const sorted = useMemo(() => {
    const sorted = [...trials].sort((a, b) => compare(sortValue(a, sort), sortValue(b, sort)));
    return descending ? sorted.reverse() : sorted;
  }, [trials, sort, descending]);
  // One virtual item per <tr>: a trial, or the traceback opened under it (measured, its height varies).
  const rows = useMemo(() => sorted.flatMap((trial) => open.has(trial.run_id)
    ? [{ trial, traceback: false }, { trial, traceback: true }] : [{ trial, traceback: false }]), [sorted, open]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length, getScrollElement: () => scroller.current, overscan: 15,
    estimateSize: (index) => (rows[index].traceback ? 200 : ROW_HEIGHT),
    getItemKey: (index) => `${rows[index].trial.run_id}${rows[index].traceback ? ":traceback" : ""}`,
  });
  const items = virtualizer.getVirtualItems();
  const before = items.length ? items[0].start : 0;
  const after = items.length ? virtualizer.getTotalSize() - items[items.length - 1].end : 0;
  const toggle = (runId: string) => setOpen((previous) => {
    const next = new Set(previous);
    if (next.has(runId)) next.delete(runId); else next.add(runId);
    return next;
  });
  const header = (key: SortKey, label: string, className = "") => (
    <th className={className} aria-sort={sort === key ? (descending ? "descending" : "ascending") : "none"} title={label}>
      <button className="sort" onClick={() => setQuery({ tsort: key, tdesc: sort === key && !descending ? "1" : null }, { replace: true })}>
        {label}{sort === key ? (descending ? " ▼" : " ▲") : ""}
      </button>
    </th>
  );
  const columns = 6 + params.length;
  return (
    <div className="trial-scroller" ref={scroller} data-testid="trial-scroller">
      <table className="plain trial-table" data-testid="trial-table" aria-rowcount={sorted.length + 1}
        style={{ minWidth: FIXED_WIDTH + 90 * params.length + 180 }}>
        <colgroup>
          <col className="col-number" /><col className="col-run" />
          <col className="col-state" /><col className="col-value" />
          {params.map((name) => <col key={name} className="col-param" />)}
          <col className="col-duration" /><col className="col-error" />
        </colgroup>
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
          {before > 0 && <tr className="spacer" style={{ height: before }}><td colSpan={columns} /></tr>}
          {items.map((item) => {
            const { trial, traceback } = rows[item.index];
            if (traceback) {
              return (
                <tr key={item.key} className="traceback-row" data-index={item.index} ref={virtualizer.measureElement}>
                  <td colSpan={columns}><Traceback trial={trial} /></td>
                </tr>
              );
            }
            const shownParams = params.map((name) => formatParam(trial.params[name]));
            return (
              <tr key={item.key} data-run-id={trial.run_id} data-state={trial.state} data-index={item.index}
                ref={virtualizer.measureElement} className={trial.run_id === bestRunId ? "best" : ""}>
                <td className="num">{trial.number}</td>
                <td title={trial.run_name}><Link href={`/runs/${trial.run_id}`}>{trial.run_name}</Link>
                  {trial.run_id === bestRunId && <span className="best-mark" title="best trial"> ★</span>}</td>
                <td><StatusBadge status={trial.state === "COMPLETE" ? "FINISHED" : trial.state} /></td>
                <td className="num">{formatValue(trial.value)}</td>
                {params.map((name, i) => <td key={name} title={shownParams[i]}
                  className={typeof trial.params[name] === "number" ? "num" : ""}>{shownParams[i]}</td>)}
                <td className="num">{trial.duration_s === null ? "" : `${trial.duration_s.toFixed(2)}s`}</td>
                <td className="trial-error">
                  {trial.state === "FAILED" && (
                    <button className="link" onClick={() => toggle(trial.run_id)} aria-expanded={open.has(trial.run_id)}
                      title={`${trial.error ?? "traceback"} (click for the traceback)`}>
                      {open.has(trial.run_id) ? "▾" : "▸"} {trial.error ?? "traceback"}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
          {after > 0 && <tr className="spacer" style={{ height: after }}><td colSpan={columns} /></tr>}
        </tbody>
      </table>
    </div>
  );
}
