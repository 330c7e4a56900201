"""`SqlStore`: the Store protocol on SQLAlchemy Core, for SQLite and PostgreSQL.

SQLite is opened in WAL mode with a busy timeout, and every write begins
with `BEGIN IMMEDIATE`: writers queue on the lock instead of failing with
"database is locked" when a read transaction tries to upgrade. Schema
creation runs the Alembic migrations under a lock (a file lock for SQLite,
an advisory lock for PostgreSQL), so many processes can open a new database
at once.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
import threading
import time
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy import and_, bindparam, event, or_, select

from autotrack.entities import (
    Experiment,
    LifecycleStage,
    Metric,
    Param,
    Run,
    RunData,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
)
from autotrack import system_tags
from autotrack.exceptions import InvalidInput, NotFound, StoreGone, StoreUnusable
from autotrack.store import metric_chunks, sqlite_file, sqlite_wal, sqlite_writer_lock
from autotrack.store import schema as t
from autotrack.store.base import MetricEntry
from autotrack.store.ids import new_run_id
from autotrack.store.prepared import Prepared
from autotrack.store.sql_registry import SqlRegistry
from autotrack.store.sql_inputs import SqlInputs
from autotrack.store.sql_logged_models import SqlLoggedModels
from autotrack.store.filter import parse_filter
from autotrack.store.sql_search import (
    compile_run_search,
    decode_page_token,
    encode_page_token,
    reported_status,
    selective_metric,
    string_condition,
)

__all__ = ["SqlStore"]

RUN_NAME_TAG = system_tags.RUN_NAME
MAX_PARAM_LENGTH = 6000
_CHUNK = 2000  # ids per IN (...) list: far below SQLite's variable limit (32766)
_CHUNK_VALUES = 100_000  # metric values per history row
_MIGRATIONS = Path(__file__).with_name("migrations")
_inherited: list = []  # connections a forked child must neither use nor close
_NO_LOCK = contextlib.nullcontext()


def _now() -> int:
    return int(time.time() * 1000)


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SqlStore(SqlRegistry, SqlInputs, SqlLoggedModels):
    """A tracking store and model registry in one SQL database; artifacts under `artifact_root`."""

    def __init__(self, db_uri: str, artifact_root: str):
        self.db_uri = db_uri
        self.artifact_root = artifact_root
        # A file this process may not write is opened read-only: reads work, writes say why they cannot.
        self._read_only = db_uri.startswith("sqlite") and not sqlite_file.inspect(sa.engine.make_url(db_uri).database)
        self._engine = _create_engine(db_uri, self._read_only)
        self._checkpointer = _checkpointer(self._engine, self._read_only)
        # Writers of a SQLite file queue here, in the kernel, not in SQLite's polling busy handler.
        self._writer_lock = sqlite_writer_lock.WriterLock(self._checkpointer.path) if self._checkpointer else None
        self._local = threading.local()
        # Runs this process created and has not deleted: logging to them skips the existence check.
        self._known_active: set[str] = set()
        self._dialect = self._engine.dialect.name
        self._insert = _dialect_insert(self._dialect)
        self._prepare_statements()
        self._mark = "?" if self._engine.dialect.paramstyle == "qmark" else "%s"
        self._ensure_schema()
        self._file_identity = self._database_file_identity()
        if self._file_identity:
            sqlite_file.opened.add(self._file_identity)

    # -- plumbing ----------------------------------------------------------
    @contextlib.contextmanager
    def _transaction(self, write: bool) -> Iterator[sa.Connection]:
        """A transaction on this thread's held connection (a fresh one when nested).

        Holding one read and one write connection per thread skips the pool
        checkout on every call: a transaction costs ~20 us instead of ~70 us.
        """
        if write and self._read_only:
            raise StoreUnusable(f"The store {self._location()} is read-only for this process: reading works, "
                                "writing needs write permission on the file and its folder. Nothing was written.")
        local = self._local
        conn = getattr(local, "write" if write else "read", None)
        if conn is None:
            conn = self._engine.connect()
            conn.execution_options(autotrack_write=write)
            setattr(local, "write" if write else "read", conn)
        queue = self._writer_lock if write and self._writer_lock else _NO_LOCK
        if conn.in_transaction():
            with queue, self._engine.connect() as nested:
                nested.execution_options(autotrack_write=write)
                with nested.begin():
                    yield nested
            if write and self._checkpointer:
                self._checkpointer.wrote()
            return
        try:
            with queue, conn.begin():
                yield conn
            if write and self._checkpointer:
                self._checkpointer.wrote()  # WAL checkpoints run on its thread, never in a commit
        except (sa.exc.DBAPIError, sqlite3.DatabaseError, UnicodeDecodeError) as error:  # driver's own cursor too
            if getattr(error, "connection_invalidated", False):
                setattr(local, "write" if write else "read", None)
            if sqlite_file.is_damage(error):
                raise sqlite_file.unusable(self._location(), error) from None
            raise

    def _write(self) -> contextlib.AbstractContextManager[sa.Connection]:
        return self._transaction(True)

    def _read(self) -> contextlib.AbstractContextManager[sa.Connection]:
        return self._transaction(False)

    def after_fork(self) -> None:
        """Forget connections inherited from the parent without closing them under it."""
        _inherited.append(self._local)
        self._local = threading.local()
        self._engine.dispose(close=False)

    def _location(self) -> str:
        """The database as messages name it: a file's path, a server's URL without its password."""
        url = self._engine.url
        return url.database if self._dialect == "sqlite" else url.render_as_string(hide_password=True)

    def _schema_version(self) -> str | None:
        """The Alembic revision, None for a new database; a database that cannot be read raises StoreUnusable."""
        try:
            with self._engine.connect() as conn:
                return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except (sa.exc.DBAPIError, UnicodeDecodeError) as error:  # the latter: text in a damaged file
            if "alembic_version" in str(getattr(error, "orig", "")):  # no such table / relation: a new database
                return None
            raise sqlite_file.unusable(self._location(), error) from None

    def _ensure_schema(self) -> None:
        version = self._schema_version()
        if version == t.HEAD_REVISION:
            return
        if self._read_only:
            raise StoreUnusable(f"The store {self._location()} is read-only for this process and its schema "
                                f"({version or 'none'}) needs an upgrade to {t.HEAD_REVISION}: open it once with "
                                "write access.")
        try:
            self._migrate()
        except sa.exc.DBAPIError as error:
            raise sqlite_file.unusable(self._location(), error) from None

    def _migrate(self) -> None:
        with self._schema_lock():
            version = self._schema_version()
            if version == t.HEAD_REVISION:
                return
            if version is not None and version > t.HEAD_REVISION:
                raise InvalidInput(
                    f"The database {self.db_uri} has schema revision {version}, newer than this "
                    f"autotrack knows ({t.HEAD_REVISION}): upgrade autotrack."
                )
            if self._dialect == "sqlite":
                raw = self._engine.raw_connection()  # outside any transaction, as SQLite requires
                try:
                    raw.driver_connection.execute("PRAGMA journal_mode=WAL")
                finally:
                    raw.close()
                if version is None and self._create_from_snapshot():
                    return
            from alembic import command
            from alembic.config import Config

            config = Config(str(_MIGRATIONS / "alembic.ini"))
            config.set_main_option("script_location", str(_MIGRATIONS))
            with self._write() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")

    def _create_from_snapshot(self) -> bool:
        """A new SQLite database made at head in one transaction, from the schema the migrations leave
        (`migrations/sqlite_head.py`, checked against them by a test), without Alembic; False if the
        snapshot is not at head."""
        from autotrack.store.migrations import sqlite_head

        if sqlite_head.REVISION != t.HEAD_REVISION:
            return False
        with self._write() as conn:
            cursor = conn.connection.driver_connection.cursor()
            for statement in sqlite_head.STATEMENTS:
                cursor.execute(statement)
            now = _now()  # the Default experiment, as migration 0001 inserts it
            conn.execute(t.experiments.insert().values(experiment_id=0, name="Default", lifecycle_stage="active",
                                                      creation_time=now, last_update_time=now))
            cursor.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (t.HEAD_REVISION,))
        return True

    @contextlib.contextmanager
    def _schema_lock(self) -> Iterator[None]:
        if self._dialect == "sqlite":
            path = self._engine.url.database
            if not path or path == ":memory:":
                yield
                return
            import fcntl

            with open(path + ".lock", "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        else:
            with self._engine.connect() as conn:
                conn.exec_driver_sql("SELECT pg_advisory_lock(727211)")
                conn.commit()
                try:
                    yield
                finally:
                    conn.exec_driver_sql("SELECT pg_advisory_unlock(727211)")
                    conn.commit()

    def _prepare_statements(self) -> None:
        """Statements on the logging path, compiled once and run on the driver's cursor."""
        r, lm = t.runs.c, t.latest_metrics.c

        def prepare(statement) -> Prepared:
            return Prepared(statement, self._engine.dialect)

        self._run_stage = prepare(select(r.lifecycle_stage).where(r.run_uuid == bindparam("run_id")))
        self._experiment_row = prepare(
            select(t.experiments).where(t.experiments.c.experiment_id == bindparam("experiment_id"))
        )
        self._insert_run = prepare(t.runs.insert())
        self._insert_tags = prepare(t.tags.insert())
        self._insert_chunks = prepare(  # every column but the generated chunk_id
            t.metric_chunks.insert().values({c.name: bindparam(c.name) for c in t.metric_chunks.c if c.name != "chunk_id"})
        )
        self._insert_new_params = prepare(
            self._insert(t.params).on_conflict_do_nothing(index_elements=["run_uuid", "key"])
        )
        self._params_of_run = prepare(
            select(t.params.c.key, t.params.c.value).where(t.params.c.run_uuid == bindparam("run_id"))
        )
        upsert = self._insert(t.tags)
        self._upsert_tag = prepare(
            upsert.on_conflict_do_update(index_elements=["run_uuid", "key"], set_={"value": upsert.excluded.value})
        )
        upsert = self._insert(t.latest_metrics)
        newer = or_(upsert.excluded.step > lm.step, and_(upsert.excluded.step == lm.step, upsert.excluded.timestamp >= lm.timestamp))
        self._upsert_latest = prepare(
            upsert.on_conflict_do_update(
                index_elements=["run_uuid", "key"],
                set_={c: upsert.excluded[c] for c in ("value", "timestamp", "step", "is_nan")},
                where=newer,
            )
        )
        self._terminate = prepare(
            t.runs.update()
            .where(r.run_uuid == bindparam("run_id"))
            .values(status=bindparam("new_status"), end_time=bindparam("new_end_time"), heartbeat_deadline=None)
        )

    # -- experiments -------------------------------------------------------
    def _experiment_location(self, experiment_id: int, location: str | None) -> str:
        return location or os.path.join(self.artifact_root, str(experiment_id))

    def _experiments(self, conn: sa.Connection, where) -> list[Experiment]:
        rows = conn.execute(select(t.experiments).where(where).order_by(t.experiments.c.experiment_id)).all()
        ids = [row.experiment_id for row in rows]
        tags: dict[int, dict[str, str]] = {i: {} for i in ids}
        for chunk in _chunks(ids):
            for tag in conn.execute(select(t.experiment_tags).where(t.experiment_tags.c.experiment_id.in_(chunk))):
                tags[tag.experiment_id][tag.key] = tag.value
        return [
            Experiment(
                experiment_id=str(row.experiment_id),
                name=row.name,
                artifact_location=self._experiment_location(row.experiment_id, row.artifact_location),
                lifecycle_stage=row.lifecycle_stage,
                tags=tags[row.experiment_id],
                creation_time=row.creation_time,
                last_update_time=row.last_update_time,
            )
            for row in rows
        ]

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: dict[str, str] | None = None
    ) -> str:
        _check_name(name, "experiment name")
        now = _now()
        with self._write() as conn:
            if conn.execute(select(t.experiments.c.experiment_id).where(t.experiments.c.name == name)).first():
                raise InvalidInput(f"Experiment '{name}' already exists. Use set_experiment('{name}') to use it.")
            result = conn.execute(
                t.experiments.insert().values(
                    name=name,
                    artifact_location=artifact_location,
                    lifecycle_stage=LifecycleStage.ACTIVE,
                    creation_time=now,
                    last_update_time=now,
                )
            )
            experiment_id = result.inserted_primary_key[0]
            for key, value in (tags or {}).items():
                conn.execute(t.experiment_tags.insert().values(experiment_id=experiment_id, key=key, value=str(value)))
        return str(experiment_id)

    def get_or_create_experiment(self, name: str) -> Experiment:
        _check_name(name, "experiment name")
        found = self.get_experiment_by_name(name)
        if found is not None:
            return found
        now = _now()
        with self._write() as conn:
            conn.execute(
                self._insert(t.experiments)
                .values(name=name, lifecycle_stage=LifecycleStage.ACTIVE, creation_time=now, last_update_time=now)
                .on_conflict_do_nothing(index_elements=["name"])
            )
        return self.get_experiment_by_name(name)

    def get_experiment(self, experiment_id: str) -> Experiment:
        with self._read() as conn:
            found = self._experiments(conn, t.experiments.c.experiment_id == _experiment_key(experiment_id))
        if not found:
            raise NotFound(f"No experiment with id '{experiment_id}'. List them with `autotrack experiments list`.")
        return found[0]

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        with self._read() as conn:
            found = self._experiments(conn, t.experiments.c.name == name)
        return found[0] if found else None

    def search_experiments(
        self, view_type: int = ViewType.ACTIVE_ONLY, filter_string: str = "", max_results: int | None = None
    ) -> list[Experiment]:
        where = [t.experiments.c.lifecycle_stage.in_(ViewType.stages(view_type))]
        for comparison in parse_filter(filter_string):
            if comparison.entity == "attributes" and comparison.key == "name":
                where.append(string_condition(t.experiments.c.name, comparison.op, comparison.value))
            elif comparison.entity == "tags":
                where.append(
                    sa.exists().where(
                        t.experiment_tags.c.experiment_id == t.experiments.c.experiment_id,
                        t.experiment_tags.c.key == comparison.key,
                        string_condition(t.experiment_tags.c.value, comparison.op, comparison.value),
                    )
                )
            else:
                raise InvalidInput("Experiments can be filtered on `name` and `tags.<key>` only.")
        with self._read() as conn:
            found = self._experiments(conn, and_(*where))
        return found[:max_results] if max_results else found

    def update_experiment(
        self, experiment_id: str, *, name: str | None = None, lifecycle_stage: str | None = None
    ) -> None:
        values: dict = {"last_update_time": _now()}
        if name is not None:
            _check_name(name, "experiment name")
            values["name"] = name
        if lifecycle_stage is not None:
            values["lifecycle_stage"] = lifecycle_stage
        key = _experiment_key(experiment_id)
        try:
            with self._write() as conn:
                updated = conn.execute(
                    t.experiments.update().where(t.experiments.c.experiment_id == key).values(**values)
                ).rowcount
        except sa.exc.IntegrityError:
            raise InvalidInput(f"Experiment '{name}' already exists: choose another name.") from None
        if not updated:
            raise NotFound(f"No experiment with id '{experiment_id}'.")

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        key_id = self.get_experiment(experiment_id).experiment_id
        with self._write() as conn:
            stmt = self._insert(t.experiment_tags).values(experiment_id=int(key_id), key=key, value=str(value))
            conn.execute(stmt.on_conflict_do_update(index_elements=["experiment_id", "key"], set_={"value": str(value)}))

    # -- runs --------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str,
        run_name: str,
        user_id: str,
        start_time: int,
        tags: Sequence[RunTag] = (),
        heartbeat_deadline: int | None = None,
        params: Sequence[Param] = (),
    ) -> Run:
        run_id = new_run_id()
        all_tags = {tag.key: tag.value for tag in tags}
        all_tags[RUN_NAME_TAG] = run_name
        with self._write() as conn:
            experiment = self._experiment_row.first(conn, {"experiment_id": _experiment_key(experiment_id)})
            if experiment is None:
                raise NotFound(f"No experiment with id '{experiment_id}'. List them with `autotrack experiments list`.")
            if experiment["lifecycle_stage"] != LifecycleStage.ACTIVE:
                raise InvalidInput(
                    f"Experiment '{experiment['name']}' is deleted: restore it with "
                    f"Client().restore_experiment('{experiment_id}') or use another one."
                )
            custom_uri = (
                f"{experiment['artifact_location']}/{run_id}/artifacts" if experiment["artifact_location"] else None
            )
            self._insert_run.run(
                conn,
                dict(
                    run_uuid=run_id,
                    experiment_id=experiment["experiment_id"],
                    run_name=run_name,
                    user_id=user_id,
                    status=RunStatus.RUNNING,
                    start_time=start_time,
                    end_time=None,
                    heartbeat_deadline=heartbeat_deadline,
                    artifact_uri=custom_uri,
                    lifecycle_stage=LifecycleStage.ACTIVE,
                ),
            )
            self._insert_tags.run(conn, [dict(run_uuid=run_id, key=k, value=v) for k, v in all_tags.items()])
            if params:
                self._insert_params(conn, run_id, params)
        self._known_active.add(run_id)
        info = RunInfo(
            run_id=run_id,
            experiment_id=str(experiment["experiment_id"]),
            run_name=run_name,
            status=RunStatus.RUNNING,
            start_time=start_time,
            end_time=None,
            artifact_uri=custom_uri or self._default_artifact_uri(experiment["experiment_id"], run_id),
            user_id=user_id,
        )
        return Run(info, RunData(params={p.key: str(p.value) for p in params}, tags=all_tags))

    def _default_artifact_uri(self, experiment_id: int, run_id: str) -> str:
        return f"{self.artifact_root}{os.sep}{experiment_id}{os.sep}{run_id}{os.sep}artifacts"

    def get_run(self, run_id: str) -> Run:
        with self._read() as conn:
            found = self._runs(conn, select(*self._run_columns()).where(t.runs.c.run_uuid == run_id))
            if found:
                return self._with_inputs(conn, found[0])
        raise NotFound(f"No run with id '{run_id}'. Find run ids with `autotrack runs list`.")

    def _run_columns(self) -> list:
        return [
            t.runs.c.run_uuid,
            t.runs.c.experiment_id,
            t.runs.c.run_name,
            t.runs.c.user_id,
            reported_status(_now()).label("status"),
            t.runs.c.start_time,
            t.runs.c.end_time,
            t.runs.c.artifact_uri,
            t.runs.c.lifecycle_stage,
        ]

    def _runs(self, conn: sa.Connection, query) -> list[Run]:
        return self._runs_of_rows(conn, conn.execute(query).all())

    def _runs_of_rows(self, conn: sa.Connection, rows: Sequence) -> list[Run]:
        """Runs for rows of `_run_columns`, their metrics, params and tags in three plain queries.

        The key/value rows go through the driver's own cursor: they are many
        and need no type processing, and this halves the cost of a search.
        """
        ids = [row[0] for row in rows]
        data: dict[str, tuple[dict, dict, dict, dict]] = {i: ({}, {}, {}, {}) for i in ids}
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            for chunk in _chunks(ids):
                marks = ", ".join([self._mark] * len(chunk))
                cursor.execute("SELECT run_uuid, key, value, is_nan, timestamp, step FROM latest_metrics "
                               f"WHERE run_uuid IN ({marks})", chunk)
                for run_id, key, value, is_nan, timestamp, step in cursor.fetchall():
                    value = float("nan") if is_nan else value
                    data[run_id][0][key] = value
                    data[run_id][3][key] = Metric(key, value, timestamp, step)
                for index, table in ((1, "params"), (2, "tags")):
                    cursor.execute(f"SELECT run_uuid, key, value FROM {table} WHERE run_uuid IN ({marks})", chunk)
                    for run_id, key, value in cursor.fetchall():
                        data[run_id][index][key] = value
        finally:
            cursor.close()
        return [
            Run(
                RunInfo(
                    run_id=run_id,
                    experiment_id=str(experiment_id),
                    run_name=run_name or "",
                    status=status,
                    start_time=start_time,
                    end_time=end_time,
                    artifact_uri=artifact_uri or self._default_artifact_uri(experiment_id, run_id),
                    lifecycle_stage=lifecycle_stage,
                    user_id=user_id or "",
                ),
                RunData(*data[run_id]),
            )
            for run_id, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage in rows
        ]

    def update_run(
        self,
        run_id: str,
        *,
        status: str | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
        lifecycle_stage: str | None = None,
    ) -> None:
        if status is not None:
            if status not in RunStatus.ALL:
                raise InvalidInput(f"Unknown run status '{status}'; allowed: {', '.join(RunStatus.ALL)}.")
            params = {"run_id": run_id, "new_status": status,
                      "new_end_time": end_time if RunStatus.is_terminated(status) else None}
            with self._write() as conn:
                if not self._terminate.run(conn, params).rowcount:
                    raise NotFound(f"No run with id '{run_id}'.")
        if lifecycle_stage is not None:
            self._known_active.discard(run_id)
        values = {k: v for k, v in (("run_name", run_name), ("lifecycle_stage", lifecycle_stage)) if v is not None}
        if not values:
            return
        with self._write() as conn:
            if not conn.execute(t.runs.update().where(t.runs.c.run_uuid == run_id).values(**values)).rowcount:
                raise NotFound(f"No run with id '{run_id}'.")
            if run_name is not None:
                self._upsert_tags(conn, run_id, [RunTag(RUN_NAME_TAG, run_name)])

    def end_run(self, run_id: str, status: str, end_time: int, metrics: Sequence[MetricEntry] = ()) -> None:
        if status not in RunStatus.TERMINATED:
            raise InvalidInput(f"A run ends as one of {', '.join(RunStatus.TERMINATED)}, not '{status}'.")
        self._check_database_file()
        with self._write() as conn:
            if metrics:
                self._check_metric_runs(conn, metrics)
                self._insert_metrics(conn, metrics)
            if not self._terminate.run(conn, {"run_id": run_id, "new_status": status, "new_end_time": end_time}).rowcount:
                raise NotFound(f"No run with id '{run_id}'.")

    def heartbeat(self, run_ids: Sequence[str], deadline: int) -> list[str]:
        ended = []
        with self._write() as conn:
            for chunk in _chunks(list(run_ids)):
                beaten = set(conn.execute(
                    t.runs.update()
                    .where(t.runs.c.run_uuid.in_(chunk), t.runs.c.status == RunStatus.RUNNING)
                    .values(heartbeat_deadline=deadline)
                    .returning(t.runs.c.run_uuid)
                ).scalars())
                ended.extend(run_id for run_id in chunk if run_id not in beaten)
        return ended

    def log_batch(
        self, run_id: str, metrics: Sequence[Metric] = (), params: Sequence[Param] = (), tags: Sequence[RunTag] = ()
    ) -> None:
        self.log_series(run_id, metric_chunks.columns(metrics), params, tags)

    def log_series(
        self, run_id: str, series: metric_chunks.Series, params: Sequence[Param] = (), tags: Sequence[RunTag] = ()
    ) -> None:
        # Packed before the write lock is taken: other writers wait only for the inserts.
        rows = self._series_rows({run_id: series})
        with self._write() as conn:
            if run_id not in self._known_active:
                found = self._run_stage.first(conn, {"run_id": run_id})
                stage = found and found["lifecycle_stage"]
                if stage is None:
                    raise NotFound(f"No run with id '{run_id}'.")
                if stage != LifecycleStage.ACTIVE:
                    raise InvalidInput(f"Run '{run_id}' is deleted: restore it before logging to it.")
            if params:
                self._insert_params(conn, run_id, params)
            if tags:
                self._upsert_tags(conn, run_id, tags)
                names = [tag.value for tag in tags if tag.key == RUN_NAME_TAG]
                if names:
                    conn.execute(t.runs.update().where(t.runs.c.run_uuid == run_id).values(run_name=names[-1]))
            self._insert_rows(conn, rows)

    def log_metrics(self, entries: Sequence[MetricEntry]) -> None:
        if entries:
            self._check_database_file()
            with self._write() as conn:
                self._check_metric_runs(conn, entries)
                self._insert_metrics(conn, entries)

    def _database_file_identity(self) -> tuple[int, int] | None:
        """(device, inode) of the SQLite file this store opened; None for a server database."""
        path = self._engine.url.database if self._dialect == "sqlite" else None
        if not path or path == ":memory:":
            return None
        stat = os.stat(path)
        return stat.st_dev, stat.st_ino

    def _check_database_file(self) -> None:
        """Refuse to write when the database file was deleted or replaced since this store opened it.

        SQLite keeps writing into an unlinked file through its open descriptors,
        and that would be reported as success; one `stat` per write (~1 us) tells.
        """
        if self._file_identity is None:
            return
        path = self._engine.url.database
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            raise StoreGone(f"The store database {path} was deleted while this process was writing to it.") from None
        if (stat.st_dev, stat.st_ino) != self._file_identity:
            raise StoreGone(f"The store database {path} was replaced by another file while this process was writing to it.")

    def _check_metric_runs(self, conn: sa.Connection, entries: Sequence[MetricEntry]) -> None:
        """Refuse metrics of runs that are not there (or deleted): they would be rows of no run."""
        unknown = {entry[0] for entry in entries} - self._known_active
        if not unknown:
            return
        r = t.runs.c
        found: set[str] = set()
        for chunk in _chunks(sorted(unknown)):
            query = select(r.run_uuid).where(r.run_uuid.in_(chunk), r.lifecycle_stage == LifecycleStage.ACTIVE)
            found.update(conn.execute(query).scalars())
        missing = sorted(unknown - found)
        if missing:
            raise NotFound(f"No active run with id {', '.join(repr(m) for m in missing[:3])}: metrics of a run "
                           "that is not in this store (or was deleted) are not written.")
        self._known_active.update(found)

    def _insert_params(self, conn: sa.Connection, run_id: str, params: Sequence[Param]) -> None:
        wanted: dict[str, str] = {}
        for param in params:
            value = str(param.value)
            if len(value) > MAX_PARAM_LENGTH:
                raise InvalidInput(
                    f"Param '{param.key}' is {len(value)} characters long; the limit is {MAX_PARAM_LENGTH}. "
                    "Log long values as an artifact with log_text or log_dict."
                )
            if wanted.setdefault(param.key, value) != value:
                raise InvalidInput(f"Param '{param.key}' appears twice in one batch with different values.")
        inserted = self._insert_new_params.run(
            conn, [dict(run_uuid=run_id, key=k, value=v) for k, v in wanted.items()]
        ).rowcount
        if inserted == len(wanted):
            return  # all new: nothing to compare
        for key, value in self._params_of_run.run(conn, {"run_id": run_id}).fetchall():
            if key in wanted and wanted[key] != value:
                raise InvalidInput(
                    f"Param '{key}' was already logged with value '{value}' for run '{run_id}'; "
                    f"params are immutable, so the new value '{wanted[key]}' was refused. "
                    "Log a changing value as a metric, or start a new run."
                )

    def _upsert_tags(self, conn: sa.Connection, run_id: str, tags: Sequence[RunTag]) -> None:
        latest = {tag.key: str(tag.value) for tag in tags}
        self._upsert_tag.run(conn, [dict(run_uuid=run_id, key=k, value=v) for k, v in latest.items()])

    def _insert_metrics(self, conn: sa.Connection, entries: Sequence[MetricEntry]) -> None:
        """History as one packed chunk per (run, key); the latest value upserted beside it."""
        by_run: dict[str, dict[str, tuple[list, list, list]]] = {}
        for run_id, key, value, timestamp, step in entries:
            series = by_run.get(run_id) or by_run.setdefault(run_id, {})
            found = series.get(key) or series.setdefault(key, ([], [], []))
            found[0].append(value)
            found[1].append(timestamp)
            found[2].append(step)
        self._insert_rows(conn, self._series_rows(by_run))

    def _insert_rows(self, conn: sa.Connection, rows: tuple[list[dict], list[dict]]) -> None:
        chunks, latest = rows
        if chunks:
            self._insert_chunks.run(conn, chunks)
            self._upsert_latest.run(conn, latest)

    @staticmethod
    def _series_rows(by_run: Mapping[str, metric_chunks.Series]) -> tuple[list[dict], list[dict]]:
        """Each run's `Series` as rows: packed chunks, and each key's latest value (the highest step, then
        timestamp; the last logged among equals)."""
        chunks, latest = [], []
        for run_id, key, (values, timestamps, steps) in ((r, k, c) for r, s in by_run.items() for k, c in s.items()):
            if not steps:
                continue
            for start in range(0, len(steps), _CHUNK_VALUES):
                end = start + _CHUNK_VALUES
                packed = metric_chunks.pack(steps[start:end], timestamps[start:end], values[start:end])
                chunks.append(dict(run_uuid=run_id, key=key, count=len(steps[start:end]), steps=packed[0],
                                   timestamps=packed[1], values=packed[2]))
            index = _latest_index(steps, timestamps)
            value = values[index]
            latest.append(dict(run_uuid=run_id, key=key, value=0.0 if value != value else value,
                               timestamp=timestamps[index], step=steps[index], is_nan=value != value))
        return chunks, latest

    def delete_tag(self, run_id: str, key: str) -> None:
        with self._write() as conn:
            deleted = conn.execute(t.tags.delete().where(t.tags.c.run_uuid == run_id, t.tags.c.key == key)).rowcount
        if not deleted:
            raise NotFound(f"Run '{run_id}' has no tag '{key}'.")

    def holds_latest(self, entries: Sequence[MetricEntry]) -> bool:
        """Whether these values are the last written of each of their runs' keys, in logging order: a metric
        journal asks it of the batch its process was writing when it died (committed or not?)."""
        wanted: dict[tuple[str, str], list[tuple[int, int, bytes]]] = {}
        for run_id, key, value, timestamp, step in entries:
            wanted.setdefault((run_id, key), []).append((step, timestamp, struct.pack("<d", value)))
        self._check_database_file()  # a replaced file says so, as the write after this would
        c = t.metric_chunks.c
        with self._read() as conn:
            for (run_id, key), values in wanted.items():
                tail: list[tuple[int, int, bytes]] = []
                chunks = conn.execute(select(c.steps, c.timestamps, c["values"])
                                      .where(c.run_uuid == run_id, c.key == key).order_by(c.chunk_id.desc()))
                for chunk in chunks:
                    tail[:0] = [(m.step, m.timestamp, struct.pack("<d", m.value)) for m in metric_chunks.unpack(key, *chunk)]
                    if len(tail) >= len(values):
                        break
                if tail[-len(values):] != values:
                    return False
        return True

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        c = t.metric_chunks.c
        with self._read() as conn:
            rows = conn.execute(
                select(c.steps, c.timestamps, c["values"]).where(c.run_uuid == run_id, c.key == key).order_by(c.chunk_id)
            ).all()
        history = [m for row in rows for m in metric_chunks.unpack(key, *row)]
        history.sort(key=lambda m: (m.step, m.timestamp))  # stable: equal entries keep logging order
        return history

    def count_runs(self, experiment_ids: Sequence[str], view_type: int = ViewType.ACTIVE_ONLY) -> dict[str, int]:
        """Runs per experiment, counted in SQL (listing experiments must not load every run)."""
        r = t.runs.c
        keys = [_experiment_key(i) for i in experiment_ids]
        counts = {str(key): 0 for key in keys}
        with self._read() as conn:
            for chunk in _chunks(keys):
                query = (select(r.experiment_id, sa.func.count()).where(r.experiment_id.in_(chunk),
                         r.lifecycle_stage.in_(ViewType.stages(view_type))).group_by(r.experiment_id))
                counts.update({str(key): count for key, count in conn.execute(query)})
        return counts

    def experiment_activity(self, experiment_ids: Sequence[str],
                            view_type: int = ViewType.ACTIVE_ONLY) -> dict[str, tuple[int, int | None]]:
        """{experiment id: (runs, last activity in ms)} in one aggregate query (the UI's experiment list)."""
        from autotrack.store.sql_ui import experiment_activity

        with self._read() as conn:
            found = experiment_activity(conn, [_experiment_key(i) for i in experiment_ids], ViewType.stages(view_type))
        return {str(key): value for key, value in found.items()}

    def run_keys(self, experiment_ids: Sequence[str], view_type: int = ViewType.ACTIVE_ONLY) -> dict[str, list[dict]]:
        """The metric, param and tag keys of these experiments' runs, with how many distinct values each takes."""
        from autotrack.store.sql_ui import run_keys

        with self._read() as conn:
            return run_keys(conn, [_experiment_key(i) for i in experiment_ids], ViewType.stages(view_type))

    def child_counts(self, experiment_ids: Sequence[str], parent_ids: Sequence[str],
                     view_type: int = ViewType.ACTIVE_ONLY, since: int = 0) -> dict[str, dict[str, int]]:
        """{parent run id: {status or PRUNED: children in these experiments started since `since`}}:
        a sweep's trials by how they ended."""
        from autotrack.store.sql_ui import child_counts

        with self._read() as conn:
            return child_counts(conn, [_experiment_key(i) for i in experiment_ids], parent_ids,
                                ViewType.stages(view_type), _now(), since)

    def get_metric_history_arrays(self, run_id: str, key: str):
        """`get_metric_history` as numpy arrays (`MetricArrays`), without a Metric per point."""
        from autotrack.store.metric_arrays import from_chunks

        c = t.metric_chunks.c
        where = (c.run_uuid == run_id, c.key == key)
        with self._read() as conn:
            counts = list(conn.execute(select(c.count).where(*where).order_by(c.chunk_id)).scalars())
            rows = conn.execute(select(c.steps, c.timestamps, c["values"]).where(*where).order_by(c.chunk_id))
            return from_chunks(key, counts, (tuple(row) for row in rows))

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        view_type: int = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> tuple[list[Run], str | None]:
        offset = decode_page_token(page_token)
        with self._read() as conn:
            # one more than asked tells whether a next page exists
            rows = self._search_rows(conn, experiment_ids, filter_string, view_type, order_by, offset, max_results + 1)
            found = self._runs_of_rows(conn, rows[:max_results])
        if len(rows) > max_results:
            return found, encode_page_token(offset + max_results)
        return found, None

    def search_runs_columns(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        view_type: int = ViewType.ACTIVE_ONLY,
        max_results: int = 100_000,
        order_by: Sequence[str] | None = None,
        offset: int = 0,
    ) -> dict[str, Sequence]:
        """`search_runs` as MLflow's DataFrame columns, without a Run object per row (see sql_columns);
        `offset` skips that many matching runs (the UI's runs table reads pages of a long list)."""
        from autotrack.store.sql_columns import run_columns

        with self._read() as conn:
            rows = self._search_rows(conn, experiment_ids, filter_string, view_type, order_by, offset, max_results)
            scope = select(t.runs.c.run_uuid).where(
                t.runs.c.experiment_id.in_([_experiment_key(i) for i in experiment_ids]),
                t.runs.c.lifecycle_stage.in_(ViewType.stages(view_type)),
            )
            return run_columns(conn, rows, self._default_artifact_uri, scope)

    def _search_rows(self, conn: sa.Connection, experiment_ids: Sequence[str], filter_string: str, view_type: int,
                     order_by: Sequence[str] | None, offset: int, wanted: int) -> list:
        """The run rows (`_run_columns`) of one page of a search."""
        parts = compile_run_search(
            select(*self._run_columns()),
            [_experiment_key(i) for i in experiment_ids],
            filter_string,
            ViewType.stages(view_type),
            order_by,
            _now(),
            # SQLite plans without statistics: it is told when a metric filter is selective
            (lambda comparisons: selective_metric(conn, comparisons, offset + wanted)) if self._dialect == "sqlite" else None,
        )
        found: list = []
        skip = offset
        for index, part in enumerate(parts):
            rows = self._rows(conn, part.offset(skip).limit(wanted - len(found)), many=wanted > 1000)
            if not rows and skip and index < len(parts) - 1:
                # The offset lies past this part: skip over all of it into the next.
                skip -= conn.execute(select(sa.func.count()).select_from(part.order_by(None).subquery())).scalar()
                continue
            found += rows
            skip = 0
            if len(found) >= wanted:
                break
        return found

    def _rows(self, conn: sa.Connection, query, many: bool) -> list:
        """Many rows come as plain tuples from the driver's cursor (SQLAlchemy's Row objects cost ~5 us
        each on 100k runs); a page stays with SQLAlchemy, whose compiled-statement cache saves ~2 ms."""
        if not many or self._dialect != "sqlite":
            return conn.execute(query).all()
        compiled = query.compile(dialect=self._engine.dialect, compile_kwargs={"render_postcompile": True})
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(compiled.string, [compiled.params[name] for name in compiled.positiontup])
            return cursor.fetchall()
        finally:
            cursor.close()

def _experiment_key(experiment_id: str) -> int:
    try:
        return int(experiment_id)
    except (TypeError, ValueError):
        raise NotFound(f"No experiment with id '{experiment_id}': experiment ids are integers.") from None


def _check_name(name: str, what: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"The {what} must be a non-empty string, got {name!r}.")


def _dialect_insert(dialect: str):
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        raise InvalidInput(f"Unsupported database '{dialect}': use sqlite:/// or postgresql://.")
    return insert


def _latest_index(steps: Sequence[int], timestamps: Sequence[int]) -> int:
    """The index of the latest value: the highest step, then timestamp, the last logged among equals.
    `max(zip(...))` made a tuple per value; the highest step is found and counted at C speed."""
    top = max(steps)
    first = steps.index(top)
    if steps.count(top) == 1:
        return first
    return max((timestamps[i], i) for i in range(first, len(steps)) if steps[i] == top)[1]


def _checkpointer(engine: sa.Engine, read_only: bool) -> sqlite_wal.Checkpointer | None:
    """The WAL checkpointer of a SQLite file this process writes (see sqlite_wal); None otherwise."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    return sqlite_wal.Checkpointer(path) if path and path != ":memory:" and not read_only else None


def _create_engine(db_uri: str, read_only: bool = False) -> sa.Engine:
    if db_uri.startswith("sqlite"):
        # read-only: the same URL (so `engine.url` names the file), connections made by sqlite_file
        creator = sqlite_file.read_only_connector(sa.engine.make_url(db_uri).database) if read_only else None
        # No cap on connections (max_overflow=-1): each thread holds its own read and write one (see
        # `_transaction`), so SQLAlchemy's default cap of 15 made an 8th thread wait 30 s and fail.
        # (An in-memory database has one connection in all, SQLAlchemy's SingletonThreadPool: no cap to lift.)
        in_memory = sa.engine.make_url(db_uri).database in (None, "", ":memory:")
        options = ({} if in_memory else {"max_overflow": -1}) | ({"creator": creator} if creator else {})
        engine = sa.create_engine(db_uri, connect_args={"timeout": 60, "check_same_thread": False}, **options)

        @event.listens_for(engine, "connect")
        def _configure(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # transactions are begun below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA case_sensitive_like=ON")
            cursor.execute("PRAGMA cache_size=-65536")  # up to 64 MiB of pages, allocated as used
            if not read_only:
                sqlite_wal.Checkpointer.configure(dbapi_connection)
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            write = conn.get_execution_options().get("autotrack_write")
            # Straight to the driver: this runs for every transaction.
            conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    if db_uri.startswith(("postgresql", "postgres")):
        if db_uri.startswith("postgres://"):
            db_uri = "postgresql://" + db_uri[len("postgres://"):]
        try:
            return sa.create_engine(db_uri, pool_pre_ping=True)
        except ModuleNotFoundError as error:
            raise InvalidInput(
                f"PostgreSQL needs a driver ({error.name} is missing): pip install \"autotrack[postgres]\""
            ) from None
    raise InvalidInput(f"Unsupported database URI '{db_uri}': use sqlite:///path.db or postgresql://user@host/db.")
