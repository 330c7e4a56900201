"""UI endpoints for a sweep's summary: trials, values, parameter importance.

MLflow's REST API has no call for this; the UI reads it from `/api/autotrack/ui/...`.
"""

from __future__ import annotations

__all__ = ["ROUTES"]

ROUTES: list = []
