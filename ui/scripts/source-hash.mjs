// Records a hash of the UI's sources beside the built bundle. tests/ui/test_bundle.py recomputes it
// (same rule: sorted relative paths, sha256 over "path\0content\0") and fails when the committed
// bundle was built from other sources than the ones in ui/ now: run `make ui` and commit.
// Usage: node scripts/source-hash.mjs [bundle folder] (scripts/build.mjs passes its temporary one).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const tracked = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "src"];

function files(path) {
  if (statSync(path).isDirectory()) return readdirSync(path).flatMap((name) => files(join(path, name)));
  return [path];
}

const paths = tracked.flatMap((name) => files(join(root, name)))
  .map((path) => relative(root, path).split(sep).join("/"))
  .sort();
const hash = createHash("sha256");
for (const path of paths) {
  hash.update(path + "\0");
  hash.update(readFileSync(join(root, path)));
  hash.update("\0");
}
const folder = process.argv[2] ?? join(root, "../autotrack/ui/static");
writeFileSync(join(folder, "SOURCE_HASH"), hash.digest("hex") + "\n");
