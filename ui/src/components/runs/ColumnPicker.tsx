// Choosing the runs table's columns among the metric, param and tag keys the experiments' runs have.
import { useEffect, useRef, useState } from "react";
import type { RunKeys } from "./types";

export function ColumnPicker({ keys, chosen, onChange }: {
  keys: RunKeys | undefined;
  chosen: string[];
  onChange: (chosen: string[]) => void;
}) {
  const [search, setSearch] = useState("");
  const menu = useRef<HTMLDetailsElement>(null);
  useEffect(() => { // a click elsewhere closes the menu, as menus do
    const close = (event: MouseEvent) => {
      if (menu.current?.open && !menu.current.contains(event.target as Node)) menu.current.open = false;
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, []);
  const toggle = (id: string) => onChange(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const groups = keys ? ([["metrics", keys.metrics], ["params", keys.params], ["tags", keys.tags]] as const) : [];
  return (
    <details className="column-picker" ref={menu}
      onKeyDown={(event) => { if (event.key === "Escape" && menu.current) menu.current.open = false; }}>
      <summary className="button">Columns ({chosen.length})</summary>
      <div className="column-menu card">
        <input type="search" placeholder="Find a key" aria-label="Find a column" value={search}
          onChange={(event) => setSearch(event.target.value)} />
        {!keys && <div className="muted">Loading keys…</div>}
        {groups.map(([prefix, infos]) => {
          const shown = infos.filter((info) => info.key.toLowerCase().includes(search.toLowerCase()));
          if (!shown.length) return null;
          return (
            <fieldset key={prefix}>
              <legend>{prefix}</legend>
              {shown.map((info) => {
                const id = `${prefix}.${info.key}`;
                return (
                  <label key={id} title={`${info.runs} runs, ${info.values} distinct values`}>
                    <input type="checkbox" checked={chosen.includes(id)} onChange={() => toggle(id)} aria-label={id} />
                    <span className="mono">{info.key}</span>
                    {info.values > 1 && <span className="muted"> varies</span>}
                  </label>
                );
              })}
            </fieldset>
          );
        })}
      </div>
    </details>
  );
}
