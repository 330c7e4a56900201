"""Every test starts with autologging off and leaves it off."""

import pytest

from autotrack import autologging
from autotrack.patching import registry


@pytest.fixture(autouse=True)
def _autolog_off():
    yield
    for integration in autologging.INTEGRATIONS:
        autologging.configure(integration, autologging.AutologSettings(), disable=True, explicit=False)
    autologging._explicitly_disabled.clear()
    assert registry.patched() == []
