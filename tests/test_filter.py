"""The search grammar: what parses, and where a malformed filter fails."""

from __future__ import annotations

import pytest

from autotrack.store.filter import Comparison, InvalidFilter, OrderKey, parse_filter, parse_order_by


def test_full_grammar():
    parsed = parse_filter(
        "metrics.rmse < 1 and params.model = 'rf' AND tags.x != \"y\" and attributes.status = 'FINISHED' "
        "and metrics.`a.b` >= -1e3 and params.m IN ('a', 'b') and run_name LIKE 'x%' and metric.m <> 2.5"
    )
    assert parsed == [
        Comparison("metrics", "rmse", "<", 1.0),
        Comparison("params", "model", "=", "rf"),
        Comparison("tags", "x", "!=", "y"),
        Comparison("attributes", "status", "=", "FINISHED"),
        Comparison("metrics", "a.b", ">=", -1000.0),
        Comparison("params", "m", "IN", ("a", "b")),
        Comparison("attributes", "run_name", "LIKE", "x%"),
        Comparison("metrics", "m", "!=", 2.5),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.validation_0-logloss < 0.3", Comparison("metrics", "validation_0-logloss", "<", 0.3)),
        ('params."my key" = \'v\'', Comparison("params", "my key", "=", "v")),
        ("tags.t IS NOT NULL", Comparison("tags", "t", "IS NOT NULL", None)),
        ("params.p NOT IN ('a')", Comparison("params", "p", "NOT IN", ("a",))),
        ("attributes.created > 5", Comparison("attributes", "start_time", ">", 5.0)),
        ("params.p ILIKE '%X%'", Comparison("params", "p", "ILIKE", "%X%")),
    ],
)
def test_forms(text, expected):
    assert parse_filter(text) == [expected]


def test_empty_filter_matches_everything():
    assert parse_filter("") == [] and parse_filter("   ") == [] and parse_filter(None) == []


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("metrics.rmse <", 14, "expected a value"),
        ("metrics.rmse < 'a'", 15, "is numeric"),
        ("params.x > 1", 9, "does not apply to string key"),
        ("params.x = 1", 11, "quote the value"),
        ("foo = 1", 0, "not a key"),
        ("metrics.a < 1 or metrics.b < 2", 14, "OR is not supported"),
        ("params.a = 'x", 11, "unterminated"),
        ("metrics.a < 1 metrics.b", 14, "expected AND"),
        ("attributes.color = 'x'", 0, "unknown attribute"),
        ("params.p IN 'a'", 12, "expected a list"),
        ("params.p IN ('a' 'b')", 17, r"expected ',' or '\)'"),
        ("metrics. < 1", 9, "expected a name"),
        ("tags.t IS MAYBE", 10, "expected NULL"),
    ],
)
def test_malformed_filters_name_the_position(text, position, message):
    with pytest.raises(InvalidFilter, match=message) as caught:
        parse_filter(text)
    assert caught.value.position == position
    assert f"position {position}" in str(caught.value)
    assert "^" in str(caught.value)


def test_order_by():
    assert parse_order_by(["metrics.rmse DESC", "start_time", "params.`x.y` asc"]) == [
        OrderKey("metrics", "rmse", False),
        OrderKey("attributes", "start_time", True),
        OrderKey("params", "x.y", True),
    ]
    with pytest.raises(InvalidFilter, match="ASC or DESC"):
        parse_order_by(["metrics.rmse DOWN"])
