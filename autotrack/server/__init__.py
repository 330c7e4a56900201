"""`autotrack server`: MLflow's REST API over any autotrack store, for a team sharing one.

`serve()` starts uvicorn on the Starlette app of `autotrack.server.app`;
`autotrack.store.http.HttpStore` is the client side. Importing this package
is cheap: Starlette and uvicorn load only when a server starts.
"""

from __future__ import annotations

from autotrack.server.serve import LOOPBACK_HOSTS, serve

__all__ = ["LOOPBACK_HOSTS", "serve"]
