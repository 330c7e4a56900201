"""`autotrack.sklearn` is `autotrack.integrations.sklearn` (MLflow's `mlflow.sklearn` name)."""

import sys

from autotrack.integrations import sklearn as _integration

sys.modules[__name__] = _integration
