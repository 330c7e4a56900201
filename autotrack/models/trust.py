"""Pickled models run code when loaded: autotrack loads one only if this user wrote it, or on opt-in.

When a flavor pickles a model, the file's HMAC-SHA256 under a secret key of
this user (`$AUTOTRACK_HOME/model-signing.key`, default `~/.autotrack`,
created on first use with mode 0600) is recorded in `MLmodel`. Loading
checks it: a match proves this user's autotrack wrote those bytes. A pickle
from anyone else (a shared store, a downloaded model, a changed file) needs
`trust_pickle=True` or `AUTOTRACK_TRUST_PICKLES=1`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from autotrack.exceptions import InvalidInput

__all__ = ["UntrustedModel", "check_pickle", "sign_pickle"]

TRUST_ENV = "AUTOTRACK_TRUST_PICKLES"


class UntrustedModel(InvalidInput):
    """A pickled model this user did not write, loaded without opting in."""


def _key() -> bytes:
    home = Path(os.environ.get("AUTOTRACK_HOME") or Path.home() / ".autotrack")
    file = home / "model-signing.key"
    try:
        return file.read_bytes()
    except FileNotFoundError:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    except FileExistsError:
        pass
    return file.read_bytes()


def sign_pickle(file: Path) -> str:
    """The HMAC to record in `MLmodel` for a pickle this process just wrote."""
    with open(file, "rb") as handle:
        return hmac.new(_key(), handle.read(), hashlib.sha256).hexdigest()


def check_pickle(file: Path, recorded: str | None, model_uri: str, trust_pickle: bool = False) -> None:
    """Refuse to unpickle `file` unless this user signed it or the caller trusts its source."""
    if trust_pickle or os.environ.get(TRUST_ENV, "").lower() in ("1", "true", "yes"):
        return
    if recorded and hmac.compare_digest(sign_pickle(file), recorded):
        return
    raise UntrustedModel(
        f"The model at {model_uri} is a pickle that was not written by you (or was changed since), and loading a "
        "pickle runs any code it contains. If you trust where it came from, pass trust_pickle=True to load_model, "
        f"or set {TRUST_ENV}=1."
    )
