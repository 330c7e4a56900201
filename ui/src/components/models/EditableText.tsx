// A description shown as text, edited in place (Edit, then Save or Cancel); the save goes through the API.
import { useState } from "react";
import { ErrorBox } from "../common";
import "./models.css";

export function EditableText({ value, label, onSave }: { value: string; label: string; onSave: (text: string) => Promise<unknown> }) {
  const [draft, setDraft] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (draft === undefined) {
    return (
      <div className="editable-text">
        <div className={`description${value ? "" : " muted"}`}>{value || `No ${label.toLowerCase()} yet.`}</div>
        <div><button onClick={() => setDraft(value)} aria-label={`Edit ${label.toLowerCase()}`}>Edit</button></div>
      </div>
    );
  }
  const save = () => {
    setBusy(true);
    onSave(draft).then(() => { setDraft(undefined); setError(undefined); }, setError).finally(() => setBusy(false));
  };
  return (
    <div className="editable-text">
      <textarea value={draft} onChange={(event) => setDraft(event.target.value)} aria-label={label} autoFocus />
      <div className="inline-form">
        <button className="primary" onClick={save} disabled={busy}>Save</button>
        <button onClick={() => setDraft(undefined)}>Cancel</button>
      </div>
      {error !== undefined && <ErrorBox error={error} title={`The ${label.toLowerCase()} was not saved`} />}
    </div>
  );
}
