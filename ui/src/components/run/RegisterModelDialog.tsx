// "Register model" on a model folder: pick a name (new or existing), create the version, then offer an alias.
import { useEffect, useRef, useState } from "react";
import { Link } from "wouter";
import { CopyCommand } from "../models/CopyCommand";
import { registerVersion, searchModels, serveCommand, setAlias, type ModelVersion } from "../models/registry";
import { ErrorBox } from "../common";

interface Props { runId: string; path: string; onClose: () => void }

export function RegisterModelDialog({ runId, path, onClose }: Props) {
  const [name, setName] = useState("");
  const [existing, setExisting] = useState<string[]>([]);
  const [version, setVersion] = useState<ModelVersion>();
  const [alias, setAliasName] = useState("");
  const [aliasSet, setAliasSet] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    first.current?.focus();
    searchModels("").then((models) => setExisting(models.map((m) => m.name)), setError);
  }, []);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => { if (event.key === "Escape") onClose(); };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [onClose]);

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try { await work(); } catch (reason) { setError(reason); } finally { setBusy(false); }
  };
  // The version's source names the run's folder (runs:/<id>/<path>), as autotrack's register_model records it.
  const source = `runs:/${runId}/${path}`;
  const trimmed = name.trim();
  const isNew = trimmed !== "" && !existing.includes(trimmed);

  return (
    <div className="dialog-backdrop" onMouseDown={(event) => { if (event.target === event.currentTarget) onClose(); }}>
      <div className="dialog card" role="dialog" aria-modal="true" aria-label="Register model">
        <h2>Register model</h2>
        <div className="muted">From <code>{source}</code></div>
        {!version ? (
          <form onSubmit={(event) => {
            event.preventDefault();
            if (trimmed) act(async () => setVersion(await registerVersion(trimmed, source, runId)));
          }}>
            <label className="field">
              <span>Model name</span>
              <input ref={first} list="registered-model-names" value={name} placeholder="e.g. churn-classifier"
                onChange={(event) => setName(event.target.value)} aria-label="Model name" />
              <datalist id="registered-model-names">{existing.map((n) => <option key={n} value={n} />)}</datalist>
            </label>
            <div className="muted field-hint">
              {trimmed === "" ? `Type a new name${existing.length ? " or pick one of the " + existing.length + " registered models" : ""}.`
                : isNew ? `A new registered model "${trimmed}" will be created with version 1.`
                  : `A new version of the existing model "${trimmed}".`}
            </div>
            <div className="dialog-buttons">
              <button type="button" onClick={onClose}>Cancel</button>
              <button type="submit" className="primary" disabled={!trimmed || busy}>Register</button>
            </div>
          </form>
        ) : (
          <form onSubmit={(event) => {
            event.preventDefault();
            const wanted = alias.trim();
            if (wanted) act(async () => { await setAlias(version.name, wanted, version.version); setAliasSet(wanted); });
          }}>
            <p className="register-done" role="status">
              Registered <Link href={`/models/${encodeURIComponent(version.name)}?version=${version.version}`}>{version.name}</Link> version {version.version}.
            </p>
            {aliasSet ? (
              <>
                <p role="status">Alias <strong>@{aliasSet}</strong> points to version {version.version}. Serve it with:</p>
                <CopyCommand command={serveCommand(version.name, { alias: aliasSet })} />
              </>
            ) : (
              <label className="field">
                <span>Set an alias (optional)</span>
                <input value={alias} placeholder="e.g. champion" onChange={(event) => setAliasName(event.target.value)}
                  aria-label="Alias" autoFocus />
              </label>
            )}
            <div className="dialog-buttons">
              {!aliasSet && <button type="submit" className="primary" disabled={!alias.trim() || busy}>Set alias</button>}
              <button type="button" onClick={onClose}>{aliasSet ? "Close" : "Skip"}</button>
            </div>
          </form>
        )}
        {error !== undefined && <ErrorBox error={error} title="The registry refused" />}
      </div>
    </div>
  );
}
