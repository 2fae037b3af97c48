"""The monthly run's hand-over to payments, over stand-in services: what it sends, what it does with each
answer, and a payments service that does not answer (the shard fails and is redone)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dwp.contracts import claims as contract
from dwp.contracts import payments as pay
from dwp.platform.http.errors import UpstreamUnavailable
from dwp.workers.monthly import MonthlyRun, Shard, ShardFailed

DAY = date(2026, 12, 23)


def due(claim_id: str) -> contract.DueAward:
    # Stored already (an earlier attempt): the run looks up and calculates nothing, and still hands it on.
    return contract.DueAward(
        claim_id=claim_id,
        citizen_id=f"citizen-{claim_id}",
        period_start=date(2026, 11, 24),
        period_end=DAY,
        circumstances={},
        statement_stored=True,
    )


def terms(claim_id: str) -> contract.AwardToPay:
    return contract.AwardToPay(
        award_id=claim_id,
        terms=pay.AwardForPayment(
            claim_id=claim_id,
            citizen_id=f"citizen-{claim_id}",
            benefit="universal_credit",
            first_day=date(2026, 10, 24),
            period_amounts=[61_000, 62_000],
        ),
    )


class Services:
    def __init__(self, claims: list[str], outcomes: dict[str, str], *, payments_down: int = 0) -> None:
        self.claims, self.outcomes, self.payments_down = claims, outcomes, payments_down
        self.sent: list[list[str]] = []

    async def awards_due(self, day: date, shard: int, shards: int, cursor: Any, limit: int) -> Any:
        return contract.DueAwardsPage(period_end=day, shard=0, shards=1, items=[due(c) for c in self.claims])

    async def awards_for_payment(self, claim_ids: list[str]) -> list[contract.AwardToPayItem]:
        return [
            contract.AwardToPayItem(claim_id=c, outcome="award", award=terms(c))
            if c != "unregistered"
            else contract.AwardToPayItem(claim_id=c, outcome="not_paid_by_periods")
            for c in claim_ids
        ]

    async def pay_awards(self, items: list[pay.AwardToStore]) -> list[pay.AwardStoredItem]:
        if self.payments_down:
            self.payments_down -= 1
            raise UpstreamUnavailable("payments is down", upstream="payments")
        self.sent.append([i.award_id for i in items])
        return [
            pay.AwardStoredItem(
                award_id=i.award_id, outcome=self.outcomes.get(i.award_id, "stored"), version=2
            )  # type: ignore[arg-type]
            for i in items
        ]


class Queues:
    def send(self, queue: str, bodies: list[tuple[str, str]]) -> None:
        pass


async def no_sleep(seconds: float) -> None:
    pass


def run(services: Services, patience: int = 2) -> MonthlyRun:
    return MonthlyRun(services, Queues(), patience=patience, sleep=no_sleep)  # type: ignore[arg-type]


SHARD = Shard(day=DAY, shard=0, shards=1, run_id="r")


async def test_the_page_goes_to_payments_in_one_request_and_an_award_with_no_terms_is_done_with() -> None:
    services = Services(["a", "unregistered", "b"], {"b": "unchanged"})
    report = await run(services).run_shard(SHARD)
    assert services.sent == [["a", "b"]]  # one request, the award claims has no terms for left out
    assert (report.sent_to_payments, report.unchanged_at_payments, report.failed) == (1, 1, [])


async def test_payments_busy_for_a_moment_is_waited_for_and_down_fails_the_shard() -> None:
    services = Services(["a", "b"], {}, payments_down=1)
    report = await run(services).run_shard(SHARD)  # asked again once the breaker would let it
    assert (report.sent_to_payments, report.failed) == (2, [])
    down = Services(["a", "b"], {}, payments_down=5)
    with pytest.raises(ShardFailed):
        await run(down).run_shard(SHARD)
    assert down.sent == []


async def test_an_award_payments_refuses_fails_the_shard_and_the_rest_are_stored() -> None:
    services = Services(["a", "b"], {"a": "refused"})
    with pytest.raises(ShardFailed, match="1 of 2 awards failed"):
        await run(services).run_shard(SHARD)
    assert services.sent == [["a", "b"]]
