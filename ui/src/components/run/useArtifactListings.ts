// Folder listings of one run's artifacts, read lazily (one request per folder opened) and kept for the page.
import { useCallback, useEffect, useRef, useState } from "react";
import { listArtifacts, type FileInfo } from "./artifacts";

export type Listing = FileInfo[] | Error | undefined;

export function useArtifactListings(runId: string) {
  const [listings, setListings] = useState<Record<string, FileInfo[] | Error>>({});
  const asked = useRef(new Set<string>());
  useEffect(() => { asked.current = new Set(); setListings({}); }, [runId]);

  const load = useCallback((folder: string) => {
    if (asked.current.has(folder)) return;
    asked.current.add(folder);
    listArtifacts(runId, folder).then(
      (files) => setListings((known) => ({ ...known, [folder]: files })),
      (error) => setListings((known) => ({ ...known, [folder]: error instanceof Error ? error : new Error(String(error)) })),
    );
  }, [runId]);

  const refresh = useCallback(() => { asked.current = new Set(); setListings({}); }, []);
  return { listings, load, refresh };
}

/** The folders that lead to `path`: "a/b/c.txt" -> ["", "a", "a/b"]. */
export function ancestors(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return ["", ...parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"))];
}

export function parentOf(path: string): string {
  return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
}

export function isModelFolder(listing: Listing, folder: string): boolean {
  const mlmodel = folder ? `${folder}/MLmodel` : "MLmodel";
  return Array.isArray(listing) && listing.some((file) => !file.is_dir && file.path === mlmodel);
}
