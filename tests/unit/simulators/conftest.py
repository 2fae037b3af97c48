from __future__ import annotations

import pytest

from dwp.simulators.os_places.data import AddressBase, generate


@pytest.fixture(scope="session")
def address_base() -> AddressBase:
    """The generated address base, built once for the whole run (it is the same every time)."""
    return generate()
