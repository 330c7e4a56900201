// The runs table: virtualized rows (100,000 runs scroll as smoothly as 10), sweep trials folded under
// their parent, sortable headers, and keyboard use (arrows move, Enter opens, space selects,
// right/left expand/collapse a parent).
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { StatusBadge } from "./common";
import type { Column } from "./runs/columns";
import type { RunRow } from "./runs/types";
import "./RunsTable.css";

const ROW_HEIGHT = 34;

export interface Sort { id: string; descending: boolean }

export interface RunsTableProps {
  rows: RunRow[];
  columns: Column[];
  hasMore: boolean;
  loadMore: () => void;
  sort: Sort | null;
  onSort: (sort: Sort) => void;
  selected: Set<string>;
  onSelect: (runId: string) => void;
  expanded: Set<string>;
  onExpand: (runId: string) => void;
  onOpen: (row: RunRow) => void;
  sweepHref: (runId: string) => string;
}

export function RunsTable(props: RunsTableProps) {
  const { rows, columns, hasMore, loadMore, selected, expanded } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [focus, setFocus] = useState(0);
  const count = rows.length + (hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const last = items.length ? items[items.length - 1].index : 0;
  useEffect(() => {
    if (hasMore && last >= rows.length - 1) loadMore();
  }, [hasMore, last, rows.length, loadMore]);
  const template = ["36px", ...columns.map((column) => `${column.width}px`)].join(" ");
  const width = 36 + columns.reduce((sum, column) => sum + column.width, 0);
  const focused = Math.min(focus, Math.max(rows.length - 1, 0));
  // Rows are memoized (a scroll re-renders only rows that came into view): their callbacks must stay
  // the same between renders, so they reach the current props through a ref.
  const latest = useRef(props);
  latest.current = props;
  const actions = useMemo<RowActions>(() => ({
    open: (row, index) => { setFocus(index); latest.current.onOpen(row); },
    select: (runId) => latest.current.onSelect(runId),
    expand: (runId) => latest.current.onExpand(runId),
    sweepHref: (runId) => latest.current.sweepHref(runId),
  }), []);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const row = rows[focused];
    const move = (to: number) => {
      const next = Math.max(0, Math.min(rows.length - 1, to));
      setFocus(next);
      virtualizer.scrollToIndex(next);
    };
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
    const actions: Record<string, () => void> = {
      ArrowDown: () => move(focused + 1),
      ArrowUp: () => move(focused - 1),
      PageDown: () => move(focused + page),
      PageUp: () => move(focused - page),
      Home: () => move(0),
      End: () => move(rows.length - 1),
      Enter: () => row && props.onOpen(row),
      " ": () => row && props.onSelect(row.runId),
      ArrowRight: () => row?.children && !expanded.has(row.runId) && props.onExpand(row.runId),
      ArrowLeft: () => row?.children && expanded.has(row.runId) && props.onExpand(row.runId),
    };
    const action = actions[event.key];
    if (action && event.target === event.currentTarget) {
      event.preventDefault();
      action();
    }
  };

  return (
    <div className="runs-table" ref={scroller} tabIndex={0} role="grid" aria-rowcount={count + 1}
      aria-label="Runs (arrow keys move, Enter opens, space selects)" onKeyDown={onKeyDown}
      aria-activedescendant={rows[focused] ? `run-row-${rows[focused].runId}` : undefined}>
      <div className="runs-head" role="row" style={{ gridTemplateColumns: template, width }}>
        <div role="columnheader" aria-label="Selected" />
        {columns.map((column) => <Header key={column.id} column={column} sort={props.sort} onSort={props.onSort} />)}
      </div>
      <div style={{ height: virtualizer.getTotalSize(), width, position: "relative" }}>
        {items.map((item) => {
          const row = rows[item.index];
          if (!row) {
            return (
              <div key="more" className="runs-row loading-row"
                style={{ transform: `translateY(${item.start}px)`, width }}>Loading more runs…</div>
            );
          }
          return (
            <Row key={row.runId} row={row} index={item.index} start={item.start} columns={columns} template={template}
              width={width} focused={item.index === focused} selected={selected.has(row.runId)}
              expanded={expanded.has(row.runId)} actions={actions} />
          );
        })}
      </div>
    </div>
  );
}

interface RowActions {
  open: (row: RunRow, index: number) => void;
  select: (runId: string) => void;
  expand: (runId: string) => void;
  sweepHref: (runId: string) => string;
}

function Header({ column, sort, onSort }: { column: Column; sort: Sort | null; onSort: (sort: Sort) => void }) {
  const active = sort?.id === column.id;
  const arrow = active ? (sort!.descending ? " ▼" : " ▲") : "";
  const label = (
    <>
      {column.kind && <span className="kind">{column.kind}</span>}
      <span className="label">{column.label}</span>{arrow}
    </>
  );
  return (
    <div role="columnheader" className={column.numeric ? "num" : ""} title={column.id}
      aria-sort={active ? (sort!.descending ? "descending" : "ascending") : "none"}>
      {column.sortable ? (
        <button className="sort" onClick={() => onSort({ id: column.id, descending: active && !sort!.descending })}
          aria-label={`Sort by ${column.label}`}>{label}</button>
      ) : label}
    </div>
  );
}

function ChildCounts({ counts }: { counts: Record<string, number> }) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = ["FINISHED", "RUNNING", "FAILED", "PRUNED", "KILLED"].filter((state) => counts[state]);
  return (
    <span className="child-counts" title="Children by how they ended">
      {total} {total === 1 ? "run" : "runs"}
      {parts.map((state) => (
        <span key={state} className={`count status-${state.toLowerCase()}`}>
          {counts[state]} {state === "FINISHED" ? "complete" : state.toLowerCase()}
        </span>
      ))}
    </span>
  );
}

const Row = memo(function Row({ row, index, start, columns, template, width, focused, selected, expanded, actions }: {
  row: RunRow; index: number; start: number; columns: Column[]; template: string; width: number; focused: boolean;
  selected: boolean; expanded: boolean; actions: RowActions;
}) {
  const style = { transform: `translateY(${start}px)`, width, gridTemplateColumns: template };
  const onClick = () => actions.open(row, index);
  const onSelect = () => actions.select(row.runId);
  const onExpand = () => actions.expand(row.runId);
  const sweepHref = actions.sweepHref;
  const classes = ["runs-row", focused && "focused", selected && "selected", row.depth && "child", row.best && "best"];
  const stop = (event: { stopPropagation: () => void }) => event.stopPropagation();
  return (
    <div id={`run-row-${row.runId}`} role="row" aria-selected={selected} data-run-id={row.runId}
      className={classes.filter(Boolean).join(" ")} style={style} onClick={onClick}>
      <div role="gridcell" onClick={stop}>
        <input type="checkbox" checked={selected} onChange={onSelect} tabIndex={-1} aria-label={`Select ${row.name}`} />
      </div>
      {columns.map((column) => {
        if (column.id === "attributes.run_name") {
          return (
            <div key={column.id} role="gridcell" data-col={column.id} className="name" style={{ paddingLeft: 6 + row.depth * 22 }}>
              {row.children ? (
                <button className="expander" onClick={(event) => { stop(event); onExpand(); }} tabIndex={-1}
                  aria-expanded={expanded} aria-label={`${expanded ? "Fold" : "Unfold"} the runs of ${row.name}`}>
                  {expanded ? "▾" : "▸"}
                </button>
              ) : <span className="expander-space" />}
              {row.sweep ? (
                <a href={sweepHref(row.runId)} onClick={stop} title="Open the sweep">{row.name}</a>
              ) : <span className="run-name" title={row.runId}>{row.name}</span>}
              {row.best && <span className="badge best-badge" title="The sweep's best trial">★ best</span>}
              {row.children && <ChildCounts counts={row.children} />}
            </div>
          );
        }
        if (column.id === "attributes.status") {
          return <div key={column.id} role="gridcell" data-col={column.id}><StatusBadge status={row.status} /></div>;
        }
        const text = column.text(row);
        return <div key={column.id} role="gridcell" data-col={column.id} className={column.numeric ? "num" : ""} title={text}>{text}</div>;
      })}
    </div>
  );
});
