"""Checks on what users log, at the call: a bad value is refused there, with why.

Anything that reaches the metric buffer must be storable, because the buffer
is written later, in the background, where an error can only be a warning.
The limits follow MLflow's documented ones (`mlflow/utils/validation.py`):
keys of at most 250 characters, param values of 6,000, tag values of 8,000;
steps and timestamps are 64-bit integers, values 64-bit floats.
"""

from __future__ import annotations

import math
import numbers
import operator
import re
from typing import Any

from autotrack.exceptions import InvalidInput

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "MAX_EXPERIMENT_TAG_VALUE_LENGTH",
    "MAX_KEY_LENGTH",
    "MAX_PARAM_VALUE_LENGTH",
    "MAX_TAG_VALUE_LENGTH",
    "check_key",
    "checked_keys",
    "max_results",
    "metric_step",
    "metric_timestamp",
    "metric_value",
    "param_value",
    "tag_value",
]

MAX_KEY_LENGTH = 250  # MLflow's MAX_ENTITY_KEY_LENGTH
MAX_PARAM_VALUE_LENGTH = 6000  # MLflow's MAX_PARAM_VAL_LENGTH
MAX_TAG_VALUE_LENGTH = 8000  # MLflow's MAX_TAG_VAL_LENGTH
MAX_EXPERIMENT_TAG_VALUE_LENGTH = 20_000  # MLflow's MAX_EXPERIMENT_TAG_VAL_LENGTH
# autotrack's own tags (`autotrack.*`) hold machine-written data (a sweep trial's replay record),
# so they get a larger bound, still far from what would bloat every read of the run.
MAX_SYSTEM_TAG_VALUE_LENGTH = 1_000_000
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")

# Keys already checked: the check costs ~1 us, a set lookup ~30 ns (log_metric's budget is 2 us).
checked_keys: set[str] = set()


def _show(value: Any, limit: int = 80) -> str:
    """A short repr for messages: never fails (ints past 4,300 digits cannot be printed) and never floods."""
    try:
        text = repr(value)
    except Exception:
        return f"a {type(value).__name__} too large to print"
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def check_key(key: Any, what: str = "key") -> str:
    """A key for a metric, param or tag: a non-empty, printable string of at most 250 characters."""
    if key in checked_keys:
        return key
    if not isinstance(key, str) or not key:
        raise InvalidInput(f"A {what} must be a non-empty string, got {_show(key)}.")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"The {what} {_show(key, 40)} is {len(key)} characters long; the limit is {MAX_KEY_LENGTH} (as in MLflow)."
        )
    if _CONTROL.search(key):
        raise InvalidInput(
            f"The {what} {_show(key)} contains a control character (NUL, newline, tab, ...): keys are shown in "
            "tables, filters and file names, so they must be printable. Replace it, e.g. with '_'."
        )
    if key.startswith("/") or ".." in key.split("/"):
        raise InvalidInput(f"Invalid {what} {key!r}: it may not start with '/' or contain '..' segments.")
    if len(checked_keys) < 100_000:
        checked_keys.add(key)
    return key


def metric_value(key: str, value: Any) -> float:
    """`value` as a 64-bit float; NaN and infinities are kept, what no double can hold is refused."""
    if value.__class__ is float:
        return value
    if isinstance(value, (str, bytes)) or value is None:
        raise InvalidInput(f"Metric '{key}' got {_show(value)}; metrics are numbers. Log text with set_tag or log_text.")
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise InvalidInput(f"Metric '{key}' got the boolean {value!r}; log it as 1.0/0.0, or as a tag (as MLflow requires).")
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise InvalidInput(f"Metric '{key}' got the complex number {_show(value)}; metrics are real numbers: log abs() or .real.")
    try:
        return float(value)
    except OverflowError:
        raise InvalidInput(
            f"Metric '{key}' got {_show(value)}, too large for a 64-bit float (the largest is about 1.8e308), "
            "which is how metrics are stored. Log its logarithm, or float('inf') if that is what you mean."
        ) from None
    except (TypeError, ValueError):
        raise InvalidInput(
            f"Metric '{key}' got {type(value).__name__} {_show(value)}, which is not a real number "
            "(a scalar tensor or array works: call .item() on larger ones)."
        ) from None


def metric_step(step: Any, key: str = "") -> int:
    """A step as a 64-bit integer (0 when None)."""
    if step is None:
        return 0
    if step.__class__ is not int:
        if isinstance(step, bool):
            raise InvalidInput(f"Metric '{key}' got the step {step!r}; a step is an integer such as the epoch or batch number.")
        try:
            step = operator.index(step)
        except TypeError:
            raise InvalidInput(f"A metric step must be an integer, got {_show(step)} for metric '{key}'.") from None
    if not INT64_MIN <= step <= INT64_MAX:
        raise InvalidInput(
            f"Metric '{key}' got the step {_show(step)}, outside the 64-bit integer range [-2**63, 2**63 - 1] "
            "in which steps are stored."
        )
    return step


def metric_timestamp(timestamp: Any, key: str = "") -> int | None:
    """A timestamp in milliseconds since the epoch as a 64-bit integer; None (or 0) means now."""
    if timestamp is None:
        return None
    if timestamp.__class__ is int and 0 <= timestamp <= INT64_MAX:
        return timestamp or None
    problem = None
    if isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Real):
        problem = f"is a {type(timestamp).__name__}, not a number"
    elif not math.isfinite(timestamp):
        problem = "is not finite"
    elif not 0 <= timestamp <= INT64_MAX:
        problem = "is outside [0, 2**63 - 1]"
    if problem:
        raise InvalidInput(
            f"Metric '{key}' got the timestamp {_show(timestamp)}, which {problem}: a timestamp is milliseconds "
            "since the epoch, a non-negative 64-bit integer (as in MLflow), e.g. int(time.time() * 1000)."
        )
    return int(timestamp) or None


def param_value(key: str, value: Any) -> str:
    """A param value as text; an object whose text is only its memory address is refused (it differs every run)."""
    if isinstance(value, str):
        text = value
    else:
        text = str(value)
        if _ADDRESS.search(text):
            raise InvalidInput(
                f"Param '{key}' got {_show(text)}: that text is the object's memory address, which says nothing "
                "about it and differs every run. Log a readable value (a name, a number, a string)."
            )
    if len(text) > MAX_PARAM_VALUE_LENGTH:
        raise InvalidInput(
            f"Param '{key}' is {len(text)} characters long; the limit is {MAX_PARAM_VALUE_LENGTH} (as in MLflow). "
            "Log long values as an artifact with log_text or log_dict."
        )
    return text


def tag_value(key: str, value: Any, limit: int = MAX_TAG_VALUE_LENGTH) -> str:
    """A tag value as text, within MLflow's limit (autotrack's own tags may be longer)."""
    text = value if isinstance(value, str) else str(value)
    if key.startswith("autotrack."):
        limit = MAX_SYSTEM_TAG_VALUE_LENGTH
    if len(text) > limit:
        raise InvalidInput(
            f"Tag '{key}' is {len(text)} characters long; the limit is {limit} (MLflow's). "
            "Log long text as an artifact with log_text."
        )
    return text


def max_results(value: Any, limit: int | None = None) -> int:
    """A page size: a positive integer (MLflow refuses the others too)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidInput(f"max_results must be a positive integer, got {_show(value)} ({type(value).__name__}).")
    value = int(value)
    if value < 1:
        raise InvalidInput(f"max_results must be a positive integer, got {value}: it is how many runs to return at most.")
    if limit is not None and value > limit:
        raise InvalidInput(f"max_results may be at most {limit} per page, got {value}; use page_token for more.")
    return value
