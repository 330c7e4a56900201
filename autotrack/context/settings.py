"""What a run captures about its context: one frozen setting, from the run's argument or the environment.

Defaults are all on. `AUTOTRACK_CAPTURE` sets the defaults for every run of the
process (`none`/`off`/`0`, `all`, or a comma list of kinds such as
`code,environment`, or `-console` to drop one); `AUTOTRACK_SYSTEM_INTERVAL` sets
the sampling interval in seconds (`0` turns sampling off). A run's own
`capture=` argument changes only what it names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping, Union

from autotrack.exceptions import InvalidInput

__all__ = ["CAPTURE_ENV", "INTERVAL_ENV", "KINDS", "Capture", "CaptureLike", "resolve"]

CAPTURE_ENV = "AUTOTRACK_CAPTURE"
INTERVAL_ENV = "AUTOTRACK_SYSTEM_INTERVAL"
KINDS = ("code", "environment", "console", "system")
DEFAULT_INTERVAL = 10.0


@dataclass(frozen=True)
class Capture:
    """Which parts of a run's context are recorded; `system_interval` is in seconds (0 or None: no sampling)."""

    code: bool = True
    environment: bool = True
    console: bool = True
    system: bool = True
    system_interval: float | None = DEFAULT_INTERVAL

    @property
    def sampling(self) -> bool:
        return self.system and bool(self.system_interval)

    @property
    def anything(self) -> bool:
        return self.code or self.environment or self.console or self.sampling


CaptureLike = Union[bool, Capture, Mapping[str, Any], None]
_FORMS = ("capture takes True (all), False (none), autotrack.context.Capture(...), or a dict such as "
          "{'console': False, 'system_interval': 1.0} with keys " + ", ".join(f.name for f in fields(Capture)))


def _interval(value: Any, where: str) -> float | None:
    if value is None or value is False:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{where} must be a number of seconds (0 turns sampling off), got {value!r}.") from None
    if seconds < 0 or seconds != seconds:
        raise InvalidInput(f"{where} must be >= 0 seconds (0 turns sampling off), got {value!r}.")
    return seconds or None


def from_environment(environ: Mapping[str, str] = os.environ) -> Capture:
    """The process-wide defaults: all on unless AUTOTRACK_CAPTURE / AUTOTRACK_SYSTEM_INTERVAL say otherwise."""
    text = environ.get(CAPTURE_ENV, "").strip().lower()
    interval = _interval(environ[INTERVAL_ENV], INTERVAL_ENV) if environ.get(INTERVAL_ENV) else DEFAULT_INTERVAL
    if text in ("", "all", "1", "true", "on", "yes"):
        return Capture(system_interval=interval)
    if text in ("none", "0", "false", "off", "no"):
        return Capture(False, False, False, False, interval)
    words = [word.strip() for word in text.split(",") if word.strip()]
    unknown = [word for word in words if word.lstrip("-") not in KINDS]
    if unknown:
        raise InvalidInput(f"{CAPTURE_ENV}={environ[CAPTURE_ENV]!r}: unknown kind {unknown}; use 'all', 'none', "
                           f"or a comma list of {', '.join(KINDS)} (or '-console' to drop one).")
    dropping = all(word.startswith("-") for word in words)
    chosen = {kind: (f"-{kind}" not in words) if dropping else (kind in words) for kind in KINDS}
    return Capture(**chosen, system_interval=interval)


def resolve(capture: CaptureLike) -> Capture:
    """A run's settings: its `capture=` argument over the process defaults; a clear error for anything else."""
    if isinstance(capture, Capture):
        return capture
    base = from_environment()
    if capture is None or capture is True:
        return base if capture is None else replace(base, code=True, environment=True, console=True, system=True)
    if capture is False:
        return Capture(False, False, False, False, None)
    if isinstance(capture, Mapping):
        allowed = {f.name for f in fields(Capture)}
        unknown = sorted(set(map(str, capture)) - allowed)
        if unknown:
            raise InvalidInput(f"Unknown capture setting {unknown}. {_FORMS}.")
        changes = dict(capture)
        for kind in KINDS:
            if kind in changes and not isinstance(changes[kind], bool):
                raise InvalidInput(f"capture['{kind}'] must be True or False, got {changes[kind]!r}.")
        if "system_interval" in changes:
            changes["system_interval"] = _interval(changes["system_interval"], "capture['system_interval']")
        return replace(base, **changes)
    raise InvalidInput(f"Invalid capture={capture!r}. {_FORMS}.")
