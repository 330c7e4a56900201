"""The plots `evaluate` logs, as MLflow's default evaluator names them, each twice: the data as JSON
(`<name>.json`, for the UI to draw) and a PNG (`<name>.png`, drawn with matplotlib's Agg backend).

Classifiers: `confusion_matrix`; binary ones also `roc_curve_plot` and `precision_recall_curve_plot`.
Regressors: `residuals_plot` (prediction against residual). Curves are thinned to at most 1,000 points.
"""

from __future__ import annotations

from typing import Any

__all__ = ["confusion_matrix_data", "figure", "log_plots", "plot_data"]

MAX_POINTS = 1000


def _thin(*columns: Any) -> list[list[float]]:
    import numpy as np

    size = len(columns[0])
    keep = np.unique(np.linspace(0, size - 1, min(size, MAX_POINTS)).astype(int)) if size else []
    return [np.asarray(column, dtype=float)[keep].tolist() for column in columns]


def plot_data(model_type: str, labels: Any, predicted: Any, probabilities: Any, pos_label: Any) -> dict[str, dict]:
    """{plot name: its data}; what the UI draws and what the PNGs show."""
    import numpy as np
    from sklearn import metrics as m

    plots: dict[str, dict] = {}
    if model_type == "regressor":
        predicted = np.asarray(predicted, dtype=float).ravel()
        residuals = np.asarray(labels, dtype=float).ravel() - predicted
        x, y = _thin(predicted, residuals)
        return {"residuals_plot": {"kind": "scatter", "x": x, "y": y, "x_label": "Prediction",
                                   "y_label": "Residual (target - prediction)"}}
    classes = np.unique(np.concatenate([np.asarray(labels).ravel(), np.asarray(predicted).ravel()]))
    plots["confusion_matrix"] = confusion_matrix_data(labels, predicted)
    if probabilities is not None and len(classes) == 2 and np.asarray(probabilities).shape[1] == 2:
        column = int(np.flatnonzero(classes == pos_label)[0])
        truth, scores = np.asarray(labels) == pos_label, np.asarray(probabilities)[:, column]
        fpr, tpr, _ = m.roc_curve(truth, scores)
        precision, recall, _ = m.precision_recall_curve(truth, scores)
        x, y = _thin(fpr, tpr)
        plots["roc_curve_plot"] = {"kind": "line", "x": x, "y": y, "x_label": "False Positive Rate",
                                   "y_label": "True Positive Rate", "auc": float(m.roc_auc_score(truth, scores))}
        x, y = _thin(recall, precision)
        plots["precision_recall_curve_plot"] = {"kind": "line", "x": x, "y": y, "x_label": "Recall",
                                                "y_label": "Precision",
                                                "ap": float(m.average_precision_score(truth, scores))}
    return plots


def confusion_matrix_data(labels: Any, predicted: Any) -> dict:
    """Counts of (true label, predicted label) over every label seen in either (numpy alone: it runs after
    every autologged classifier fit, where sklearn's confusion_matrix and its checks cost ~1 ms)."""
    import numpy as np

    truth, guess = np.asarray(labels).ravel(), np.asarray(predicted).ravel()
    classes, codes = np.unique(np.concatenate([truth, guess]), return_inverse=True)
    k = len(classes)
    matrix = np.bincount(codes[: len(truth)] * k + codes[len(truth):], minlength=k * k).reshape(k, k)
    return {"kind": "matrix", "labels": [str(c) for c in classes], "matrix": matrix.tolist(),
            "x_label": "Predicted label", "y_label": "True label"}


def figure(name: str, data: dict) -> Any:
    from matplotlib.figure import Figure  # a Figure, not pyplot: no global state, the user's backend untouched

    drawn = Figure(figsize=(5, 4), dpi=100)
    axes = drawn.add_subplot()
    if data["kind"] == "matrix":
        image = axes.imshow(data["matrix"], cmap="Blues")
        drawn.colorbar(image, ax=axes)
        ticks = range(len(data["labels"]))
        axes.set_xticks(list(ticks), data["labels"])
        axes.set_yticks(list(ticks), data["labels"])
        for row, values in enumerate(data["matrix"]):
            for column, value in enumerate(values):
                axes.text(column, row, str(value), ha="center", va="center")
    elif data["kind"] == "line":
        axes.plot(data["x"], data["y"])
    else:
        axes.scatter(data["x"], data["y"], s=6)
        axes.axhline(0.0, color="grey", linewidth=0.8)
    axes.set_xlabel(data["x_label"])
    axes.set_ylabel(data["y_label"])
    axes.set_title(name.replace("_", " "))
    drawn.tight_layout()
    return drawn


def log_plots(plots: dict[str, dict], prefix: str = "") -> dict[str, str]:
    """Log each plot's JSON and PNG to the active run; {name: URI of the PNG}."""
    from autotrack import fluent

    base = fluent.get_artifact_uri()
    logged = {}
    for name, data in plots.items():
        fluent.log_dict(data, f"{prefix}{name}.json")
        fluent.log_figure(figure(name, data), f"{prefix}{name}.png")
        logged[prefix + name] = f"{base}/{prefix}{name}.png"
    return logged
