// The runs of one experiment or several: filter, columns, sort, selection and unfolded sweeps all live
// in the URL query (cols, sort, desc, filter, sel, open), so a view can be shared as a link.
import { useMemo } from "react";
import { navigate } from "wouter/use-hash-location";
import { ui } from "../api";
import { Empty, ErrorBox, Loading } from "../components/common";
import { RunsTable, type Sort } from "../components/RunsTable";
import { ColumnPicker } from "../components/runs/ColumnPicker";
import { defaultKeys, FIXED, keyColumn, orderBy } from "../components/runs/columns";
import { FilterBox, filterErrorPosition } from "../components/runs/FilterBox";
import type { RunKeys, RunRow } from "../components/runs/types";
import { useRunRows } from "../components/runs/useRunRows";
import { useApi } from "../hooks";
import { href, setQuery, useQuery } from "../url";
import { useExperiments } from "./ExperimentsPage";
import "./RunsPage.css";

const COMPARE_MIN = 2;
const COMPARE_MAX = 20;
const NO_COLUMNS = "none";

function list(value: string | null): string[] {
  return value ? value.split(",").filter(Boolean) : [];
}

/** Go to a route with its own query (the runs table's settings do not follow the user there). */
function go(route: string, query: Record<string, string> = {}) {
  navigate(`${route}?${new URLSearchParams(query)}`);
}

export function RunsPage({ experimentIds }: { experimentIds: string[] }) {
  const query = useQuery();
  const filter = query.get("filter") ?? "";
  const sortId = query.get("sort");
  const sort: Sort | null = sortId ? { id: sortId, descending: query.get("desc") === "1" } : null;
  const selected = useMemo(() => new Set(list(query.get("sel"))), [query.get("sel")]); // eslint-disable-line react-hooks/exhaustive-deps
  const expanded = useMemo(() => new Set(list(query.get("open"))), [query.get("open")]); // eslint-disable-line react-hooks/exhaustive-deps
  const experiments = useExperiments();
  const keys = useApi(() => ui.get<RunKeys>("runs/keys", { experiment_ids: experimentIds }), [experimentIds.join(",")]);
  const colsParam = query.get("cols");
  const chosen = colsParam === NO_COLUMNS ? [] : colsParam !== null ? list(colsParam) : defaultKeys(keys.data);
  const columnsReady = colsParam !== null || keys.data !== undefined || keys.error !== undefined;
  const columns = useMemo(() => [...FIXED, ...chosen.map(keyColumn)], [chosen.join(",")]); // eslint-disable-line react-hooks/exhaustive-deps
  const rows = useRunRows({
    experimentIds, filter, sort: sort ? orderBy(sort.id, sort.descending) : null,
    columns: chosen, expanded: [...expanded], enabled: columnsReady,
  });

  const toggleIn = (set: Set<string>, name: string, id: string) => {
    const next = new Set(set);
    if (next.has(id)) next.delete(id); else next.add(id);
    setQuery({ [name]: [...next].join(",") }, { replace: name === "sel" });
  };
  const visible: RunRow[] = [];
  for (const row of rows.top ?? []) {
    visible.push(row);
    if (rows.nested && expanded.has(row.runId)) visible.push(...(rows.children[row.runId] ?? []));
  }
  const known = experiments.data?.filter((e) => experimentIds.includes(e.experiment_id)) ?? [];
  const unknown = experiments.data ? experimentIds.filter((id) => !known.some((e) => e.experiment_id === id)) : [];
  const total = known.reduce((sum, e) => sum + e.runs, 0);
  const filterError = filterErrorPosition(rows.error) !== null ? rows.error : undefined;
  const otherError = filterError === undefined ? rows.error : undefined;
  const picked = [...selected];
  const staleRows = rows.error !== undefined && rows.stale; // the last good rows, kept under the error

  return (
    <div className="runs-page">
      <div className="toolbar">
        <h1>{known.length ? known.map((e) => e.name).join(" + ") : `Experiment ${experimentIds.join(", ")}`}</h1>
        <span className="muted">
          {experiments.data && `${total.toLocaleString()} runs`}
          {rows.loading && rows.top && !staleRows && " · updating…"}
        </span>
      </div>
      {unknown.length > 0 && (
        <ErrorBox title="Unknown experiment" error={new Error(
          `No active experiment with id ${unknown.join(", ")}. It may have been deleted; pick one on the experiments page.`)} />
      )}
      <div className="toolbar runs-tools">
        <FilterBox value={filter} error={filterError}
          onApply={(text) => setQuery({ filter: text, sel: null })} />
        <ColumnPicker keys={keys.data} chosen={chosen}
          onChange={(next) => setQuery({ cols: next.length ? next.join(",") : NO_COLUMNS })} />
        {picked.length > 0 && <span className="muted">{picked.length} selected</span>}
        {picked.length >= COMPARE_MIN && picked.length <= COMPARE_MAX && (
          <a className="button primary" href={href("/compare", { runs: picked.join(",") })}>
            Compare {picked.length} runs
          </a>
        )}
        {picked.length > COMPARE_MAX && <span className="muted">Select at most {COMPARE_MAX} runs to compare.</span>}
        {picked.length > 0 && <button onClick={() => setQuery({ sel: null }, { replace: true })}>Clear selection</button>}
      </div>
      {otherError !== undefined && <ErrorBox error={otherError} title="The runs could not be read" />}
      {staleRows && rows.top !== undefined && rows.top.length > 0 && (
        <div className="muted stale-note" data-testid="stale-rows">
          The runs of the last query that worked, until this one is fixed:
        </div>
      )}
      {unknown.length === experimentIds.length ? null : rows.top === undefined || !columnsReady ? (
        rows.error === undefined && <Loading what="Loading runs" />
      ) : rows.top.length === 0 ? (
        filter ? (
          <Empty title="No run matches this filter">Change or clear the filter above.</Empty>
        ) : (
          <Empty title="No runs yet">
            Add <code>autotrack.autolog()</code> to your training script (or log with{" "}
            <code>autotrack.start_run()</code>) with this experiment set; its runs appear here as they start.
          </Empty>
        )
      ) : (
        <div className={staleRows ? "runs-stale" : undefined}>
          <RunsTable rows={visible} columns={columns}
            hasMore={rows.hasMore} loadMore={rows.loadMore} sort={sort}
            onSort={(next) => setQuery({ sort: next.id, desc: next.descending ? "1" : null })}
            selected={selected} onSelect={(id) => toggleIn(selected, "sel", id)}
            expanded={expanded} onExpand={(id) => toggleIn(expanded, "open", id)}
            onOpen={(row) => go(`/runs/${row.runId}`)}
            sweepHref={(id) => href(`/sweeps/${id}`)} />
        </div>
      )}
      {!rows.nested && rows.top && rows.top.length > 0 && (
        <div className="muted hint">A filter lists matching runs flat; clear it to see trials folded under their sweep.</div>
      )}
    </div>
  );
}
