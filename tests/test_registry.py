"""The registry through the fluent API and Client, and models:/ URIs for every flavor."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression

import autotrack
from autotrack.exceptions import InvalidInput, NotFound


@pytest.fixture
def data():
    return make_classification(n_samples=200, n_features=5, random_state=0)


def _log_every_flavor(X, y):
    """One logged model per flavor: (flavor module, model URI, predictions the user's model makes)."""
    import lightgbm as lgb
    import torch
    import xgboost as xgb

    models = []
    sk = LogisticRegression().fit(X, y)
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(X, label=y), 5)
    gbm = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, y), 5)
    torch.manual_seed(0)
    module = torch.nn.Linear(X.shape[1], 1)
    with autotrack.start_run():
        models.append((autotrack.sklearn, autotrack.sklearn.log_model(sk, "sk"), sk.predict(X)))
        models.append((autotrack.xgboost, autotrack.xgboost.log_model(booster, "xgb"), booster.predict(xgb.DMatrix(X))))
        models.append((autotrack.lightgbm, autotrack.lightgbm.log_model(gbm, "lgb"), gbm.predict(X)))
        with torch.no_grad():
            expected = module(torch.as_tensor(X, dtype=torch.float32)).numpy()
        models.append((autotrack.pytorch, autotrack.pytorch.log_model(module, "torch"), expected))
    return models


def test_every_flavor_round_trips_through_runs_and_models_uris(data):
    X, y = data
    for flavor, info, expected in _log_every_flavor(X, y):
        name = f"model-{flavor.__name__.rsplit('.', 1)[-1]}"
        version = autotrack.register_model(info.model_uri, name)
        assert version.version == 1 and version.run_id == info.run_id
        autotrack.Client().set_registered_model_alias(name, "champion", 1)
        for uri in (info.model_uri, f"models:/{name}/1", f"models:/{name}@champion", f"models:/{name}/latest"):
            np.testing.assert_allclose(np.asarray(autotrack.pyfunc.load_model(uri).predict(X)).ravel(),
                                       np.asarray(expected).ravel(), rtol=1e-6)
            assert flavor.load_model(uri) is not None


def test_the_notes_workflow(data):
    X, y = data
    model = LogisticRegression().fit(X, y)
    with autotrack.start_run() as run:
        info = autotrack.sklearn.log_model(model, "sklearn-model", registered_model_name="sk-learn-model")
    assert info.registered_model_version == 1
    result = autotrack.register_model(f"runs:/{run.info.run_id}/sklearn-model", "sk-learn-model")
    assert result.version == 2
    client = autotrack.MlflowClient()
    client.update_model_version(name="sk-learn-model", version=1, description="a logistic regression")
    client.rename_registered_model(name="sk-learn-model", new_name="sk-learn-model-v2")
    assert client.get_model_version("sk-learn-model-v2", 1).description == "a logistic regression"
    listed = [dict(m) for m in client.search_registered_models()]
    assert [m["name"] for m in listed] == ["sk-learn-model-v2"]
    assert listed[0]["latest_versions"][0].version == 2
    assert [v.version for v in autotrack.search_model_versions("name = 'sk-learn-model-v2'")] == [2, 1]
    loaded = autotrack.pyfunc.load_model("models:/sk-learn-model-v2/1")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    client.delete_registered_model(name="sk-learn-model-v2")
    assert autotrack.search_registered_models() == []
    # the run's model is still there: the registry only pointed at it
    np.testing.assert_array_equal(autotrack.pyfunc.load_model(info.model_uri).predict(X), model.predict(X))


def test_registering_a_missing_model_is_refused_and_writes_nothing(tmp_path):
    with autotrack.start_run() as run:
        pass
    with pytest.raises(NotFound, match="no artifact .nothing-here."):
        autotrack.register_model(f"runs:/{run.info.run_id}/nothing-here", "ghost")
    with pytest.raises(NotFound, match="No model directory"):
        autotrack.register_model(str(tmp_path / "missing"), "ghost")
    with pytest.raises(NotFound):
        autotrack.Client().get_registered_model("ghost")


def test_bad_models_uris_say_what_they_should_look_like():
    for uri in ("models:/", "models:/a/b/c", "models:/name@"):
        with pytest.raises(InvalidInput, match=r"models:/<name>/<version>"):
            autotrack.pyfunc.load_model(uri)
    with pytest.raises(NotFound, match="No registered model named 'nope'"):
        autotrack.pyfunc.load_model("models:/nope/latest")


def test_a_plain_folder_registers_by_absolute_path(tmp_path, monkeypatch):
    X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    forest = RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y)
    monkeypatch.chdir(tmp_path)
    autotrack.sklearn.save_model(forest, "forest")
    version = autotrack.register_model("forest", "forest")
    assert version.source == str(tmp_path / "forest")
    monkeypatch.chdir("/")
    np.testing.assert_allclose(autotrack.pyfunc.load_model("models:/forest/1").predict(X), forest.predict(X))


def test_stages_are_honoured_with_a_warning_that_points_to_aliases(data):
    X, y = data
    with autotrack.start_run():
        for C in (1.0, 0.5, 0.1):
            autotrack.sklearn.log_model(LogisticRegression(C=C).fit(X, y), f"m{C}", registered_model_name="m")
    client = autotrack.Client()
    with pytest.warns(FutureWarning, match="aliases"):
        assert [v.version for v in client.get_latest_versions("m")] == [3]
        client.transition_model_version_stage("m", 1, "Staging")
        client.transition_model_version_stage("m", 2, "staging")  # any case, stored as MLflow spells it
        assert client.transition_model_version_stage("m", 3, "Production").current_stage == "Production"
        assert [(v.version, v.current_stage) for v in client.get_latest_versions("m", ["Staging", "Production"])] \
            == [(2, "Staging"), (3, "Production")]
        client.transition_model_version_stage("m", 1, "Staging", archive_existing_versions=True)
        assert client.get_model_version("m", 2).current_stage == "Archived"
        staged = autotrack.pyfunc.load_model("models:/m/Staging")
    np.testing.assert_array_equal(staged.predict(X), LogisticRegression(C=1.0).fit(X, y).predict(X))
    with pytest.raises(InvalidInput, match="Staging, Production, Archived"), pytest.warns(FutureWarning):
        client.transition_model_version_stage("m", 1, "Prod")
    with pytest.raises(NotFound, match="no version in stage 'None'"), pytest.warns(FutureWarning):
        autotrack.pyfunc.load_model("models:/m/None")


def test_a_client_for_another_store_registers_and_resolves_there(data, tmp_path):
    X, y = data
    model = LogisticRegression().fit(X, y)
    team = str(tmp_path / "team-store")
    autotrack.set_tracking_uri(team)
    with autotrack.start_run():
        info = autotrack.sklearn.log_model(model, "model")
    autotrack.set_tracking_uri(str(tmp_path / "my-store"))  # the current store is now another one
    client = autotrack.Client(team)
    assert client.register_model(info.model_uri, "team-model").version == 1
    assert client.register_model("models:/team-model/1", "team-model").source == info.model_uri
    with pytest.raises(NotFound):
        autotrack.Client().get_registered_model("team-model")
