"""The committed UI bundle is built from the sources in ui/ as they are now, and is served offline."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import httpx

from autotrack.ui import STATIC_DIR

UI = Path(__file__).resolve().parents[2] / "ui"
TRACKED = ("index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "src")


def source_hash() -> str:
    """ui/scripts/source-hash.mjs's rule: sorted relative paths, sha256 over "path\\0content\\0"."""
    paths = sorted(
        path.relative_to(UI).as_posix()
        for name in TRACKED
        for path in ([UI / name] if (UI / name).is_file() else (UI / name).rglob("*"))
        if path.is_file()
    )
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.encode() + b"\0" + (UI / path).read_bytes() + b"\0")
    return digest.hexdigest()


def test_committed_bundle_is_built_from_the_current_sources():
    recorded = (STATIC_DIR / "SOURCE_HASH").read_text().strip()
    assert recorded == source_hash(), "autotrack/ui/static is older than ui/: run `make ui` and commit the bundle"


def test_index_loads_only_its_own_assets():
    index = (STATIC_DIR / "index.html").read_text()
    references = re.findall(r'(?:src|href)="([^"]+)"', index)
    assert references, index
    for reference in references:
        assert reference.startswith(("./assets/", "data:")), f"{reference}: the UI must not load anything from the network"
        if reference.startswith("./assets/"):
            assert (STATIC_DIR / reference[2:]).is_file(), reference


def test_server_serves_the_page_and_caches_hashed_assets(ui_server):
    page = httpx.get(ui_server.url + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    script = re.search(r'src="\./(assets/[^"]+\.js)"', page.text).group(1)
    asset = httpx.get(f"{ui_server.url}/{script}")
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
    assert "immutable" in asset.headers["cache-control"]
    missing = httpx.get(ui_server.url + "/assets/nothing-here.js")
    assert missing.status_code == 404 and missing.json()["error_code"] == "ENDPOINT_NOT_FOUND"
