"""The workers' scheduled runs over real HTTP (each service served on a port of its own, on SQLite and
PostgreSQL): retention asks citizen, claims and payments in turn, the payment run asks payments, each
with the workers' token; a start message names its day or takes the lead time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from dwp.platform.auth import load_or_create_dev_key, mint_token
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from dwp.workers import scheduled
from tests.servers import running

pytestmark = pytest.mark.integration


class WorkersToken:
    """The workers' service token, as identity would mint it."""

    def __init__(self, settings: Settings) -> None:
        key = load_or_create_dev_key(settings)
        self._token = mint_token(key, issuer=settings.dwp_jwt_issuer, subject="workers", kind="service")

    async def token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        pass


@pytest.fixture
def served(bootstrapped: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    from dwp.citizen.app import build_app as citizen
    from dwp.claims.app import build_app as claims
    from dwp.payments.app import build_app as payments

    for name in ("citizen", "claims", "payments"):
        upgrade(name, bootstrapped)
    with (
        running(citizen(bootstrapped)) as citizen_url,
        running(claims(bootstrapped)) as claims_url,
        running(payments(bootstrapped)) as payments_url,
    ):
        monkeypatch.setenv("DWP_CITIZEN_URL", citizen_url)
        monkeypatch.setenv("DWP_CLAIMS_URL", claims_url)
        monkeypatch.setenv("DWP_PAYMENTS_URL", payments_url)
        yield bootstrapped


async def test_retention_and_the_payment_run_are_asked_of_each_service_over_http(served: Settings) -> None:
    tokens = WorkersToken(served)
    reports = await scheduled.run_retention(served, tokens=tokens, as_of=date(2026, 12, 1))
    assert sorted(reports) == ["citizen", "claims", "payments"]
    for service, report in reports.items():
        assert report["service"] == service
        assert report["as_of"] == "2026-12-01"
        assert all(r["name"].startswith(f"{service}.") for r in report["rules"])
    run = await scheduled.run_payments(served, through=date(2026, 11, 30), tokens=tokens)
    assert {"planned", "sent", "reconciled", "system_unavailable"} <= set(run)


def test_a_start_message_names_its_day_or_takes_the_lead_time() -> None:
    today = date(2026, 12, 4)  # a Friday: Monday's payments go today
    assert scheduled.through_for('{"type": "AssessmentRunRequested", "source": "schedule"}', today) == date(
        2026, 12, 7
    )
    assert scheduled.through_for('{"through": "2026-12-24"}', today) == date(2026, 12, 24)
    for poison in ("[]", '{"through": "2026-13-01"}', "not json"):
        with pytest.raises(ValueError, match=r"\w"):  # the record fails alone; after five receives, the DLQ
            scheduled.through_for(poison, today)
