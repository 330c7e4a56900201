// A registered model's aliases: set one on a version, move one to another version, delete one.
import { useState } from "react";
import { ErrorBox } from "../common";
import { deleteAlias, setAlias, type ModelVersion, type RegisteredModel } from "./registry";
import { useAction } from "./useAction";
import "./models.css";

function VersionSelect({ versions, value, onChange, label }: {
  versions: ModelVersion[]; value: string; onChange: (v: string) => void; label: string;
}) {
  return (
    <select value={value} onChange={(event) => onChange(event.target.value)} aria-label={label}>
      {versions.map((v) => <option key={v.version} value={v.version}>version {v.version}</option>)}
    </select>
  );
}

function AliasRow({ name, alias, version, versions, onChanged }: {
  name: string; alias: string; version: string; versions: ModelVersion[]; onChanged: () => void;
}) {
  const [target, setTarget] = useState(version);
  const action = useAction(onChanged);
  return (
    <tr data-alias={alias}>
      <td><span className="alias-chip">@{alias}</span></td>
      <td>version {version}</td>
      <td>
        <div className="inline-form">
          <VersionSelect versions={versions} value={target} onChange={setTarget} label={`Move @${alias} to`} />
          <button disabled={action.busy || target === version} onClick={() => action.run(() => setAlias(name, alias, target))}>Move</button>
          <button disabled={action.busy} onClick={() => action.run(() => deleteAlias(name, alias))}
            aria-label={`Delete alias ${alias}`}>Delete</button>
        </div>
        {action.error !== undefined && <ErrorBox error={action.error} />}
      </td>
    </tr>
  );
}

export function AliasesEditor({ model, versions, onChanged }: { model: RegisteredModel; versions: ModelVersion[]; onChanged: () => void }) {
  const [alias, setAliasName] = useState("");
  const [version, setVersion] = useState(versions[0]?.version ?? "");
  const action = useAction(() => { setAliasName(""); onChanged(); });
  const aliases = [...(model.aliases ?? [])].sort((a, b) => a.alias.localeCompare(b.alias));
  return (
    <section className="aliases">
      <h2>Aliases</h2>
      {aliases.length ? (
        <table className="plain aliases-table" aria-label="Aliases">
          <thead><tr><th>Alias</th><th>Points to</th><th>Move or delete</th></tr></thead>
          <tbody>
            {aliases.map((a) => (
              <AliasRow key={`${a.alias}:${a.version}`} name={model.name} alias={a.alias} version={a.version}
                versions={versions} onChanged={onChanged} />
            ))}
          </tbody>
        </table>
      ) : <div className="muted">No aliases: give a version one (e.g. <code>champion</code>) and load it as <code>models:/{model.name}@champion</code>.</div>}
      {versions.length > 0 && (
        <form className="inline-form" onSubmit={(event) => {
          event.preventDefault();
          if (alias.trim()) action.run(() => setAlias(model.name, alias.trim(), version || versions[0].version));
        }}>
          <input value={alias} placeholder="new alias" onChange={(event) => setAliasName(event.target.value)} aria-label="New alias" />
          <VersionSelect versions={versions} value={version || versions[0].version} onChange={setVersion} label="Version for the new alias" />
          <button type="submit" disabled={action.busy || !alias.trim()}>Set alias</button>
        </form>
      )}
      {action.error !== undefined && <ErrorBox error={action.error} title="The alias was not set" />}
    </section>
  );
}
