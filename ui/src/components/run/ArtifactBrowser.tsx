// A run's artifacts: a folder tree (opened lazily) beside a preview of the selected file or model folder.
// Each selection mounts its own preview (keyed by path): a file never shows the previous file's text while loading.
// The selection lives in the URL (`?artifact=path`), so a link can point at one file (e.g. traceback.txt).
import { useEffect, useState } from "react";
import type { Run } from "../../api";
import { setQuery, useQuery } from "../../url";
import { Empty, ErrorBox, Loading } from "../common";
import { ArtifactPreview } from "./ArtifactPreview";
import { baseName, formatBytes, type FileInfo } from "./artifacts";
import { ModelView } from "./ModelView";
import { ancestors, isModelFolder, parentOf, useArtifactListings, type Listing } from "./useArtifactListings";

interface TreeProps {
  folder: string; depth: number; listings: Record<string, Listing>; expanded: Set<string>; selected: string;
  onOpen: (file: FileInfo) => void;
}

function Tree({ folder, depth, listings, expanded, selected, onOpen }: TreeProps) {
  const listing = listings[folder];
  if (listing === undefined) return <div className="tree-note" style={{ paddingLeft: depth * 14 + 8 }}><Loading /></div>;
  if (listing instanceof Error) return <ErrorBox error={listing} title={`The folder '${folder}' could not be listed`} />;
  return (
    <ul className="tree" role={depth ? "group" : "tree"} aria-label={depth ? undefined : "Artifacts"}>
      {listing.map((file) => {
        const open = file.is_dir && expanded.has(file.path);
        const model = file.is_dir && isModelFolder(listings[file.path], file.path);
        return (
          <li key={file.path} role="treeitem" aria-expanded={file.is_dir ? open : undefined}
            aria-selected={file.path === selected}>
            <button className={`tree-item${file.path === selected ? " selected" : ""}`} style={{ paddingLeft: depth * 14 + 6 }}
              onClick={() => onOpen(file)} data-path={file.path} aria-label={baseName(file.path)}>
              <span className="tree-icon" aria-hidden="true">{file.is_dir ? (open ? "▾" : "▸") : "·"}</span>
              <span className="tree-name">{baseName(file.path)}</span>
              {model && <span className="badge model-badge">model</span>}
              {!file.is_dir && <span className="muted tree-size">{formatBytes(file.file_size)}</span>}
            </button>
            {open && <Tree folder={file.path} depth={depth + 1} listings={listings} expanded={expanded}
              selected={selected} onOpen={onOpen} />}
          </li>
        );
      })}
    </ul>
  );
}

function FolderView({ runId, folder, listing }: { runId: string; folder: string; listing: Listing }) {
  if (isModelFolder(listing, folder)) return <ModelView runId={runId} path={folder} />;
  if (listing instanceof Error) return <ErrorBox error={listing} />;
  if (!listing) return <Loading />;
  return <div className="muted">Folder <code>{folder || "/"}</code> with {listing.length} entries: pick a file to preview it.</div>;
}

export function ArtifactBrowser({ run }: { run: Run }) {
  const runId = run.info.run_id;
  const selected = useQuery().get("artifact") ?? "";
  const { listings, load, refresh } = useArtifactListings(runId);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(ancestors(selected).slice(1)));

  useEffect(() => { load(""); }, [load, listings]);
  useEffect(() => { for (const folder of expanded) load(folder); }, [expanded, load, listings]);
  useEffect(() => {  // a selection from the URL: its folders open
    const needed = ancestors(selected).slice(1);
    if (needed.some((folder) => !expanded.has(folder))) setExpanded((known) => new Set([...known, ...needed]));
  }, [selected]);  // eslint-disable-line react-hooks/exhaustive-deps

  const root = listings[""];
  useEffect(() => {  // the top folders are read at once, so model folders show their badge before opening
    if (Array.isArray(root) && root.length <= 30) for (const file of root) if (file.is_dir) load(file.path);
  }, [root, load]);

  const open = (file: FileInfo) => {
    if (file.is_dir) {
      setExpanded((known) => {
        const next = new Set(known);
        if (next.has(file.path) && file.path === selected) next.delete(file.path); else next.add(file.path);
        return next;
      });
    }
    setQuery({ artifact: file.path }, { replace: true });
  };

  if (Array.isArray(root) && !root.length) {
    return <Empty title="No artifacts">Log files with <code>autotrack.log_artifact("plot.png")</code>,
      <code> log_dict</code>, <code>log_text</code> or a model with <code>autolog()</code>.</Empty>;
  }
  const parent = listings[parentOf(selected)];
  const entry = Array.isArray(parent) ? parent.find((file) => file.path === selected) : undefined;
  let preview;
  if (!selected) preview = <FolderView runId={runId} folder="" listing={root} />;
  else if (!Array.isArray(parent)) preview = parent instanceof Error ? <ErrorBox error={parent} /> : <Loading />;
  else if (!entry) preview = <ErrorBox error={new Error(`No artifact '${selected}' in this run.`)} title="Not found" />;
  else if (entry.is_dir) preview = <FolderView key={entry.path} runId={runId} folder={entry.path} listing={listings[entry.path]} />;
  else preview = <ArtifactPreview key={entry.path} runId={runId} artifactUri={run.info.artifact_uri} file={entry} />;

  return (
    <div className="artifact-browser">
      <div className="artifact-tree card">
        <div className="toolbar"><strong>Artifacts</strong><span className="grow" />
          <button onClick={refresh} title="Read the folders again">Refresh</button></div>
        <Tree folder="" depth={0} listings={listings} expanded={expanded} selected={selected} onOpen={open} />
      </div>
      <div className="artifact-pane card">{preview}</div>
    </div>
  );
}
