"""scikit-learn autologging and flavor, on real small models."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import autotrack
from autotrack.entities import RunStatus
from autotrack.exceptions import AutotrackWarning


@pytest.fixture
def classification():
    return make_classification(n_samples=300, n_features=6, n_informative=4, random_state=0)


def test_fit_logs_params_metrics_tags_and_model(classification):
    X, y = classification
    autotrack.autolog()
    model = LogisticRegression(C=0.5, max_iter=300).fit(X, y)
    run = autotrack.last_active_run()
    assert run.info.status == RunStatus.FINISHED
    assert run.data.params["C"] == "0.5" and run.data.params["max_iter"] == "300"
    assert run.data.tags["estimator_name"] == "LogisticRegression"
    assert run.data.tags["estimator_class"] == "sklearn.linear_model._logistic.LogisticRegression"
    expected = {"training_accuracy_score", "training_precision_score", "training_recall_score", "training_f1_score",
                "training_log_loss", "training_roc_auc", "training_score"}
    assert expected <= set(run.data.metrics)
    assert run.data.metrics["training_accuracy_score"] == pytest.approx(model.score(X, y))
    loaded = autotrack.sklearn.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_regressor_metrics(classification):
    X, y = make_regression(n_samples=200, n_features=4, noise=0.1, random_state=0)
    autotrack.autolog(log_models=False)
    model = LinearRegression().fit(X, y)
    metrics = autotrack.last_active_run().data.metrics
    assert metrics["training_r2_score"] == pytest.approx(model.score(X, y))
    assert metrics["training_root_mean_squared_error"] == pytest.approx(np.sqrt(metrics["training_mean_squared_error"]))
    run_id = autotrack.last_active_run().info.run_id
    artifacts = [f.path for f in autotrack.Client().list_artifacts(run_id) if f.path != "context"]
    assert artifacts == ["estimator.html"]  # no model


def test_results_and_exceptions_are_unchanged(classification):
    X, y = classification
    plain = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    with pytest.raises(ValueError) as plain_error:
        LogisticRegression().fit(X, y[:-5])
    autotrack.autolog()
    logged = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    np.testing.assert_array_equal(plain.predict_proba(X), logged.predict_proba(X))
    with pytest.raises(ValueError) as logged_error:
        LogisticRegression().fit(X, y[:-5])
    assert str(logged_error.value) == str(plain_error.value)
    assert autotrack.last_active_run().info.status == RunStatus.FAILED


def test_disable_restores_the_original_functions(classification):
    original_fit = LogisticRegression.fit
    original_forest_fit = RandomForestClassifier.fit
    autotrack.autolog()
    assert LogisticRegression.fit is not original_fit
    autotrack.sklearn.autolog(disable=True)
    assert LogisticRegression.fit is original_fit
    assert RandomForestClassifier.fit is original_forest_fit
    autotrack.autolog()  # an explicit per-library disable wins over the global switch
    assert LogisticRegression.fit is original_fit
    autotrack.sklearn.autolog()
    assert LogisticRegression.fit is not original_fit
    autotrack.autolog(disable=True)
    assert LogisticRegression.fit is original_fit


def test_autolog_twice_is_idempotent(classification):
    X, y = classification
    autotrack.autolog()
    autotrack.autolog(log_models=False)
    LogisticRegression().fit(X, y)
    runs = autotrack.search_runs(output_format="list")
    assert len(runs) == 1
    artifacts = [f.path for f in autotrack.Client().list_artifacts(runs[0].info.run_id) if f.path != "context"]
    assert "model" not in artifacts and "training_confusion_matrix.json" in artifacts  # the second call's settings


def test_inside_a_user_run_and_exclusive(classification):
    X, y = classification
    autotrack.autolog(log_models=False)
    with autotrack.start_run() as run:
        LogisticRegression().fit(X, y)
        assert autotrack.active_run().info.run_id == run.info.run_id  # not ended by autolog
    assert "training_score" in autotrack.get_run(run.info.run_id).data.metrics
    autotrack.autolog(log_models=False, exclusive=True)
    with autotrack.start_run() as user_run:
        LogisticRegression().fit(X, y)
    assert autotrack.get_run(user_run.info.run_id).data.metrics == {}
    assert len(autotrack.search_runs(output_format="list")) == 2


def test_pipeline_is_one_run(classification):
    X, y = classification
    autotrack.autolog(log_models=False)
    Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(X, y)
    runs = autotrack.search_runs(output_format="list")
    assert len(runs) == 1
    assert runs[0].data.params["clf__C"] == "1.0"
    assert runs[0].data.tags["estimator_name"] == "Pipeline"


def test_grid_search_parent_and_child_runs(classification):
    X, y = classification
    autotrack.autolog(max_tuning_runs=3)
    search = GridSearchCV(LogisticRegression(max_iter=300), {"C": [0.01, 0.1, 1, 10]}, cv=3).fit(X, y)
    parent = autotrack.last_active_run()
    assert parent.data.params["best_C"] == str(search.best_params_["C"])
    assert parent.data.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    client = autotrack.Client()
    paths = {f.path for f in client.list_artifacts(parent.info.run_id)}
    assert {"cv_results.csv", "model", "best_estimator"} <= paths
    table = pd.read_csv(client.download_artifacts(parent.info.run_id, "cv_results.csv"))
    assert len(table) == 4
    children = autotrack.search_runs(filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
                                     output_format="list")
    assert len(children) == 3
    assert {c.data.metrics["rank_test_score"] for c in children} == {1.0, 2.0, 3.0}
    assert all("C" in c.data.params and "mean_test_score" in c.data.metrics for c in children)
    all_runs = autotrack.search_runs(output_format="list")
    assert len(all_runs) == 4  # the 12 inner fits did not make runs of their own


def test_logging_failure_is_one_warning_and_training_goes_on(classification):
    X, y = classification
    autotrack.autolog()
    autotrack.set_tracking_uri("s3://nowhere/runs")  # every logging step fails
    with pytest.warns(AutotrackWarning, match="sklearn autologging skipped"):
        model = LogisticRegression().fit(X, y)
    assert model.predict(X).shape == (300,)
    autotrack.autolog(silent=True)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LogisticRegression().fit(X, y)  # silent: no warning at all


def test_patched_estimators_pickle_clone_and_run_in_joblib_processes(classification):
    X, y = classification
    from joblib import Parallel, delayed

    autotrack.autolog(log_models=False)
    model = LogisticRegression().fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert clone(model).get_params() == model.get_params()
    fitted = Parallel(n_jobs=2, backend="loky")(delayed(_fit)(X, y, c) for c in (0.1, 1.0))
    assert [m.C for m in fitted] == [0.1, 1.0]


def _fit(X, y, c):
    return LogisticRegression(C=c).fit(X, y)


def test_libraries_imported_after_autolog_are_patched(tmp_path):
    script = textwrap.dedent(
        """
        import sys, autotrack
        autotrack.autolog(log_models=False)
        assert "sklearn" not in sys.modules
        from sklearn.datasets import make_classification
        from sklearn.tree import DecisionTreeClassifier
        X, y = make_classification(n_samples=100, random_state=0)
        DecisionTreeClassifier().fit(X, y)
        run = autotrack.last_active_run()
        print(run.data.tags["estimator_name"], run.data.metrics["training_accuracy_score"])
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["DecisionTreeClassifier", "1.0"]


def test_estimators_of_modules_imported_after_autolog_are_patched(tmp_path):
    """Each later scikit-learn import patches the classes it adds (fit, and predict/score for metrics)."""
    script = textwrap.dedent(
        """
        import sys, autotrack
        from sklearn.linear_model import LogisticRegression
        autotrack.autolog(log_models=False)
        assert "sklearn.neighbors" not in sys.modules
        from sklearn.datasets import make_classification
        from sklearn.neighbors import KNeighborsClassifier
        X, y = make_classification(n_samples=100, random_state=0)
        model = KNeighborsClassifier().fit(X, y)
        from sklearn.metrics import f1_score
        f1_score(y, model.predict(X))  # KNeighborsClassifier.predict is its own: patched at its import
        LogisticRegression().fit(X, y)
        runs = autotrack.search_runs(order_by=["start_time ASC"], output_format="list")
        print(",".join(run.data.tags["estimator_name"] for run in runs),
              sorted(k for k in runs[0].data.metrics if not k.startswith("training")))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["KNeighborsClassifier,LogisticRegression", "['f1_score_X']"]


def test_save_log_and_load_model_with_signature(tmp_path, classification):
    X, y = classification
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    model = LogisticRegression().fit(frame, y)
    with autotrack.start_run():
        info = autotrack.sklearn.log_model(model, "clf", input_example=frame.head(3))
    assert info.model_uri.endswith("/clf") and info.model_uri.startswith("runs:/")
    assert [c.name for c in info.signature.inputs.inputs] == [f"f{i}" for i in range(6)]
    loaded = autotrack.sklearn.load_model(info.model_uri)
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    local = tmp_path / "saved"
    autotrack.sklearn.save_model(model, local)
    mlmodel = yaml.safe_load((local / "MLmodel").read_text())
    assert mlmodel["flavors"]["sklearn"]["skops_model"] == "model.skops"  # not a pickle
    assert mlmodel["flavors"]["python_function"]["loader_module"] == "autotrack.integrations.sklearn"
    import sklearn

    assert f"scikit-learn=={sklearn.__version__}" in (local / "requirements.txt").read_text().splitlines()
    np.testing.assert_array_equal(autotrack.sklearn.load_model(str(local)).predict(frame), model.predict(frame))
    with pytest.raises(autotrack.InvalidInput, match="not empty"):
        autotrack.sklearn.save_model(model, local)


def test_post_training_metrics_log_to_the_models_run(classification):
    X, y = classification
    X_train, X_test, y_train, y_test = X[:200], X[200:], y[:200], y[200:]
    autotrack.autolog(log_models=False)
    import sklearn.metrics

    model = LogisticRegression().fit(X_train, y_train)
    other = LogisticRegression(C=0.1).fit(X_train, y_train)
    y_pred = model.predict(X_test)
    accuracy = sklearn.metrics.accuracy_score(y_test, y_pred)
    again = sklearn.metrics.accuracy_score(y_test, y_pred)
    f1 = sklearn.metrics.f1_score(y_test, y_pred)
    score = model.score(X_test, y_test)
    unrelated = sklearn.metrics.accuracy_score(y_test, y_test)  # not an autologged model's output
    assert (accuracy, again, unrelated) == (accuracy, accuracy, 1.0)
    runs = {r.data.params["C"]: r for r in autotrack.search_runs(output_format="list")}
    assert len(runs) == 2  # f1_score's internal LabelEncoder.fit made no run of its own
    metrics = runs["1.0"].data.metrics
    assert metrics["accuracy_score_X_test"] == accuracy and metrics["accuracy_score_X_test-2"] == accuracy
    assert metrics["f1_score_X_test"] == f1
    assert metrics["LogisticRegression_score_X_test"] == score
    assert not any(k.endswith("X_test") for k in runs["0.1"].data.metrics)
    assert other.predict(X_test).shape == y_pred.shape


def test_long_param_values_are_truncated_with_a_warning(classification):
    X, y = classification
    autotrack.autolog(log_models=False)
    long_grid = list(range(400))
    from sklearn.preprocessing import FunctionTransformer

    with pytest.warns(AutotrackWarning, match="truncated"):
        FunctionTransformer(kw_args={"values": long_grid}).fit(X, y)
    logged = autotrack.last_active_run().data.params["kw_args"]
    assert len(logged) == 500 and logged.endswith("...")


def test_models_are_saved_with_skops_and_load_with_their_own_types_only(tmp_path, classification):
    X, y = classification
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    autotrack.sklearn.save_model(forest, tmp_path / "forest")
    mlmodel = yaml.safe_load((tmp_path / "forest" / "MLmodel").read_text())["flavors"]["sklearn"]
    assert mlmodel["serialization_format"] == "skops" and "sklearn.tree._tree.Tree" in mlmodel["trusted_types"]
    assert not (tmp_path / "forest" / "model.pkl").exists()
    np.testing.assert_array_equal(autotrack.sklearn.load_model(str(tmp_path / "forest")).predict(X), forest.predict(X))
    # a skops file swapped for one that holds a type outside sklearn/numpy/scipy is refused, whatever MLmodel says
    from autotrack.integrations.sklearn import _skops_io

    from sklearn.pipeline import Pipeline

    _skops_io().dump(Pipeline([("model", _Custom())]), tmp_path / "forest" / "model.skops")
    with pytest.raises(autotrack.InvalidInput, match="does not trust.*_Custom"):
        autotrack.sklearn.load_model(str(tmp_path / "forest"))


class _Custom(LogisticRegression):
    """A user subclass: skops does not know it, so it is pickled with a warning."""


def test_models_skops_cannot_load_are_pickled_with_a_warning(tmp_path, classification):
    X, y = classification
    model = _Custom().fit(X, y)
    with pytest.warns(AutotrackWarning, match="pickled"):
        autotrack.sklearn.save_model(model, tmp_path / "custom")
    assert (tmp_path / "custom" / "model.pkl").exists()
    np.testing.assert_array_equal(autotrack.sklearn.load_model(str(tmp_path / "custom")).predict(X), model.predict(X))


def test_a_pickle_written_by_someone_else_needs_an_explicit_opt_in(tmp_path, classification, monkeypatch):
    X, y = classification
    model = _Custom().fit(X, y)
    with pytest.warns(AutotrackWarning, match="pickled"):
        autotrack.sklearn.save_model(model, tmp_path / "custom")
    folder = str(tmp_path / "custom")
    monkeypatch.setenv("AUTOTRACK_HOME", str(tmp_path / "another-user"))  # another user's signing key
    with pytest.raises(autotrack.InvalidInput, match="not written by you.*trust_pickle=True"):
        autotrack.sklearn.load_model(folder)
    with pytest.raises(autotrack.InvalidInput, match="AUTOTRACK_TRUST_PICKLES"):
        autotrack.pyfunc.load_model(folder)
    np.testing.assert_array_equal(autotrack.sklearn.load_model(folder, trust_pickle=True).predict(X), model.predict(X))
    np.testing.assert_array_equal(autotrack.pyfunc.load_model(folder, trust_pickle=True).predict(X), model.predict(X))
    monkeypatch.setenv("AUTOTRACK_TRUST_PICKLES", "1")
    assert autotrack.sklearn.load_model(folder) is not None


def test_a_changed_pickle_is_refused_even_for_its_writer(tmp_path, classification):
    X, y = classification
    with pytest.warns(AutotrackWarning, match="pickled"):
        autotrack.sklearn.save_model(_Custom().fit(X, y), tmp_path / "custom")
    file = tmp_path / "custom" / "model.pkl"
    file.write_bytes(pickle.dumps(_Custom()))  # same user, different bytes
    with pytest.raises(autotrack.InvalidInput, match="was changed since"):
        autotrack.sklearn.load_model(str(tmp_path / "custom"))


def test_skops_keeps_its_default_trust_list_for_other_users(tmp_path, classification):
    """MLflow's sklearn flavor (and any skops user) in the same process still trusts sklearn estimators."""
    X, y = classification
    autotrack.sklearn.save_model(LogisticRegression().fit(X, y), tmp_path / "m")
    import skops.io as sio

    assert sio.get_untrusted_types(file=tmp_path / "m" / "model.skops") == []


def test_a_classifier_logs_its_training_confusion_matrix(classification):
    import json

    import matplotlib.figure  # noqa: F401  (the program uses matplotlib: the PNG is drawn too)
    from sklearn.metrics import confusion_matrix

    X, y = classification
    autotrack.autolog(log_models=False)
    model = LogisticRegression(max_iter=300).fit(X, y)
    run_id = autotrack.last_active_run().info.run_id
    client = autotrack.Client()
    data = json.load(open(client.download_artifacts(run_id, "training_confusion_matrix.json")))
    assert data["matrix"] == confusion_matrix(y, model.predict(X)).tolist() and data["labels"] == ["0", "1"]
    autotrack.flush()  # the PNG is drawn off the fit's path (autotrack.deferred)
    assert "training_confusion_matrix.png" in {f.path for f in client.list_artifacts(run_id)}


def test_a_fit_logs_its_estimator_html_as_fitted(classification):
    """MLflow's `estimator.html` (scikit-learn's own rendering), rendered off the fit's path from a snapshot:
    params changed after the fit do not show."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = classification
    autotrack.autolog(log_models=False)
    model = LogisticRegression(C=0.25, max_iter=300).fit(X, y)
    model.set_params(C=7.5)
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(X, y)
    pipeline_run = autotrack.last_active_run().info.run_id
    autotrack.flush()
    client = autotrack.Client()
    runs = client.search_runs([autotrack.last_active_run().info.experiment_id], order_by=["attributes.start_time"])
    html = open(client.download_artifacts(runs[0].info.run_id, "estimator.html")).read()
    assert html.startswith("<!DOCTYPE html>") and "LogisticRegression" in html and "0.25" in html and "7.5" not in html
    pipeline = open(client.download_artifacts(pipeline_run, "estimator.html")).read()
    assert "StandardScaler" in pipeline and "Pipeline" in pipeline
