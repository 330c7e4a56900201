"""MLflow-style scripts run with `import autotrack as mlflow` (a package, so its test module names stay its own)."""
