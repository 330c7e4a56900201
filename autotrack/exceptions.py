"""Errors and warnings raised by autotrack; each message says what to do."""

from __future__ import annotations

__all__ = ["AutotrackException", "AutotrackWarning", "InvalidInput", "MissingDependency", "NotFound", "StoreGone",
           "StoreUnusable"]


class AutotrackException(Exception):
    """Base class of every autotrack error."""


class InvalidInput(AutotrackException, ValueError):
    """Bad input from the user: nothing was written."""


class NotFound(AutotrackException, LookupError):
    """An id or name that the store does not hold."""


class MissingDependency(AutotrackException, ImportError):
    """An optional library is not installed; the message names the extra that installs it."""


class StoreGone(AutotrackException, OSError):
    """The store's database file was deleted or replaced under this process: nothing is written into it."""


class StoreUnusable(AutotrackException, OSError):
    """A store that cannot be opened or written as asked (not a database, damaged, read-only, not there).

    The message names the path and what is wrong, in one line: the CLI prints it as it is."""


class AutotrackWarning(UserWarning):
    """A logging failure that autotrack swallowed to keep the user's code running."""
