"""UI endpoints for the runs table and experiment summaries (columnar rows, counts, children of sweeps).

MLflow's REST API has no call for this; the UI reads it from `/api/autotrack/ui/...`.
"""

from __future__ import annotations

__all__ = ["ROUTES"]

ROUTES: list = []
