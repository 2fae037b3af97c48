"""Bank details' parsing and the fraud rules (data), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dwp.payments.domain import bank, fraud
from dwp.payments.domain.errors import InvalidBankDetails, InvalidBankDetailsList

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def facts(**overrides: object) -> fraud.ChangeFacts:
    values: dict = {
        "is_first": False,
        "at": NOW,
        "signed_in_at": NOW - timedelta(hours=3),
        "device_known": True,
        "other_citizens_with_account": 0,
        "earlier_changes": (),
    }
    values.update(overrides)
    return fraud.ChangeFacts(**values)


@pytest.mark.parametrize(
    "raw",
    [
        "08-99-99",
        "08 99 99",
        "089999",
        "\uff10\uff18\uff19\uff19\uff19\uff19",
        "08\u201399\u201399",
        " 08-99-99 ",
    ],
)
def test_sort_codes_in_every_way_people_type_them_are_one(raw: str) -> None:
    assert bank.parse_sort_code(raw) == "089999"


@pytest.mark.parametrize(
    "raw",
    [
        "08-99-9",
        "08\x009999",
        "O89999",
        "08_99_99",
        "",
        "08.99.99",
        "\U0001d7ce\U0001d7d6\U0001d7d7\U0001d7d7\U0001d7d7\U0001d7d7\U0001d7d7",
    ],
)
def test_what_is_not_a_sort_code_is_refused(raw: str) -> None:
    with pytest.raises(InvalidBankDetails) as caught:
        bank.parse_sort_code(raw)
    assert caught.value.field == "sort_code"


def test_a_pair_that_fails_the_modulus_check_names_the_account_number() -> None:
    with pytest.raises(InvalidBankDetails) as caught:
        bank.bank_account(sort_code="089999", account_number="66374959", account_name="A")
    assert caught.value.field == "account_number"


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(InvalidBankDetailsList) as caught:
        bank.bank_account(sort_code="x", account_number="1", account_name="\u202e", roll_number="\x00")
    assert {f for f, _ in caught.value.field_errors()} == {
        "sort_code",
        "account_number",
        "account_name",
        "roll_number",
    }


def test_masked_shows_only_the_sort_code_and_the_last_two_digits() -> None:
    account = bank.bank_account(sort_code="089999", account_number="66374958", account_name="Ada")
    assert account.masked() == "08-99-99 ******58"


def test_the_rules_are_data_with_their_version() -> None:
    rules = fraud.default_rules()
    assert rules.version == "2026-12-01"
    assert [r.code for r in rules.rules] == [
        "new-device-soon-after-sign-in",
        "account-shared-by-several-claimants",
        "changes-in-quick-succession",
    ]


def test_an_ordinary_change_holds_nothing() -> None:
    assert fraud.assess(facts()) == ()


def test_a_new_device_soon_after_sign_in() -> None:
    assert fraud.assess(facts(device_known=False, signed_in_at=NOW - timedelta(minutes=30))) == (
        "new-device-soon-after-sign-in",
    )
    assert fraud.assess(facts(device_known=False, signed_in_at=NOW - timedelta(minutes=31))) == ()
    # An unknown sign-in time is the risky answer.
    assert fraud.assess(facts(device_known=False, signed_in_at=None)) == ("new-device-soon-after-sign-in",)
    # The first details given (with a claim) are not a change.
    assert fraud.assess(facts(is_first=True, device_known=False, signed_in_at=None)) == ()


def test_several_claimants_on_one_account() -> None:
    assert fraud.assess(facts(other_citizens_with_account=1)) == ()
    assert fraud.assess(facts(other_citizens_with_account=2)) == ("account-shared-by-several-claimants",)
    assert fraud.assess(facts(is_first=True, other_citizens_with_account=2)) == (
        "account-shared-by-several-claimants",
    )


def test_changes_in_quick_succession() -> None:
    assert fraud.assess(facts(earlier_changes=(NOW - timedelta(days=31),))) == ()
    assert fraud.assess(facts(earlier_changes=(NOW - timedelta(days=29),))) == (
        "changes-in-quick-succession",
    )


def test_rules_with_other_thresholds_are_read_from_data() -> None:
    rules = fraud.parse_rules(
        {
            "version": "t",
            "source": "test",
            "rule": [
                {"code": "x", "kind": "shared_account", "description": "d", "other_citizens_at_least": 1}
            ],
        }
    )
    assert fraud.assess(facts(other_citizens_with_account=1), rules) == ("x",)
    with pytest.raises(ValueError, match="unknown fraud rule kind"):
        fraud.parse_rules(
            {"version": "t", "source": "s", "rule": [{"code": "y", "kind": "?", "description": ""}]}
        )
