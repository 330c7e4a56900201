"""`autotrack.pytorch` is `autotrack.integrations.pytorch` (MLflow's `mlflow.pytorch` name)."""

import sys

from autotrack.integrations import pytorch as _integration

sys.modules[__name__] = _integration
