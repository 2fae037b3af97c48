"""Small ASGI stand-ins that follow the contracts the workers call, for tests and benchmarks.

`claims_app` serves the claims service's internal routes exactly as `dwp.contracts.claims` says (the real
routes land with the claims service): awards due by shard and cursor, the statement store idempotent by
claim and period, notification facts, held registrations. `integrations_app` answers `POST /v1/earnings`
and `POST /v1/earnings/bulk` in `dwp.contracts.integrations`' shapes, with faults a test can switch on.
Both count what they were asked, so a test can say what happened without reading logs.
"""

from __future__ import annotations

import bisect
import calendar
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Query, Response
from fastapi.responses import JSONResponse

from dwp.contracts import claims as contract
from dwp.contracts.claims import (
    DueAward,
    DueAwardsPage,
    HeldRegistration,
    NotificationFacts,
    PeriodStatement,
    PeriodStatements,
    StoredStatement,
    StoredStatementItem,
    StoredStatements,
    WorkItemRef,
)
from dwp.contracts.integrations import (
    BulkEarnings,
    BulkEarningsRequest,
    BulkEarningsResult,
    Earnings,
    EarningsPayment,
    EarningsRequest,
)


def circumstances(period_start: date, period_end: date, *, rent: int = 50_000) -> dict[str, Any]:
    """A single adult in social housing: `dwp.contracts.benefits.UCCircumstancesPayload` for a period."""
    return {
        "assessment_period_start": period_start.isoformat(),
        "assessment_period_end": period_end.isoformat(),
        "adults": [{"date_of_birth": "1988-04-02"}],
        "housing": {"tenure": "social", "monthly_rent": rent, "bedrooms": 1},
    }


def generated_awards(count: int, period_end: date, *, prefix: str = "claim") -> list[DueAward]:
    """`count` UC awards whose period ends on `period_end`, each with one adult whose earnings HMRC holds."""
    return [generated_award(i, period_end, prefix=prefix) for i in range(count)]


def generated_award(i: int, period_end: date, *, prefix: str = "claim") -> DueAward:
    """The i-th of `generated_awards` (made when asked for: a benchmark's million need not be held)."""
    period_start = month_before(period_end) + timedelta(days=1)
    claim_id = f"{prefix}-{i:07d}"
    return DueAward(
        claim_id=claim_id,
        citizen_id=f"citizen-{claim_id}",
        period_start=period_start,
        period_end=period_end,
        circumstances=circumstances(period_start, period_end, rent=40_000 + (i % 50) * 500),
        earnings_subjects=[
            {
                "adult": 0,
                "national_insurance_number": f"AB{i % 1_000_000:06d}C",
                "given_name": "Sam",
                "family_name": f"Person{i}",
                "date_of_birth": date(1988, 4, 2),
            }
        ],
    )


def month_before(day: date) -> date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class ClaimsState:
    awards: dict[str, DueAward] = field(default_factory=dict)
    statements: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    holds: dict[str, str] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    waiting_on: str | None = None
    """Answer the awards route with 202 waiting on this service (as claims does when citizen is down)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    generated: list[tuple[str, date, int]] = field(default_factory=list)
    """(prefix, period end, count): `generated_award`s made when asked for (`generate`)."""
    slim: bool = False
    """Keep only each statement's id and award (a benchmark's million statements), not its lines."""
    _index: dict[tuple[date, int], dict[int, list[str]]] = field(default_factory=dict)

    def add(self, awards: list[DueAward]) -> None:
        with self.lock:
            for award in awards:
                self.awards[award.claim_id] = award
            self._index.clear()

    def generate(self, count: int, period_end: date, *, prefix: str) -> None:
        """`generated_awards(count, period_end, prefix=prefix)`, made one by one when read."""
        with self.lock:
            self.generated.append((prefix, period_end, count))
            self._index.clear()

    def award(self, claim_id: str) -> DueAward | None:
        found = self.awards.get(claim_id)
        if found is not None:
            return found
        for prefix, period_end, count in self.generated:
            head, _, number = claim_id.rpartition("-")
            if head == prefix and number.isdigit() and int(number) < count:
                return generated_award(int(number), period_end, prefix=prefix)
        return None

    def keep(self, key: tuple[str, str], statement: PeriodStatement) -> None:
        """Store a statement (the caller holds the lock); a `ClaimStatement` is kept without its claim id."""
        body = (
            {"award_pence": statement.award_pence}
            if self.slim
            else statement.model_dump(mode="json", exclude={"claim_id"})
        )
        self.statements[key] = {"statement_id": str(uuid.uuid4()), **body}

    def shard_index(self, period_end: date, shard: int, shards: int) -> list[str]:
        """The claim ids of a day's shard in order (kept, as a database's index would be)."""
        with self.lock:
            if (period_end, shards) not in self._index:
                by_shard: dict[int, list[str]] = {}
                ids = [a.claim_id for a in self.awards.values() if a.period_end == period_end]
                for prefix, end, count in self.generated:
                    ids += [f"{prefix}-{i:07d}" for i in range(count)] if end == period_end else []
                for claim_id in ids:
                    by_shard.setdefault(contract.shard_of(claim_id, shards), []).append(claim_id)
                self._index[(period_end, shards)] = {k: sorted(v) for k, v in by_shard.items()}
            return self._index[(period_end, shards)].get(shard, [])

    @property
    def created(self) -> int:
        return self.calls["statement_created"]


def claims_app(state: ClaimsState) -> FastAPI:
    app = FastAPI(title="claims internal routes (test stand-in)")

    def problem(status: int, title: str) -> JSONResponse:
        return JSONResponse(
            {"type": "about:blank", "title": title, "status": status},
            status_code=status,
            media_type="application/problem+json",
        )

    @app.get(contract.AWARDS_DUE_PATH, response_model=DueAwardsPage)
    def awards_due(
        period_end: date,
        shard: Annotated[int, Query(ge=0)],
        shards: Annotated[int, Query(ge=1, le=contract.MAX_SHARDS)],
        cursor: str | None = None,
        limit: Annotated[int, Query(ge=1, le=contract.MAX_PAGE)] = contract.DEFAULT_PAGE,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Any:
        if not authorization:
            return problem(401, "Sign in")
        if shard >= shards:
            return problem(422, "shard must be below shards")
        state.calls["awards_due"] += 1
        if state.waiting_on is not None:
            return JSONResponse({"status": "waiting", "waiting_on": state.waiting_on}, status_code=202)
        mine = state.shard_index(period_end, shard, shards)
        if cursor is not None:
            mine = mine[bisect.bisect_right(mine, cursor) :]
        page = mine[:limit]
        items = [
            state.award(c).model_copy(  # type: ignore[union-attr]
                update={"statement_stored": (c, period_end.isoformat()) in state.statements}
            )
            for c in page
        ]
        return DueAwardsPage(
            period_end=period_end,
            shard=shard,
            shards=shards,
            items=items,
            next_cursor=page[-1] if len(mine) > limit else None,
        )

    @app.put(contract.STATEMENT_PATH, response_model=StoredStatement)
    def store(claim_id: str, period_end: date, body: PeriodStatement, response: Response) -> Any:
        award = state.award(claim_id)
        if award is None:
            return problem(404, "No such claim")
        if award.period_end != period_end or body.period_end != period_end:
            return problem(409, "Not the award's current period")
        key = (claim_id, period_end.isoformat())
        with state.lock:
            state.calls["store"] += 1
            created = key not in state.statements
            if created:
                state.keep(key, body)
                state.calls["statement_created"] += 1
            stored = state.statements[key]
        response.status_code = 201 if created else 200
        return StoredStatement(
            claim_id=claim_id,
            period_end=period_end,
            statement_id=stored["statement_id"],
            award_pence=stored["award_pence"],
            created=created,
        )

    @app.post(contract.STATEMENTS_PATH, response_model=StoredStatements)
    def store_page(period_end: date, body: PeriodStatements) -> Any:
        """The bulk store: each item as `store` stores it, all under one lock (one transaction)."""
        if any(item.period_end != period_end for item in body.items):
            return problem(422, "An item's period_end is not the path's")
        results = []
        with state.lock:
            state.calls["bulk_store"] += 1
            for item in body.items:
                award = state.award(item.claim_id)
                if award is None or award.period_end != period_end:
                    outcome = "not_found" if award is None else "not_current"
                    results.append(StoredStatementItem(claim_id=item.claim_id, outcome=outcome))
                    continue
                key = (item.claim_id, period_end.isoformat())
                state.calls["store"] += 1
                created = key not in state.statements
                if created:
                    state.keep(key, item)
                    state.calls["statement_created"] += 1
                stored = state.statements[key]
                results.append(
                    StoredStatementItem(
                        claim_id=item.claim_id,
                        outcome="created" if created else "already_stored",
                        statement_id=stored["statement_id"],
                        award_pence=stored["award_pence"],
                    )
                )
        return StoredStatements(period_end=period_end, items=results)

    @app.post(contract.AWARDS_FOR_PAYMENT_PATH, response_model=contract.AwardsToPay)
    def awards_for_payment(body: contract.AwardsForPaymentRequest) -> Any:
        """Each claim as `not_paid_by_periods` (the stand-in keeps no award's history of periods, so it has
        no terms for payments), or `not_found`: the run then has nothing to send to payments."""
        with state.lock:
            state.calls["awards_for_payment"] += 1
            items = [
                contract.AwardToPayItem(
                    claim_id=c, outcome="not_found" if state.award(c) is None else "not_paid_by_periods"
                )
                for c in body.claim_ids
            ]
        return contract.AwardsToPay(items=items)

    @app.get(contract.NOTIFICATION_FACTS_PATH, response_model=NotificationFacts)
    def facts(claim_id: str, period_end: date | None = None) -> Any:
        award = state.award(claim_id)
        if award is None:
            return problem(404, "No such claim")
        state.calls["facts"] += 1
        statement = None
        if period_end is not None:
            stored = state.statements.get((claim_id, period_end.isoformat()))
            if stored is None:
                return problem(404, "No statement for that period")
            statement = {
                "period_start": stored["period_start"],
                "period_end": stored["period_end"],
                "award_pence": stored["award_pence"],
            }
        return NotificationFacts.model_validate(
            {
                "claim_id": claim_id,
                "benefit": "universal_credit",
                "status": "awarded",
                "language": "en",
                "recipients": [
                    {"role": "claimant", "citizen_id": award.citizen_id, "subject": f"sub-{claim_id}"}
                ],
                "statement": statement,
            }
        )

    @app.post(contract.HELD_REGISTRATIONS_PATH, response_model=WorkItemRef)
    def held(body: HeldRegistration, response: Response) -> Any:
        with state.lock:
            created = body.hold_id not in state.holds
            state.holds.setdefault(body.hold_id, f"wi-{uuid.uuid4()}")
        response.status_code = 201 if created else 200
        return WorkItemRef(work_item_id=state.holds[body.hold_id], created=created)

    return app


@dataclass
class IntegrationsState:
    calls: Counter[str] = field(default_factory=Counter)
    refuse: set[str] = field(default_factory=set)
    """NINOs HMRC never answers for (503 each time): an award that keeps failing."""
    unavailable_times: int = 0
    """Answer this many of the next look-ups with a 503, then recover."""
    lock: threading.Lock = field(default_factory=threading.Lock)


def paye_payment(nino: str, period_to: date) -> EarningsPayment:
    """One monthly payment in the period, a figure that depends on who it is."""
    gross = 80_000 + int(nino[2:8]) % 40 * 1_000
    return EarningsPayment(
        employer_name="Acme Ltd",
        employer_paye_reference="123/AB456",
        paid_on=period_to - timedelta(days=3),
        gross=gross,
        income_tax=max(0, (gross - 104_750) // 5),
        national_insurance=max(0, (gross - 104_750) * 8 // 100),
        tax_year="2026-27",
    )


def integrations_app(state: IntegrationsState) -> FastAPI:
    """`POST /v1/earnings` and `POST /v1/earnings/bulk`. `unavailable_times` makes whole calls 503 (HMRC
    down for everyone); a NINO in `refuse` is that person's `provider-unavailable` (503 when alone)."""
    app = FastAPI(title="integrations earnings (test stand-in)")

    def down(people: int) -> bool:
        with state.lock:
            state.calls["earnings"] += people
            out = state.unavailable_times > 0
            state.unavailable_times -= 1 if out else 0
            state.calls["earnings_503"] += 1 if out else 0
        return out

    def unavailable() -> HTTPException:
        return HTTPException(503, "HMRC is unavailable", headers={"Retry-After": "0"})

    def found(claim_id: str, nino: str, period_from: date, period_to: date) -> Earnings:
        return Earnings(
            access_id=str(uuid.uuid4()),
            claim_id=claim_id,
            period_from=period_from,
            period_to=period_to,
            payments=[paye_payment(nino, period_to)],
        )

    @app.post("/v1/earnings", response_model=Earnings)
    def earnings(body: EarningsRequest) -> Any:
        state.calls["single_calls"] += 1
        if down(1) or body.national_insurance_number in state.refuse:
            raise unavailable()
        return found(body.claim_id, body.national_insurance_number, body.period_from, body.period_to)

    @app.post("/v1/earnings/bulk", response_model=BulkEarnings)
    def bulk(body: BulkEarningsRequest) -> Any:
        state.calls["bulk_calls"] += 1
        if down(len(body.people)) or all(p.national_insurance_number in state.refuse for p in body.people):
            raise unavailable()
        return BulkEarnings(
            results=[
                BulkEarningsResult(index=i, outcome="provider-unavailable", retry_after=0)
                if p.national_insurance_number in state.refuse
                else BulkEarningsResult(
                    index=i,
                    outcome="found",
                    earnings=found(p.claim_id, p.national_insurance_number, p.period_from, p.period_to),
                )
                for i, p in enumerate(body.people)
            ]
        )

    return app
