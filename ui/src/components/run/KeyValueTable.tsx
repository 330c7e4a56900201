// Params or tags as a two-column table, with a filter box once there are many.
import { useState } from "react";
import type { KeyValue } from "../../api";

export function KeyValueTable({ items, label, empty }: { items: KeyValue[]; label: string; empty: string }) {
  const [filter, setFilter] = useState("");
  if (!items.length) return <div className="muted kv-empty">{empty}</div>;
  const needle = filter.trim().toLowerCase();
  const shown = needle ? items.filter((i) => `${i.key} ${i.value}`.toLowerCase().includes(needle)) : items;
  return (
    <div className="kv">
      {items.length > 12 && (
        <input className="kv-filter" placeholder={`Filter ${items.length} ${label.toLowerCase()}`} value={filter}
          onChange={(event) => setFilter(event.target.value)} aria-label={`Filter ${label.toLowerCase()}`} />
      )}
      <table className="plain kv-table" aria-label={label}>
        <thead><tr><th>Name</th><th>Value</th></tr></thead>
        <tbody>
          {shown.map((item) => (
            <tr key={item.key}><td className="mono kv-key">{item.key}</td><td className="kv-value">{item.value}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
