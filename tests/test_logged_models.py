"""MLflow 3's logged models in the SQL store (SQLite, and PostgreSQL when configured): ids, params that never
change, metrics linked to runs and datasets, MLflow's search grammar."""

from __future__ import annotations

import pytest

from autotrack.entities import ModelMetric
from autotrack.exceptions import InvalidInput, NotFound
from autotrack.logged_models import new_model_id


def _model(store, name, params=None, tags=None, run_id=None):
    return store.create_logged_model(new_model_id(), "0", name, f"/artifacts/{name}", run_id, params or {},
                                     tags or {}, "classifier")


def test_a_logged_model_keeps_its_params_tags_and_metrics(store):
    created = _model(store, "clf", {"C": "1.0"}, {"team": "a"})
    assert created.model_uri == f"models:/{created.model_id}" and created.status == "READY"
    assert store.get_logged_model(created.model_id) == created  # what create returns is what is stored
    store.log_logged_model_params(created.model_id, {"C": "1.0", "max_iter": "100"})  # same value: a no-op
    with pytest.raises(InvalidInput, match="cannot become"):
        store.log_logged_model_params(created.model_id, {"C": "2.0"})
    store.set_logged_model_tags(created.model_id, {"team": "b", "stage": "dev"})
    store.log_model_metrics([ModelMetric("acc", 0.5, 1, 0, None, created.model_id, "test", "abcd1234"),
                             ModelMetric("acc", 0.75, 2, 1, None, created.model_id, "test", "abcd1234")])
    found = store.get_logged_model(created.model_id)
    assert found.params == {"C": "1.0", "max_iter": "100"} and found.tags == {"team": "b", "stage": "dev"}
    assert [(m.value, m.step, m.dataset_digest) for m in found.metrics] == [(0.5, 0, "abcd1234"), (0.75, 1, "abcd1234")]
    assert found.last_updated_timestamp >= created.last_updated_timestamp


def test_unknown_models_and_bad_ids_are_clear_errors(store):
    with pytest.raises(NotFound, match="search_logged_models"):
        store.get_logged_model("m-" + "0" * 32)
    with pytest.raises(NotFound, match="model_id"):
        store.log_model_metrics([ModelMetric("acc", 1.0, 1, 0, None, "m-" + "0" * 32)])
    with pytest.raises(InvalidInput, match="m-<32 hex digits>"):
        store.create_logged_model("model-1", "0", "x", "/a")


def test_search_filters_and_orders_as_mlflow(store):
    low, high, none = _model(store, "low", {"C": "0.1"}), _model(store, "high", {"C": "10"}), _model(store, "none")
    store.log_model_metrics([ModelMetric("acc", 0.6, 1, 0, None, low.model_id),
                             ModelMetric("acc", 0.9, 1, 0, None, high.model_id)])
    names = lambda models: [m.name for m in models]  # noqa: E731
    assert names(store.search_logged_models(["0"])) == ["none", "high", "low"]  # newest first
    assert names(store.search_logged_models(["0"], "metrics.acc > 0.5",
                                            [{"field_name": "metrics.acc", "ascending": False}])) == ["high", "low"]
    assert names(store.search_logged_models(["0"], order_by=["metrics.acc"])) == ["low", "high", "none"]
    assert names(store.search_logged_models(["0"], "params.C = '0.1'")) == ["low"]
    assert names(store.search_logged_models(["0"], "name LIKE 'h%' and model_type = 'classifier'")) == ["high"]
    assert names(store.search_logged_models(["0"], "params.C IS NULL")) == ["none"]
    assert store.search_logged_models(["0"], max_results=1)[0].name == "none"
    with pytest.raises(InvalidInput):
        store.search_logged_models(["0"], "attributes.start_time > 0")

