"""The model registry half of `SqlStore`: registered models, versions, tags, aliases.

It lives in the tracking database (same engine, same transactions), so a
team's PostgreSQL store is also its registry. A version number comes from a
counter on the model's row (`UPDATE ... RETURNING`): concurrent
registrations queue on that row and get consecutive numbers, and a deleted
version's number is never reused for a different model.
"""

from __future__ import annotations

import re
import time
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy import and_, select

from autotrack.entities import ModelVersion, RegisteredModel
from autotrack.exceptions import InvalidInput, NotFound
from autotrack.store import schema as t
from autotrack.store.filter import parse_filter, parse_order_by
from autotrack.store.sql_search import decode_page_token, encode_page_token, string_condition

__all__ = ["STAGES", "SqlRegistry", "check_alias", "check_stage", "version_number"]

STAGES = ("None", "Staging", "Production", "Archived")  # MLflow's (deprecated) model version stages

_ALIAS = re.compile(r"^[A-Za-z_][\w-]{0,255}$")
_MODEL_COLUMNS = {"name": "name", "creation_timestamp": "creation_time", "last_updated_timestamp": "last_updated_time"}
_VERSION_COLUMNS = {**_MODEL_COLUMNS, "version": "version", "run_id": "run_id", "source": "source"}


def _now() -> int:
    return int(time.time() * 1000)


def version_number(version: int | str) -> int:
    """A version as given by a user (`3`, `"3"`) as the stored integer."""
    try:
        number = int(version)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or str(number) != str(version).strip():
        raise InvalidInput(f"A model version is a positive integer (1, 2, ...), got {version!r}.")
    return number


def check_alias(alias: str) -> str:
    if not isinstance(alias, str) or not _ALIAS.match(alias) or alias.lower() == "latest" or re.match(r"^v\d+$", alias):
        raise InvalidInput(
            f"Invalid alias {alias!r}: an alias is a name of letters, digits, '_' and '-' starting with a letter, "
            "and not 'latest' or 'v<number>' (those name versions already). Example: 'champion'."
        )
    return alias


def check_stage(stage: str) -> str:
    """MLflow's spelling of a stage given in any case (`staging` -> `Staging`)."""
    for known in STAGES:
        if isinstance(stage, str) and stage.strip().lower() == known.lower():
            return known
    raise InvalidInput(f"Invalid model version stage {stage!r}: use one of {', '.join(STAGES)}, "
                       "or better an alias (stages are deprecated in MLflow too).")


def _check_model_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or "/" in name or "@" in name or len(name) > 256:
        raise InvalidInput(
            f"Invalid model name {name!r}: use a non-empty name of at most 256 characters without '/' or '@' "
            "(they separate the name from the version in models:/ URIs)."
        )
    return name


class SqlRegistry:
    """Registry methods of the `Store` protocol; mixed into `SqlStore` (uses its transactions)."""

    # -- registered models --------------------------------------------------
    def create_registered_model(
        self, name: str, tags: dict[str, str] | None = None, description: str | None = None
    ) -> RegisteredModel:
        _check_model_name(name)
        now = _now()
        with self._write() as conn:
            if conn.execute(select(t.registered_models.c.name).where(t.registered_models.c.name == name)).first():
                raise InvalidInput(
                    f"Registered model '{name}' already exists: register a new version with "
                    f"register_model(model_uri, '{name}'), or choose another name."
                )
            conn.execute(t.registered_models.insert().values(
                name=name, creation_time=now, last_updated_time=now, description=description or ""))
            for key, value in (tags or {}).items():
                conn.execute(t.registered_model_tags.insert().values(name=name, key=key, value=str(value)))
        return self.get_registered_model(name)

    def get_or_create_registered_model(self, name: str) -> RegisteredModel:
        _check_model_name(name)
        now = _now()
        with self._write() as conn:
            conn.execute(
                self._insert(t.registered_models)
                .values(name=name, creation_time=now, last_updated_time=now, description="")
                .on_conflict_do_nothing(index_elements=["name"])
            )
        return self.get_registered_model(name)

    def get_registered_model(self, name: str) -> RegisteredModel:
        with self._read() as conn:
            found = self._registered_models(conn, select(t.registered_models).where(t.registered_models.c.name == name))
        if not found:
            raise NotFound(f"No registered model named '{name}'. List them with `autotrack models list`.")
        return found[0]

    def search_registered_models(
        self,
        filter_string: str = "",
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> tuple[list[RegisteredModel], str | None]:
        table = t.registered_models
        where = [self._registry_condition(c, table, t.registered_model_tags, [table.c.name])
                 for c in parse_filter(filter_string)]
        query = select(table).where(and_(sa.true(), *where))
        query = query.order_by(*_ordering(order_by, table, _MODEL_COLUMNS, [table.c.name.asc()]))
        return self._page(self._registered_models, query, max_results, page_token)

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        table = t.registered_models
        with self._write() as conn:
            updated = conn.execute(
                table.update().where(table.c.name == name).values(description=description, last_updated_time=_now())
            ).rowcount
        if not updated:
            raise NotFound(f"No registered model named '{name}'.")
        return self.get_registered_model(name)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        _check_model_name(new_name)
        try:
            with self._write() as conn:
                updated = conn.execute(
                    t.registered_models.update().where(t.registered_models.c.name == name)
                    .values(name=new_name, last_updated_time=_now())
                ).rowcount
                if not updated:
                    raise NotFound(f"No registered model named '{name}'.")
                # PostgreSQL cascades the new name through the foreign keys; SQLite does not enforce them.
                for table in (t.model_versions, t.model_version_tags, t.registered_model_tags,
                              t.registered_model_aliases):
                    conn.execute(table.update().where(table.c.name == name).values(name=new_name))
        except sa.exc.IntegrityError:
            raise InvalidInput(f"Registered model '{new_name}' already exists: choose another name.") from None
        return self.get_registered_model(new_name)

    def delete_registered_model(self, name: str) -> None:
        with self._write() as conn:
            for table in (t.registered_model_aliases, t.model_version_tags, t.model_versions, t.registered_model_tags):
                conn.execute(table.delete().where(table.c.name == name))
            if not conn.execute(t.registered_models.delete().where(t.registered_models.c.name == name)).rowcount:
                raise NotFound(f"No registered model named '{name}'.")

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        self.get_registered_model(name)
        with self._write() as conn:
            statement = self._insert(t.registered_model_tags).values(name=name, key=key, value=str(value))
            conn.execute(statement.on_conflict_do_update(index_elements=["name", "key"], set_={"value": str(value)}))

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        table = t.registered_model_tags
        with self._write() as conn:
            if not conn.execute(table.delete().where(table.c.name == name, table.c.key == key)).rowcount:
                raise NotFound(f"Registered model '{name}' has no tag '{key}'.")

    # -- versions -------------------------------------------------------------
    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: dict[str, str] | None = None,
        description: str | None = None,
        user_id: str = "",
    ) -> ModelVersion:
        now = _now()
        models = t.registered_models
        with self._write() as conn:
            version = conn.execute(
                models.update().where(models.c.name == name)
                .values(last_version=models.c.last_version + 1, last_updated_time=now)
                .returning(models.c.last_version)
            ).scalar()
            if version is None:
                raise NotFound(
                    f"No registered model named '{name}': create it with create_registered_model('{name}'), "
                    "or use register_model, which creates it."
                )
            conn.execute(t.model_versions.insert().values(
                name=name, version=version, creation_time=now, last_updated_time=now, description=description or "",
                user_id=user_id, source=source, run_id=run_id, status="READY"))
            for key, value in (tags or {}).items():
                conn.execute(t.model_version_tags.insert().values(name=name, version=version, key=key, value=str(value)))
        return self.get_model_version(name, version)

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        number = version_number(version)
        table = t.model_versions
        with self._read() as conn:
            found = self._model_versions(conn, select(table).where(table.c.name == name, table.c.version == number))
        if not found:
            self.get_registered_model(name)  # a clear error if the model itself is missing
            raise NotFound(f"Registered model '{name}' has no version {number}. See them with `autotrack models show {name}`.")
        return found[0]

    def get_latest_model_version(self, name: str) -> ModelVersion:
        table = t.model_versions
        with self._read() as conn:
            found = self._model_versions(
                conn, select(table).where(table.c.name == name).order_by(table.c.version.desc()).limit(1))
        if not found:
            self.get_registered_model(name)  # a clear error if the model itself is missing
            raise NotFound(f"Registered model '{name}' has no versions yet.")
        return found[0]

    def update_model_version(self, name: str, version: int | str, description: str) -> ModelVersion:
        number = version_number(version)
        table = t.model_versions
        with self._write() as conn:
            updated = conn.execute(
                table.update().where(table.c.name == name, table.c.version == number)
                .values(description=description, last_updated_time=_now())
            ).rowcount
        if not updated:
            raise NotFound(f"Registered model '{name}' has no version {number}.")
        return self.get_model_version(name, number)

    def delete_model_version(self, name: str, version: int | str) -> None:
        number = version_number(version)
        with self._write() as conn:
            for table in (t.registered_model_aliases, t.model_version_tags):
                conn.execute(table.delete().where(table.c.name == name, table.c.version == number))
            table = t.model_versions
            if not conn.execute(table.delete().where(table.c.name == name, table.c.version == number)).rowcount:
                raise NotFound(f"Registered model '{name}' has no version {number}.")

    def search_model_versions(
        self,
        filter_string: str = "",
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> tuple[list[ModelVersion], str | None]:
        table = t.model_versions
        where = [
            self._registry_condition(c, table, t.model_version_tags, [table.c.name, table.c.version])
            for c in parse_filter(filter_string)
        ]
        query = select(table).where(and_(sa.true(), *where)).order_by(
            *_ordering(order_by, table, _VERSION_COLUMNS, [table.c.name.asc(), table.c.version.desc()])
        )
        return self._page(self._model_versions, query, max_results, page_token)

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None:
        number = self.get_model_version(name, version).version
        with self._write() as conn:
            statement = self._insert(t.model_version_tags).values(name=name, version=number, key=key, value=str(value))
            conn.execute(
                statement.on_conflict_do_update(index_elements=["name", "version", "key"], set_={"value": str(value)})
            )

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        number = version_number(version)
        table = t.model_version_tags
        with self._write() as conn:
            deleted = conn.execute(
                table.delete().where(table.c.name == name, table.c.version == number, table.c.key == key)
            ).rowcount
        if not deleted:
            raise NotFound(f"Version {number} of '{name}' has no tag '{key}'.")

    # -- stages (deprecated by MLflow, still honoured) --------------------------
    def transition_model_version_stage(
        self, name: str, version: int | str, stage: str, archive_existing_versions: bool = False
    ) -> ModelVersion:
        """Move a version to `stage`; with `archive_existing_versions`, others in that stage become Archived."""
        stage = check_stage(stage)
        number = version_number(version)
        table = t.model_versions
        now = _now()
        with self._write() as conn:
            if not conn.execute(
                table.update().where(table.c.name == name, table.c.version == number)
                .values(current_stage=stage, last_updated_time=now)
            ).rowcount:
                raise NotFound(f"Registered model '{name}' has no version {number}.")
            if archive_existing_versions and stage in ("Staging", "Production"):
                conn.execute(
                    table.update().where(table.c.name == name, table.c.version != number, table.c.current_stage == stage)
                    .values(current_stage="Archived", last_updated_time=now)
                )
        return self.get_model_version(name, number)

    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]:
        """The newest version in each stage asked for (every stage when `stages` is empty), as MLflow."""
        wanted = [check_stage(stage) for stage in stages] if stages else list(STAGES)
        table = t.model_versions
        newest = (
            select(table.c.current_stage, sa.func.max(table.c.version).label("version"))
            .where(table.c.name == name, table.c.current_stage.in_(wanted)).group_by(table.c.current_stage).subquery()
        )
        query = select(table).join(newest, and_(table.c.name == name, table.c.version == newest.c.version))
        with self._read() as conn:
            found = self._model_versions(conn, query.order_by(table.c.version))
        if not found:
            self.get_registered_model(name)  # a clear error if the model itself is missing
        return found

    # -- aliases --------------------------------------------------------------
    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None:
        check_alias(alias)
        number = self.get_model_version(name, version).version
        with self._write() as conn:
            statement = self._insert(t.registered_model_aliases).values(name=name, alias=alias, version=number)
            conn.execute(statement.on_conflict_do_update(index_elements=["name", "alias"], set_={"version": number}))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        table = t.registered_model_aliases
        with self._write() as conn:
            if not conn.execute(table.delete().where(table.c.name == name, table.c.alias == alias)).rowcount:
                raise NotFound(f"Registered model '{name}' has no alias '{alias}'.")

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        table = t.registered_model_aliases
        with self._read() as conn:
            version = conn.execute(
                select(table.c.version).where(table.c.name == name, table.c.alias == alias)
            ).scalar()
        if version is None:
            raise NotFound(
                f"Registered model '{name}' has no alias '{alias}'. "
                f"Set one with set_registered_model_alias('{name}', '{alias}', version)."
            )
        return self.get_model_version(name, version)

    # -- reading --------------------------------------------------------------
    def _page(self, load, query, max_results: int, page_token: str | None) -> tuple[list, str | None]:
        """One page of `load(conn, query)`; asking for one more row tells whether a next page exists."""
        offset = decode_page_token(page_token)
        with self._read() as conn:
            found = load(conn, query.offset(offset).limit(max_results + 1))
        if len(found) > max_results:
            return found[:max_results], encode_page_token(offset + max_results)
        return found, None

    def _registry_condition(self, comparison, table, tag_table, keys):
        if comparison.entity == "tags":
            return sa.exists().where(
                *[tag_table.c[key.name] == key for key in keys],
                tag_table.c.key == comparison.key,
                string_condition(tag_table.c.value, comparison.op, comparison.value),
            )
        column = {"run_id": "run_id", "source": "source", "version": "version",
                  "current_stage": "current_stage"}.get(comparison.key, comparison.key)
        if comparison.entity != "attributes" or column not in table.c or column in ("description", "last_version"):
            allowed = "name, tags.<key>" + (", version, run_id, source" if "version" in table.c else "")
            raise InvalidInput(f"Cannot filter on '{comparison.entity}.{comparison.key}' here; allowed: {allowed}.")
        value = comparison.value
        if column == "version" and comparison.op in ("=", "!="):
            value = version_number(value)
        return string_condition(table.c[column], comparison.op, value)

    def _registered_models(self, conn: sa.Connection, query) -> list[RegisteredModel]:
        rows = conn.execute(query).all()
        names = [row.name for row in rows]
        tags: dict[str, dict] = {n: {} for n in names}
        aliases: dict[str, dict] = {n: {} for n in names}
        latest: dict[str, ModelVersion] = {}
        if names:
            for row in conn.execute(select(t.registered_model_tags).where(t.registered_model_tags.c.name.in_(names))):
                tags[row.name][row.key] = row.value
            for row in conn.execute(
                select(t.registered_model_aliases).where(t.registered_model_aliases.c.name.in_(names))
            ):
                aliases[row.name][row.alias] = row.version
            versions = t.model_versions
            newest = (
                select(versions.c.name, sa.func.max(versions.c.version).label("version"))
                .where(versions.c.name.in_(names)).group_by(versions.c.name).subquery()
            )
            query = select(versions).join(
                newest, and_(versions.c.name == newest.c.name, versions.c.version == newest.c.version))
            latest = {version.name: version for version in self._model_versions(conn, query)}
        return [
            RegisteredModel(
                name=row.name,
                creation_timestamp=row.creation_time,
                last_updated_timestamp=row.last_updated_time,
                description=row.description or "",
                tags=tags[row.name],
                aliases=aliases[row.name],
                latest_versions=(latest[row.name],) if row.name in latest else (),
            )
            for row in rows
        ]

    def _model_versions(self, conn: sa.Connection, query) -> list[ModelVersion]:
        rows = conn.execute(query).all()
        keys = {(row.name, row.version) for row in rows}
        names = sorted({name for name, _ in keys})
        tags: dict[tuple, dict] = {key: {} for key in keys}
        aliases: dict[tuple, list] = {key: [] for key in keys}
        if names:
            for row in conn.execute(select(t.model_version_tags).where(t.model_version_tags.c.name.in_(names))):
                if (row.name, row.version) in keys:
                    tags[(row.name, row.version)][row.key] = row.value
            for row in conn.execute(
                select(t.registered_model_aliases).where(t.registered_model_aliases.c.name.in_(names))
                .order_by(t.registered_model_aliases.c.alias)
            ):
                if (row.name, row.version) in keys:
                    aliases[(row.name, row.version)].append(row.alias)
        return [
            ModelVersion(
                name=row.name,
                version=row.version,
                creation_timestamp=row.creation_time,
                last_updated_timestamp=row.last_updated_time,
                description=row.description or "",
                user_id=row.user_id or "",
                source=row.source,
                run_id=row.run_id,
                status=row.status,
                current_stage=row.current_stage,
                tags=tags[(row.name, row.version)],
                aliases=tuple(aliases[(row.name, row.version)]),
            )
            for row in rows
        ]


def _ordering(order_by: Sequence[str] | None, table, columns: dict[str, str], default: list) -> list:
    clauses = []
    for key in parse_order_by(list(order_by or [])):
        column = columns.get(key.key)
        if key.entity != "attributes" or column is None:
            raise InvalidInput(f"Cannot order by '{key.key}'; allowed: {', '.join(columns)}.")
        clauses.append(table.c[column].asc() if key.ascending else table.c[column].desc())
    return clauses + default
