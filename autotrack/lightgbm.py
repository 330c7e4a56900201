"""`autotrack.lightgbm` is `autotrack.integrations.lightgbm` (MLflow's `mlflow.lightgbm` name)."""

import sys

from autotrack.integrations import lightgbm as _integration

sys.modules[__name__] = _integration
