"""The request bodies the benefits API takes for an assessment, as JSON-ready typed dictionaries.

The claims service builds them (`dwp.claims.domain.household`), the benefits service reads them with its
pydantic models (`dwp.benefits.schemas`). They are typed dictionaries rather than models so that a pure
domain can build one without a validation framework; a test checks that every key here is a field of
the benefits models and that what claims builds validates there. Dates are ISO strings, money pence.

**The batch route** (`POST /v1/assessments/batch`, the workers' service token only): a page of
households (`AssessmentBatchPayload`, 1 to `MAX_ASSESSMENT_BATCH` items, each with the state its previous
period carried) worked out by the batch engine in one request and stored in one transaction, idempotent
by `Idempotency-Key` (a repeat answers the same assessments; the same key with another body is a 422
problem). An item the rules refuse fails the whole page with a 422 problem whose `errors[].pointer`
names it (`#/items/3/circumstances/adults/0/date_of_birth`): the caller leaves that item out and sends
the rest again. The answer (`AssessmentBatch`, 201) has one `BatchAssessment` per item, in order.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

ASSESSMENT_BATCH_PATH = "/v1/assessments/batch"
MAX_ASSESSMENT_BATCH = 500


class EarningsPayload(TypedDict):
    gross: int
    income_tax: int
    national_insurance: int
    pension: int


class AdultPayload(TypedDict):
    date_of_birth: str
    capability: Literal["fit", "lcw", "lcwra"]
    lcwra_since: str | None
    severe_conditions: bool
    terminally_ill: bool
    carer: bool
    cares_for: NotRequired[str | None]
    """Optional (added for issue 13): which of `people_cared_for` this adult cares for."""
    earnings: EarningsPayload
    self_employed: bool
    expected_hours: int
    shared_accommodation_exemption: NotRequired[
        Literal["care_leaver", "hostel", "disability", "mappa", "domestic_abuse", "modern_slavery"] | None
    ]
    """Optional (issue 13): a ground for the one-bedroom LHA rate under 35 (UC Regs 2013 Sch 4 para 29)."""
    disability_benefit: bool


class ChildPayload(TypedDict):
    date_of_birth: str
    sex: Literal["F", "M"]
    disability: Literal["none", "lower", "higher"]
    limit_exception: bool
    cannot_share_bedroom: NotRequired[bool]


class LhaPayload(TypedDict):
    shared: int
    one: int
    two: int
    three: int
    four: int


class HousingPayload(TypedDict):
    tenure: Literal["none", "social", "private", "owner"]
    """`owner`: an owner-occupier, whose eligible service charges UC meets (UC Regs 2013 Sch 5)."""
    monthly_rent: int
    service_charges: NotRequired[int]
    """Optional (issue 13): eligible service charges a month, pence (UC Regs 2013 Sch 1 paras 7-8)."""
    bedrooms: int
    lha_rates: LhaPayload | None
    postcode: NotRequired[str]
    """The home's postcode, from which the benefits service finds the LHA rates (rates/lha)."""
    brma: NotRequired[str]
    """The Broad Rental Market Area chosen, where the postcode's district lies in several."""


class NonDependantPayload(TypedDict):
    date_of_birth: str
    exempt: bool
    away_on_operations: NotRequired[bool]


class UCCircumstancesPayload(TypedDict):
    assessment_period_start: str
    assessment_period_end: str | None
    couple: bool
    adults: list[AdultPayload]
    children: list[ChildPayload]
    housing: HousingPayload
    non_dependants: list[NonDependantPayload]
    overnight_care: NotRequired[bool]
    foster_parent: NotRequired[bool]
    couple_cannot_share: NotRequired[bool]
    """Optional (issue 13): the additional-bedroom conditions of UC Regs 2013 Sch 4 para 12."""
    people_cared_for: NotRequired[list[str]]
    """Optional: labels for the severely disabled people the adults care for (UC Regs 2013 reg 29(2))."""
    childcare_costs: int
    childcare_children: int
    capital: int
    other_unearned_income: int
    new_style_jsa_weekly: int
    new_style_esa_weekly: int
    new_style_esa_support_component: NotRequired[bool]
    """Optional (issue 13): the ESA award includes the support component (exempt from the cap)."""
    child_benefit_weekly: int | None
    other_capped_benefits: int
    london: bool
    scottish_taxpayer: bool
    gross_estimate: bool
    cap_grace_period: bool
    severely_sight_impaired: bool
    grace_months_left: NotRequired[int]
    qualifying_earnings_months: NotRequired[int]
    """Optional (issue 13): the carried state of the benefit cap's grace period (UC Regs 2013 reg 82),
    as the previous period's assessment returned it in `amounts`."""
    surplus_earnings: NotRequired[int]
    surplus_months: NotRequired[int]
    on_award: NotRequired[bool]
    """Optional (issue 13): the carried state of surplus earnings (UC Regs 2013 reg 54A), as the
    previous period's assessment returned it in `amounts` (`on_award` as 0/1)."""
    owner_qualifying_months: NotRequired[int]
    """Optional (issue 13): the carried state of an owner-occupier's qualifying period (Sch 5 para 5)."""


class NIYearPayload(TypedDict):
    tax_year: str
    paid_earnings: int
    credited_earnings: int


class ContributoryPayload(TypedDict):
    date_of_birth: str
    claim_date: str
    week_start: str
    ni_record: list[NIYearPayload]
    days_paid: int
    weekly_earnings: int
    weekly_hours: int
    weekly_pension: int


class ESAPayload(ContributoryPayload):
    group: Literal["assessment", "work_related_activity", "support"]


# --- the batch route (the monthly run) --------------------------------------------------------------


class RTIPaymentPayload(TypedDict):
    """One PAYE payment HMRC reported for an adult (0 the claimant, 1 a partner) in the period."""

    adult: int
    paid_on: str
    gross: int
    income_tax: NotRequired[int]
    national_insurance: NotRequired[int]
    pension: NotRequired[int]


class AssessmentBatchItemPayload(TypedDict):
    claim_id: str
    circumstances: UCCircumstancesPayload | dict[str, Any]
    hmrc_earnings: NotRequired[list[RTIPaymentPayload] | None]
    """The RTI payments in the period; replace the adults' earnings. Absent: the circumstances' own."""
    carried_state: NotRequired[dict[str, int] | None]
    """The previous period's `BatchAssessment.carried_state`, verbatim (claims keeps it with the award)."""


class AssessmentBatchPayload(TypedDict):
    items: list[AssessmentBatchItemPayload]


class BatchAssessment(TypedDict):
    """One stored assessment of a page (a reader ignores fields it does not know)."""

    id: str
    claim_id: str
    assessment_period_start: str
    assessment_period_end: str
    tax_year: str
    award_pence: int
    carried_state: dict[str, int]
    """What this award carries to the next period: send it with the next period's item."""
    explanation: list[dict[str, Any]]
    """The itemised lines, each with `text` in English (`en`) and Welsh (`cy`)."""


class AssessmentBatch(TypedDict):
    """`POST /v1/assessments/batch` (201): the page's assessments, one per item in order."""

    batch_id: str
    items: list[BatchAssessment]
