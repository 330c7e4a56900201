"""The one registry that owns every patch autologging applies.

`apply` records the original attribute exactly as it was in the owner's
`__dict__` (function, staticmethod, property...), `revert(integration)`
puts every original of that integration back, in reverse order, so that
`Estimator.fit is original` holds again. Re-applying an integration first
reverts it, which makes `autolog()` idempotent.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Patch", "PatchRegistry", "registry"]


@dataclass(frozen=True)
class Patch:
    integration: str
    owner: Any  # a class or a module; None for an undo action
    name: str
    original: Any  # the raw attribute from owner.__dict__, or the undo callable
    had_own: bool  # False: the attribute was inherited, so revert deletes ours


class PatchRegistry:
    def __init__(self) -> None:
        self._patches: list[Patch] = []
        self._claimed: set[tuple[int, str]] = set()  # (id(owner), name) of each patch: its owner is kept alive
        self._lock = threading.RLock()

    def apply(self, integration: str, owner: Any, name: str, wrap: Callable[[Callable], Callable]) -> None:
        """Replace `owner.name` by `wrap(original)`; the wrapper looks like the original."""
        with self._lock:
            if (id(owner), name) in self._claimed:
                return  # one patch per attribute: the first integration to claim it owns it
            had_own = name in vars(owner)
            raw = vars(owner)[name] if had_own else getattr(owner, name)
            function = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
            wrapper = functools.wraps(function)(wrap(function))
            wrapper.__autotrack_original__ = function
            if isinstance(raw, staticmethod):
                wrapper = staticmethod(wrapper)
            elif isinstance(raw, classmethod):
                wrapper = classmethod(wrapper)
            setattr(owner, name, wrapper)
            self._patches.append(Patch(integration, owner, name, raw, had_own))
            self._claimed.add((id(owner), name))

    def on_revert(self, integration: str, undo: Callable[[], None]) -> None:
        """Record a change that is not an attribute (a library hook handle): `undo` reverts it."""
        with self._lock:
            self._patches.append(Patch(integration, None, getattr(undo, "__name__", "undo"), undo, False))

    def revert(self, integration: str) -> None:
        with self._lock:
            mine = [p for p in self._patches if p.integration == integration]
            for patch in reversed(mine):
                if patch.owner is None:
                    patch.original()
                elif patch.had_own:
                    setattr(patch.owner, patch.name, patch.original)
                else:
                    delattr(patch.owner, patch.name)
            self._patches = [p for p in self._patches if p.integration != integration]
            self._claimed = {(id(p.owner), p.name) for p in self._patches if p.owner is not None}

    def patched(self, integration: str | None = None) -> list[Patch]:
        with self._lock:
            return [p for p in self._patches if integration is None or p.integration == integration]


registry = PatchRegistry()
