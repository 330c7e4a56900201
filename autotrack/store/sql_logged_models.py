"""The logged-models half of `SqlStore`: MLflow 3's models with their own id, params, tags and metrics.

A logged model's files stay where `log_model` wrote them (the run's artifacts); the row records
that location, so `models:/<model_id>` and `runs:/<run_id>/<name>` name the same folder.
Searches filter an experiment's models in Python after one read per table: experiments hold
models by the hundred, not by the million as runs are.
"""

from __future__ import annotations

import fnmatch
import re
import time
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy import select

from autotrack.entities import LoggedModel, LoggedModelStatus, ModelMetric
from autotrack.exceptions import InvalidInput, NotFound
from autotrack.store import schema as t
from autotrack.store.filter import Comparison, parse_filter

__all__ = ["SqlLoggedModels", "matches", "order_models"]

_ATTRIBUTES = {"name", "model_id", "source_run_id", "status", "model_type", "creation_timestamp",
               "last_updated_timestamp", "creation_time", "experiment_id"}


def _now() -> int:
    return int(time.time() * 1000)


class SqlLoggedModels:
    """Logged-model methods of the `Store` protocol; mixed into `SqlStore` (uses its transactions)."""

    def create_logged_model(
        self, model_id: str, experiment_id: str, name: str, artifact_location: str, source_run_id: str | None = None,
        params: dict[str, str] | None = None, tags: dict[str, str] | None = None, model_type: str | None = None,
        status: str = LoggedModelStatus.READY,
    ) -> LoggedModel:
        if not re.fullmatch(r"m-[0-9a-f]{32}", str(model_id)):
            raise InvalidInput(f"A logged model id looks like m-<32 hex digits>, got {model_id!r}.")
        now = _now()
        try:
            with self._write() as conn:
                conn.execute(t.logged_models.insert().values(
                    model_id=model_id, experiment_id=_experiment(experiment_id), name=name,
                    artifact_location=artifact_location, source_run_id=source_run_id, model_type=model_type,
                    status=status, creation_time=now, last_updated_time=now))
                for table, values in ((t.logged_model_params, params), (t.logged_model_tags, tags)):
                    if values:
                        conn.execute(table.insert(), [{"model_id": model_id, "key": str(k), "value": str(v)}
                                                      for k, v in values.items()])
        except sa.exc.IntegrityError:
            raise InvalidInput(f"Logged model '{model_id}' already exists: a new model needs a new id.") from None
        # built from what was written, not read back: log_model runs on an autologged fit's path
        return LoggedModel(model_id=model_id, experiment_id=str(experiment_id), name=name,
                           artifact_location=artifact_location, creation_timestamp=now, last_updated_timestamp=now,
                           status=status, source_run_id=source_run_id, model_type=model_type,
                           tags={str(k): str(v) for k, v in (tags or {}).items()},
                           params={str(k): str(v) for k, v in (params or {}).items()})

    def log_model_metrics(self, metrics: Sequence[ModelMetric]) -> None:
        """Link metrics to their models (`log_metric(..., model_id=...)`); the run keeps its own copy."""
        if not metrics:
            return
        with self._write() as conn:
            ids = {m.model_id for m in metrics}
            known = set(conn.execute(select(t.logged_models.c.model_id)
                                     .where(t.logged_models.c.model_id.in_(ids))).scalars())
            if ids - known:
                raise NotFound(f"No logged model with id {sorted(ids - known)[0]!r}: use the model_id of the "
                               "ModelInfo that log_model returned.")
            conn.execute(t.logged_model_metrics.insert(), [
                {"model_id": m.model_id, "key": m.key, "value": float(m.value), "timestamp": m.timestamp,
                 "step": m.step, "run_uuid": m.run_id, "dataset_name": m.dataset_name,
                 "dataset_digest": m.dataset_digest} for m in metrics])
            conn.execute(t.logged_models.update().where(t.logged_models.c.model_id.in_(ids))
                         .values(last_updated_time=_now()))

    def log_logged_model_params(self, model_id: str, params: dict[str, str]) -> None:
        """Params are immutable, as a run's: a key logged again with another value is an error."""
        known = self.get_logged_model(model_id).params
        changed = {k: (known[k], v) for k, v in params.items() if k in known and known[k] != str(v)}
        if changed:
            key, (old, new) = next(iter(changed.items()))
            raise InvalidInput(f"Logged model {model_id} already has param {key!r} = {old!r}; it cannot become "
                               f"{new!r} (params never change: log a new model).")
        with self._write() as conn:
            for key, value in params.items():
                conn.execute(self._insert(t.logged_model_params).values(model_id=model_id, key=key, value=str(value))
                             .on_conflict_do_nothing(index_elements=["model_id", "key"]))

    def set_logged_model_tags(self, model_id: str, tags: dict[str, str]) -> None:
        self.get_logged_model(model_id)
        with self._write() as conn:
            for key, value in tags.items():
                conn.execute(self._insert(t.logged_model_tags).values(model_id=model_id, key=key, value=str(value))
                             .on_conflict_do_update(index_elements=["model_id", "key"], set_={"value": str(value)}))

    def get_logged_model(self, model_id: str) -> LoggedModel:
        with self._read() as conn:
            found = self._logged_models(conn, t.logged_models.c.model_id == str(model_id))
        if not found:
            raise NotFound(f"No logged model with id '{model_id}': find ids with search_logged_models(), or in "
                           "the model_id of the ModelInfo that log_model returned.")
        return found[0]

    def search_logged_models(
        self, experiment_ids: Sequence[str], filter_string: str = "", order_by: Sequence[Any] | None = None,
        max_results: int | None = None,
    ) -> list[LoggedModel]:
        comparisons = parse_filter(filter_string)
        with self._read() as conn:
            wanted = [_experiment(e) for e in experiment_ids]
            models = self._logged_models(conn, t.logged_models.c.experiment_id.in_(wanted))
        found = order_models([m for m in models if all(matches(m, c) for c in comparisons)], order_by)
        return found[:max_results] if max_results else found

    def _logged_models(self, conn: sa.Connection, where) -> list[LoggedModel]:
        m = t.logged_models
        rows = conn.execute(select(m).where(where).order_by(m.c.creation_time.desc(), m.c.model_id.desc())).all()
        ids = [row.model_id for row in rows]
        params: dict[str, dict] = {i: {} for i in ids}
        tags: dict[str, dict] = {i: {} for i in ids}
        metrics: dict[str, list] = {i: [] for i in ids}
        if ids:
            for table, into in ((t.logged_model_params, params), (t.logged_model_tags, tags)):
                for model_id, key, value in conn.execute(select(table.c.model_id, table.c.key, table.c.value)
                                                         .where(table.c.model_id.in_(ids))):
                    into[model_id][key] = value
            x = t.logged_model_metrics
            for row in conn.execute(select(x).where(x.c.model_id.in_(ids)).order_by(x.c.metric_id)):
                metrics[row.model_id].append(ModelMetric(row.key, row.value, row.timestamp, row.step, row.run_uuid,
                                                         row.model_id, row.dataset_name, row.dataset_digest))
        return [LoggedModel(
            model_id=row.model_id, experiment_id=str(row.experiment_id), name=row.name,
            artifact_location=row.artifact_location, creation_timestamp=row.creation_time,
            last_updated_timestamp=row.last_updated_time, status=row.status, source_run_id=row.source_run_id,
            model_type=row.model_type, tags=tags[row.model_id], params=params[row.model_id],
            metrics=tuple(metrics[row.model_id]),
        ) for row in rows]


def _experiment(experiment_id: Any) -> int:
    try:
        return int(experiment_id)
    except (TypeError, ValueError):
        raise NotFound(f"No experiment with id '{experiment_id}': experiment ids are integers.") from None


def _latest(model: LoggedModel, key: str) -> float | None:
    """A model metric's latest value: highest step, then latest timestamp (as for runs)."""
    values = [m for m in model.metrics if m.key == key]
    return max(values, key=lambda m: (m.step, m.timestamp)).value if values else None


def _value(model: LoggedModel, entity: str, key: str) -> Any:
    if entity == "metrics":
        return _latest(model, key)
    if entity in ("params", "tags"):
        return getattr(model, entity).get(key)
    if key not in _ATTRIBUTES:
        raise InvalidInput(f"Logged models cannot be searched by {key!r}: use metrics.<key>, params.<key>, "
                           f"tags.<key> or one of {', '.join(sorted(_ATTRIBUTES))}.")
    key = {"creation_time": "creation_timestamp"}.get(key, key)
    return getattr(model, key)


def matches(model: LoggedModel, comparison: Comparison) -> bool:
    """Whether a model satisfies one filter comparison (MLflow's grammar: `metrics.acc > 0.9`, `name = 'x'`)."""
    found, op, wanted = _value(model, comparison.entity, comparison.key), comparison.op, comparison.value
    if op == "IS NULL":
        return found is None
    if op == "IS NOT NULL":
        return found is not None
    if found is None:
        return False
    if op in ("IN", "NOT IN"):
        return (str(found) in {str(v) for v in wanted}) == (op == "IN")
    if op in ("LIKE", "ILIKE"):
        pattern = fnmatch.translate(str(wanted).replace("%", "*").replace("_", "?"))
        return re.match(pattern, str(found), re.IGNORECASE if op == "ILIKE" else 0) is not None
    if isinstance(found, (int, float)) and not isinstance(wanted, str):
        left, right = float(found), float(wanted)
    else:
        left, right = str(found), str(wanted)
    return {"=": left == right, "!=": left != right, "<": left < right, "<=": left <= right, ">": left > right,
            ">=": left >= right}[op]


def order_models(models: list[LoggedModel], order_by: Sequence[Any] | None) -> list[LoggedModel]:
    """MLflow's order_by for logged models: `[{"field_name": "metrics.acc", "ascending": False}]` or strings
    (`"metrics.acc DESC"`); newest first by default. Models without the key come last."""
    for clause in reversed(list(order_by or [])):
        if isinstance(clause, dict) and isinstance(clause.get("field_name"), str):
            field, ascending = clause["field_name"], bool(clause.get("ascending", True))
        elif isinstance(clause, dict) or not isinstance(clause, str):
            raise InvalidInput(f"order_by takes {{'field_name': 'metrics.accuracy', 'ascending': False}} or "
                               f"'metrics.accuracy DESC', got {clause!r:.100}.")
        else:
            field, _, direction = str(clause).strip().partition(" ")
            ascending = direction.strip().upper() != "DESC"
        entity, _, key = field.partition(".") if field.startswith(("metrics.", "params.", "tags.")) \
            else ("attributes", "", field)
        present = [m for m in models if _value(m, entity, key) is not None]
        absent = [m for m in models if _value(m, entity, key) is None]
        present.sort(key=lambda m: _value(m, entity, key), reverse=not ascending)
        models = present + absent
    return models
