"""Properties over answers hypothesis makes up: a check never fails with anything but the domain's
errors, every error names a field inside its section, and any UC claim the checks accept maps to a body
that the benefits API's own schema accepts."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from dwp.benefits.domain.household import validate as benefits_validate
from dwp.benefits.schemas import UCCircumstances
from dwp.claims.domain import answers as A
from dwp.claims.domain.checks import CheckContext, Question, check_claim, check_section
from dwp.claims.domain.errors import FieldProblem, InvalidAnswers
from dwp.claims.domain.household import uc_circumstances
from dwp.claims.domain.model import Claim, Claimant

from .conftest import START

TODAY = date(2026, 6, 10)
dates = st.dates(date(1940, 1, 1), date(2027, 12, 31))
money = st.integers(-1_000, 20_000_000)
small = st.integers(-2, 200)
text = st.text(max_size=30)

st.register_type_strategy(date, dates)
st.register_type_strategy(
    A.Amount, st.builds(A.Amount, money, st.sampled_from(["weekly", "fortnightly", "four_weekly", "monthly"]))
)

SECTION_CASES = [(t, name, shape) for t, sections in A.SECTIONS.items() for name, shape in sections.items()]


def _section(shape: type) -> st.SearchStrategy[A.Section]:
    overrides: dict[str, st.SearchStrategy[object]] = {}
    for name in ("hours_per_week", "bedrooms", "children_in_childcare"):
        if name in shape.__dataclass_fields__:
            overrides[name] = small
    return st.builds(shape, **overrides)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    case=st.sampled_from(SECTION_CASES),
    born=st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2010, 1, 1))),
)
def test_a_check_raises_only_domain_errors_naming_fields_in_its_section(
    data: st.DataObject, case: tuple[A.ClaimType, str, type], born: date | None
) -> None:
    claim_type, name, shape = case
    section = data.draw(_section(shape))
    ctx = CheckContext(
        claim_type, data.draw(st.booleans()) and claim_type == A.ClaimType.UNIVERSAL_CREDIT, TODAY, born
    )
    problems: tuple[FieldProblem, ...] = ()
    questions: tuple[Question, ...] = ()
    try:
        questions = check_section(name, section, ctx)
    except InvalidAnswers as exc:
        problems = exc.problems
        assert problems
    assert all(p.field == name or p.field.startswith(f"{name}.") for p in problems)
    assert all(q.field == name or q.field.startswith(f"{name}.") for q in questions)
    assert len({q.key for q in questions}) == len(questions)


def _amount(most: int) -> st.SearchStrategy[A.Amount]:
    return st.builds(
        A.Amount, st.integers(0, most), st.sampled_from(["weekly", "fortnightly", "four_weekly", "monthly"])
    )


def _fit_note() -> st.SearchStrategy[A.FitNote]:
    return st.dates(date(2025, 1, 1), TODAY).flatmap(
        lambda start: st.builds(
            A.FitNote, st.just(start), st.one_of(st.none(), st.dates(start, date(2027, 1, 1)))
        )
    )


def _health(condition: bool) -> st.SearchStrategy[A.PersonHealth]:
    return st.builds(
        A.PersonHealth,
        st.just(condition),
        st.just("back pain" if condition else ""),
        st.sampled_from(["yes", "some", "no"]),
        st.one_of(st.none(), _fit_note()),
        st.booleans(),
    )


@st.composite
def uc_claims(draw: st.DrawFn) -> tuple[bool, dict[str, A.Section]]:
    """UC answers that are each possible (so that the claim's own checks accept most of them)."""
    joint = draw(st.booleans())
    lives = joint or draw(st.booleans())
    partner = A.Partner(draw(st.dates(date(1945, 1, 1), date(2008, 1, 1)))) if lives else None
    children = tuple(
        draw(
            st.lists(
                st.builds(
                    A.ChildAnswer,
                    st.dates(date(2006, 7, 1), TODAY),
                    st.sampled_from(["F", "M"]),
                    st.sampled_from(["parent", "step_parent", "adoptive_parent", "kinship_carer", "other"]),
                    st.sampled_from(
                        [
                            "none",
                            "dla_or_pip",
                            "dla_highest_care_or_pip_enhanced_daily_living",
                            "severely_sight_impaired",
                        ]
                    ),
                    st.just(True),
                    st.booleans(),
                    st.booleans(),
                    st.booleans(),
                ),
                max_size=4,
            )
        )
    )
    others = tuple(
        draw(
            st.lists(
                st.builds(
                    A.OtherPerson,
                    st.dates(date(1940, 1, 1), date(2010, 1, 1)),
                    st.sampled_from(["adult_son_or_daughter", "relative", "friend", "lodger", "sub_tenant"]),
                    st.frozensets(
                        st.sampled_from(["pip_daily_living", "carers_allowance", "pension_credit"])
                    ),
                ),
                max_size=3,
            )
        )
    )
    tenure = draw(st.sampled_from(sorted(A.RENTING | A.OWNING | {"temporary_accommodation"})))
    renting = tenure in A.RENTING
    housing = A.HousingAnswers(
        tenure,  # type: ignore[arg-type]
        draw(st.integers(0, 6)),
        draw(_amount(300_000)) if renting else None,
        draw(st.one_of(st.none(), _amount(50_000))),
        A.Landlord(
            draw(st.sampled_from(["council", "housing_association", "private_landlord"])),
            "L",
            draw(st.booleans()),
        )
        if renting
        else None,
    )
    whose = st.sampled_from(["you", "partner"] if lives else ["you"])
    income = A.IncomeAnswers(
        employments=tuple(
            draw(
                st.lists(
                    st.builds(
                        A.Employment,
                        st.just("Shop"),
                        st.dates(date(2000, 1, 1), TODAY),
                        st.integers(0, 60),
                        _amount(800_000),
                        whose,
                    ),
                    max_size=2,
                )
            )
        ),
        self_employment=tuple(
            draw(
                st.lists(
                    st.builds(
                        A.SelfEmployment,
                        st.just("Trade"),
                        st.dates(date(2015, 1, 1), TODAY),
                        st.integers(-100_000, 500_000),
                        st.integers(0, 60),
                        st.booleans(),
                        whose,
                    ),
                    max_size=1,
                )
            )
        ),
        other_benefits=tuple(
            draw(
                st.lists(
                    st.builds(
                        A.OtherBenefit,
                        st.sampled_from(
                            [
                                "new_style_jsa",
                                "carers_allowance",
                                "pip",
                                "child_benefit",
                                "maternity_allowance",
                            ]
                        ),
                        _amount(40_000),
                        whose,
                    ),
                    max_size=3,
                )
            )
        ),
        pensions=tuple(
            draw(
                st.lists(
                    st.builds(
                        A.Pension, st.sampled_from(["occupational", "personal"]), _amount(200_000), whose
                    ),
                    max_size=1,
                )
            )
        ),
    )
    pays = bool(children) and draw(st.booleans())
    childcare = A.ChildcareAnswers(
        pays,
        draw(_amount(300_000)) if pays else None,
        draw(st.integers(1, len(children))) if pays else 0,
        draw(st.booleans()),
    )
    health = A.HealthAnswers(
        draw(st.booleans().flatmap(_health)), draw(st.booleans().flatmap(_health)) if lives else None
    )
    carers = draw(
        st.lists(
            st.builds(A.Caring, st.integers(0, 80), st.booleans(), whose),
            max_size=2,
            unique_by=lambda c: c.whose,
        )
    )
    sections: dict[str, A.Section] = {
        "household": A.HouseholdAnswers(lives, partner, children, others),
        "housing": housing,
        "income": income,
        "capital": A.CapitalAnswers(draw(st.integers(0, 3_000_000)), draw(st.integers(0, 3_000_000)), 0),
        "childcare": childcare,
        "health": health,
        "caring": A.CaringAnswers(tuple(carers)),
    }
    return joint, sections


BORN = date(1990, 1, 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uc_claims())
def test_any_uc_claim_the_checks_accept_maps_to_a_household_the_benefits_service_accepts(
    case: tuple[bool, dict[str, A.Section]],
) -> None:
    joint, sections = case
    claimant = Claimant("s", identity_verified=True, date_of_birth=BORN)
    claim = Claim(
        "c", A.ClaimType.UNIVERSAL_CREDIT, claimant, START, joint=joint, answers=A.Answers(sections)
    )
    try:
        check_claim(claim.answers, CheckContext(A.ClaimType.UNIVERSAL_CREDIT, joint, TODAY, BORN))
    except InvalidAnswers:
        assume(False)
    event("accepted")
    lha = {"shared": 30_000, "one": 50_000, "two": 60_000, "three": 70_000, "four": 80_000}
    body = uc_circumstances(claim, period_start=TODAY, lha_rates=lha)  # type: ignore[arg-type]
    model = UCCircumstances.model_validate(body)
    assert model.couple == joint
    assert len(model.adults) == (2 if joint else 1)
    # The claimant (born 1990) is of working age, so a partner of any age makes a household the law
    # pays (a mixed-age couple: UC Regs 2013 reg 3(2)(a)); the engine accepts every one.
    benefits_validate(model.to_domain())
