"""search_runs' DataFrame, built from the store's columns, equals the one built from Run objects."""

from __future__ import annotations

import pandas as pd
import pytest

import autotrack
from autotrack.dataframe import runs_to_dataframe
from autotrack.entities import LifecycleStage


@pytest.fixture
def logged(monkeypatch):
    monkeypatch.setenv("AUTOTRACK_CAPTURE", "none")  # no system metrics sampled between two searches
    autotrack.set_experiment("frame")
    for i in range(12):
        with autotrack.start_run(run_name=f"run-{i}") as run:
            autotrack.log_params({"p": "ab"[i % 2], **({"only_some": str(i)} if i % 3 == 0 else {})})
            autotrack.log_metric("m", float("nan") if i == 4 else i / 10)
            if i % 4:
                autotrack.log_metric("sparse", i, step=2)
            autotrack.set_tag("team", "x" if i < 6 else "y")
    autotrack.Client().store.update_run(run.info.run_id, lifecycle_stage=LifecycleStage.DELETED)
    with autotrack.start_run(run_name="running"):  # still RUNNING, metrics still buffered
        autotrack.log_metric("m", 5.0)
        yield autotrack.get_experiment_by_name("frame").experiment_id


def _expected(*args, **kwargs) -> pd.DataFrame:
    return runs_to_dataframe(autotrack.search_runs(*args, output_format="list", **kwargs))


@pytest.mark.parametrize("query", [
    {},
    {"filter_string": "metrics.m > 0.3"},
    {"filter_string": "params.p = 'a'", "order_by": ["metrics.sparse DESC"]},
    {"order_by": ["metrics.m ASC"], "max_results": 5},
    {"filter_string": "tags.team = 'nobody'"},
    {"run_view_type": autotrack.entities.ViewType.ALL},
])
def test_the_frame_from_columns_equals_the_frame_from_runs(logged, query):
    frame = autotrack.search_runs([logged], **query)
    expected = _expected([logged], **query)
    pd.testing.assert_frame_equal(frame, expected)
    assert list(frame.columns[:6]) == ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time"]


def test_the_frame_holds_what_it_should(logged):
    frame = autotrack.search_runs([logged], order_by=["attributes.start_time ASC"])
    assert len(frame) == 12 and frame["run_id"].is_unique  # the deleted run is left out
    assert frame["metrics.m"].isna().sum() == 1 and frame["metrics.m"].iloc[-1] == 5.0  # NaN stays NaN; buffer read
    assert frame["params.only_some"].tolist()[:4] == ["0", None, None, "3"]
    assert frame["metrics.sparse"].isna().tolist()[:5] == [True, False, False, False, True]
    assert frame["status"].iloc[-1] == "RUNNING" and frame["tags.team"].iloc[0] == "x"


@pytest.mark.parametrize("query", [{}, {"filter_string": "metrics.m > 0.3"}, {"order_by": ["metrics.m ASC"], "max_results": 5}])
def test_reading_whole_tables_gives_the_same_frame(logged, monkeypatch, query):
    """Past _BULK runs the key/value tables are read in one pass, rows of runs not asked for dropped."""
    from autotrack.store import sql_columns

    monkeypatch.setattr(sql_columns, "_BULK", 1)
    monkeypatch.setattr(sql_columns, "_SCAN_SHARE", 1000)
    pd.testing.assert_frame_equal(autotrack.search_runs([logged], **query), _expected([logged], **query))


_HARD_VALUES = [0.1 + 0.2, 1 / 3, 2.0 ** 60 + 1, 5e-324, 1.7976931348623157e308, float("inf"), float("-inf"),  # (SQLite keeps no -0.0)
                float("nan"), 123456789.12345679, -9.999999999999969e-311]
_HARD_TEXT = ["a,b", 'quote " and \\ backslash', "new\nline", "ünïcödé ✓", "[1, 2]", "null", "", " spaced "]


@pytest.mark.parametrize("sqlite_groups", [True, False])
def test_values_come_back_exactly_on_either_path(monkeypatch, sqlite_groups):
    """SQLite's grouped path carries metrics as text and strings as JSON: every double and string must survive."""
    from autotrack.store import sql_columns

    if not sqlite_groups:
        monkeypatch.setattr(sql_columns, "_exact_sqlite_text", lambda conn: False)
    else:
        assert sql_columns._exact_sqlite_text.__name__ == "_exact_sqlite_text"
    monkeypatch.setenv("AUTOTRACK_CAPTURE", "none")
    autotrack.set_experiment("hard")
    for i, value in enumerate(_HARD_VALUES):
        with autotrack.start_run(run_name=f"run-{i}"):
            autotrack.log_metric("v", value)
            autotrack.log_param("text", _HARD_TEXT[i % len(_HARD_TEXT)])
            autotrack.set_tag("t", _HARD_TEXT[(i + 3) % len(_HARD_TEXT)])
    experiment_id = autotrack.get_experiment_by_name("hard").experiment_id
    frame = autotrack.search_runs([experiment_id], order_by=["attributes.start_time ASC"])
    pd.testing.assert_frame_equal(frame, _expected([experiment_id], order_by=["attributes.start_time ASC"]))
    got = frame["metrics.v"].tolist()
    assert [repr(g) for g in got] == [repr(v) for v in _HARD_VALUES]  # bit for bit (subnormals, inf, nan)
    assert frame["params.text"].tolist() == [_HARD_TEXT[i % len(_HARD_TEXT)] for i in range(len(_HARD_VALUES))]
