"""skops without its import-time scans (estimators, ufunc names): autotrack skips them, other skops users still get the
full lists."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("skops")

SCRIPT = textwrap.dedent("""
    import sys, tempfile
    import sklearn.utils
    calls = []
    real_scan = sklearn.utils.all_estimators
    def counting_scan(*args, **kwargs):
        calls.append(1)
        return real_scan(*args, **kwargs)
    sklearn.utils.all_estimators = counting_scan

    import autotrack
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    folder = tempfile.mkdtemp()
    autotrack.sklearn.save_model(LogisticRegression().fit(X, y), folder + "/m")
    loaded = autotrack.sklearn.load_model(folder + "/m")
    assert type(loaded).__name__ == "LogisticRegression"
    assert calls == [], "autotrack's own save and load ran the estimator scan"
    assert "sklearn.ensemble" not in sys.modules  # imported by skops only for a trust list: deferred
    from sklearn.ensemble import HistGradientBoostingClassifier  # and importable as ever afterwards
    autotrack.sklearn.save_model(HistGradientBoostingClassifier(max_iter=3).fit(X, y), folder + "/h")
    assert type(autotrack.sklearn.load_model(folder + "/h")).__name__ == "HistGradientBoostingClassifier"
    # ufuncs in a model: recorded and trusted as the model's own types; skops' ufunc lists were not computed
    import numpy as np, scipy.special
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    ufuncs = make_pipeline(FunctionTransformer(np.abs), FunctionTransformer(scipy.special.expit),
                           LogisticRegression()).fit(X, y)
    autotrack.sklearn.save_model(ufuncs, folder + "/u")
    assert (autotrack.sklearn.load_model(folder + "/u").predict(X) == ufuncs.predict(X)).all()
    from skops.io import _trusted_types
    for name in ("NUMPY_UFUNC_TYPE_NAMES", "SCIPY_UFUNC_TYPE_NAMES"):
        assert list.__len__(getattr(_trusted_types, name)) == 0, name  # its storage: not filled by autotrack

    # any other skops user in the process: the default list is complete on first use
    import skops.io as sio
    from skops.io import _trusted_types
    assert sio.get_untrusted_types(file=folder + "/m/model.skops") == []
    assert calls == [1]
    expected = sorted(f"{c.__module__}.{c.__name__}" for _, c in real_scan() if c.__module__.startswith("sklearn."))
    assert sorted(_trusted_types.SKLEARN_ESTIMATOR_TYPE_NAMES) == expected
    assert "sklearn.svm._classes.SVC" in _trusted_types.SKLEARN_ESTIMATOR_TYPE_NAMES
    from skops.io import _general
    combined = _general.SKLEARN_ESTIMATOR_TYPE_NAMES + _general.SKLEARN_INTERNAL_TYPE_NAMES
    assert "sklearn._loss.loss.HalfBinomialLoss" in combined
    assert "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper" in combined
    assert sio.get_untrusted_types(file=folder + "/h/model.skops") == [
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]  # skops' own choice, kept
    assert sio.get_untrusted_types(file=folder + "/u/model.skops") == []  # ufuncs trusted by default, as ever
    assert "numpy.absolute" in _general.NUMPY_UFUNC_TYPE_NAMES and "numpy.add" in _general.NUMPY_UFUNC_TYPE_NAMES
    assert any(name.endswith(".expit") for name in _general.SCIPY_UFUNC_TYPE_NAMES)
    print("ok")
""")


def test_autotrack_skips_the_scan_and_other_skops_users_still_get_the_default_trust_list():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")


def test_recorded_types_are_the_models_own_even_when_the_default_list_is_unfilled(tmp_path):
    """MLmodel records every type the file needs (the estimator's too), and loading trusts exactly those."""
    import yaml
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    import autotrack

    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    autotrack.sklearn.save_model(RandomForestClassifier(n_estimators=2).fit(X, y), tmp_path / "forest")
    config = yaml.safe_load((tmp_path / "forest" / "MLmodel").read_text())["flavors"]["sklearn"]
    assert "sklearn.tree._tree.Tree" in config["trusted_types"]
    assert all(t.startswith(("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")) for t in config["trusted_types"])
    assert autotrack.sklearn.load_model(str(tmp_path / "forest")).predict(X).shape == (60,)
