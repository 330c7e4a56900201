"""The web UI's built bundle (sources in the repository's `ui/` folder; `make ui` rebuilds it).

The bundle is committed and shipped in the wheel, so serving the UI needs no Node.js.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["STATIC_DIR"]

STATIC_DIR = Path(__file__).parent / "static"
