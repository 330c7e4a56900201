// Small pieces every page uses: loading, errors from the API, empty states, status badges.
import type { ReactNode } from "react";
import { ApiError } from "../api";

export function Loading({ what = "Loading" }: { what?: string }) {
  return <div className="loading" role="status">{what}…</div>;
}

/** An API error as the server said it (code and message), never a blank page. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  const code = error instanceof ApiError ? error.code : "ERROR";
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-box" role="alert">
      <strong>{title ?? "Something went wrong"}</strong>
      <div><code>{code}</code> {message}</div>
    </div>
  );
}

/** What to do when there is nothing to show yet. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

/** A run's status (RUNNING, FINISHED, FAILED, KILLED, PRUNED, SCHEDULED) as a coloured badge. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status}</span>;
}

/** Loaded data, or its loading state / error: `<Await loaded={x}>{(data) => ...}</Await>`. */
export function Await<T>({ loaded, children, what }: {
  loaded: { data: T | undefined; error: Error | undefined };
  children: (data: T) => ReactNode;
  what?: string;
}) {
  if (loaded.error && loaded.data === undefined) return <ErrorBox error={loaded.error} />;
  if (loaded.data === undefined) return <Loading what={what} />;
  return <>{children(loaded.data)}</>;
}
