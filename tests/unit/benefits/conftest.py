"""Shared fixtures for the benefits rules tests."""

from __future__ import annotations

import pytest

from dwp.benefits.domain import Rates, rates_for


@pytest.fixture(scope="session")
def r2025() -> Rates:
    return rates_for("2025-26")


@pytest.fixture(scope="session")
def r2026() -> Rates:
    return rates_for("2026-27")
