"""Use cases of changes of circumstances: a citizen reports a change on an awarded claim; the claim's
answers change (so the monthly run uses the latest circumstances), the assessment periods it touches
are worked out again by the benefits service, and what that comes to (an overpayment with its cause, or
arrears) is recorded, audited, published and told to the citizen on the claim's journal.

The revision asks the benefits service twice for each period it touches, once with the circumstances
before the change and once after, and moves the stored award by the difference: so the revision is the
change's effect alone, whatever else (HMRC's earnings that month) went into the stored award.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, cast

from dwp.claims import changes_records as records
from dwp.claims.domain import changes as domain
from dwp.claims.domain import recovery
from dwp.claims.domain.answers import ClaimType
from dwp.claims.domain.changes import ChangeDetails, ChangeNotAllowed, PeriodRevision
from dwp.claims.domain.errors import ClaimNotFound, StaleVersion
from dwp.claims.domain.household import NotReadyToAssess, uc_circumstances
from dwp.claims.domain.journal import JournalEntry, MessagePosted
from dwp.claims.domain.model import Actor, AuditRecord, Claim, Status, check_version
from dwp.claims.domain.todos import role_of
from dwp.claims.events import to_contract
from dwp.claims.nation import nation_of
from dwp.claims.repository import ClaimsRepository, PeriodAward
from dwp.claims.service import ClaimsContext, _visible
from dwp.claims.upstreams import Upstreams
from dwp.contracts.events import ClaimChangeReported
from dwp.contracts.payments import AwardForPayment
from dwp.platform.catalog import CLAIMS_EVENTS_TOPIC
from dwp.platform.http import UpstreamError
from dwp.platform.idempotency import Remember
from dwp.platform.pii import PiiCipher

AUTHOR = "dwp-changes"
"""Who the journal shows the explanation from (DWP's side)."""


@dataclass(frozen=True)
class ReportedChange:
    id: str
    claim: Claim
    kind: domain.ChangeKind
    happened_on: date
    reported_on: date
    status: str
    """`revised` (the periods it touches worked out again), `no_change_to_paid_periods`,
    `no_change_to_amount` (New Style ESA: stopping work, which ESA does not deduct), or
    `waiting_for_caseworker` (the benefits service could not work it out now: a caseworker does)."""
    outcome: domain.Outcome
    explanation: tuple[str, ...]


async def _reassess(
    upstreams: Upstreams,
    *,
    change_id: str,
    before: Claim,
    after: Claim,
    periods: list[PeriodAward],
    today: date,
) -> list[PeriodRevision]:
    revisions = []
    carried: dict[str, Any] = {}
    for period in periods:
        grace = bool(carried.get("cap_grace_period", False))
        awards = []
        for side, claim in (("before", before), ("after", after)):
            body = uc_circumstances(claim, period_start=period.period_start, cap_grace_period=grace)
            body["assessment_period_end"] = period.period_end.isoformat()
            answer = await upstreams.assess_uc(
                claim_id=claim.id,
                circumstances=body,
                hmrc_earnings=None,
                idempotency_key=f"change:{change_id}:{period.period_start.isoformat()}:{side}",
            )
            awards.append(answer.award_pence)
        now = max(0, period.award_pence + awards[1] - awards[0])
        revisions.append(
            PeriodRevision(
                period.period_start,
                period.period_end,
                period.award_pence,
                now,
                domain.paid_by(period.period_end, today),
            )
        )
        carried = period.document.get("carried_state") or {}
    return revisions


async def report_change(
    ctx: ClaimsContext,
    upstreams: Upstreams,
    *,
    claim_id: str,
    actor: Actor,
    details: ChangeDetails,
    expected_version: int,
    remember: Remember[ReportedChange] | None = None,
) -> ReportedChange:
    """A citizen reports a change of circumstances on their awarded claim."""
    today = ctx.today()
    change_id = ctx.new_id()
    async with ctx.uow(read_only=True) as uow:
        claim = _visible(await uow.repository.get(claim_id), actor)
        stored = await _sql(uow.repository).periods_of(claim_id)
    if role_of(actor, claim) not in ("claimant", "partner"):
        raise ChangeNotAllowed("the claimant or their partner reports a change")
    check_version(claim, expected_version)
    domain.check_change(claim, details, today=today)
    after = domain.apply_change(claim, details)
    status = "revised"
    revisions: list[PeriodRevision] = []
    assert claim.claim_date is not None
    if claim.claim_type == ClaimType.UNIVERSAL_CREDIT:
        start = domain.effective(claim, details, reported_on=today, advantageous=False).from_day
        touched = [p for p in stored if p.period_end >= start]
        try:
            revisions = await _reassess(
                upstreams, change_id=change_id, before=claim, after=after, periods=touched, today=today
            )
        except (NotReadyToAssess, UpstreamError):
            # The household cannot be worked out now (a private rent without the area's LHA), or the
            # benefits service is down: the change is kept and a caseworker works the revision out.
            status = "waiting_for_caseworker"
    elif claim.claim_type == ClaimType.NEW_STYLE_ESA and details.kind == domain.ChangeKind.STOPPED_WORK:
        # New Style ESA is not reduced by earnings: work is either permitted (ESA Regs 2013 regs 39 and
        # 40, the amount paid in full) or not. Stopping it cannot change the amount paid.
        status = "no_change_to_amount"
    else:
        status = "waiting_for_caseworker"  # New Style JSA and ESA: a caseworker works out the week.
    favour = domain.advantageous_by_kind(details)
    if favour is None:
        favour = bool(revisions) and revisions[0].now_pence > revisions[0].was_pence
    effective = domain.effective(claim, details, reported_on=today, advantageous=favour)
    result = domain.outcome(effective, revisions)
    if status == "revised" and not any(r.paid for r in result.revisions):
        status = "no_change_to_paid_periods"
    lines = tuple(domain.explanation(details.kind, result))
    if status == "no_change_to_amount":
        lines += (
            "New Style Employment and Support Allowance is not reduced by what you earn from work you "
            "are allowed to do, so stopping work does not change what you are paid.",
        )
    if status == "waiting_for_caseworker":
        lines += ("A member of staff will work out what this means for your payments and tell you.",)
    now = ctx.clock()
    async with ctx.uow() as uow:
        repo = _sql(uow.repository)
        saved = replace(after, version=claim.version + 1)
        if not await repo.save(saved, previous_version=claim.version, now=now):
            raise StaleVersion("The claim has changed since you read it; read it again and retry")
        for r in result.revisions:
            if r.now_pence != r.was_pence:
                await records.revise_period(repo.session, claim_id, r.period_start, r.now_pence)
        await records.add_change(
            repo.session,
            _cipher(ctx),
            row={
                "id": change_id,
                "claim_id": claim_id,
                "kind": details.kind.value,
                "happened_on": details.happened_on,
                "reported_on": today,
                "effective_from": effective.from_day,
                "rule": effective.rule,
                "status": status,
                "overpayment_pence": result.overpayment_pence,
                "arrears_pence": result.arrears_pence,
                "cause": result.cause,
                "reported_by": actor.subject,
                "created_at": now,
            },
            document={
                "details": {k: v for k, v in vars(details).items() if v is not None},
                "revisions": [vars(r) for r in result.revisions],
                "explanation": list(lines),
                "late": effective.late,
            },
        )
        await repo.audit(
            AuditRecord(
                claim_id=claim_id,
                action="change_reported",
                actor_subject=actor.subject,
                actor_kind=actor.kind,
                at=now,
                reason=effective.rule,
                before={"version": claim.version},
                after={
                    "version": saved.version,
                    "change": change_id,
                    "kind": details.kind.value,
                    "effective_from": effective.from_day.isoformat(),
                    "status": status,
                    "overpayment_pence": result.overpayment_pence,
                    "arrears_pence": result.arrears_pence,
                },
                request_id=actor.request_id,
            )
        )
        entry = JournalEntry(ctx.new_id(), claim_id, AUTHOR, "dwp", now, "\n".join(lines))
        await repo.add_journal_entry(entry)
        await uow.outbox.add(
            CLAIMS_EVENTS_TOPIC,
            ClaimChangeReported(
                claim_id=claim_id,
                change_id=change_id,
                kind=details.kind.value,
                effective_from=effective.from_day.isoformat(),
                status=status,
                overpayment=result.overpayment_pence > 0,
                arrears=result.arrears_pence > 0,
            ),
        )
        await uow.outbox.add(CLAIMS_EVENTS_TOPIC, to_contract(MessagePosted(claim_id, now, entry.id, "dwp")))
        reported = ReportedChange(
            change_id, saved, details.kind, details.happened_on, today, status, result, lines
        )
        await uow.remember(remember, reported)
    return reported


async def changes_of(ctx: ClaimsContext, *, claim_id: str, actor: Actor) -> list[dict[str, Any]]:
    """The changes reported on a claim, oldest first (its parties and staff only)."""
    async with ctx.uow(read_only=True) as uow:
        _visible(await uow.repository.get(claim_id), actor)
        return await records.changes_of(_sql(uow.repository).session, _cipher(ctx), claim_id)


class NotPaidByPeriods(Exception):
    """The claim has no award claims pays by its stored periods (not awarded, or not Universal Credit)."""


async def award_for_payment(ctx: ClaimsContext, *, claim_id: str) -> tuple[str, AwardForPayment]:
    """The award's terms as the payments service takes them, whole, from the stored periods (as a change
    revised them): its id (the claim's: one award a claim) and `AwardForPayment`. Sent again after each
    change; the same terms are the same version at payments, so sending twice changes nothing.

    The deduction cap is 15% of the latest period's standard allowance (`recovery.deduction_cap_pence`);
    payments recovers an overpayment from the next payments inside it (`schedule.settle` there), at most
    the rate of O&R Regs 2013 reg 11(2) for the case (`recovery.recovery_case`) a payment. The nation,
    whose bank holidays move the payment days, is the home postcode's (`nation.nation_of`).
    """
    async with ctx.uow(read_only=True) as uow:
        claim = await uow.repository.get(claim_id)
        if claim is None:
            raise ClaimNotFound("There is no such claim")
        stored = await _sql(uow.repository).periods_of(claim_id)
    if (
        claim.claim_type != ClaimType.UNIVERSAL_CREDIT
        or claim.status != Status.AWARDED
        or not stored
        or claim.claimant.citizen_id is None
    ):
        raise NotPaidByPeriods("This claim has no Universal Credit award paid by its assessment periods")
    # The latest period whose amounts the benefits service worked out (a statement the monthly run
    # stored carries them; a period revised by a change keeps its own).
    allowances = [
        a for p in stored if isinstance(a := (p.document.get("amounts") or {}).get("standard_allowance"), int)
    ]
    cap = recovery.deduction_cap_pence(allowances[-1]) if allowances else None
    # The rate an overpayment is recovered at (O&R Regs 2013 reg 11(2)), by the latest period's award:
    # (b) when it took earned income off (reg 11(4)). Claims holds no finding of reg 11(3) (a conviction,
    # an admission after caution, an agreed s.115A penalty), so (a) is never chosen here yet.
    case = recovery.recovery_case(
        fraud_finding=False, earnings_deducted=recovery.earnings_deducted(stored[-1].document)
    )
    limit = recovery.recovery_limit_pence(allowances[-1], case) if allowances else None
    return claim.id, AwardForPayment(
        claim_id=claim.id,
        citizen_id=claim.claimant.citizen_id,
        benefit="universal_credit",
        first_day=stored[0].period_start,
        period_amounts=[p.award_pence for p in stored],
        deduction_cap_pence=cap,
        nation=nation_of(getattr(claim.answers.get("housing"), "postcode", None)),
        overpayment_recovery_limit_pence=limit,
    )


async def awards_for_payment(
    ctx: ClaimsContext, *, claim_ids: list[str]
) -> list[tuple[str, str, tuple[str, AwardForPayment] | None]]:
    """`award_for_payment` for a page of claims (the monthly run, after its bulk store): for each claim
    in order, its id, `award`, `not_paid_by_periods` or `not_found`, and the award's id and terms.
    Read-only, so asking twice is safe."""
    found: list[tuple[str, str, tuple[str, AwardForPayment] | None]] = []
    for claim_id in claim_ids:
        try:
            found.append((claim_id, "award", await award_for_payment(ctx, claim_id=claim_id)))
        except NotPaidByPeriods:
            found.append((claim_id, "not_paid_by_periods", None))
        except ClaimNotFound:
            found.append((claim_id, "not_found", None))
    return found


def _sql(records_: object) -> ClaimsRepository:
    """The claims tables on the service's database (changes have no in-memory unit of work)."""
    return cast(ClaimsRepository, records_)


def _cipher(ctx: ClaimsContext) -> PiiCipher:
    assert ctx.cipher is not None, "the claims context on a database has its cipher"
    return ctx.cipher
