// One artifact file previewed by its kind: image, HTML (sandboxed), JSON, YAML/text, CSV as a table, MLmodel as a signature.
import { artifactUrl } from "../../api";
import { useApi } from "../../hooks";
import { Await } from "../common";
import { baseName, fetchText, formatBytes, PREVIEW_LIMIT, previewKind, type FileInfo } from "./artifacts";
import { parseCsv } from "./csv";
import { ModelView } from "./ModelView";

const TABLE_ROWS = 500;

function CsvTable({ text, delimiter }: { text: string; delimiter: string }) {
  const rows = parseCsv(text, delimiter, TABLE_ROWS + 1);
  if (!rows.length) return <div className="muted">Empty file.</div>;
  const [header, ...body] = rows;
  return (
    <div className="csv-preview">
      <table className="plain csv-table" aria-label="CSV preview">
        <thead><tr>{header.map((cell, i) => <th key={i}>{cell}</th>)}</tr></thead>
        <tbody>
          {body.slice(0, TABLE_ROWS - 1).map((row, r) => (
            <tr key={r}>{row.map((cell, c) => <td key={c} className={/^-?[\d.eE+-]+$/.test(cell) ? "num" : ""}>{cell}</td>)}</tr>
          ))}
        </tbody>
      </table>
      {rows.length > TABLE_ROWS && <div className="muted">The first {TABLE_ROWS - 1} rows; download the file for all.</div>}
    </div>
  );
}

function pretty(text: string): { text: string; invalid?: string } {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2) };
  } catch (error) {
    return { text, invalid: String(error) };
  }
}

function TextPreview({ artifactUri, file }: { artifactUri: string; file: FileInfo }) {
  const kind = previewKind(file.path);
  const text = useApi(() => fetchText(artifactUri, file.path), [artifactUri, file.path]);
  return (
    <Await loaded={text} what="Reading the file">
      {(content) => {
        if (kind === "csv" || kind === "tsv") return <CsvTable text={content} delimiter={kind === "csv" ? "," : "\t"} />;
        if (kind === "json") {
          const shown = pretty(content);
          return <>{shown.invalid && <div className="muted">Not valid JSON ({shown.invalid}); shown as text.</div>}
            <pre className="file-text json-preview">{shown.text}</pre></>;
        }
        // Scripts stay off (an empty sandbox): a logged page is shown, never run with the UI's rights.
        if (kind === "html") {
          const page = content.replace(/<script\b[\s\S]*?<\/script\s*>/gi, "");  // would only log "blocked" errors
          return <iframe className="html-preview" sandbox="" srcDoc={page} title={file.path} />;
        }
        return <pre className={`file-text ${kind}-preview`}>{content || "(empty file)"}</pre>;
      }}
    </Await>
  );
}

export function ArtifactPreview({ runId, artifactUri, file }: { runId: string; artifactUri: string; file: FileInfo }) {
  const kind = previewKind(file.path);
  const url = artifactUrl(artifactUri, file.path);
  const tooBig = (file.file_size ?? 0) > PREVIEW_LIMIT;
  let body;
  if (kind === "mlmodel") {
    const folder = file.path.includes("/") ? file.path.slice(0, file.path.lastIndexOf("/")) : "";
    body = <ModelView runId={runId} path={folder} />;
  } else if (kind === "image") body = <img className="image-preview" src={url} alt={file.path} />;
  else if (kind === "binary") body = <div className="muted">No preview for this kind of file; download it.</div>;
  else if (tooBig) body = <div className="muted">{formatBytes(file.file_size)} is too big to preview here; download it.</div>;
  else body = <TextPreview artifactUri={artifactUri} file={file} />;
  return (
    <div className="artifact-preview" data-kind={kind}>
      <div className="toolbar preview-head">
        <strong className="mono">{file.path}</strong>
        <span className="muted">{formatBytes(file.file_size)}</span>
        <span className="grow" />
        <a className="button" href={url} download={baseName(file.path)}>Download</a>
      </div>
      {body}
    </div>
  );
}
