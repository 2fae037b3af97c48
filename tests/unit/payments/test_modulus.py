"""Vocalink's modulus checking: the 34 test cases of "Validating account numbers: UK modulus checking"
v8.50 (its chapter of sample account numbers, in the spec's order and with its description of each)."""

from __future__ import annotations

import pytest

from dwp.payments.domain import modulus

VOCALINK_CASES = [
    ("089999", "66374958", True, "pass modulus 10 check"),
    ("107999", "88837491", True, "pass modulus 11 check"),
    ("202959", "63748472", True, "pass modulus 11 and double alternate checks"),
    ("871427", "46238510", True, "exception 10 and 11: first check passes, second fails"),
    ("872427", "46238510", True, "exception 10 and 11: first check fails, second passes"),
    ("871427", "09123496", True, "exception 10: ab = 09 and g = 9; first passes, second fails"),
    ("871427", "99123496", True, "exception 10: ab = 99 and g = 9; first passes, second fails"),
    ("820000", "73688637", True, "exception 3, start of range; c = 6 so the second check is ignored"),
    ("827999", "73988638", True, "exception 3, end of range; c = 9 so the second check is ignored"),
    ("827101", "28748352", True, "exception 3: c is not 6 or 9, so the double alternate check is done"),
    ("134020", "63849203", True, "exception 4: the remainder equals the check digit"),
    ("118765", "64371389", True, "exception 1: 27 added to the total; passes double alternate"),
    ("200915", "41011166", True, "exception 6: fails the standard check but is a foreign currency account"),
    ("938611", "07806039", True, "exception 5: the check passes"),
    ("938600", "42368003", True, "exception 5: the check passes with substitution"),
    ("938063", "55065200", True, "exception 5: both checks give a remainder of 0 and pass"),
    ("772798", "99345694", True, "exception 7: passes but would fail the standard check"),
    ("086090", "06774744", True, "exception 8: the check passes"),
    ("309070", "02355688", True, "exception 2 and 9: the first check passes"),
    ("309070", "12345668", True, "exception 2 and 9: first fails, second passes with substitution"),
    ("309070", "12345677", True, "exception 2 and 9: a is not 0 and g is not 9, and it passes"),
    ("309070", "99345694", True, "exception 2 and 9: a is not 0 and g is 9, and it passes"),
    ("938063", "15764273", False, "exception 5: first check digit correct, second incorrect"),
    ("938063", "15764264", False, "exception 5: first check digit incorrect, second correct"),
    ("938063", "15763217", False, "exception 5: first check digit incorrect with a remainder of 1"),
    ("118765", "64371388", False, "exception 1: fails the double alternate check"),
    ("203099", "66831036", False, "passes modulus 11, fails double alternate"),
    ("203099", "58716970", False, "fails modulus 11, passes double alternate"),
    ("089999", "66374959", False, "fails modulus 10"),
    ("107999", "88837493", False, "fails modulus 11"),
    ("074456", "12345112", True, "exception 12 and 13: passes modulus 11 (fails modulus 10)"),
    ("070116", "34012583", True, "exception 12 and 13: passes modulus 11 (fails modulus 10)"),
    ("074456", "11104102", True, "exception 12 and 13: fails modulus 11, passes modulus 10"),
    ("180002", "00000190", True, "exception 14: first check fails, second passes"),
]


@pytest.mark.parametrize(
    ("sort_code", "account", "valid", "what"), VOCALINK_CASES, ids=[c[3] for c in VOCALINK_CASES]
)
def test_vocalink_published_cases(sort_code: str, account: str, valid: bool, what: str) -> None:
    result = modulus.check(sort_code, account)
    assert result.checked
    assert result.valid is valid


def test_the_table_is_the_published_version_and_whole() -> None:
    rows = modulus.weight_table()
    assert modulus.TABLE_VERSION == "8.50"
    assert len(rows) == 1151
    assert all(row.start <= row.end and len(row.weights) == 14 for row in rows)
    assert {row.exception for row in rows} == {None, *range(1, 15)}
    assert modulus.substitutions()["938600"] == "938611"


def test_a_sort_code_outside_the_table_cannot_be_checked_and_is_taken_as_valid() -> None:
    assert modulus.check("000000", "12345678") == modulus.ModulusResult(valid=True, checked=False)


def test_exception_14_fails_when_the_last_digit_is_not_0_1_or_9() -> None:
    assert not modulus.check("180002", "12345678").valid


@pytest.mark.parametrize(
    ("sort_code", "account", "expected"),
    [
        ("089999", "374958", ("089999", "00374958")),
        ("089999", "6374958", ("089999", "06374958")),
        ("090050", "123456789", ("090051", "23456789")),  # 9 digits: Santander
        ("600000", "0123456789", ("600000", "23456789")),  # 10 digits: NatWest, the last 8
        ("080050", "0123456789", ("080050", "01234567")),  # 10 digits: Co-operative Bank, the first 8
    ],
)
def test_non_standard_account_lengths(sort_code: str, account: str, expected: tuple[str, str]) -> None:
    assert modulus.standardise(sort_code, account) == expected


@pytest.mark.parametrize(
    ("sort_code", "account"), [("08999", "66374958"), ("089999", "12345"), ("0899\u0661\u0669", "66374958")]
)
def test_only_ascii_digits_of_the_right_length_reach_the_check(sort_code: str, account: str) -> None:
    with pytest.raises(ValueError, match="is 6"):
        modulus.check(sort_code, account)
