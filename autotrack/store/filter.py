"""MLflow's search grammar, parsed into plain data that stores compile to SQL.

    filter   := comparison ("AND" comparison)*
    compare  := key op value | key "IS" ["NOT"] "NULL"
    key      := [entity "."] name          entity: metrics, params, tags, attributes
    name     := bare | `back ticked` | "double quoted"
    value    := 'string' | "string" | number | "(" value ("," value)* ")"
    order_by := key ["ASC" | "DESC"]

A malformed filter raises `InvalidFilter` naming the position, with a caret
under it. Keys that contain dots may be written bare (`metrics.val.loss`) or
quoted (metrics.`val.loss`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from autotrack.exceptions import InvalidInput

__all__ = ["Comparison", "InvalidFilter", "OrderKey", "parse_filter", "parse_order_by"]

Value = Union[str, float, tuple]

ENTITY_ALIASES = {
    "metric": "metrics", "metrics": "metrics",
    "param": "params", "params": "params", "parameter": "params", "parameters": "params",
    "tag": "tags", "tags": "tags",
    "attribute": "attributes", "attributes": "attributes", "attr": "attributes", "run": "attributes",
}
STRING_ATTRIBUTES = ("run_id", "run_name", "name", "status", "user_id", "lifecycle_stage")
REGISTRY_ATTRIBUTES = ("version", "source")  # model versions only
LOGGED_MODEL_NUMERIC = ("creation_timestamp", "last_updated_timestamp")  # logged models only
LOGGED_MODEL_ATTRIBUTES = ("model_id", "source_run_id", "model_type", *LOGGED_MODEL_NUMERIC)
NUMERIC_ATTRIBUTES = ("start_time", "end_time")
ATTRIBUTE_ALIASES = {"created": "start_time", "run_uuid": "run_id"}

NUMERIC_OPS = ("=", "!=", "<", "<=", ">", ">=")
STRING_OPS = ("=", "!=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL")


class InvalidFilter(InvalidInput):
    """A search filter or order_by clause that does not parse."""

    def __init__(self, text: str, position: int, problem: str, what: str = "filter"):
        pointer = " " * position + "^"
        super().__init__(
            f"Invalid {what} at position {position}: {problem}\n  {text}\n  {pointer}\n"
            "Example: metrics.rmse < 0.5 and params.model = 'rf' and attributes.status = 'FINISHED'"
        )
        self.position = position


@dataclass(frozen=True)
class Comparison:
    entity: str  # metrics | params | tags | attributes
    key: str
    op: str  # one of NUMERIC_OPS or STRING_OPS
    value: Value | None


@dataclass(frozen=True)
class OrderKey:
    entity: str
    key: str
    ascending: bool = True


_SPACE = re.compile(r"\s*")
_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-.:/]*")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_OPERATOR = re.compile(r"(<=|>=|!=|<>|=|<|>)")
_WORD = re.compile(r"[A-Za-z]+")


class _Scanner:
    def __init__(self, text: str, what: str):
        self.text, self.pos, self.what = text, 0, what

    def error(self, problem: str, position: int | None = None) -> InvalidFilter:
        return InvalidFilter(self.text, self.pos if position is None else position, problem, self.what)

    def skip_space(self) -> None:
        self.pos = _SPACE.match(self.text, self.pos).end()

    def at_end(self) -> bool:
        self.skip_space()
        return self.pos >= len(self.text)

    def match(self, pattern: re.Pattern) -> str | None:
        self.skip_space()
        found = pattern.match(self.text, self.pos)
        if not found:
            return None
        self.pos = found.end()
        return found.group(0)

    def peek_word(self) -> str:
        self.skip_space()
        found = _WORD.match(self.text, self.pos)
        return found.group(0).upper() if found else ""

    def word(self, expected: str) -> bool:
        if self.peek_word() == expected:
            self.pos += len(expected)
            return True
        return False

    def quoted(self, quote: str) -> str | None:
        self.skip_space()
        if not self.text.startswith(quote, self.pos):
            return None
        start = self.pos
        end = self.text.find(quote, start + 1)
        if end < 0:
            raise self.error(f"unterminated {quote}...{quote}", start)
        self.pos = end + 1
        return self.text[start + 1 : end]

    def key(self) -> tuple[str, str]:
        self.skip_space()
        start = self.pos
        name = self.quoted("`") or self.quoted('"') or self.match(_BARE)
        if not name:
            raise self.error("expected a key such as metrics.rmse, params.lr or attributes.status")
        entity, dot, rest = name.partition(".")
        if dot and entity.lower() in ENTITY_ALIASES:
            entity = ENTITY_ALIASES[entity.lower()]
            if not rest:
                rest = self.quoted("`") or self.quoted('"') or ""
            if not rest:
                raise self.error(f"expected a name after '{name}'")
            key = rest
        elif dot or name not in (*STRING_ATTRIBUTES, *NUMERIC_ATTRIBUTES, *ATTRIBUTE_ALIASES, *REGISTRY_ATTRIBUTES,
                                 *LOGGED_MODEL_ATTRIBUTES):
            raise self.error(
                f"'{name}' is not a key: prefix it with metrics., params., tags. or attributes.", start
            )
        else:
            entity, key = "attributes", name
        if entity == "attributes":
            key = ATTRIBUTE_ALIASES.get(key, key)
            if key not in STRING_ATTRIBUTES + NUMERIC_ATTRIBUTES + REGISTRY_ATTRIBUTES + LOGGED_MODEL_ATTRIBUTES:
                allowed = ", ".join(STRING_ATTRIBUTES + NUMERIC_ATTRIBUTES)
                raise self.error(f"unknown attribute '{key}'; allowed: {allowed}", start)
        return entity, key

    def scalar(self) -> str | float:
        self.skip_space()
        text = self.quoted("'")
        if text is None:
            text = self.quoted('"')
        if text is not None:
            return text
        number = self.match(_NUMBER)
        if number is None:
            raise self.error("expected a value: a 'quoted string' or a number")
        return float(number)


def _is_numeric(entity: str, key: str) -> bool:
    return entity == "metrics" or (entity == "attributes" and key in NUMERIC_ATTRIBUTES + LOGGED_MODEL_NUMERIC)


def _comparison(scan: _Scanner) -> Comparison:
    entity, key = scan.key()
    numeric = _is_numeric(entity, key)
    scan.skip_space()
    op_pos = scan.pos
    op = scan.match(_OPERATOR)
    if op is None:
        if scan.word("IS"):
            op = "IS NOT NULL" if scan.word("NOT") else "IS NULL"
            if not scan.word("NULL"):
                raise scan.error("expected NULL after IS")
        elif scan.word("NOT"):
            if not scan.word("IN"):
                raise scan.error("expected IN after NOT")
            op = "NOT IN"
        else:
            op = scan.peek_word()
            if op not in ("LIKE", "ILIKE", "IN"):
                raise scan.error("expected a comparison: = != < <= > >= LIKE ILIKE IN")
            scan.word(op)
    op = "!=" if op == "<>" else op
    allowed = NUMERIC_OPS if numeric else STRING_OPS
    if op not in allowed:
        kind = "numeric" if numeric else "string"
        raise scan.error(f"'{op}' does not apply to {kind} key {entity}.{key}; allowed: {' '.join(allowed)}", op_pos)
    if op.startswith("IS"):
        return Comparison(entity, key, op, None)
    value_pos = scan.pos
    if op in ("IN", "NOT IN"):
        value = _tuple(scan)
        if any(not isinstance(v, str) for v in value):
            raise scan.error("IN takes a list of 'quoted strings'", value_pos)
    else:
        value = scan.scalar()
        if numeric and not isinstance(value, float):
            raise scan.error(f"{entity}.{key} is numeric: compare it with a number, not '{value}'", value_pos + 1)
        if not numeric and not isinstance(value, str):
            raise scan.error(f"{entity}.{key} holds strings: quote the value, e.g. '{value:g}'", value_pos + 1)
    return Comparison(entity, key, op, value)


def _tuple(scan: _Scanner) -> tuple:
    scan.skip_space()
    if not scan.text.startswith("(", scan.pos):
        raise scan.error("expected a list in parentheses, e.g. ('a', 'b')")
    scan.pos += 1
    values = [scan.scalar()]
    while True:
        scan.skip_space()
        if scan.text.startswith(",", scan.pos):
            scan.pos += 1
            values.append(scan.scalar())
        elif scan.text.startswith(")", scan.pos):
            scan.pos += 1
            return tuple(values)
        else:
            raise scan.error("expected ',' or ')'")


def parse_filter(text: str | None) -> list[Comparison]:
    """Parse a filter string; an empty one matches everything."""
    scan = _Scanner(text or "", "filter")
    if scan.at_end():
        return []
    comparisons = [_comparison(scan)]
    while not scan.at_end():
        if not scan.word("AND"):
            if scan.peek_word() == "OR":
                raise scan.error("OR is not supported; run one search per alternative")
            raise scan.error("expected AND between comparisons")
        comparisons.append(_comparison(scan))
    return comparisons


def parse_order_by(clauses: list[str] | None) -> list[OrderKey]:
    keys = []
    for clause in clauses or []:
        scan = _Scanner(clause, "order_by")
        entity, key = scan.key()
        ascending = True
        if scan.word("DESC"):
            ascending = False
        else:
            scan.word("ASC")
        if not scan.at_end():
            raise scan.error("expected ASC or DESC after the key")
        keys.append(OrderKey(entity, key, ascending))
    return keys
