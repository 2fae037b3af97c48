"""The monthly run: every UC award whose assessment period ends on a day, reassessed, stored and told.

A start message (`{"date": "2026-12-01"}`, or the schedule's `{"type": "AssessmentRunRequested"}`, which
means the UK day before) fans out into `shards` shard messages on the same queue (`dwp-assessment-run`),
so that many Lambda invocations (or, locally, the `workers` process) work side by side. A shard:

1. pages through the awards due that day in its shard from the claims service
   (`dwp.contracts.claims`, `GET /v1/internal/assessment-periods/{day}/awards?shard=&shards=`);
2. for the page's awards not yet stored, asks the integrations service for every adult's PAYE earnings
   in the period in one bulk call (`POST /v1/earnings/bulk`, purpose `monthly-assessment`, at most
   `MAX_BULK_EARNINGS` people a call). People HMRC did not answer for are asked again (the run waits for
   a busy HMRC); an award with anyone still unanswered, not matched or refused fails;
3. works out the award through the benefits service (`POST /v1/assessments`, with an `Idempotency-Key`
   of the claim and period, so a redone shard gets the same assessment back). The benefits batch engine
   cannot be called in process: the workers may not import a service's code (the import contracts);
   a batch route of the benefits service would take a page at a time when there is one;
4. stores the period's award, carried state and statement in claims (`PUT .../statement`: the first
   store wins, a repeat changes nothing);
5. queues `claims.statement_ready` on the notifications queue with an event id made from the claim and
   the period (`statement_event_id`), for every award of the shard that has a statement, whether stored
   now or by an earlier attempt: the notifications' idempotency record sends it once.

So a shard is safe to do again from the start at any point: running a day twice changes nothing and
notifies nobody twice. A shard with any award that failed raises after doing the rest; SQS brings it
back (the rest are skipped as stored), and after the queue's `max_receive_count` receives it is in
`dwp-assessment-run-dlq` (`dwp dlq list`, `dwp dlq redrive assessment-run`).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import structlog
import tenacity
from pydantic import BaseModel, ConfigDict, Field

from dwp.contracts import claims as contract
from dwp.contracts.claims import (
    DueAward,
    DueAwardsPage,
    EarningsSubject,
    PeriodStatement,
    StatementLine,
    StoredStatement,
)
from dwp.contracts.events import EventEnvelope
from dwp.contracts.integrations import (
    MAX_BULK_EARNINGS,
    BulkEarnings,
    BulkEarningsPerson,
    BulkEarningsRequest,
    Earnings,
    EarningsPayment,
)
from dwp.platform import aws, catalog
from dwp.platform.http import ResilientClient, RetryPolicy, ServiceTokens, TokenSource, shared_client
from dwp.platform.http.errors import UpstreamRejected, UpstreamTimeout, UpstreamUnavailable
from dwp.platform.settings import Settings

log = structlog.get_logger("workers.monthly")
UK = ZoneInfo("Europe/London")
SERVICE_NAME = "workers"
DEFAULT_SHARDS = 16
"""Shards per day: enough for the function's reserved concurrency to spread a busy day over many
invocations, few enough that a quiet day is not mostly empty shards."""
PAGE = 200
IN_FLIGHT = 4
"""Awards of one shard worked on at once (each waits mostly on HTTP). Kept low: shards run side by side,
and the benefits and claims services each write every award to their database, so more at once only
queues requests there (measured: 16 a shard on 2 cores left requests waiting past their timeout)."""
BATCH_POLICY = RetryPolicy(attempts=4, total_seconds=60.0, attempt_seconds=20.0, backoff_max=5.0)
"""A batch job can wait longer for an answer than a person's request: a busy service is not a failure."""


class StartRun(BaseModel):
    """The start message: a day, or none (the schedule's message), meaning the UK day before."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)
    kind: Literal["start"] = "start"
    day: date | None = Field(None, alias="date")
    shards: int = Field(DEFAULT_SHARDS, ge=1, le=contract.MAX_SHARDS)


class Shard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    kind: Literal["shard"] = "shard"
    day: date = Field(alias="date")
    shard: int = Field(ge=0)
    shards: int = Field(ge=1, le=contract.MAX_SHARDS)
    run_id: str


def parse_message(body: str) -> StartRun | Shard:
    """A shard message, else a start message (`ValueError` for neither: a poison message)."""
    raw = json.loads(body)
    if not isinstance(raw, dict):
        raise ValueError("a monthly run message is a JSON object")
    if raw.get("kind") == "shard":
        return Shard.model_validate(raw)
    if raw.get("kind", "start") == "start" and ("date" in raw or raw.get("type") == "AssessmentRunRequested"):
        return StartRun.model_validate(raw)
    raise ValueError("neither a start nor a shard message")


def run_day(start: StartRun, now: datetime | None = None) -> date:
    if start.day is not None:
        return start.day
    today = (now or datetime.now(UK)).astimezone(UK).date()
    return today - timedelta(days=1)


@dataclass(frozen=True)
class Calculated:
    award_pence: int
    assessment_id: str | None
    carried_state: dict[str, Any] | None
    lines: list[StatementLine]


class Upstreams(Protocol):
    """The services the run calls; `HttpUpstreams` over HTTP, tests may give their own."""

    async def awards_due(
        self, day: date, shard: int, shards: int, cursor: str | None, limit: int
    ) -> DueAwardsPage: ...

    async def bulk_earnings(self, people: list[BulkEarningsPerson]) -> BulkEarnings: ...

    async def calculate(self, award: DueAward, payments: list[dict[str, Any]]) -> Calculated: ...

    async def store(self, award: DueAward, statement: PeriodStatement) -> StoredStatement: ...


class HttpUpstreams:
    """Claims, integrations and benefits over `platform.http`, with the workers' service token."""

    def __init__(
        self, claims: ResilientClient, integrations: ResilientClient, benefits: ResilientClient
    ) -> None:
        self._claims, self._integrations, self._benefits = claims, integrations, benefits

    @classmethod
    def build(cls, settings: Settings, *, tokens: TokenSource | None = None) -> HttpUpstreams:
        """Make inside the event loop that will use it (its connections belong to that loop)."""
        http = shared_client()
        source = tokens or ServiceTokens.for_service(SERVICE_NAME, settings, http=http)
        return cls(
            *(
                ResilientClient.for_service(name, settings, http=http, tokens=source, policy=BATCH_POLICY)
                for name in ("claims", "integrations", "benefits")
            )
        )

    async def awards_due(
        self, day: date, shard: int, shards: int, cursor: str | None, limit: int
    ) -> DueAwardsPage:
        params = {"shard": str(shard), "shards": str(shards), "limit": str(limit)}
        if cursor is not None:
            params["cursor"] = cursor
        path = contract.AWARDS_DUE_PATH.format(period_end=day.isoformat())
        response = await self._claims.request(
            "GET", path, params=params, headers={"Accept": "application/json"}
        )
        if response.status_code == 202:
            # Claims could not put the page together (a service it asks was down) and waits with a work
            # item: the shard fails and SQS brings it back later.
            raise ClaimsWaiting(f"claims is waiting on {response.json().get('waiting_on', 'a service')}")
        return DueAwardsPage.model_validate_json(response.content)

    async def bulk_earnings(self, people: list[BulkEarningsPerson]) -> BulkEarnings:
        # A look-up is safe to repeat (it reads, and each attempt is audited as a look-up).
        body = BulkEarningsRequest(purpose="monthly-assessment", people=people)
        return await self._integrations.post_model("/v1/earnings/bulk", body, BulkEarnings, idempotent=True)

    async def calculate(self, award: DueAward, payments: list[dict[str, Any]]) -> Calculated:
        body = {
            "claim_id": award.claim_id,
            "circumstances": award.circumstances,
            "hmrc_earnings": payments if award.earnings_subjects else None,
        }
        response = await self._benefits.request(
            "POST",
            "/v1/assessments",
            json={k: v for k, v in body.items() if v is not None},
            idempotency_key=f"monthly:{award.claim_id}:{award.period_end.isoformat()}",
        )
        answer = response.json()
        return Calculated(
            award_pence=int(answer["award_pence"]),
            assessment_id=str(answer["id"]),
            carried_state=answer.get("carried_state"),
            lines=[statement_line(line) for line in answer.get("explanation") or []],
        )

    async def store(self, award: DueAward, statement: PeriodStatement) -> StoredStatement:
        path = contract.STATEMENT_PATH.format(
            claim_id=award.claim_id, period_end=award.period_end.isoformat()
        )
        return await self._claims.send_model("PUT", path, StoredStatement, body=statement)


def statement_line(line: dict[str, Any]) -> StatementLine:
    text = line.get("text") or {}
    return StatementLine(
        kind=str(line.get("kind", "")),
        text_en=str(text.get("en", "")),
        text_cy=str(text.get("cy", "")),
        amount_pence=line.get("amount_pence"),
        regulation=str(line.get("regulation", "")),
    )


def rti_payments(adult: int, earnings: Earnings) -> list[dict[str, Any]]:
    """The benefits API's `hmrc_earnings` items for one adult's RTI payments."""
    return [_rti(adult, p) for p in earnings.payments]


def _rti(adult: int, payment: EarningsPayment) -> dict[str, Any]:
    return {
        "adult": adult,
        "paid_on": payment.paid_on.isoformat(),
        "gross": payment.gross,
        "income_tax": payment.income_tax,
        "national_insurance": payment.national_insurance,
    }


def _person(award: DueAward, subject: EarningsSubject) -> BulkEarningsPerson:
    return BulkEarningsPerson(
        claim_id=award.claim_id,
        national_insurance_number=subject.national_insurance_number,
        given_name=subject.given_name,
        family_name=subject.family_name,
        date_of_birth=subject.date_of_birth,
        period_from=award.period_start,
        period_to=award.period_end,
    )


@dataclass
class ShardReport:
    """What one shard did, and where its time went (for the benchmark and the log)."""

    awards: int = 0
    calculated: int = 0
    already_stored: int = 0
    failed: list[str] = field(default_factory=list)
    queued: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("awards", "earnings", "calculate", "store", "queue"), 0.0)
    )

    def add(self, other: ShardReport) -> None:
        self.awards += other.awards
        self.calculated += other.calculated
        self.already_stored += other.already_stored
        self.failed += other.failed
        self.queued += other.queued
        for key, value in other.seconds.items():
            self.seconds[key] = self.seconds.get(key, 0.0) + value


class ClaimsWaiting(Exception):
    """The claims service answered 202: it cannot give the page yet (it is waiting on another service)."""


class EarningsPending(Exception):
    """HMRC did not answer for some people of a bulk look-up (the rest are kept): ask again later."""

    def __init__(self, people: int, retry_after: float | None) -> None:
        super().__init__(f"HMRC did not answer for {people} people")
        self.retry_after = retry_after


class ShardFailed(Exception):
    """Some awards of the shard failed; the rest are stored. SQS gives the shard back to be redone."""


class Queues(Protocol):
    def send(self, queue: str, bodies: list[tuple[str, str]]) -> None:
        """Send (id, body) pairs to a queue by name."""


class SqsQueues:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._sqs = aws.client("sqs", settings)
        self._urls: dict[str, str] = {}

    def send(self, queue: str, bodies: list[tuple[str, str]]) -> None:
        url = self._urls.get(queue) or self._urls.setdefault(queue, aws.queue_url(self._settings, queue))
        for i in range(0, len(bodies), 10):  # SQS takes at most 10 a call
            chunk = bodies[i : i + 10]
            # Batch entry ids are only unique within one call: number them.
            entries = [{"Id": str(n), "MessageBody": body} for n, (_key, body) in enumerate(chunk)]
            answer = self._sqs.send_message_batch(QueueUrl=url, Entries=entries)
            if answer.get("Failed"):
                raise RuntimeError(f"SQS refused {len(answer['Failed'])} messages to {queue}")


def _busy(exc: BaseException) -> bool:
    """A service too busy for now, where waiting helps: its breaker open (after timeouts), unavailable,
    or still working on this award's earlier request (409 on the same Idempotency-Key). An award whose
    answer is "no" (another 4xx) is not tried again here."""
    if isinstance(exc, UpstreamUnavailable | UpstreamTimeout | EarningsPending):
        return True
    return isinstance(exc, UpstreamRejected) and exc.status == 409 and exc.upstream == "benefits"


def _wait_busy(state: tenacity.RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    after = getattr(exc, "retry_after", None)
    return min(30.0, float(after)) if after else min(30.0, 2.0 * 2 ** (state.attempt_number - 1))


def statement_ready(claim_id: str, period_end: date) -> EventEnvelope:
    event = contract.StatementReady(claim_id=claim_id, period_end=period_end.isoformat())
    return EventEnvelope(
        event_id=contract.statement_event_id(claim_id, period_end),
        event_type=event.event_type,
        source="workers.assessment-run",
        data=event.model_dump(mode="json"),
    )


class MonthlyRun:
    def __init__(
        self,
        upstreams: Upstreams,
        queues: Queues,
        *,
        page: int = PAGE,
        in_flight: int = IN_FLIGHT,
        clock: Callable[[], float] = time.perf_counter,
        shard_queue: str = catalog.ASSESSMENT_RUN_QUEUE.name,
        notify_queue: str = catalog.NOTIFICATIONS_QUEUE.name,
        patience: int = 4,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._patience, self._sleep = patience, sleep
        self._up, self._queues = upstreams, queues
        self._page, self._in_flight, self._clock = page, in_flight, clock
        self._shard_queue, self._notify_queue = shard_queue, notify_queue

    def fan_out(self, start: StartRun, *, now: datetime | None = None) -> list[Shard]:
        """Publish the day's shard messages to the run's own queue."""
        day = run_day(start, now)
        run_id = str(uuid.uuid4())
        shards = [Shard(day=day, shard=i, shards=start.shards, run_id=run_id) for i in range(start.shards)]
        self._queues.send(
            self._shard_queue,
            [(str(s.shard), s.model_dump_json(by_alias=True)) for s in shards],
        )
        log.info("assessment_run.started", date=day.isoformat(), shards=start.shards, run_id=run_id)
        return shards

    async def run_shard(self, shard: Shard, *, progress: Callable[[int], None] | None = None) -> ShardReport:
        report = ShardReport()
        cursor: str | None = None
        gate = asyncio.Semaphore(self._in_flight)
        while True:
            started = self._clock()
            page = await self._up.awards_due(shard.day, shard.shard, shard.shards, cursor, self._page)
            report.seconds["awards"] += self._clock() - started
            earnings = await self._look_up([a for a in page.items if not a.statement_stored], report)
            outcomes = await asyncio.gather(
                *(self._one(award, earnings, shard, report, gate) for award in page.items)
            )
            told = [award for award, ok in zip(page.items, outcomes, strict=True) if ok]
            started = self._clock()
            if told:
                bodies = [
                    (a.claim_id, statement_ready(a.claim_id, a.period_end).model_dump_json()) for a in told
                ]
                await asyncio.to_thread(self._queues.send, self._notify_queue, bodies)
                report.queued += len(told)
            report.seconds["queue"] += self._clock() - started
            report.awards += len(page.items)
            if progress is not None:
                progress(len(page.items))
            cursor = page.next_cursor
            if cursor is None:
                break
        log.info(
            "assessment_run.shard_done",
            date=shard.day.isoformat(),
            shard=shard.shard,
            shards=shard.shards,
            awards=report.awards,
            calculated=report.calculated,
            already_stored=report.already_stored,
            failed=len(report.failed),
        )
        if report.failed:
            raise ShardFailed(
                f"{len(report.failed)} of {report.awards} awards failed in shard {shard.shard}/{shard.shards}"
                f" of {shard.day}; the rest are stored"
            )
        return report

    def _patiently(self) -> tenacity.AsyncRetrying:
        """Retrying while a service is busy (`_busy`), `patience` attempts in all, then the error."""
        return tenacity.AsyncRetrying(
            retry=tenacity.retry_if_exception(_busy),
            wait=_wait_busy,
            stop=tenacity.stop_after_attempt(self._patience),
            sleep=self._sleep,
            reraise=True,
        )

    async def _look_up(self, awards: list[DueAward], report: ShardReport) -> dict[str, list[Earnings]]:
        """Each award's earnings, one per earnings subject in order, by claim id, for the awards whose
        every adult HMRC answered for; the rest are missing (and fail in `_one`)."""
        people = [(award, s) for award in awards for s in award.earnings_subjects]
        found: dict[int, Earnings] = {}
        given_up: set[int] = set()  # not matched or refused: asking again will not help

        async def ask(pending: list[int]) -> None:
            retry_after: float | None = None
            for start in range(0, len(pending), MAX_BULK_EARNINGS):
                chunk = pending[start : start + MAX_BULK_EARNINGS]
                answer = await self._up.bulk_earnings([_person(*people[i]) for i in chunk])
                for i, result in zip(chunk, answer.results, strict=True):
                    if result.earnings is not None:
                        found[i] = result.earnings
                    elif result.outcome == "provider-unavailable":
                        retry_after = max(retry_after or 0.0, result.retry_after or 0.0) or None
                    else:
                        given_up.add(i)
            left = [i for i in pending if i not in found and i not in given_up]
            if left:
                raise EarningsPending(len(left), retry_after)

        started = self._clock()
        try:
            async for attempt in self._patiently():
                with attempt:
                    await ask([i for i in range(len(people)) if i not in found and i not in given_up])
        except Exception as exc:  # those unanswered fail in `_one`; the rest go on
            log.warning("assessment_run.earnings_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        report.seconds["earnings"] += self._clock() - started
        answered: dict[str, list[Earnings]] = {}
        missing: set[str] = set()
        for i, (award, _subject) in enumerate(people):
            if i in found:
                answered.setdefault(award.claim_id, []).append(found[i])
            else:
                missing.add(award.claim_id)
        return {a.claim_id: answered.get(a.claim_id, []) for a in awards if a.claim_id not in missing}

    async def _one(
        self,
        award: DueAward,
        earnings: dict[str, list[Earnings]],
        shard: Shard,
        report: ShardReport,
        gate: asyncio.Semaphore,
    ) -> bool:
        """Reassess one award (unless stored already); whether it has a statement to tell about."""
        if award.statement_stored:
            report.already_stored += 1
            return True
        async with gate:
            try:
                looked_up = earnings.get(award.claim_id)
                if looked_up is None:
                    raise EarningsPending(len(award.earnings_subjects), None)
                async for attempt in self._patiently():
                    with attempt:
                        await self._reassess(award, looked_up, shard, report)
            except Exception as exc:  # one award's failure must not stop the rest of its shard
                report.failed.append(award.claim_id)
                log.warning(
                    "assessment_run.award_failed",
                    claim_id=award.claim_id,
                    error=f"{type(exc).__name__}: {exc}"[:300],
                )
                return False
        return True

    async def _reassess(
        self, award: DueAward, looked_up: list[Earnings], shard: Shard, report: ShardReport
    ) -> None:
        payments = [
            p
            for s, found in zip(award.earnings_subjects, looked_up, strict=True)
            for p in rti_payments(s.adult, found)
        ]
        started = self._clock()
        calculated = await self._up.calculate(award, payments)
        report.seconds["calculate"] += self._clock() - started
        started = self._clock()
        stored = await self._up.store(
            award,
            PeriodStatement(
                period_start=award.period_start,
                period_end=award.period_end,
                award_pence=calculated.award_pence,
                assessment_id=calculated.assessment_id,
                carried_state=calculated.carried_state,
                earnings_access_ids=[e.access_id for e in looked_up],
                lines=calculated.lines,
                run_date=shard.day,
            ),
        )
        report.seconds["store"] += self._clock() - started
        if stored.created:
            report.calculated += 1
        else:
            report.already_stored += 1
            if stored.award_pence != calculated.award_pence:
                # The first store wins (running a day twice changes nothing); a difference is logged for a
                # caseworker to look at, never applied silently.
                log.warning(
                    "assessment_run.differs_from_stored",
                    claim_id=award.claim_id,
                    period_end=award.period_end.isoformat(),
                )


async def run_here(
    run: MonthlyRun,
    day: date,
    shards: int,
    *,
    parallel: int = 2,
    on_awards: Callable[[int], None] | None = None,
    on_shard: Callable[[int, ShardReport | None], None] | None = None,
) -> tuple[ShardReport, list[int]]:
    """Every shard of a day in this process, `parallel` at a time (`dwp run monthly`, the benchmark):
    the total, and the shards that failed (each safe to run again)."""
    total = ShardReport()
    failed: list[int] = []
    gate = asyncio.Semaphore(parallel)
    run_id = str(uuid.uuid4())

    async def one(i: int) -> None:
        async with gate:
            try:
                report = await run.run_shard(
                    Shard(day=day, shard=i, shards=shards, run_id=run_id), progress=on_awards
                )
            except Exception as exc:
                failed.append(i)
                log.warning(
                    "assessment_run.shard_failed", shard=i, error=f"{type(exc).__name__}: {exc}"[:300]
                )
                if on_shard is not None:
                    on_shard(i, None)
                return
            total.add(report)
            if on_shard is not None:
                on_shard(i, report)

    await asyncio.gather(*(one(i) for i in range(shards)))
    return total, sorted(failed)
