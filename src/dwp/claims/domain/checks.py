"""Which answers cannot be true (errors naming their field) and which are only unusual (questions to
confirm). The rule is "refuse only what cannot be": a partner on a single claim, rent on a home the
claimant owns, a child older than the claimant could be the parent of, are real (a partner abroad, a
shared-ownership lease, a young adult bringing up a sibling), so the citizen is asked to confirm them
rather than refused. A child born in the future or a fit note that ends before it starts cannot be.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dwp.claims.domain.answers import (
    OWNING,
    RENTING,
    SECTIONS,
    Amount,
    Answers,
    AvailabilityAnswers,
    CapitalAnswers,
    CaringAnswers,
    ChildcareAnswers,
    ClaimType,
    ConditionAnswers,
    FitNote,
    FitNoteAnswers,
    HealthAnswers,
    HouseholdAnswers,
    HousingAnswers,
    IncomeAnswers,
    JobseekingAnswers,
    PersonHealth,
    Section,
    TreatmentAnswers,
    WorkHistoryAnswers,
    WorkIncomeAnswers,
)
from dwp.claims.domain.dates import add_months
from dwp.claims.domain.errors import FieldProblem, InvalidAnswers, UnknownSection
from dwp.claims.domain.text import text_problem

_BRMA_CODE = re.compile(r"[a-z0-9-]{1,64}")

YOUNGEST_PARENT_AGE = 12
"""Below this gap in years a child is asked about, not refused (the benefits engine uses the same)."""
OLDEST_CHILD_AGE = 20
"""A child or qualifying young person is under 20 (UC Regs 2013 reg 5)."""
REMUNERATIVE_WORK_HOURS = 16
"""New Style JSA is not paid for a week of 16 or more hours' work (Jobseekers Act 1995 s.1(2)(e)); New
Style ESA permitted work is under 16 hours (ESA Regs 2013 reg 39)."""
JSA_AVAILABILITY_HOURS = 40
"""A jobseeker is available for 40 hours a week unless restrictions are reasonable (JSA Regs 2013 reg 14)."""
MOST_PER_PERIOD = 10_000_000
MOST_CAPITAL = 2_000_000_000
MOST_PEOPLE = 20


@dataclass(frozen=True)
class CheckContext:
    claim_type: ClaimType
    joint: bool
    today: date
    claimant_date_of_birth: date | None = None
    """From the proven identity; None until identity is verified, when age questions wait."""


@dataclass(frozen=True)
class Question:
    """An unusual answer the citizen confirms. `key` changes when the answer it is about changes, so a
    confirmation never carries over to a different answer."""

    code: str
    field: str
    text: str
    key: str

    @classmethod
    def about(cls, code: str, field: str, text: str, subject: object) -> Question:
        rendered = json.dumps(_canonical(subject), sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(rendered.encode()).hexdigest()[:12]
        return cls(code, field, text, f"{code}:{field}:{digest}")


def _canonical(value: object) -> object:
    """A rendering of an answer that is the same in every process: sets sorted (their order follows
    string hashing, which differs per process), dates as ISO text, dataclasses as sorted mappings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset | set):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | str | None):
        return value
    return repr(value)


class _Findings:
    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []
        self.questions: list[Question] = []

    def problem(self, field: str, message: str, code: str = "invalid") -> None:
        self.problems.append(FieldProblem(field, message, code))

    def ask(self, code: str, field: str, text: str, subject: object) -> None:
        self.questions.append(Question.about(code, field, text, subject))

    def text(self, field: str, value: str, *, required: bool = False, longest: int = 2000) -> None:
        found = text_problem(field, value, longest=longest, required=required)
        if found:
            self.problems.append(found)

    def money(self, field: str, pence: int, *, most: int = MOST_PER_PERIOD, signed: bool = False) -> None:
        if not signed and pence < 0:
            self.problem(field, "must not be negative", "negative")
        elif abs(pence) > most:
            self.problem(field, "is too large", "too_large")

    def amount(self, field: str, amount: Amount | None) -> None:
        if amount is not None:
            self.money(f"{field}.pence", amount.pence)

    def hours(self, field: str, hours: int) -> None:
        if not 0 <= hours <= 168:
            self.problem(field, "must be 0 to 168 hours a week", "range")

    def count(self, field: str, items: Iterable[object], most: int = MOST_PEOPLE) -> None:
        if len(list(items)) > most:
            self.problem(field, f"at most {most}", "too_many")


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _fit_note(f: _Findings, field: str, note: FitNote, today: date) -> None:
    if note.ends_on is not None and note.ends_on < note.starts_on:
        f.problem(f"{field}.ends_on", "must be on or after the date the fit note starts", "order")
    if note.starts_on > today:
        f.ask(
            "fit_note_starts_later",
            f"{field}.starts_on",
            "Your fit note starts after today: is that right?",
            note,
        )


def _household(f: _Findings, h: HouseholdAnswers, ctx: CheckContext) -> None:
    if h.lives_with_partner and h.partner is None:
        f.problem("household.partner", "give your partner's details", "required")
    if not h.lives_with_partner and h.partner is not None:
        f.problem("household.partner", "you said you do not live with a partner", "contradiction")
    if ctx.joint and not h.lives_with_partner:
        f.problem("household.lives_with_partner", "a joint claim is made by a couple who live together")
    if h.partner is not None:
        partner_born = h.partner.date_of_birth
        if partner_born >= ctx.today:
            f.problem("household.partner.date_of_birth", "must be in the past", "future")
        elif age_on(partner_born, ctx.today) < 16:
            f.problem("household.partner.date_of_birth", "a partner is 16 or over", "too_young")
        elif age_on(partner_born, ctx.today) > 130:
            f.problem("household.partner.date_of_birth", "must be a real date of birth")
        if h.lives_with_partner and not ctx.joint:
            # Someone can claim alone while living with a partner who cannot claim (under 18, abroad,
            # in prison, subject to immigration control: UC Regs 2013 reg 3(3)); most couples claim jointly.
            f.ask(
                "partner_on_single_claim",
                "household.partner",
                "You live with a partner but are claiming alone. Couples usually claim together: is your "
                "partner unable to claim (for example abroad, in prison, or under 18)?",
                h.partner,
            )
    born = ctx.claimant_date_of_birth
    if born is not None and age_on(born, ctx.today) < 18:
        # UC is for people of 18 or over, but a 16 or 17 year old may claim when responsible for a
        # child, with limited capability for work, caring, or without parental support (UC Regs 2013 reg 8).
        f.ask(
            "claimant_under_18",
            "household",
            "You are under 18: are you responsible for a child, unable to work because of your health, "
            "caring for someone, or living without support from your parents?",
            born,
        )
    f.count("household.children", h.children)
    f.count("household.others", h.others)
    adults = [d for d in (ctx.claimant_date_of_birth, h.partner.date_of_birth if h.partner else None) if d]
    eldest = min(adults) if adults else None
    for i, child in enumerate(h.children):
        at = f"household.children.{i}"
        if child.date_of_birth > ctx.today:
            f.problem(f"{at}.date_of_birth", "add a child once they are born", "future")
            continue
        age = age_on(child.date_of_birth, ctx.today)
        if age >= OLDEST_CHILD_AGE:
            f.problem(f"{at}.date_of_birth", "a child is under 20: add them under others who live with you")
        elif age >= 16:
            if child.in_non_advanced_education is None:
                f.problem(
                    f"{at}.in_non_advanced_education",
                    "say whether they are in education or training",
                    "required",
                )
            elif not child.in_non_advanced_education:
                f.problem(
                    f"{at}.in_non_advanced_education",
                    "a young person of 16 to 19 counts as a child only while in non-advanced education or "
                    "approved training: add them under others who live with you",
                )
        if eldest is None:
            continue
        if child.date_of_birth <= eldest:
            f.ask(
                "child_older_than_adults",
                f"{at}.date_of_birth",
                "This child is older than the adults in your claim: are you responsible for them?",
                (child, eldest),
            )
        elif child.relationship in ("parent", "step_parent", "adoptive_parent") and (
            age_on(eldest, child.date_of_birth) < YOUNGEST_PARENT_AGE
        ):
            f.ask(
                "child_born_when_adults_young",
                f"{at}.date_of_birth",
                "This child was born when the adults in your claim were very young: is their date of birth "
                "and your relationship to them right?",
                (child, eldest),
            )
    for i, other in enumerate(h.others):
        if other.date_of_birth > ctx.today:
            f.problem(f"household.others.{i}.date_of_birth", "must be in the past", "future")


def _housing(f: _Findings, h: HousingAnswers, ctx: CheckContext) -> None:
    if not 0 <= h.bedrooms <= MOST_PEOPLE:
        f.problem("housing.bedrooms", f"must be 0 to {MOST_PEOPLE}", "range")
    f.amount("housing.rent", h.rent)
    f.amount("housing.service_charges", h.service_charges)
    if h.landlord is not None:
        f.text("housing.landlord.name", h.landlord.name, longest=200)
    # The postcode itself (a GB home's, issue 13) is checked at the edge (`edge.parse_section`), where
    # the postcode type lives; here only what the answers say together.
    if h.brma is not None and (h.postcode is None or not _BRMA_CODE.fullmatch(h.brma)):
        f.problem("housing.brma", "choose your area from the list for your postcode", "brma")
    if h.tenure in RENTING:
        if h.rent is None:
            f.problem("housing.rent", "enter your rent", "required")
        if h.landlord is None:
            f.problem("housing.landlord", "say who you pay rent to", "required")
    if h.tenure in OWNING and h.rent is not None and h.rent.pence > 0:
        f.ask(
            "rent_on_owned_home",
            "housing.rent",
            "You said you own your home and pay rent: is that right (for example a shared-ownership lease)?",
            (h.tenure, h.rent),
        )
    landlord = h.landlord
    if landlord is not None and h.rent is not None:
        social = landlord.kind in ("council", "housing_association")
        if (h.tenure == "social_rent" and not social) or (h.tenure == "private_rent" and social):
            f.ask(
                "landlord_and_tenure_differ",
                "housing.landlord.kind",
                "The kind of landlord and of tenancy you gave do not usually go together: are both right?",
                (h.tenure, landlord.kind),
            )
        if landlord.close_relative_living_with_you:
            # Rent to a close relative in the same home is usually not covered (UC Regs 2013 Sch 2 para 5).
            f.ask(
                "rent_to_close_relative",
                "housing.landlord.close_relative_living_with_you",
                "You pay rent to a close relative who lives with you: is this a formal arrangement?",
                landlord,
            )


def _income(f: _Findings, inc: IncomeAnswers, ctx: CheckContext) -> None:
    for name, items in (
        ("employments", inc.employments),
        ("self_employment", inc.self_employment),
        ("other_benefits", inc.other_benefits),
        ("pensions", inc.pensions),
    ):
        f.count(f"income.{name}", items)
    for i, job in enumerate(inc.employments):
        at = f"income.employments.{i}"
        f.text(f"{at}.employer", job.employer, required=True, longest=200)
        f.hours(f"{at}.hours_per_week", job.hours_per_week)
        f.amount(f"{at}.gross_pay", job.gross_pay)
    for i, business in enumerate(inc.self_employment):
        at = f"income.self_employment.{i}"
        f.text(f"{at}.business", business.business, required=True, longest=200)
        f.hours(f"{at}.hours_per_week", business.hours_per_week)
        f.money(f"{at}.monthly_profit_pence", business.monthly_profit_pence, signed=True)  # a loss is real
        if business.started_on > ctx.today:
            f.problem(f"{at}.started_on", "tell us about a business once it has started", "future")
    for i, benefit in enumerate(inc.other_benefits):
        f.amount(f"income.other_benefits.{i}.amount", benefit.amount)
    for i, pension in enumerate(inc.pensions):
        f.amount(f"income.pensions.{i}.amount", pension.amount)


def _capital(f: _Findings, c: CapitalAnswers, ctx: CheckContext) -> None:
    for name in ("savings_pence", "investments_pence", "other_property_pence"):
        f.money(f"capital.{name}", getattr(c, name), most=MOST_CAPITAL)
    if c.total > MOST_CAPITAL:
        f.problem("capital", "is too large", "too_large")


def _childcare(f: _Findings, c: ChildcareAnswers, ctx: CheckContext) -> None:
    f.amount("childcare.cost", c.cost)
    if c.pays_for_childcare:
        if c.cost is None:
            f.problem("childcare.cost", "enter what you pay for childcare", "required")
        if c.children_in_childcare < 1:
            f.problem("childcare.children_in_childcare", "say how many children are in childcare", "required")
        if not c.registered_provider:
            # UC pays towards registered or approved childcare only (UC Regs 2013 reg 35).
            f.ask(
                "childcare_not_registered",
                "childcare.registered_provider",
                "Your childcare provider is not registered: is that right?",
                c,
            )
    elif c.cost is not None or c.children_in_childcare:
        f.problem(
            "childcare.pays_for_childcare",
            "you gave childcare costs but said you do not pay any",
            "contradiction",
        )
    if not 0 <= c.children_in_childcare <= MOST_PEOPLE:
        f.problem("childcare.children_in_childcare", f"must be 0 to {MOST_PEOPLE}", "range")


def _person_health(f: _Findings, at: str, p: PersonHealth, ctx: CheckContext) -> None:
    f.text(f"{at}.description", p.description, required=p.condition_affects_work)
    if p.fit_note is not None:
        _fit_note(f, f"{at}.fit_note", p.fit_note, ctx.today)


def _health(f: _Findings, h: HealthAnswers, ctx: CheckContext) -> None:
    _person_health(f, "health.you", h.you, ctx)
    if h.partner is not None:
        _person_health(f, "health.partner", h.partner, ctx)


def _caring(f: _Findings, c: CaringAnswers, ctx: CheckContext) -> None:
    f.count("caring.carers", c.carers, most=2)
    for i, carer in enumerate(c.carers):
        f.hours(f"caring.carers.{i}.hours_per_week", carer.hours_per_week)
    if len({carer.whose for carer in c.carers}) != len(c.carers):
        f.problem("caring.carers", "give each person's caring once", "duplicate")


def _work_history(f: _Findings, w: WorkHistoryAnswers, ctx: CheckContext) -> None:
    f.count("work_history.jobs", w.jobs)
    for i, job in enumerate(w.jobs):
        at = f"work_history.jobs.{i}"
        f.text(f"{at}.employer", job.employer, required=True, longest=200)
        f.text(f"{at}.reason_detail", job.reason_detail)
        f.hours(f"{at}.hours_per_week", job.hours_per_week)
        if job.started_on > ctx.today:
            f.problem(f"{at}.started_on", "must not be in the future", "future")
        if job.ended_on is None:
            if job.reason_for_leaving != "still_employed":
                f.problem(f"{at}.ended_on", "enter the date the job ended", "required")
            elif job.hours_per_week >= REMUNERATIVE_WORK_HOURS:
                f.ask(
                    "working_16_hours_or_more",
                    f"{at}.hours_per_week",
                    "New Style JSA is not paid while you work 16 hours a week or more: is this right?",
                    job,
                )
        else:
            if job.reason_for_leaving == "still_employed":
                f.problem(f"{at}.reason_for_leaving", "you gave a date the job ended", "contradiction")
            if job.ended_on < job.started_on:
                f.problem(f"{at}.ended_on", "must be on or after the date the job started", "order")
            elif job.ended_on > ctx.today:
                f.ask(
                    "job_ends_after_today",
                    f"{at}.ended_on",
                    "This job ends after today: is the date right?",
                    job,
                )


def _availability(f: _Findings, a: AvailabilityAnswers, ctx: CheckContext) -> None:
    f.hours("availability.hours_per_week", a.hours_per_week)
    f.text("availability.restrictions", a.restrictions)
    f.count("availability.away", a.away)
    for i, away in enumerate(a.away):
        if away.ends_on < away.starts_on:
            f.problem(f"availability.away.{i}.ends_on", "must be on or after the day you go", "order")
    if not a.available_now:
        f.ask(
            "not_available_now",
            "availability.available_now",
            "New Style JSA needs you to be able to start work now: is it right that you cannot?",
            a.available_now,
        )
    if a.hours_per_week < JSA_AVAILABILITY_HOURS and not a.restrictions.strip():
        f.ask(
            "available_under_40_hours",
            "availability.hours_per_week",
            "You can work fewer than 40 hours a week: tell us why, or confirm the hours are right",
            a.hours_per_week,
        )


def _jobseeking(f: _Findings, j: JobseekingAnswers, ctx: CheckContext) -> None:
    for name, items in (("kinds_of_work", j.kinds_of_work), ("steps_taken", j.steps_taken)):
        f.count(f"jobseeking.{name}", items, most=50)
        for i, item in enumerate(items):
            f.text(f"jobseeking.{name}.{i}", item, required=True, longest=500)
    if not j.actively_seeking:
        f.ask(
            "not_actively_seeking",
            "jobseeking.actively_seeking",
            "New Style JSA needs you to look for work: is it right that you are not looking?",
            j.actively_seeking,
        )


def _work_income(f: _Findings, w: WorkIncomeAnswers, ctx: CheckContext) -> None:
    f.hours("income.hours_per_week", w.hours_per_week)
    f.amount("income.earnings", w.earnings)
    f.count("income.pensions", w.pensions)
    for i, pension in enumerate(w.pensions):
        f.amount(f"income.pensions.{i}", pension)
    if w.hours_per_week >= REMUNERATIVE_WORK_HOURS:
        benefit = "New Style JSA" if ctx.claim_type == ClaimType.NEW_STYLE_JSA else "New Style ESA"
        f.ask(
            "working_16_hours_or_more",
            "income.hours_per_week",
            f"{benefit} is not usually paid while you work 16 hours a week or more: is this right?",
            w.hours_per_week,
        )


def _condition(f: _Findings, c: ConditionAnswers, ctx: CheckContext) -> None:
    f.text("condition.description", c.description, required=True)
    if c.started_on > ctx.today:
        f.problem("condition.started_on", "must not be in the future", "future")


def _fit_note_section(f: _Findings, n: FitNoteAnswers, ctx: CheckContext) -> None:
    if n.has_fit_note and n.fit_note is None:
        f.problem("fit_note.fit_note", "give the dates on your fit note", "required")
    if not n.has_fit_note and n.fit_note is not None:
        f.problem(
            "fit_note.has_fit_note", "you gave a fit note but said you do not have one", "contradiction"
        )
    if n.fit_note is not None:
        _fit_note(f, "fit_note.fit_note", n.fit_note, ctx.today)
        if n.fit_note.ends_on is not None and n.fit_note.ends_on < ctx.today:
            f.ask(
                "fit_note_ended",
                "fit_note.fit_note.ends_on",
                "Your fit note has ended: you will need a new one. Are the dates right?",
                n.fit_note,
            )


def _treatment(f: _Findings, t: TreatmentAnswers, ctx: CheckContext) -> None:
    return None  # every combination of treatments is possible


_CHECKS = {
    HouseholdAnswers: _household,
    HousingAnswers: _housing,
    IncomeAnswers: _income,
    CapitalAnswers: _capital,
    ChildcareAnswers: _childcare,
    HealthAnswers: _health,
    CaringAnswers: _caring,
    WorkHistoryAnswers: _work_history,
    AvailabilityAnswers: _availability,
    JobseekingAnswers: _jobseeking,
    WorkIncomeAnswers: _work_income,
    ConditionAnswers: _condition,
    FitNoteAnswers: _fit_note_section,
    TreatmentAnswers: _treatment,
}


def check_section(name: str, answers: Section, ctx: CheckContext) -> tuple[Question, ...]:
    """Check one section for its claim type: raise `InvalidAnswers` naming every field that cannot be
    true, or return the questions to confirm."""
    expected = SECTIONS[ctx.claim_type].get(name)
    if expected is None:
        raise UnknownSection(f"{ctx.claim_type.value} has no section {name!r}")
    if not isinstance(answers, expected):
        raise UnknownSection(f"section {name!r} takes {expected.__name__} answers")
    f = _Findings()
    _CHECKS[expected](f, answers, ctx)  # type: ignore[operator]
    if f.problems:
        raise InvalidAnswers(f.problems)
    return tuple(f.questions)


def _whose_partner(f: _Findings, answers: Answers) -> None:
    household = answers.get("household")
    has_partner = isinstance(household, HouseholdAnswers) and household.partner is not None
    if has_partner:
        return
    income = answers.get("income")
    if isinstance(income, IncomeAnswers):
        for name in ("employments", "self_employment", "other_benefits", "pensions"):
            for i, item in enumerate(getattr(income, name)):
                if item.whose == "partner":
                    f.problem(
                        f"income.{name}.{i}.whose", "you said you do not live with a partner", "contradiction"
                    )
    health = answers.get("health")
    if isinstance(health, HealthAnswers) and health.partner is not None:
        f.problem("health.partner", "you said you do not live with a partner", "contradiction")
    caring = answers.get("caring")
    if isinstance(caring, CaringAnswers):
        for i, carer in enumerate(caring.carers):
            if carer.whose == "partner":
                f.problem(
                    f"caring.carers.{i}.whose", "you said you do not live with a partner", "contradiction"
                )


def check_claim(answers: Answers, ctx: CheckContext) -> tuple[Question, ...]:
    """Every section again, then what only the sections together can show. Returns all questions."""
    questions: list[Question] = []
    problems: list[FieldProblem] = []
    for name, section in answers.sections.items():
        try:
            questions.extend(check_section(name, section, ctx))
        except InvalidAnswers as exc:
            problems.extend(exc.problems)
    f = _Findings()
    if ctx.claim_type == ClaimType.UNIVERSAL_CREDIT:
        _whose_partner(f, answers)
        household = answers.get("household")
        childcare = answers.get("childcare")
        income = answers.get("income")
        children = len(household.children) if isinstance(household, HouseholdAnswers) else 0
        if isinstance(childcare, ChildcareAnswers) and childcare.pays_for_childcare:
            if childcare.children_in_childcare > children:
                f.problem(
                    "childcare.children_in_childcare",
                    "is more than the children you told us about",
                    "contradiction",
                )
            working = isinstance(income, IncomeAnswers) and bool(income.employments or income.self_employment)
            if not working:
                # Childcare costs are met for work or an offer of work (UC Regs 2013 reg 32).
                f.ask(
                    "childcare_without_work",
                    "childcare.pays_for_childcare",
                    "Help with childcare is for people in work or starting work: are you about to start?",
                    childcare,
                )
    if ctx.claim_type == ClaimType.NEW_STYLE_ESA:
        _esa_fit_note_against_condition(f, answers)
    problems.extend(f.problems)
    if problems:
        raise InvalidAnswers(problems)
    return (*questions, *f.questions)


FIRST_MONTHS_OF_CONDITION = 6
LONGEST_EARLY_FIT_NOTE_MONTHS = 3
"""In the first 6 months of a condition a fit note covers at most 3 months (Social Security (Medical
Evidence) Regulations 1976 Sch 1 Part 1 rule 8)."""


def _esa_fit_note_against_condition(f: _Findings, answers: Answers) -> None:
    condition, section = answers.get("condition"), answers.get("fit_note")
    if not isinstance(condition, ConditionAnswers) or not isinstance(section, FitNoteAnswers):
        return
    note = section.fit_note
    if note is None:
        return
    if note.starts_on < condition.started_on:
        f.ask(
            "fit_note_before_condition",
            "fit_note.fit_note.starts_on",
            "Your fit note starts before the date you gave for your condition starting: are both right?",
            (note, condition.started_on),
        )
    early = note.starts_on < add_months(condition.started_on, FIRST_MONTHS_OF_CONDITION)
    if early and (
        note.ends_on is None or note.ends_on > add_months(note.starts_on, LONGEST_EARLY_FIT_NOTE_MONTHS)
    ):
        f.ask(
            "fit_note_longer_than_allowed",
            "fit_note.fit_note.ends_on",
            "In the first 6 months of a condition a fit note covers at most 3 months: are the dates right?",
            (note, condition.started_on),
        )
