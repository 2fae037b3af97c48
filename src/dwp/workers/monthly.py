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
3. works out the page's awards through the benefits service in one request (`POST /v1/assessments/batch`:
   the batch engine, each household with the carried state its previous period left, the assessments
   stored in one transaction), with an `Idempotency-Key` made from the day and the request's content, so a
   redone page gets the same assessments back rather than new ones. An item the rules refuse is named by
   the problem (`#/items/3/...`): that award fails and the rest are sent again. The benefits batch engine
   cannot be called in process: the workers may not import a service's code (the import contracts);
4. stores the page's awards, carried state and statements in claims in one request
   (`POST /v1/internal/assessment-periods/{day}/statements`: one transaction, the first store of each
   claim's period wins, a repeat changes nothing);
5. gives payments the page's awards that have a statement (stored now or by an earlier attempt): their
   terms from claims in one request (`POST /v1/internal/awards-for-payment`) to payments in one request
   (`POST /v1/internal/payments/awards`), so the payment due 7 days after the period ends pays this
   period's award; the same terms again are the same version there (`unchanged`);
6. queues `claims.statement_ready` on the notifications queue with an event id made from the claim and
   the period (`statement_event_id`), for every award of the shard that has a statement, whether stored
   now or by an earlier attempt: the notifications' idempotency record sends it once.

So a shard is safe to do again from the start at any point: running a day twice changes nothing, pays
nothing twice and notifies nobody twice. A shard with any award that failed raises after doing the
rest; SQS brings it back (the rest are skipped as stored), and after the queue's `max_receive_count`
receives it is in `dwp-assessment-run-dlq` (`dwp dlq list`, `dwp dlq redrive assessment-run`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
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

from dwp.contracts import benefits as benefits_contract
from dwp.contracts import claims as contract
from dwp.contracts import payments as payments_contract
from dwp.contracts.claims import (
    ClaimStatement,
    DueAward,
    DueAwardsPage,
    EarningsSubject,
    PeriodStatement,
    StatementLine,
    StoredStatement,
    StoredStatementItem,
    StoredStatements,
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
PAGE = 500
"""Awards a page: claims' default page, and as many as the benefits batch route and the bulk statement
store take in one request (`MAX_ASSESSMENT_BATCH`, `MAX_STATEMENTS`)."""
IN_FLIGHT = 4
"""Awards of one shard worked on at once in the per-award mode (each waits mostly on HTTP). Kept low:
shards run side by side, and the benefits and claims services each write every award to their
database, so more at once only queues requests there (measured: 16 a shard on 2 cores left requests
waiting past their timeout)."""
Mode = Literal["page", "per-award"]
"""`page` (the default): one benefits batch request and one bulk store a page. `per-award`: one
`POST /v1/assessments` and one statement `PUT` an award, as the run did before the page routes; kept
for `benchmarks/monthly_run.py`'s before-and-after in one run."""
_ITEM = re.compile(r"^#/items/(\d+)(?:/|$)")


class _Assessed(BaseModel):
    """`dwp.contracts.benefits.BatchAssessment`, as the run reads it (a unit test keeps the two alike:
    pydantic cannot read a `typing.TypedDict` on Python 3.11)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    claim_id: str
    award_pence: int
    carried_state: dict[str, int]
    explanation: list[dict[str, Any]]


class _Batch(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    batch_id: str
    items: list[_Assessed]


BATCH_POLICY = RetryPolicy(attempts=4, total_seconds=60.0, attempt_seconds=20.0, backoff_max=5.0)
"""A batch job can wait longer for an answer than a person's request: a busy service is not a failure."""
PAGE_POLICY = RetryPolicy(attempts=4, total_seconds=300.0, attempt_seconds=120.0, backoff_max=5.0)
"""The benefits, integrations and claims calls: a batch request is a page's work (500 assessments;
integrations' bulk earnings look-up is a page's people, a match and a read at HMRC each; claims' page of
awards due asks the citizen service for each award's identity), which on a loaded machine took past 20 s
(measured: timeouts, an open breaker and failed shards; against the real services at load 15 to 19, the
bulk look-up on the HMRC simulator 21 to 43 s a page of 250 and claims' first page of 375 past 20 s)."""


STORE_CHUNK = 200
"""Statements a bulk store request carries (about 2.7 kB each with their lines in English and Welsh)."""


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

    async def calculate_page(
        self, day: date, items: list[benefits_contract.AssessmentBatchItemPayload]
    ) -> list[Calculated]: ...

    async def store_page(self, day: date, items: list[ClaimStatement]) -> list[StoredStatementItem]: ...

    async def awards_for_payment(self, claim_ids: list[str]) -> list[contract.AwardToPayItem]: ...

    async def pay_awards(
        self, items: list[payments_contract.AwardToStore]
    ) -> list[payments_contract.AwardStoredItem]: ...


class HttpUpstreams:
    """Claims, integrations and benefits over `platform.http`, with the workers' service token."""

    def __init__(
        self,
        claims: ResilientClient,
        integrations: ResilientClient,
        benefits: ResilientClient,
        payments: ResilientClient | None = None,
    ) -> None:
        self._claims, self._integrations, self._benefits = claims, integrations, benefits
        self._payments = payments

    @classmethod
    def build(cls, settings: Settings, *, tokens: TokenSource | None = None) -> HttpUpstreams:
        """Make inside the event loop that will use it (its connections belong to that loop)."""
        http = shared_client()
        source = tokens or ServiceTokens.for_service(SERVICE_NAME, settings, http=http)
        return cls(
            *(
                ResilientClient.for_service(
                    name,
                    settings,
                    http=http,
                    tokens=source,
                    policy=PAGE_POLICY if name in ("benefits", "integrations", "claims") else BATCH_POLICY,
                )
                for name in ("claims", "integrations", "benefits", "payments")
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

    async def calculate_page(
        self, day: date, items: list[benefits_contract.AssessmentBatchItemPayload]
    ) -> list[Calculated]:
        body: benefits_contract.AssessmentBatchPayload = {"items": items}
        response = await self._benefits.request(
            "POST",
            benefits_contract.ASSESSMENT_BATCH_PATH,
            json=body,
            idempotency_key=batch_key(day, body),
        )
        answer = _Batch.model_validate_json(response.content)
        if [a.claim_id for a in answer.items] != [i["claim_id"] for i in items]:
            raise ValueError("the benefits batch answer does not match the page it was sent")
        return [
            Calculated(
                award_pence=a.award_pence,
                assessment_id=a.id,
                carried_state=dict(a.carried_state),
                lines=[statement_line(line) for line in a.explanation],
            )
            for a in answer.items
        ]

    async def store_page(self, day: date, items: list[ClaimStatement]) -> list[StoredStatementItem]:
        path = contract.STATEMENTS_PATH.format(period_end=day.isoformat())
        answered: list[StoredStatementItem] = []
        # In requests of STORE_CHUNK statements: a page of 500 with their lines is about 1.35 MB, past the
        # 1 MiB a service accepts (the real claims service answered 413 to a page of 395).
        for start in range(0, len(items), STORE_CHUNK):
            chunk = items[start : start + STORE_CHUNK]
            body = contract.PeriodStatements(items=chunk)
            # Safe to send again whatever happened to the first (each claim's period is stored once).
            stored = await self._claims.send_model("POST", path, StoredStatements, body=body, idempotent=True)
            if [i.claim_id for i in stored.items] != [i.claim_id for i in chunk]:
                raise ValueError("the claims bulk store's answer does not match the page it was sent")
            answered += stored.items
        return answered

    async def awards_for_payment(self, claim_ids: list[str]) -> list[contract.AwardToPayItem]:
        body = contract.AwardsForPaymentRequest(claim_ids=claim_ids)
        # A read: safe to send again.
        found = await self._claims.post_model(
            contract.AWARDS_FOR_PAYMENT_PATH, body, contract.AwardsToPay, idempotent=True
        )
        if [i.claim_id for i in found.items] != claim_ids:
            raise ValueError("the claims awards-for-payment answer does not match the page it was sent")
        return found.items

    async def pay_awards(
        self, items: list[payments_contract.AwardToStore]
    ) -> list[payments_contract.AwardStoredItem]:
        if self._payments is None:
            raise RuntimeError("this run has no payments client")
        body = payments_contract.AwardsForPayment(items=items)
        # The terms whole: the same terms are the same version, so sending again changes nothing.
        stored = await self._payments.post_model(
            payments_contract.AWARDS_PATH, body, payments_contract.AwardsStored, idempotent=True
        )
        if [i.award_id for i in stored.items] != [i.award_id for i in items]:
            raise ValueError("the payments bulk store's answer does not match the page it was sent")
        return stored.items


def batch_key(day: date, body: benefits_contract.AssessmentBatchPayload) -> str:
    """The batch request's Idempotency-Key: the day and a digest of what is sent. A page sent again as
    it was (a worker killed after the call, its shard redone) gets the first answer back, so benefits
    stores its assessments once; a page that differs (an award left out, HMRC's figures corrected
    since) is a new request, not a key reused with another body (a 422)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return f"monthly:{day.isoformat()}:{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def refused_items(exc: BaseException, count: int) -> set[int]:
    """The items of a batch a benefits 422 problem names (`#/items/3/...`), within the page."""
    if not isinstance(exc, UpstreamRejected) or exc.status != 422 or not exc.problem:
        return set()
    found = set()
    for error in exc.problem.get("errors") or []:
        match = _ITEM.match(str(error.get("pointer", ""))) if isinstance(error, dict) else None
        if match and int(match.group(1)) < count:
            found.add(int(match.group(1)))
    return found


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
    sent_to_payments: int = 0
    """Awards whose terms payments took as new (`stored`); the same terms again are not counted."""
    unchanged_at_payments: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(
            ("awards", "earnings", "calculate", "store", "payments", "queue"), 0.0
        )
    )

    def add(self, other: ShardReport) -> None:
        self.awards += other.awards
        self.calculated += other.calculated
        self.already_stored += other.already_stored
        self.failed += other.failed
        self.queued += other.queued
        self.sent_to_payments += other.sent_to_payments
        self.unchanged_at_payments += other.unchanged_at_payments
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
        mode: Mode = "page",
    ) -> None:
        self._patience, self._sleep, self._mode = patience, sleep, mode
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
            if self._mode == "page":
                told = await self._one_page(page.items, shard, report)
            else:
                earnings = await self._look_up([a for a in page.items if not a.statement_stored], report)
                outcomes = await asyncio.gather(
                    *(self._one(award, earnings, shard, report, gate) for award in page.items)
                )
                told = [award for award, ok in zip(page.items, outcomes, strict=True) if ok]
            await self._pay(told, report)
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

    async def _one_page(self, awards: list[DueAward], shard: Shard, report: ShardReport) -> list[DueAward]:
        """A page: earnings in one bulk look-up, the awards in one benefits batch, the statements in one
        bulk store. The awards with a statement (stored now or before), to be told."""
        told = [a for a in awards if a.statement_stored]
        report.already_stored += len(told)
        todo = [a for a in awards if not a.statement_stored]
        if not todo:
            return told
        earnings = await self._look_up(todo, report)
        ready = []
        for award in todo:
            if award.claim_id in earnings:
                ready.append(award)
            else:
                self._failed(award, report, EarningsPending(len(award.earnings_subjects), None))
        calculated = await self._calculate_page(ready, earnings, shard, report)
        return told + await self._store_page(
            [a for a in ready if a.claim_id in calculated], earnings, calculated, shard, report
        )

    async def _pay(self, awards: list[DueAward], report: ShardReport) -> None:
        """The page's stored awards (stored now or by an earlier attempt) to payments: their terms from
        claims in one request (`POST /v1/internal/awards-for-payment`), given to payments in one request
        (`POST /v1/internal/payments/awards`), so the payment due 7 days after the period ends pays this
        period's award. Both are safe again (a read; the same terms are the same version), so a redone
        shard sends nothing new and pays nothing twice. An award claims has no terms for (not paid by
        periods: a person not registered with the citizen service yet) is done with; one payments
        refuses, or a page neither service answered once the run's patience is spent, fails."""
        if not awards:
            return
        started = self._clock()
        try:
            async for attempt in self._patiently():
                with attempt:
                    found = await self._up.awards_for_payment([a.claim_id for a in awards])
            terms = {item.claim_id: item.award for item in found if item.outcome == "award" and item.award}
            for item in found:
                if item.outcome != "award":
                    log.info("assessment_run.nothing_to_pay", claim_id=item.claim_id, outcome=item.outcome)
            items = [
                payments_contract.AwardToStore(award_id=t.award_id, terms=t.terms) for t in terms.values()
            ]
            results: list[payments_contract.AwardStoredItem] = []
            if items:
                async for attempt in self._patiently():
                    with attempt:
                        results = await self._up.pay_awards(items)
        except Exception as exc:
            for award in awards:
                self._failed(award, report, f"payments not given the award: {type(exc).__name__}: {exc}")
            return
        finally:
            report.seconds["payments"] += self._clock() - started
        by_award = {t.award_id: claim_id for claim_id, t in terms.items()}
        for result in results:
            if result.outcome == "stored":
                report.sent_to_payments += 1
            elif result.outcome == "unchanged":
                report.unchanged_at_payments += 1
            else:
                claim_id = by_award.get(result.award_id, result.award_id)
                report.failed.append(claim_id)
                log.warning("assessment_run.payments_refused", claim_id=claim_id, detail=result.detail)

    def _failed(self, award: DueAward, report: ShardReport, exc: BaseException | str) -> None:
        report.failed.append(award.claim_id)
        error = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        log.warning("assessment_run.award_failed", claim_id=award.claim_id, error=error[:300])

    async def _calculate_page(
        self, awards: list[DueAward], earnings: dict[str, list[Earnings]], shard: Shard, report: ShardReport
    ) -> dict[str, Calculated]:
        """The awards through the benefits batch route, by claim id. An item the rules refuse (named by
        the problem's pointer) fails alone and the rest are sent again; anything else, once the run's
        patience is spent, fails the page's awards (the shard is redone)."""
        pending = list(awards)
        while pending:
            items = [_batch_item(a, earnings[a.claim_id]) for a in pending]
            started = self._clock()
            try:
                async for attempt in self._patiently():
                    with attempt:
                        answers = await self._up.calculate_page(shard.day, items)
            except Exception as exc:
                bad = refused_items(exc, len(pending))
                if not bad:
                    for award in pending:
                        self._failed(award, report, exc)
                    return {}
                for i in sorted(bad):
                    self._failed(pending[i], report, exc)
                pending = [a for i, a in enumerate(pending) if i not in bad]
                continue
            finally:
                report.seconds["calculate"] += self._clock() - started
            return {a.claim_id: c for a, c in zip(pending, answers, strict=True)}
        return {}

    async def _store_page(
        self,
        awards: list[DueAward],
        earnings: dict[str, list[Earnings]],
        calculated: dict[str, Calculated],
        shard: Shard,
        report: ShardReport,
    ) -> list[DueAward]:
        """The page's statements in claims in one request; the awards now stored (or stored before)."""
        if not awards:
            return []
        items = [
            ClaimStatement(
                claim_id=a.claim_id,
                **dict(_statement(a, earnings[a.claim_id], calculated[a.claim_id], shard)),
            )
            for a in awards
        ]
        started = self._clock()
        try:
            async for attempt in self._patiently():
                with attempt:
                    results = await self._up.store_page(shard.day, items)
        except Exception as exc:
            for award in awards:
                self._failed(award, report, exc)
            return []
        finally:
            report.seconds["store"] += self._clock() - started
        stored = []
        for award, result in zip(awards, results, strict=True):
            if result.outcome == "created":
                report.calculated += 1
            elif result.outcome == "already_stored":
                report.already_stored += 1
                self._compare(award, result.award_pence, calculated[award.claim_id].award_pence)
            else:  # not_found, not_current: claims will not take it; a person looks at the log
                self._failed(award, report, f"claims did not store the statement: {result.outcome}")
                continue
            stored.append(award)
        return stored

    def _compare(self, award: DueAward, stored: int | None, now: int) -> None:
        if stored != now:
            # The first store wins (running a day twice changes nothing); a difference is logged for a
            # caseworker to look at, never applied silently.
            log.warning(
                "assessment_run.differs_from_stored",
                claim_id=award.claim_id,
                period_end=award.period_end.isoformat(),
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
        started = self._clock()
        calculated = await self._up.calculate(award, _payments(award, looked_up))
        report.seconds["calculate"] += self._clock() - started
        started = self._clock()
        stored = await self._up.store(award, _statement(award, looked_up, calculated, shard))
        report.seconds["store"] += self._clock() - started
        if stored.created:
            report.calculated += 1
        else:
            report.already_stored += 1
            self._compare(award, stored.award_pence, calculated.award_pence)


def _payments(award: DueAward, looked_up: list[Earnings]) -> list[dict[str, Any]]:
    return [
        p
        for s, found in zip(award.earnings_subjects, looked_up, strict=True)
        for p in rti_payments(s.adult, found)
    ]


def _batch_item(award: DueAward, looked_up: list[Earnings]) -> benefits_contract.AssessmentBatchItemPayload:
    item: benefits_contract.AssessmentBatchItemPayload = {
        "claim_id": award.claim_id,
        "circumstances": award.circumstances,
    }
    if award.earnings_subjects:
        item["hmrc_earnings"] = _payments(award, looked_up)  # type: ignore[typeddict-item]
    if award.carried_state:
        item["carried_state"] = award.carried_state
    return item


def _statement(
    award: DueAward, looked_up: list[Earnings], calculated: Calculated, shard: Shard
) -> PeriodStatement:
    return PeriodStatement(
        period_start=award.period_start,
        period_end=award.period_end,
        award_pence=calculated.award_pence,
        assessment_id=calculated.assessment_id,
        carried_state=calculated.carried_state,
        earnings_access_ids=[e.access_id for e in looked_up],
        lines=calculated.lines,
        run_date=shard.day,
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
