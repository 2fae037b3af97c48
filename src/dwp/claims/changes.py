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
from datetime import date, datetime, timedelta
from typing import Any, Literal, cast

from dwp.claims import changes_records as records
from dwp.claims.domain import changes as domain
from dwp.claims.domain import contributions, recovery
from dwp.claims.domain.answers import ClaimType
from dwp.claims.domain.changes import ChangeDetails, ChangeNotAllowed, PeriodRevision
from dwp.claims.domain.errors import ClaimNotFound, StaleVersion
from dwp.claims.domain.events import TodoAdded
from dwp.claims.domain.household import NotReadyToAssess, contributory, uc_circumstances
from dwp.claims.domain.journal import JournalEntry, MessagePosted
from dwp.claims.domain.model import Actor, AuditRecord, Claim, Status, Todo, TodoKind, check_version
from dwp.claims.domain.todos import role_of
from dwp.claims.domain.work import WorkItem, WorkKind, evidence_due
from dwp.claims.events import to_contract
from dwp.claims.nation import nation_of
from dwp.claims.repository import ClaimsRepository, PeriodAward
from dwp.claims.service import ClaimsContext, _visible
from dwp.claims.upstreams import Upstreams
from dwp.contracts.benefits import NIYearPayload
from dwp.contracts.events import ClaimChangeReported
from dwp.contracts.integrations import NiRecordRequest
from dwp.contracts.payments import AwardForPayment
from dwp.platform.catalog import CLAIMS_EVENTS_TOPIC
from dwp.platform.http import UpstreamError, UpstreamRejected
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
    work_item_id: str | None = None
    """The caseworker's item for a change that needs a decision maker (`domain.decision_needed`)."""
    todo_id: str | None = None
    """What the citizen is asked to do for it (book an assessment, send a fit note), if anything."""


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


NEW_STYLE_WEEKS = 52
"""The weeks of a New Style award sent to payments when the benefits service states no time limit
(ESA's support group): a year ahead, sent again with each decision and change."""


async def _ni_record(upstreams: Upstreams, claim: Claim) -> tuple[Claim, list[NIYearPayload]]:
    """The claimant's proven date of birth and the Class 1 record the contribution conditions read, asked
    again for the change (purpose `change-of-circumstances`); HMRC holding none is an empty record."""
    assert claim.claim_date is not None
    if claim.claimant.citizen_id is None:
        raise NotReadyToAssess("the claimant is not registered yet", field="claimant.citizen_id")
    person = await upstreams.citizen_identity(claim.claimant.citizen_id)
    first, last = contributions.relevant_tax_years(claim.claim_date)
    request = NiRecordRequest(
        claim_id=claim.id,
        purpose="change-of-circumstances",
        national_insurance_number=person.national_insurance_number,
        date_of_birth=person.date_of_birth,
        first_tax_year=first,
        last_tax_year=last,
    )
    try:
        years = (await upstreams.ni_record(request)).years
    except UpstreamRejected as exc:
        if exc.upstream != "integrations" or exc.status != 404:
            raise
        years = []
    record: list[NIYearPayload] = [
        {"tax_year": y.tax_year, "paid_earnings": y.paid_earnings, "credited_earnings": y.credited_earnings}
        for y in years
    ]
    return replace(claim, claimant=replace(claim.claimant, date_of_birth=person.date_of_birth)), record


def award_weeks(stored: list[PeriodAward], through: date) -> list[tuple[date, int]]:
    """Each benefit week of a New Style award from its first day through the week holding `through`: the
    stored week's amount (as the decision or a change set it) or, for a week with none, the amount of the
    latest stored week before it (an award runs on at its weekly amount until superseded)."""
    if not stored:
        return []
    by_start = {p.period_start: p.award_pence for p in stored}
    first = stored[0].period_start
    weeks, amount = [], stored[0].award_pence
    for start in domain.weeks_from(first, first, through):
        amount = by_start.get(start, amount)
        weeks.append((start, amount))
    return weeks


async def _reassess_weeks(
    upstreams: Upstreams,
    *,
    before: Claim,
    after: Claim,
    stored: list[PeriodAward],
    from_day: date,
    ends_on: date | None,
    today: date,
) -> list[PeriodRevision]:
    """New Style JSA or ESA: each benefit week from the one the change counts from to the one holding
    today (and the next, when entitlement ends, so the award runs on at nil) worked out twice by the
    benefits service (`POST /v1/estimates`, the circumstances before and after) and moved by the
    difference (`domain.revise_weeks`)."""
    assert before.claim_date is not None
    first = before.claim_date
    benefit: Literal["new_style_jsa", "new_style_esa"] = (
        "new_style_esa" if before.claim_type == ClaimType.NEW_STYLE_ESA else "new_style_jsa"
    )
    through = today + timedelta(days=domain.WEEK_DAYS) if ends_on is not None else today
    current = dict(award_weeks(stored, through))
    before, record = await _ni_record(upstreams, before)
    after = replace(after, claimant=before.claimant)
    figures = []
    for start in domain.weeks_from(first, from_day, through):
        days_paid = (start - first).days  # every earlier day of the award (waiting days aside)
        amounts = []
        for claim in (before, after):
            body = contributory(claim, week_start=start, ni_record=record, days_paid=days_paid)
            weekly = await upstreams.assess_contributory(benefit, body)
            amounts.append(weekly.weekly_amount_pence if weekly.contribution_conditions_met else 0)
        figures.append(domain.WeekFigures(start, current.get(start, 0), amounts[0], amounts[1]))
    return domain.revise_weeks(first, figures, ends_on=ends_on, today=today)


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
    needed = domain.decision_needed(claim, details)
    if needed is not None:
        # The law leaves it to a decision maker, after an assessment: nothing is guessed here. The
        # answers change now; a work item and (where the citizen has something to do) a to-do follow.
        status = "waiting_for_caseworker"
    elif claim.claim_type == ClaimType.UNIVERSAL_CREDIT:
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
    elif not stored:
        status = "waiting_for_caseworker"  # no stored benefit week to revise: a caseworker works it out
    else:
        # New Style JSA and ESA, by benefit week (Sch 1 Part 1). The weeks from the one it happened in
        # are worked out (a late change in the claimant's favour keeps only those from the week it was
        # told, below, in `outcome`).
        ends = domain.ends_entitlement(claim, details)
        start = domain.effective(claim, details, reported_on=today, advantageous=False).from_day
        try:
            revisions = await _reassess_weeks(
                upstreams,
                before=claim,
                after=after,
                stored=stored,
                from_day=start,
                ends_on=details.happened_on if ends else None,
                today=today,
            )
        except (NotReadyToAssess, UpstreamError):
            # Citizen, integrations or benefits down, or the benefits service refusing the week (a
            # claimant past State Pension age): the change is kept and a caseworker works it out.
            status = "waiting_for_caseworker"
        if status == "revised" and all(r.now_pence == r.was_pence for r in revisions):
            status = "no_change_to_amount"
    favour = domain.advantageous_by_kind(details)
    if favour is None:
        changed = [r for r in revisions if r.now_pence != r.was_pence]
        favour = bool(changed) and changed[0].now_pence > changed[0].was_pence
    effective = domain.effective(claim, details, reported_on=today, advantageous=favour)
    result = domain.outcome(effective, revisions)
    if status == "revised" and not any(r.paid for r in result.revisions):
        status = "no_change_to_paid_periods"
    weekly = claim.claim_type != ClaimType.UNIVERSAL_CREDIT
    lines = tuple(domain.explanation(details.kind, result, weekly=weekly))
    if status == "no_change_to_amount":
        lines += (
            "New Style Employment and Support Allowance is not reduced by what you earn from work you "
            "are allowed to do, so stopping work does not change what you are paid.",
        )
    if needed is not None and needed.todo == "book_work_capability_assessment":
        lines += (
            "Your health condition is looked at in a work capability assessment: "
            "book it from your to-do list.",
        )
    elif needed is not None and needed.todo == "upload_evidence":
        lines += ("Send us your new fit note from your to-do list.",)
    if status == "waiting_for_caseworker":
        lines += ("A member of staff will work out what this means for your payments and tell you.",)
    now = ctx.clock()
    todo = _todo_for(ctx, after, needed, now=now)
    item = (
        WorkItem(
            id=ctx.new_id(),
            kind=WorkKind.CHANGE_OF_CIRCUMSTANCES,
            claim_id=claim_id,
            benefit=claim.claim_type,
            claim_status=claim.status,
            created_at=now,
            note=f"{needed.reason} (change {change_id})"[:200],
        )
        if needed is not None
        else None
    )
    async with ctx.uow() as uow:
        repo = _sql(uow.repository)
        todos = (*after.todos, todo) if todo is not None else after.todos
        saved = replace(after, version=claim.version + 1, todos=todos)
        if not await repo.save(saved, previous_version=claim.version, now=now):
            raise StaleVersion("The claim has changed since you read it; read it again and retry")
        held = {p.period_start for p in stored}
        for r in result.revisions:
            if r.now_pence == r.was_pence:
                continue
            if r.period_start in held:
                await records.revise_period(repo.session, claim_id, r.period_start, r.now_pence)
            else:  # a New Style benefit week with no stored amount of its own until now
                await repo.add_period(
                    PeriodAward(
                        id=ctx.new_id(),
                        claim_id=claim_id,
                        benefit=claim.claim_type.value,
                        period_start=r.period_start,
                        period_end=r.period_end,
                        award_pence=r.now_pence,
                        assessment_id=None,
                        decision_id=None,
                        source="change",
                        document={"change_id": change_id, "rule": effective.rule},
                        created_at=now,
                    )
                )
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
                "work_item_id": item.id if item else None,
                "todo_id": todo.id if todo else None,
                "decision_rule": needed.rule if needed else None,
            },
        )
        if item is not None:
            await repo.add_work_item(item)
        if todo is not None:
            await uow.outbox.add(
                CLAIMS_EVENTS_TOPIC, to_contract(TodoAdded(claim_id, now, todo.id, todo.kind.value))
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
                    "work_item": item.id if item else None,
                    "todo": todo.id if todo else None,
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
            change_id,
            saved,
            details.kind,
            details.happened_on,
            today,
            status,
            result,
            lines,
            work_item_id=item.id if item else None,
            todo_id=todo.id if todo else None,
        )
        await uow.remember(remember, reported)
    return reported


def _todo_for(
    ctx: ClaimsContext, claim: Claim, needed: domain.DecisionNeeded | None, *, now: datetime
) -> Todo | None:
    """The citizen's to-do for a change a decision maker needs (None: nothing asked of them, or the
    same to-do is open already: one assessment to book, one fit note to send)."""
    if needed is None or needed.todo is None:
        return None
    kind = TodoKind(needed.todo)
    if any(t.open and t.kind == kind and t.subject == needed.todo_subject for t in claim.todos):
        return None
    due = evidence_due(ctx.today()) if kind == TodoKind.UPLOAD_EVIDENCE else None
    return Todo(ctx.new_id(), kind, now, subject=needed.todo_subject, due=due)


async def changes_of(ctx: ClaimsContext, *, claim_id: str, actor: Actor) -> list[dict[str, Any]]:
    """The changes reported on a claim, oldest first (its parties and staff only)."""
    async with ctx.uow(read_only=True) as uow:
        _visible(await uow.repository.get(claim_id), actor)
        return await records.changes_of(_sql(uow.repository).session, _cipher(ctx), claim_id)


class NotPaidByPeriods(Exception):
    """The claim has no award claims pays by its stored periods or weeks (not awarded, nothing stored)."""


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
    return _terms(claim, stored)


def _terms(claim: Claim, stored: list[PeriodAward]) -> tuple[str, AwardForPayment]:
    """`award_for_payment`'s answer from the claim and its stored periods, oldest first."""
    if claim.status != Status.AWARDED or not stored or claim.claimant.citizen_id is None:
        raise NotPaidByPeriods("This claim has no award paid by its stored periods or benefit weeks")
    if claim.claim_type != ClaimType.UNIVERSAL_CREDIT:
        return claim.id, _new_style_terms(claim, claim.claimant.citizen_id, stored)
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


def weeks_awarded(stored: list[PeriodAward]) -> int:
    """How many benefit weeks the award runs for: the time limit the benefits service stated with the
    first week (`days_remaining`: New Style JSA 182 days, Jobseekers Act 1995 s.5(1); ESA outside the
    support group 365 days, WRA 2007 s.1A), in whole weeks; with no limit (the support group) a year
    ahead (`NEW_STYLE_WEEKS`)."""
    for line in stored[0].document.get("explanation") or []:
        days = (line.get("params") or {}).get("days") if isinstance(line, dict) else None
        if str(line.get("key", "")).endswith("days_remaining") and isinstance(days, int) and days > 0:
            return max(1, days // domain.WEEK_DAYS)
    return NEW_STYLE_WEEKS


def _new_style_terms(claim: Claim, citizen_id: str, stored: list[PeriodAward]) -> AwardForPayment:
    """New Style JSA or ESA for payments: each benefit week's amount (as changes revised them), which
    payments pays by the fortnight in arrears, and the most of an overpayment recovered from each
    fortnight's payment: two weeks of 40% of the age-related amount (O&R Regs 2013 regs 12(2), 13(2);
    `recovery.new_style_weekly_recovery_pence`), from the latest stored week that the benefits service
    worked out. Where no week says its age-related amount (none could), the cap is nil and an
    overpayment waits, shown as outstanding at payments, for a decision maker."""
    first = stored[0].period_start
    last = first + timedelta(days=domain.WEEK_DAYS * (weeks_awarded(stored) - 1))
    ages = [a for p in stored if (a := recovery.age_related_amount(p.document.get("explanation") or []))]
    cap = 2 * recovery.new_style_weekly_recovery_pence(ages[-1]) if ages else 0
    return AwardForPayment(
        claim_id=claim.id,
        citizen_id=citizen_id,
        benefit="new_style_esa" if claim.claim_type == ClaimType.NEW_STYLE_ESA else "new_style_jsa",
        first_day=first,
        period_amounts=[],
        week_amounts=[amount for _, amount in award_weeks(stored, last)],
        deduction_cap_pence=cap,
        overpayment_recovery_limit_pence=cap,
        nation=nation_of(getattr(claim.answers.get("housing"), "postcode", None)),
    )


async def awards_for_payment(
    ctx: ClaimsContext, *, claim_ids: list[str]
) -> list[tuple[str, str, tuple[str, AwardForPayment] | None]]:
    """`award_for_payment` for a page of claims (the monthly run, after its bulk store): for each claim
    in order, its id, `award`, `not_paid_by_periods` or `not_found`, and the award's id and terms.
    Read-only, so asking twice is safe."""
    # One read transaction and two queries for the page (its claims, their periods), not one a claim.
    async with ctx.uow(read_only=True) as uow:
        repo = _sql(uow.repository)
        claims_ = await repo.get_many(claim_ids) if claim_ids else {}
        periods = await repo.periods_of_many(list(claims_)) if claims_ else {}
    found: list[tuple[str, str, tuple[str, AwardForPayment] | None]] = []
    for claim_id in claim_ids:
        claim = claims_.get(claim_id)
        if claim is None:
            found.append((claim_id, "not_found", None))
            continue
        try:
            found.append((claim_id, "award", _terms(claim, periods.get(claim_id, []))))
        except NotPaidByPeriods:
            found.append((claim_id, "not_paid_by_periods", None))
    return found


def _sql(records_: object) -> ClaimsRepository:
    """The claims tables on the service's database (changes have no in-memory unit of work)."""
    return cast(ClaimsRepository, records_)


def _cipher(ctx: ClaimsContext) -> PiiCipher:
    assert ctx.cipher is not None, "the claims context on a database has its cipher"
    return ctx.cipher
