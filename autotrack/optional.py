"""Optional libraries: import one, or say in one line which extra installs it.

autotrack's core installs alone; each integration, executor or server adds a
library through an extra (`pip install "autotrack[sklearn]"`).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from autotrack.exceptions import MissingDependency

__all__ = ["require"]


def require(module: str, extra: str | None, feature: str) -> ModuleType:
    """`module`, imported; or a `MissingDependency` naming `feature` and the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        top = module.partition(".")[0]
        if error.name is not None and error.name.partition(".")[0] != top:
            raise  # the library is there but one of its own dependencies is broken: show that error
        install = f'pip install "autotrack[{extra}]"' if extra else f"pip install {top}"
        raise MissingDependency(f"{feature} needs {top}, which is not installed: {install}") from None
