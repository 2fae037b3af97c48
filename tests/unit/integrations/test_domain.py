"""Identifiers and money as the integrations service checks them before any provider is asked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dwp.integrations.domain import InvalidIdentifier, mask, normalise_nhs_number, normalise_nino, pence


@pytest.mark.parametrize(("raw", "nino"), [("AB123456C", "AB123456C"), (" ab 12 34 56 c ", "AB123456C")])
def test_ninos_are_normalised(raw: str, nino: str) -> None:
    assert normalise_nino(raw) == nino


@pytest.mark.parametrize(
    "raw",
    ["BG123456A", "GB123456A", "NK123456A", "TN123456A", "ZZ123456A", "DA123456A", "AO123456A", "AB123456E",
     "AB12345A", "AB1234567A", "", "ÅB123456A"],
)  # fmt: skip
def test_ninos_hmrc_never_allocates_are_refused(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_nino(raw)
    assert caught.value.field == "national_insurance_number"


@pytest.mark.parametrize("raw", ["9434765919", "943 476 5919", "9000000009"])
def test_nhs_numbers_passing_modulus_11(raw: str) -> None:
    assert normalise_nhs_number(raw) == raw.replace(" ", "")


@pytest.mark.parametrize("raw", ["9434765918", "943476591", "94347659190", "943476591X", "0000000060"])
def test_nhs_numbers_failing_modulus_11_or_form(raw: str) -> None:
    # 0000000060: the check digit would be 10, which no NHS number can have.
    with pytest.raises(InvalidIdentifier):
        normalise_nhs_number(raw)


def test_pence_from_pounds_exactly() -> None:
    assert pence(Decimal("1234.56")) == 123456
    assert pence(Decimal("-12.30")) == -1230
    assert pence(0) == 0
    with pytest.raises(ValueError, match="two decimal places"):
        pence(Decimal("1.005"))
    with pytest.raises(ValueError, match="not an amount"):
        pence("twelve")


def test_mask_keeps_only_the_ends() -> None:
    assert mask("AB123456C") == "AB*****6C"
    assert mask("9434765919") == "94******19"
