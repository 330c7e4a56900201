// `npm run build`: vite builds into a temporary sibling folder, SOURCE_HASH is written there, and the
// folder is swapped in by two renames. vite empties its outDir first, so building in place left a
// server (or a test) running meanwhile without its bundle for a second; now the gap is two syscalls.
import { execFileSync } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { build } from "vite";

const ui = new URL("..", import.meta.url).pathname;
const final = new URL("../../autotrack/ui/static", import.meta.url).pathname;
const next = `${final}.next`;
const old = `${final}.old`;

rmSync(next, { recursive: true, force: true });
await build({ root: ui, build: { outDir: next, emptyOutDir: true } });
execFileSync(process.execPath, [new URL("source-hash.mjs", import.meta.url).pathname, next], { stdio: "inherit" });
rmSync(old, { recursive: true, force: true });
if (existsSync(final)) renameSync(final, old);
renameSync(next, final);
rmSync(old, { recursive: true, force: true });
