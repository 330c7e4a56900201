// View state lives in the URL so a view can be shared: the route in the hash (`#/experiments/1`),
// the view's settings in the query string (`?filter=...&sort=...`).
import { useSyncExternalStore } from "react";
import { navigate } from "wouter/use-hash-location";

function subscribe(callback: () => void) {
  addEventListener("hashchange", callback);
  addEventListener("popstate", callback);
  return () => {
    removeEventListener("hashchange", callback);
    removeEventListener("popstate", callback);
  };
}

/** The query string's values, updated on every navigation. */
export function useQuery(): URLSearchParams {
  const search = useSyncExternalStore(subscribe, () => location.search);
  return new URLSearchParams(search);
}

/** Change some query values (null removes one); `replace` keeps the history entry (typing in a box). */
export function setQuery(changes: Record<string, string | null>, { replace = false } = {}): void {
  const query = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === "") query.delete(key);
    else query.set(key, value);
  }
  const route = location.hash.replace(/^#/, "") || "/";
  navigate(`${route}?${query.toString()}`, { replace });
}

/** A link target for a route with a query: `href("/compare", {runs: "a,b"})`. */
export function href(route: string, query: Record<string, string> = {}): string {
  const text = new URLSearchParams(query).toString();
  return `?${text}#${route}`;
}
