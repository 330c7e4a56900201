"""The model lifecycle from the user's notes: log, evaluate, register, describe, alias, load, serve.

    python examples/registry.py

Then serve the champion and ask it for a prediction (in two terminals):

    autotrack models serve -m models:/wine-forest@champion --port 5002
    curl -s localhost:5002/invocations -H 'Content-Type: application/json' \\
         -d '{"dataframe_split": {"columns": ["alcohol", "malic_acid", ...], "data": [[...]]}}'
"""

from __future__ import annotations

from pprint import pprint

import pandas as pd
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

import autotrack
from autotrack.models import infer_signature

wine = load_wine(as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(wine.data, wine.target, test_size=0.3, random_state=0)
autotrack.set_experiment("wine-registry")

# 1. Train two candidates; log each model with its signature and register it in the same call.
for n_estimators in (10, 100):
    with autotrack.start_run(run_name=f"forest-{n_estimators}"):
        autotrack.log_param("n_estimators", n_estimators)
        model = RandomForestClassifier(n_estimators=n_estimators, random_state=0).fit(X_train, y_train)
        info = autotrack.sklearn.log_model(
            model, "model", signature=infer_signature(X_train, model.predict(X_train)),
            input_example=X_train.head(3), registered_model_name="wine-forest",
        )
        # 2. Evaluate the logged model on held-out data: the metrics land in this run.
        result = autotrack.evaluate(info.model_uri, pd.concat([X_test, y_test.rename("label")], axis=1),
                                    targets="label", model_type="classifier", dataset_name="wine-test")
        print(f"version {info.registered_model_version}: {n_estimators} trees, "
              f"accuracy {result.metrics['accuracy_score']:.3f}")

# 3. Describe the versions and point the `champion` alias at the best one.
client = autotrack.MlflowClient()
versions = client.search_model_versions("name = 'wine-forest'")
best = max(versions, key=lambda v: client.get_run(v.run_id).data.metrics["accuracy_score"])
for version in versions:
    trees = client.get_run(version.run_id).data.params["n_estimators"]
    client.update_model_version("wine-forest", version.version, description=f"random forest, {trees} trees")
client.update_registered_model("wine-forest", description="Classifies wines into their 3 cultivars.")
client.set_registered_model_alias("wine-forest", "champion", best.version)
client.set_registered_model_tag("wine-forest", "task", "wine classification")

# 4. Anyone can now load the champion by name, without knowing which run made it.
champion = autotrack.pyfunc.load_model("models:/wine-forest@champion")
print("champion predicts", champion.predict(X_test.head(5)).tolist(), "for", y_test.head(5).tolist())

# 5. What the registry holds.
for registered in client.search_registered_models():
    pprint(dict(registered), sort_dicts=False)
print("\nSee it with `autotrack models show wine-forest`; serve it with "
      "`autotrack models serve -m models:/wine-forest@champion`.")
