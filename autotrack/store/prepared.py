"""Statements compiled once and run on the driver's own cursor.

The logging path runs a handful of statements per run many thousands of
times; SQLAlchemy's per-execution bookkeeping costs ~20 us each, the driver
~2 us. The SQL still comes from SQLAlchemy Core, compiled for the dialect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence  # isinstance on typing's aliases: 0.4 us, these 0.1 us
from typing import Any

import sqlalchemy as sa

__all__ = ["Prepared"]


class Prepared:
    def __init__(self, statement: sa.ClauseElement, dialect: sa.Dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self._defaults = dict(compiled.params)
        self._positions = compiled.positiontup  # None for named parameter styles

    def _arguments(self, values: Mapping[str, Any]):
        if self._positions is None:
            return {**self._defaults, **values} if self._defaults.keys() - values.keys() else values
        try:  # the common case, every parameter given: no merged dict per row (a run's ~20 tags are rows)
            return tuple(map(values.__getitem__, self._positions))
        except KeyError:
            merged = {**self._defaults, **values}
            return tuple(merged[name] for name in self._positions)

    def run(self, conn: sa.Connection, values: Mapping[str, Any] | Sequence[Mapping[str, Any]] = {}):
        """Execute in `conn`'s transaction; a list of dicts runs as executemany. Returns the cursor."""
        cursor = conn.connection.driver_connection.cursor()
        if isinstance(values, Mapping):
            cursor.execute(self.sql, self._arguments(values))
        else:
            cursor.executemany(self.sql, [self._arguments(v) for v in values])
        return cursor

    def first(self, conn: sa.Connection, values: Mapping[str, Any]) -> dict | None:
        cursor = self.run(conn, values)
        row = cursor.fetchone()
        return None if row is None else dict(zip([d[0] for d in cursor.description], row))
