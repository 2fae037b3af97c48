"""Synthesises the production environment (the strictest) once per test session.

Each synthesis costs 10-20 s and up to 1 GB, so every infra test module shares this one; the modules are
marked `xdist_group("infra")` so that `pytest -n auto --dist loadgroup` keeps them on one worker.
"""

from __future__ import annotations

import pytest

from tests.infra.infra_support import Synthesised, synthesise


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesised:
    return synthesise(tmp_path_factory.mktemp("cdk.out"))
