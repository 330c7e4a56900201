"""What a request may do under `--auth`: decided from the matched route and the request's own fields.

No handler opts in or out. The level a route needs comes from its path (GET and reads need READ,
writes EDIT, `delete`/`restore` MANAGE, as in MLflow's auth plugin); the resources come from the
fields MLflow names them by (`experiment_id(s)`, `run_id`/`run_uuid`/`run_ids`, `experiment_name`,
`name` for a registered model) and, for artifact routes, from the path's run folder. A route under
/api that none of this describes is for admins only. A resource that does not exist is judged like
one the user has no grant for, so a refusal never tells whether it exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from autotrack.server.auth_store import LEVELS, AuthStore, User

__all__ = ["ARTIFACTS", "Decision", "Policy", "canonical"]

READ, EDIT, MANAGE = 1, 2, 3
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
_API = ("/api/2.0/mlflow/", "/api/autotrack/", "/api/2.0/mlflow-artifacts/")
_REGISTRY = ("/api/2.0/mlflow/registered-models/", "/api/2.0/mlflow/model-versions/")
_REGISTRY_NAMED = (*_REGISTRY, "/api/autotrack/registered-models/")
_UI = "/api/autotrack/ui/"
_READ_SEGMENTS = frozenset({"get", "search", "get-by-name", "get-history", "list", "get-latest-versions",
                            "get-download-uri"})
_MANAGE_SEGMENTS = frozenset({"delete", "restore"})
_WRITE_VERBS = ("set", "delete", "update", "create", "rename", "log", "end", "restore", "transition", "upload")
# Routes that create a resource: anyone signed in may, and the creator gets MANAGE on it.
CREATES = {
    "/api/2.0/mlflow/experiments/create": "experiment",
    "/api/autotrack/experiments/get-or-create": "experiment",
    "/api/2.0/mlflow/registered-models/create": "registered_model",
    "/api/autotrack/registered-models/get-or-create": "registered_model",
}
_RUN_CACHE_SIZE = 100_000


def canonical(path: str) -> str:
    """MLflow's UI aliases (`/ajax-api/...`) are the same routes as `/api/...`."""
    return "/api/" + path[len("/ajax-api/"):] if path.startswith("/ajax-api/") else path


def required_level(template: str, method: str) -> int | None:
    """The permission level a route needs; None: no rule describes it, so admins only."""
    if not template.startswith(_API):
        return None
    if template.startswith(ARTIFACTS):
        return READ if method in ("GET", "HEAD") else EDIT
    segment = template.rstrip("/").rsplit("/", 1)[-1]
    if segment in _MANAGE_SEGMENTS:
        return MANAGE
    if method in ("GET", "HEAD") or segment in _READ_SEGMENTS:
        return READ
    if template.startswith(_UI) and not segment.startswith(_WRITE_VERBS):
        return READ  # the UI's POST endpoints are queries with a body
    return EDIT


def _values(value: Any) -> list[str]:
    """Every string a route could make of a field: its items (a dict's keys, as iterating it gives) and
    the whole value as text."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set, dict)):
        return [str(v) for v in value] + ([str(value)] if isinstance(value, dict) else [])
    return [str(value)]


def _ids(value: Any) -> set[str]:
    """Ids as any route may read them: each item whole, and split on commas and stripped (the UI's routes
    take `?run_ids=a,b`), so every id a route could see is checked."""
    found = set()
    for item in _values(value):
        found.add(item)
        found.update(part.strip() for part in item.split(",") if part.strip())
    return found


@dataclass
class Decision:
    """Allowed or not, and what to do once the route answered."""

    allowed: bool
    grant: str | None = None  # kind of resource the answer creates: the creator gets MANAGE
    filter_lists: bool = False  # a listing: drop entries the user may not READ
    fields: dict | None = None  # fields to hand the route instead (readable experiment_ids added)
    after: list = field(default_factory=list)  # (callable, args) run after a successful answer


class Policy:
    """Decides requests for one server: its store, auth tables and default permission."""

    def __init__(self, state, auth: AuthStore, default_permission: str):
        self.state = state
        self.auth = auth
        self.default = LEVELS[default_permission]
        self._run_experiments: dict[str, str] = {}  # a run never changes experiment: cached for good

    # -- levels ------------------------------------------------------------
    def level(self, user: User, kind: str, resource: str | None) -> int:
        if user.is_admin:
            return MANAGE
        if resource is None:
            return self.default
        own = self.auth.permission(kind, resource, user.id)
        return self.default if own is None else LEVELS[own]

    def readable(self, user: User, kind: str):
        """A predicate for listings: may the user READ this resource? One query for all of them."""
        if user.is_admin:
            return lambda _: True
        own = self.auth.permissions_of(kind, user.id)
        return lambda resource: LEVELS[own[str(resource)]] >= READ if str(resource) in own else self.default >= READ

    def readable_experiments(self, user: User) -> list[str]:
        from autotrack.entities import ViewType

        may = self.readable(user, "experiment")
        everything = self.state.store.search_experiments(ViewType.ALL, "", None)
        return [e.experiment_id for e in everything if may(e.experiment_id)]

    def run_experiment(self, run_id: str) -> str | None:
        found = self._run_experiments.get(run_id)
        if found is None:
            from autotrack.store import schema

            with self.state.store._read() as conn:
                found = conn.execute(sa.select(schema.runs.c.experiment_id)
                                     .where(schema.runs.c.run_uuid == run_id)).scalar()
            if found is None:
                return None
            if len(self._run_experiments) > _RUN_CACHE_SIZE:
                self._run_experiments.clear()
            found = self._run_experiments[run_id] = str(found)
        return found

    def logged_model_experiment(self, model_id: str) -> str | None:
        from autotrack.exceptions import NotFound

        read = getattr(self.state.store, "get_logged_model", None)
        try:
            return str(read(model_id).experiment_id) if read else None
        except (NotFound, ValueError):
            return None

    # -- decisions ---------------------------------------------------------
    def decide(self, user: User, template: str, method: str, fields: dict, path_params: dict) -> Decision:
        level = required_level(template, method)
        if level is None:
            return Decision(user.is_admin)
        if template.startswith(ARTIFACTS):
            path = path_params.get("path") if "path" in path_params else fields.get("path")
            return Decision(self._artifact_allowed(user, str(path or ""), level))
        if template in CREATES:
            return self._create(user, template, fields)
        experiments, models = self._resources(template, {**path_params, **fields})
        registry = template.startswith(_REGISTRY)
        named = experiments or models
        checks = [("experiment", e, READ if registry else level) for e in experiments]
        checks += [("registered_model", m, level) for m in models]
        if not all(self.level(user, kind, resource) >= need for kind, resource, need in checks):
            return Decision(False)
        decision = Decision(True)
        if not named:
            if level > READ:  # a write that names nothing: only a no-op heartbeat of no runs
                return Decision(user.is_admin or fields.get("run_ids") == [])
            decision.filter_lists = not user.is_admin
            if not user.is_admin:
                decision.fields = {**fields, "experiment_ids": self.readable_experiments(user)}
        self._follow_ups(template, fields, decision)
        return decision

    def _resources(self, template: str, fields: dict) -> tuple[set[str], set[str]]:
        experiments = _ids(fields.get("experiment_id")) | _ids(fields.get("experiment_ids"))
        if template.endswith("/runs/create") and not experiments:
            experiments.add("0")  # the route's own default
        runs = _ids(fields.get("run_id")) | _ids(fields.get("run_uuid")) | _ids(fields.get("run_ids"))
        runs |= _ids(fields.get("parent_run_id")) | _ids(fields.get("source_run_id"))
        # a logged model being created has no experiment yet (the insert refuses an id that exists)
        model_ids = set() if template.endswith("/logged-models/create") else _ids(fields.get("model_id"))
        rows = fields.get("metrics")
        if isinstance(rows, list):  # autotrack's compact rows [run_id, key, value, timestamp, step] of any runs,
            for row in rows:        # or logged models' metric objects naming their model (and run)
                if isinstance(row, (list, tuple)) and row:
                    runs.add(str(row[0]))
                elif isinstance(row, dict):
                    runs |= _ids(row.get("run_id"))
                    model_ids |= _ids(row.get("model_id"))
        for run_id in runs:
            experiments.add(self.run_experiment(run_id) or f"unknown-run:{run_id}")
        for model_id in model_ids:  # MLflow 3's logged models live in an experiment
            experiments.add(self.logged_model_experiment(model_id) or f"unknown-model:{model_id}")
        for name in _values(fields.get("experiment_name")):
            found = self.state.store.get_experiment_by_name(name)
            experiments.add(found.experiment_id if found else f"unknown-name:{name}")
        # `name` is a registered model's on registry routes only (elsewhere: an experiment's, a logged model's)
        models = set(_values(fields.get("name"))) if template.startswith(_REGISTRY_NAMED) else set()
        return experiments, models

    def _create(self, user: User, template: str, fields: dict) -> Decision:
        kind = CREATES[template]
        if fields.get("artifact_location") and not user.is_admin:
            return Decision(False)  # a folder of the shared artifact root is the admin's to hand out
        if template.startswith("/api/autotrack/"):  # get-or-create: an existing one is a read
            existing = self._existing(kind, str(fields.get("name") or ""))
            if existing is not None:
                return Decision(self.level(user, kind, existing) >= READ)
        return Decision(True, grant=kind)

    def _existing(self, kind: str, name: str) -> str | None:
        from autotrack.exceptions import NotFound

        if kind == "experiment":
            found = self.state.store.get_experiment_by_name(name)
            return found.experiment_id if found else None
        try:
            return self.state.store.get_registered_model(name).name
        except NotFound:
            return None

    def _follow_ups(self, template: str, fields: dict, decision: Decision) -> None:
        if template == "/api/2.0/mlflow/registered-models/rename" and fields.get("new_name"):
            decision.after.append((self.auth.rename_resource, ("registered_model", str(fields.get("name")),
                                                               str(fields["new_name"]))))
        elif template == "/api/2.0/mlflow/registered-models/delete":
            decision.after.append((self.auth.forget_resource, ("registered_model", str(fields.get("name")))))

    def _artifact_allowed(self, user: User, path: str, level: int) -> bool:
        """The experiment an artifact path belongs to: the run whose folder holds it, else the experiment
        whose default folder it is; anything else (the root itself, a folder of no run) is for admins."""
        if user.is_admin:
            return True
        try:
            target = os.path.abspath(self.state.artifacts.local_path(path or None))
        except Exception:  # the route refuses it too (absolute, `..`, symlink out): no need to say more
            return False
        root = self.state.artifact_root
        parts = os.path.relpath(target, root).split(os.sep) if target != root else []
        if len(parts) >= 2 and self.run_experiment(parts[1]) is not None:
            run = self.state.store.get_run(parts[1])
            folder = os.path.abspath(run.info.artifact_uri.removeprefix("file://"))
            if os.path.basename(folder) == "artifacts":
                folder = os.path.dirname(folder)
            if target == folder or target.startswith(folder + os.sep):
                return self.level(user, "experiment", run.info.experiment_id) >= level
        if parts and parts[0].isdigit():
            try:
                experiment = self.state.store.get_experiment(parts[0])
            except Exception:
                return False
            location = os.path.abspath((experiment.artifact_location or "").removeprefix("file://"))
            if location == os.path.join(root, parts[0]):
                return self.level(user, "experiment", experiment.experiment_id) >= level
        return False
