// Tags of a registered model: listed, added (or changed) and deleted through the API.
import { useState } from "react";
import type { KeyValue } from "../../api";
import { ErrorBox } from "../common";
import { useAction } from "./useAction";

export function TagsEditor({ tags, onSet, onDelete, onChanged }: {
  tags: KeyValue[]; onSet: (key: string, value: string) => Promise<unknown>; onDelete: (key: string) => Promise<unknown>;
  onChanged: () => void;
}) {
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const action = useAction(() => { setKey(""); setValue(""); onChanged(); });
  const sorted = [...tags].sort((a, b) => a.key.localeCompare(b.key));
  return (
    <div className="tags-editor">
      {sorted.length ? (
        <table className="plain" aria-label="Model tags">
          <thead><tr><th>Name</th><th>Value</th><th /></tr></thead>
          <tbody>
            {sorted.map((tag) => (
              <tr key={tag.key}><td className="mono">{tag.key}</td><td>{tag.value}</td>
                <td><button onClick={() => action.run(() => onDelete(tag.key))} aria-label={`Delete tag ${tag.key}`}>Delete</button></td></tr>
            ))}
          </tbody>
        </table>
      ) : <div className="muted">No tags.</div>}
      <form className="inline-form" onSubmit={(event) => {
        event.preventDefault();
        if (key.trim()) action.run(() => onSet(key.trim(), value));
      }}>
        <input value={key} placeholder="tag name" onChange={(event) => setKey(event.target.value)} aria-label="Tag name" />
        <input value={value} placeholder="value" onChange={(event) => setValue(event.target.value)} aria-label="Tag value" />
        <button type="submit" disabled={action.busy || !key.trim()}>Set tag</button>
      </form>
      {action.error !== undefined && <ErrorBox error={action.error} title="The tag was not changed" />}
    </div>
  );
}
