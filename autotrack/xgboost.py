"""`autotrack.xgboost` is `autotrack.integrations.xgboost` (MLflow's `mlflow.xgboost` name)."""

import sys

from autotrack.integrations import xgboost as _integration

sys.modules[__name__] = _integration
