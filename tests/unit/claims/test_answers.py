"""Answers: per-section checks by claim type, errors that name their field, and the unusual answers
that are questions to confirm rather than errors ("refuse only what cannot be")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from dwp.claims.domain import answers as A
from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.checks import CheckContext, Question, check_section
from dwp.claims.domain.errors import (
    ClaimNotEditable,
    ClaimNotFound,
    DeclarationRequired,
    IncompleteClaim,
    InvalidAnswers,
    StaleVersion,
    UnconfirmedAnswers,
    UnknownQuestion,
    UnknownSection,
)
from dwp.claims.domain.model import Status

from .conftest import BORN, CLAIMANT, OTHER_CITIZEN, START, draft, esa_answers, jsa_answers, uc_answers

UC = A.ClaimType.UNIVERSAL_CREDIT
TODAY = date(2026, 6, 10)


def ctx(claim_type: A.ClaimType = UC, *, joint: bool = False, born: date | None = BORN) -> CheckContext:
    return CheckContext(claim_type, joint, TODAY, born)


def problems(name: str, section: A.Section, c: CheckContext | None = None) -> dict[str, str]:
    with pytest.raises(InvalidAnswers) as raised:
        check_section(name, section, c or ctx())
    return {p.field: p.code for p in raised.value.problems}


def codes(name: str, section: A.Section, c: CheckContext | None = None) -> list[str]:
    return [q.code for q in check_section(name, section, c or ctx())]


@pytest.mark.parametrize(
    ("claim_type", "sections"),
    [
        (A.ClaimType.UNIVERSAL_CREDIT, uc_answers()),
        (A.ClaimType.NEW_STYLE_JSA, jsa_answers()),
        (A.ClaimType.NEW_STYLE_ESA, esa_answers()),
    ],
)
def test_ordinary_answers_raise_nothing(claim_type: A.ClaimType, sections: dict[str, A.Section]) -> None:
    for name, section in sections.items():
        assert check_section(name, section, ctx(claim_type)) == ()


def test_each_benefit_has_its_own_sections() -> None:
    with pytest.raises(UnknownSection):
        check_section("housing", uc_answers()["housing"], ctx(A.ClaimType.NEW_STYLE_JSA))
    with pytest.raises(UnknownSection):
        check_section("household", A.CapitalAnswers(), ctx())  # the wrong shape for the section
    assert set(A.SECTIONS[A.ClaimType.NEW_STYLE_ESA]) == {"condition", "fit_note", "treatment", "income"}


# --- Questions, not errors ---


def test_a_partners_details_on_a_single_claim_is_a_question() -> None:
    h = A.HouseholdAnswers(lives_with_partner=True, partner=A.Partner(date(1988, 1, 1)))
    assert codes("household", h, ctx(joint=False)) == ["partner_on_single_claim"]
    assert codes("household", h, ctx(joint=True)) == []


def test_a_mixed_age_couple_is_valid() -> None:
    h = A.HouseholdAnswers(lives_with_partner=True, partner=A.Partner(date(1950, 3, 3)))
    assert codes("household", h, ctx(joint=True)) == []


def test_rent_on_a_home_the_claimant_owns_is_a_question() -> None:
    h = A.HousingAnswers("own_with_mortgage", 3, rent=A.Amount(20_000, "monthly"))
    assert codes("housing", h) == ["rent_on_owned_home"]
    assert codes("housing", A.HousingAnswers("own_with_mortgage", 3)) == []


def test_a_child_older_than_a_parent_could_be_is_a_question_and_a_sibling_is_not() -> None:
    young_adult = date(2007, 2, 1)  # 19 years old
    sibling = A.ChildAnswer(date(2012, 8, 8), "M", relationship="kinship_carer")
    as_parent = replace(sibling, relationship="parent")
    older = A.ChildAnswer(date(2006, 9, 1), "F", relationship="kinship_carer", in_non_advanced_education=True)
    assert codes("household", A.HouseholdAnswers(False, children=(sibling,)), ctx(born=young_adult)) == []
    assert codes("household", A.HouseholdAnswers(False, children=(as_parent,)), ctx(born=young_adult)) == [
        "child_born_when_adults_young"
    ]
    assert codes("household", A.HouseholdAnswers(False, children=(older,)), ctx(born=young_adult)) == [
        "child_older_than_adults"
    ]


def test_age_questions_wait_for_a_proven_date_of_birth() -> None:
    as_parent = A.ChildAnswer(date(2012, 8, 8), "M")
    assert codes("household", A.HouseholdAnswers(False, children=(as_parent,)), ctx(born=None)) == []


def test_questions_are_asked_by_claim_type() -> None:
    working = A.WorkIncomeAnswers(hours_per_week=20)
    jsa = check_section("income", working, ctx(A.ClaimType.NEW_STYLE_JSA))
    esa = check_section("income", working, ctx(A.ClaimType.NEW_STYLE_ESA))
    assert [q.code for q in jsa] == [q.code for q in esa] == ["working_16_hours_or_more"]
    assert "JSA" in jsa[0].text
    assert "ESA" in esa[0].text


@pytest.mark.parametrize(
    ("name", "section", "code"),
    [
        (
            "housing",
            A.HousingAnswers("private_rent", 1, A.Amount(1), landlord=A.Landlord("council")),
            "landlord_and_tenure_differ",
        ),
        (
            "housing",
            A.HousingAnswers(
                "private_rent", 1, A.Amount(1), landlord=A.Landlord("family_or_friend", "", True)
            ),
            "rent_to_close_relative",
        ),
        (
            "childcare",
            A.ChildcareAnswers(True, A.Amount(1), 1, registered_provider=False),
            "childcare_not_registered",
        ),
        ("availability", A.AvailabilityAnswers(True, 30), "available_under_40_hours"),
        ("availability", A.AvailabilityAnswers(False, 40), "not_available_now"),
        ("jobseeking", A.JobseekingAnswers(False), "not_actively_seeking"),
        (
            "work_history",
            A.WorkHistoryAnswers((A.Job("X", date(2020, 1, 1), None, 20, "still_employed"),)),
            "working_16_hours_or_more",
        ),
        (
            "work_history",
            A.WorkHistoryAnswers((A.Job("X", date(2020, 1, 1), date(2026, 7, 1), 20, "end_of_contract"),)),
            "job_ends_after_today",
        ),
        ("fit_note", A.FitNoteAnswers(True, A.FitNote(date(2026, 4, 1), date(2026, 5, 1))), "fit_note_ended"),
    ],
)
def test_unusual_answers_are_questions(name: str, section: A.Section, code: str) -> None:
    claim_type = next(t for t, s in A.SECTIONS.items() if name in s)
    assert code in codes(name, section, ctx(claim_type))


def test_availability_restrictions_with_reasons_are_not_asked_again() -> None:
    assert (
        codes(
            "availability",
            A.AvailabilityAnswers(True, 25, "I care for my son"),
            ctx(A.ClaimType.NEW_STYLE_JSA),
        )
        == []
    )


# --- Errors: what cannot be, each naming its field ---


def test_what_cannot_be_is_refused_naming_every_field() -> None:
    h = A.HouseholdAnswers(
        lives_with_partner=False,
        partner=A.Partner(date(1990, 1, 1)),
        children=(
            A.ChildAnswer(date(2026, 9, 1), "F"),
            A.ChildAnswer(date(2005, 1, 1), "M"),
            A.ChildAnswer(date(2009, 1, 1), "M"),
            A.ChildAnswer(date(2009, 1, 1), "M", in_non_advanced_education=False),
        ),
    )
    assert problems("household", h) == {
        "household.partner": "contradiction",
        "household.children.0.date_of_birth": "future",
        "household.children.1.date_of_birth": "invalid",
        "household.children.2.in_non_advanced_education": "required",
        "household.children.3.in_non_advanced_education": "invalid",
    }


def test_a_joint_claim_needs_a_partner_who_lives_with_the_claimant() -> None:
    found = problems("household", A.HouseholdAnswers(lives_with_partner=False), ctx(joint=True))
    assert found == {"household.lives_with_partner": "invalid"}
    assert problems("household", A.HouseholdAnswers(lives_with_partner=True)) == {
        "household.partner": "required"
    }
    assert problems("household", A.HouseholdAnswers(True, A.Partner(date(2015, 1, 1))), ctx(joint=True)) == {
        "household.partner.date_of_birth": "too_young"
    }


@pytest.mark.parametrize(
    ("name", "section", "field"),
    [
        ("housing", A.HousingAnswers("social_rent", 1), "housing.rent"),
        ("housing", A.HousingAnswers("private_rent", 1, A.Amount(-5)), "housing.rent.pence"),
        ("housing", A.HousingAnswers("own_outright", 21), "housing.bedrooms"),
        ("childcare", A.ChildcareAnswers(True), "childcare.cost"),
        ("childcare", A.ChildcareAnswers(False, A.Amount(100)), "childcare.pays_for_childcare"),
        ("capital", A.CapitalAnswers(savings_pence=-1), "capital.savings_pence"),
        (
            "income",
            A.IncomeAnswers((A.Employment("", date(2020, 1, 1), 10, A.Amount(1)),)),
            "income.employments.0.employer",
        ),
        (
            "income",
            A.IncomeAnswers((A.Employment("Shop", date(2020, 1, 1), 200, A.Amount(1)),)),
            "income.employments.0.hours_per_week",
        ),
        ("health", A.HealthAnswers(A.PersonHealth(True, "")), "health.you.description"),
        (
            "health",
            A.HealthAnswers(
                A.PersonHealth(True, "pain", fit_note=A.FitNote(date(2026, 5, 2), date(2026, 5, 1)))
            ),
            "health.you.fit_note.ends_on",
        ),
        (
            "work_history",
            A.WorkHistoryAnswers((A.Job("X", date(2020, 1, 1), None, 20, "resigned"),)),
            "work_history.jobs.0.ended_on",
        ),
        (
            "work_history",
            A.WorkHistoryAnswers((A.Job("X", date(2020, 1, 1), date(2019, 1, 1), 20, "resigned"),)),
            "work_history.jobs.0.ended_on",
        ),
        (
            "work_history",
            A.WorkHistoryAnswers((A.Job("X", date(2020, 1, 1), date(2021, 1, 1), 20, "still_employed"),)),
            "work_history.jobs.0.reason_for_leaving",
        ),
        ("condition", A.ConditionAnswers("x", date(2027, 1, 1)), "condition.started_on"),
        ("fit_note", A.FitNoteAnswers(True), "fit_note.fit_note"),
        ("fit_note", A.FitNoteAnswers(False, A.FitNote(date(2026, 5, 1), None)), "fit_note.has_fit_note"),
        ("condition", A.ConditionAnswers("back\u202epain", date(2026, 1, 1)), "condition.description"),
        ("jobseeking", A.JobseekingAnswers(True, ("bad\x00",)), "jobseeking.kinds_of_work.0"),
    ],
)
def test_each_error_names_its_field(name: str, section: A.Section, field: str) -> None:
    claim_type = next(t for t, s in A.SECTIONS.items() if name in s)
    assert field in problems(name, section, ctx(claim_type))


# --- Amounts ---


@given(st.integers(0, 10_000_000), st.sampled_from(["weekly", "fortnightly", "four_weekly", "monthly"]))
def test_amounts_convert_exactly_and_round_to_the_nearest_penny(pence: int, frequency: A.Frequency) -> None:
    per_year = {"weekly": 52, "fortnightly": 26, "four_weekly": 13, "monthly": 12}[frequency]
    exact = Fraction(pence * per_year, 12)
    assert abs(A.Amount(pence, frequency).monthly - exact) <= Fraction(1, 2)
    assert A.Amount(pence, "monthly").monthly == pence


def test_weekly_rent_is_52_weeks_over_12_months() -> None:
    assert A.Amount(10_000, "weekly").monthly == 43_333  # 433.333...
    assert A.Amount(3, "weekly").monthly == 13  # 12.9999 rounds up
    assert A.Amount(100_000, "monthly").weekly == 23_077


def test_the_api_layer_can_parse_json_straight_into_a_section() -> None:
    raw = {
        "tenure": "private_rent",
        "bedrooms": 2,
        "rent": {"pence": 85000},
        "landlord": {"kind": "letting_agent"},
    }
    parsed = TypeAdapter(A.HousingAnswers).validate_python(raw)
    assert parsed == A.HousingAnswers(
        "private_rent", 2, A.Amount(85_000), landlord=A.Landlord("letting_agent")
    )


# --- Drafts and submission ---


def test_a_draft_saves_section_by_section_and_submission_needs_every_section() -> None:
    story = draft(sections={"household": uc_answers()["household"]})
    with pytest.raises(IncompleteClaim) as missing:
        L.submit(story.claim, actor=CLAIMANT, at=story.tick(), declaration="v1", new_id=story.new_id)
    assert missing.value.missing == ("housing", "income", "capital", "childcare", "health", "caring")
    assert missing.value.field == "sections"


def test_questions_must_be_confirmed_and_a_changed_answer_asks_again() -> None:
    owner = A.HousingAnswers("own_with_mortgage", 2, rent=A.Amount(5_000))
    story = draft()
    t, questions = L.save_section(story.claim, "housing", owner, actor=CLAIMANT, at=story.tick())
    story.apply(t)
    assert [q.code for q in questions] == ["rent_on_owned_home"]
    with pytest.raises(UnconfirmedAnswers) as unconfirmed:
        L.submit(story.claim, actor=CLAIMANT, at=story.tick(), declaration="v1", new_id=story.new_id)
    assert unconfirmed.value.keys == (questions[0].key,)
    story.apply(L.confirm_answer(story.claim, questions[0].key, actor=CLAIMANT, at=story.tick()))
    assert questions[0].key in story.claim.confirmed
    changed = replace(owner, rent=A.Amount(6_000))
    t, again = L.save_section(story.claim, "housing", changed, actor=CLAIMANT, at=story.tick())
    assert again[0].key != questions[0].key
    assert t.claim.confirmed == frozenset()
    with pytest.raises(UnknownQuestion):
        L.confirm_answer(t.claim, questions[0].key, actor=CLAIMANT, at=story.tick())


def test_submission_needs_the_declaration_and_then_answers_are_fixed() -> None:
    story = draft()
    with pytest.raises(DeclarationRequired):
        L.submit(story.claim, actor=CLAIMANT, at=story.tick(), declaration="", new_id=story.new_id)
    t = L.submit(story.claim, actor=CLAIMANT, at=story.tick(), declaration="v3", new_id=story.new_id)
    assert t.claim.status == Status.SUBMITTED
    assert t.claim.declaration == "v3"
    assert t.claim.claim_date == date(2026, 6, 10)
    assert type(t.events[0]).__name__ == "ClaimSubmitted"
    with pytest.raises(ClaimNotEditable):
        L.save_section(t.claim, "capital", A.CapitalAnswers(), actor=CLAIMANT, at=story.tick())


def test_cross_section_contradictions_are_caught_at_submission() -> None:
    income = A.IncomeAnswers(
        employments=(A.Employment("Shop", date(2020, 1, 1), 10, A.Amount(1), whose="partner"),)
    )
    childcare = A.ChildcareAnswers(True, A.Amount(30_000), 3)
    story = draft(sections=uc_answers(income=income, childcare=childcare))
    with pytest.raises(InvalidAnswers) as raised:
        L.submit(story.claim, actor=CLAIMANT, at=story.tick(), declaration="v1", new_id=story.new_id)
    assert {p.field for p in raised.value.problems} == {
        "income.employments.0.whose",
        "childcare.children_in_childcare",
    }


def test_childcare_without_work_is_a_question_at_submission() -> None:
    sections = uc_answers(income=A.IncomeAnswers(), childcare=A.ChildcareAnswers(True, A.Amount(30_000), 1))
    story = draft(sections=sections)
    with pytest.raises(UnconfirmedAnswers) as raised:
        L.submit(story.claim, actor=CLAIMANT, at=story.tick(), declaration="v1", new_id=story.new_id)
    (key,) = raised.value.keys
    assert key.startswith("childcare_without_work:")
    story.apply(L.confirm_answer(story.claim, key, actor=CLAIMANT, at=story.tick()))
    assert L.submit(
        story.claim, actor=CLAIMANT, at=story.tick(), declaration="v1", new_id=story.new_id
    ).claim.status == (Status.SUBMITTED)


def test_another_citizens_draft_does_not_exist_for_them_and_versions_are_checked() -> None:
    story = draft()
    with pytest.raises(ClaimNotFound):
        L.save_section(story.claim, "capital", A.CapitalAnswers(), actor=OTHER_CITIZEN, at=story.tick())
    with pytest.raises(StaleVersion):
        L.save_section(
            story.claim, "capital", A.CapitalAnswers(), actor=CLAIMANT, at=story.tick(), expected_version=1
        )


def test_a_joint_claim_needs_the_partner_to_join_with_the_code_and_confirm() -> None:
    partner = replace(OTHER_CITIZEN)
    household = A.HouseholdAnswers(True, A.Partner(date(1992, 2, 2)))
    story = draft(sections=uc_answers(household=household))
    story.claim = replace(story.claim, joint=True)
    with pytest.raises(Exception, match="partner"):
        L.submit(story.claim, actor=CLAIMANT, at=story.tick(), declaration="v1", new_id=story.new_id)
    story.apply(L.invite_partner(story.claim, actor=CLAIMANT, at=story.tick(), code_digest="digest-of-code"))
    with pytest.raises(Exception, match="not valid"):
        L.join_as_partner(
            story.claim, actor=partner, at=story.tick(), code_digest="wrong", identity_verified=True
        )
    with pytest.raises(Exception, match="own sign-in"):
        L.join_as_partner(
            story.claim, actor=CLAIMANT, at=story.tick(), code_digest="digest-of-code", identity_verified=True
        )
    story.apply(
        L.join_as_partner(
            story.claim, actor=partner, at=story.tick(), code_digest="digest-of-code", identity_verified=False
        )
    )
    with pytest.raises(Exception, match="not valid"):  # a code is used once
        L.join_as_partner(
            story.claim,
            actor=replace(partner, subject="third"),
            at=story.tick(),
            code_digest="digest-of-code",
            identity_verified=True,
        )
    story.apply(L.confirm_partner(story.claim, actor=partner, at=story.tick(), declaration="v1"))
    t = L.submit(story.claim, actor=CLAIMANT, at=story.tick(), declaration="v1", new_id=story.new_id)
    assert t.claim.status == Status.SUBMITTED
    assert [td.subject for td in t.claim.todos if td.kind.value == "verify_identity"] == ["partner"]


def test_only_universal_credit_is_claimed_jointly() -> None:
    from dwp.claims.domain.model import Claimant

    with pytest.raises(InvalidAnswers) as raised:
        L.start_claim(
            claim_id="c", claim_type=A.ClaimType.NEW_STYLE_JSA, claimant=Claimant("s"), at=START, joint=True
        )
    assert raised.value.field == "joint"


def test_a_question_key_is_stable_for_the_same_answer() -> None:
    one = Question.about("c", "f", "t", A.Amount(1))
    assert one == Question.about("c", "f", "t", A.Amount(1))
    assert one.key != Question.about("c", "f", "t", A.Amount(2)).key


def test_a_claimant_of_16_or_17_is_asked_not_refused() -> None:
    assert codes("household", A.HouseholdAnswers(False), ctx(born=date(2009, 1, 1))) == ["claimant_under_18"]
    assert codes("household", A.HouseholdAnswers(False), ctx(born=date(2008, 1, 1))) == []


def test_a_question_key_does_not_depend_on_set_order_or_the_process() -> None:
    from dwp.claims.domain.checks import _canonical

    one = A.OtherPerson(date(1990, 1, 1), "friend", frozenset({"pension_credit", "carers_allowance"}))
    assert _canonical(one) == {
        "date_of_birth": "1990-01-01",
        "relationship": "friend",
        "gets": ["carers_allowance", "pension_credit"],
    }
    code = (
        "from datetime import date; from dwp.claims.domain import answers as A; "
        "from dwp.claims.domain.checks import Question; "
        "print(Question.about('c', 'f', 't', A.OtherPerson(date(1990, 1, 1), 'friend', "
        "frozenset({'pension_credit', 'carers_allowance', 'dla_care'}))).key)"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(keys) == 1


def test_the_task_list_shows_each_section_not_started_to_confirm_or_completed() -> None:
    story = draft(sections={"household": uc_answers()["household"]})
    t, questions = L.save_section(
        story.claim,
        "housing",
        A.HousingAnswers("own_outright", 2, A.Amount(100)),
        actor=CLAIMANT,
        at=story.tick(),
    )
    story.apply(t)
    assert dict(L.task_list(story.claim, story.now)) == {
        "household": "completed",
        "housing": "to_confirm",
        "income": "not_started",
        "capital": "not_started",
        "childcare": "not_started",
        "health": "not_started",
        "caring": "not_started",
    }
    story.apply(L.confirm_answer(story.claim, questions[0].key, actor=CLAIMANT, at=story.tick()))
    assert dict(L.task_list(story.claim, story.now))["housing"] == "completed"


def test_esa_asks_about_a_fit_note_that_does_not_fit_the_condition() -> None:
    from dwp.claims.domain.checks import check_claim

    esa = ctx(A.ClaimType.NEW_STYLE_ESA)
    ordinary = A.Answers(esa_answers())
    assert check_claim(ordinary, esa) == ()
    long_note = A.FitNoteAnswers(True, A.FitNote(date(2026, 5, 2), date(2026, 9, 1)))
    before = A.FitNoteAnswers(True, A.FitNote(date(2026, 4, 1), date(2026, 6, 30)))
    open_ended = A.FitNoteAnswers(True, A.FitNote(date(2026, 5, 2), None))
    assert [q.code for q in check_claim(A.Answers(esa_answers() | {"fit_note": long_note}), esa)] == [
        "fit_note_longer_than_allowed"
    ]
    assert [q.code for q in check_claim(A.Answers(esa_answers() | {"fit_note": before}), esa)] == [
        "fit_note_before_condition"
    ]
    assert [q.code for q in check_claim(A.Answers(esa_answers() | {"fit_note": open_ended}), esa)] == [
        "fit_note_longer_than_allowed"
    ]
    later = A.Answers(
        esa_answers()
        | {"condition": A.ConditionAnswers("Back injury", date(2025, 6, 1)), "fit_note": long_note}
    )
    assert check_claim(later, esa) == ()


def test_the_homes_postcode_must_be_a_home_in_great_britain_and_a_chosen_area_needs_it() -> None:
    # Issue 13: the postcode finds the LHA area; Northern Ireland's UC is the Department for Communities'.
    rent = A.HousingAnswers("private_rent", 1, A.Amount(80_000), landlord=A.Landlord("private_landlord"))
    assert codes("housing", replace(rent, postcode="LS6 1AA")) == []
    assert codes("housing", replace(rent, postcode="SW9 8AB", brma="inner-south-east-london")) == []
    # The postcode is checked where the answers arrive (the edge holds the postcode type).
    from dwp.claims.edge import parse_section

    def edge(postcode: str) -> dict[str, str]:
        body = {"tenure": "private_rent", "bedrooms": 1, "postcode": postcode}
        with pytest.raises(InvalidAnswers) as raised:
            parse_section(UC, "housing", json.dumps(body).encode())
        return {p.field: p.code for p in raised.value.problems}

    assert edge("LS6") == {"postcode": "postcode"}
    assert edge("BT1 1AA") == {"postcode": "not_gb"}
    assert edge("JE2 3AA") == {"postcode": "not_gb"}
    housing = parse_section(
        UC, "housing", b'{"tenure": "private_rent", "bedrooms": 1, "postcode": "ls6 1aa"}'
    )
    assert isinstance(housing, A.HousingAnswers)
    assert housing.postcode == "ls6 1aa"
    assert problems("housing", replace(rent, brma="leeds")) == {"housing.brma": "brma"}
    assert problems("housing", replace(rent, postcode="SW9 8AB", brma="Inner <b>")) == {
        "housing.brma": "brma"
    }
