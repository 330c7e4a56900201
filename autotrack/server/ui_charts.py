"""UI endpoints for metric histories of many runs in one call, downsampled on the server.

MLflow's REST API has no call for this; the UI reads it from `/api/autotrack/ui/...`.
"""

from __future__ import annotations

__all__ = ["ROUTES"]

ROUTES: list = []
