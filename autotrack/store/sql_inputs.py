"""The datasets half of `SqlStore`: datasets a run used (`log_input`) and the run's `inputs`.

A dataset is stored once per experiment and (name, digest), as MLflow does, so a table logged by a
thousand trials is one row; each run links to it with its own input tags.
"""

from __future__ import annotations

import json
import uuid
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy import and_, select

from autotrack.entities import Dataset, DatasetInput, InputTag, Run, RunInputs
from autotrack.exceptions import InvalidInput, NotFound
from autotrack.store import schema as t

__all__ = ["SqlInputs"]


def _check(dataset: Dataset) -> None:
    for field, limit in (("name", 500), ("digest", 36), ("source_type", 36)):
        value = getattr(dataset, field)
        if not isinstance(value, str) or not value or len(value) > limit:
            raise InvalidInput(f"A dataset's {field} is a non-empty text of at most {limit} characters, got "
                               f"{value!r}: build datasets with autotrack.data.from_pandas/from_numpy.")


class SqlInputs:
    """`log_inputs` and the inputs of runs; mixed into `SqlStore` (uses its transactions)."""

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput] = ()) -> None:
        for item in datasets:
            _check(item.dataset)
        with self._write() as conn:
            row = conn.execute(select(t.runs.c.experiment_id).where(t.runs.c.run_uuid == run_id)).first()
            if row is None:
                raise NotFound(f"No run with id '{run_id}'. Find run ids with `autotrack runs list`.")
            for item in datasets:
                dataset_id = self._dataset_id(conn, row[0], item.dataset)
                tags = json.dumps([[tag.key, tag.value] for tag in item.tags])
                # the same dataset logged again by a run keeps its first tags, as in MLflow
                conn.execute(self._insert(t.run_inputs).values(run_uuid=run_id, dataset_id=dataset_id, tags=tags)
                             .on_conflict_do_nothing(index_elements=["run_uuid", "dataset_id"]))

    def _dataset_id(self, conn: sa.Connection, experiment_id: int, dataset: Dataset) -> str:
        table = t.datasets
        conn.execute(self._insert(table).values(
            dataset_id=uuid.uuid4().hex, experiment_id=experiment_id, name=dataset.name, digest=dataset.digest,
            source_type=dataset.source_type, source=dataset.source, schema=dataset.schema, profile=dataset.profile,
        ).on_conflict_do_nothing(index_elements=["experiment_id", "name", "digest"]))
        return conn.execute(select(table.c.dataset_id).where(and_(
            table.c.experiment_id == experiment_id, table.c.name == dataset.name, table.c.digest == dataset.digest,
        ))).scalar_one()

    def run_inputs(self, conn: sa.Connection, run_id: str) -> RunInputs:
        d = t.datasets
        rows = conn.execute(
            select(d.c.name, d.c.digest, d.c.source_type, d.c.source, d.c.schema, d.c.profile, t.run_inputs.c.tags)
            .join(t.run_inputs, t.run_inputs.c.dataset_id == d.c.dataset_id)
            .where(t.run_inputs.c.run_uuid == run_id).order_by(d.c.name, d.c.digest)
        ).all()
        return RunInputs(tuple(
            DatasetInput(Dataset(*row[:6]), tuple(InputTag(k, v) for k, v in json.loads(row[6]))) for row in rows
        ))

    def _with_inputs(self, conn: sa.Connection, run: Run) -> Run:
        inputs = self.run_inputs(conn, run.info.run_id)
        return Run(run.info, run.data, inputs) if inputs.dataset_inputs else run
