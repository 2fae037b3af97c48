"""UK bank account modulus checking, as Vocalink (Pay.UK) publishes it.

The algorithm is "Validating account numbers: UK modulus checking" v8.50 (valid from 23 June 2025), and
its two tables are data beside this module, exactly as published with that version:
`data/valacdos-v850.txt` (the weight table: sort code ranges, the check, 14 weights, an exception
number) and `data/scsubtab.txt` (the sort code substitutions of exception 5). `data/SOURCES.md` says
where they come from and how to replace them with a later version.

Written here rather than taken from a library: the Python packages on the registry either stop at the
2017 tables (`ukmodulus`, no update since, no exceptions 12 to 14) or need Python 3.13
(`uk-modulus-check`), and the platform runs on 3.11. The spec's own 34 test cases are
`tests/unit/payments/test_modulus.py`.

A sort code the table does not cover cannot be checked: Vocalink's rule is that such an account is
taken as valid (the bank may still reject the payment, which then comes back as a return).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Method = Literal["MOD10", "MOD11", "DBLAL"]
TABLE_VERSION = "8.50"
"""The version of Vocalink's specification and weight table in `data/`."""

# Positions in the 14-digit string sort code + account number, as the spec names them.
U, V, W, X, Y, Z, A, B, C, D, E, F, G, H = range(14)

_EXCEPTION_2_WEIGHTS = (0, 0, 1, 2, 5, 3, 6, 4, 8, 7, 10, 9, 3, 1)
_EXCEPTION_2_WEIGHTS_G9 = (0, 0, 0, 0, 0, 0, 0, 0, 8, 7, 10, 9, 3, 1)
_EXCEPTION_8_SORT_CODE = "090126"
_EXCEPTION_9_SORT_CODE = "309634"
_ONE_OF_TWO = frozenset({(2, 9), (10, 11), (12, 13)})
"""Pairs of exceptions on a sort code's two rows where one passing check is enough."""


@dataclass(frozen=True)
class WeightRow:
    """One row of the weight table."""

    start: str
    end: str
    method: Method
    weights: tuple[int, ...]
    exception: int | None


@dataclass(frozen=True)
class ModulusResult:
    """Whether the account passed, and whether the sort code was in the table at all."""

    valid: bool
    checked: bool
    table_version: str = TABLE_VERSION


def _read(name: str) -> list[str]:
    text = resources.files("dwp.payments.domain").joinpath("data", name).read_text(encoding="ascii")
    return [line for line in text.splitlines() if line.strip()]


@cache
def weight_table() -> tuple[WeightRow, ...]:
    rows = []
    for line in _read(f"valacdos-v{TABLE_VERSION.replace('.', '')}.txt"):
        parts = line.split()
        method = parts[2]
        if method not in ("MOD10", "MOD11", "DBLAL") or len(parts) not in (17, 18):
            raise ValueError(f"not a weight table row: {line!r}")
        rows.append(
            WeightRow(
                start=parts[0],
                end=parts[1],
                method=method,  # type: ignore[arg-type]
                weights=tuple(int(w) for w in parts[3:17]),
                exception=int(parts[17]) if len(parts) == 18 else None,
            )
        )
    return tuple(rows)


@cache
def substitutions() -> dict[str, str]:
    return dict(tuple(line.split()) for line in _read("scsubtab.txt"))  # type: ignore[misc]


def rows_for(sort_code: str) -> list[WeightRow]:
    """The table's rows for a sort code, in table order (zero, one or two)."""
    return [row for row in weight_table() if row.start <= sort_code <= row.end]


def standardise(sort_code: str, account: str) -> tuple[str, str]:
    """An account number of 6 to 10 digits as the 8 the checks use (the spec's "non-standard account
    numbers"): 6 and 7 digits are padded with zeros; of 9, the first replaces the sort code's last digit
    (Santander); of 10, the Co-operative Bank (sort codes 08) uses the first 8, others (NatWest and the
    like) the last 8."""
    if len(account) in (6, 7):
        return sort_code, account.zfill(8)
    if len(account) == 9:
        return sort_code[:5] + account[0], account[1:]
    if len(account) == 10:
        return (sort_code, account[:8]) if sort_code.startswith("08") else (sort_code, account[2:])
    return sort_code, account


def _total(digits: str, weights: Sequence[int], method: Method) -> int:
    products = [int(d) * w for d, w in zip(digits, weights, strict=True)]
    if method == "DBLAL":
        # Double alternate: add the digits of each product, not the products.
        return sum(sum(int(ch) for ch in str(p)) for p in products)
    return sum(products)


def _check(row: WeightRow, sort_code: str, account: str) -> bool:
    """One row's check, with its exception's rules (the spec's section 4)."""
    exception = row.exception
    weights = list(row.weights)
    if exception == 8:
        sort_code = _EXCEPTION_8_SORT_CODE
    if exception == 5:
        sort_code = substitutions().get(sort_code, sort_code)
    digits = sort_code + account
    if exception == 6 and digits[A] in "45678" and digits[G] == digits[H]:
        return True  # a foreign currency account: it cannot be checked
    if exception == 3 and row.method == "DBLAL" and digits[C] in "69":
        return True  # the second check is not done when c is 6 or 9
    if exception == 2 and digits[A] != "0":
        weights = list(_EXCEPTION_2_WEIGHTS_G9 if digits[G] == "9" else _EXCEPTION_2_WEIGHTS)
    if (exception == 7 and digits[G] == "9") or (
        exception == 10 and digits[A:C] in ("09", "99") and digits[G] == "9"
    ):
        weights[U : B + 1] = [0] * (B + 1)
    total = _total(digits, weights, row.method)
    if exception == 1:
        total += 27
    modulus = 11 if row.method == "MOD11" else 10
    remainder = total % modulus
    if exception == 4:
        return remainder == int(digits[G:])
    if exception == 5:
        if row.method == "DBLAL":
            return int(digits[H]) == (0 if remainder == 0 else 10 - remainder)
        if remainder == 1:
            return False
        return int(digits[G]) == (0 if remainder == 0 else 11 - remainder)
    return remainder == 0


def _exception_14(row: WeightRow, sort_code: str, account: str) -> bool:
    """Coutts: when the standard check fails, an account ending 0, 1 or 9 is checked again without its
    last digit, shifted right with a leading zero."""
    if _check(row, sort_code, account):
        return True
    if account[-1] not in "019":
        return False
    return _check(row, sort_code, "0" + account[:-1])


def check(sort_code: str, account: str) -> ModulusResult:
    """Check a 6-digit sort code and an account number of 6 to 10 digits (ASCII digits only)."""
    if not (len(sort_code) == 6 and sort_code.isascii() and sort_code.isdigit()):
        raise ValueError("a sort code is 6 digits")
    if not (6 <= len(account) <= 10 and account.isascii() and account.isdigit()):
        raise ValueError("an account number is 6 to 10 digits")
    sort_code, account = standardise(sort_code, account)
    rows = rows_for(sort_code)
    if not rows:
        return ModulusResult(valid=True, checked=False)
    first = rows[0]
    if first.exception == 14:
        return ModulusResult(valid=_exception_14(first, sort_code, account), checked=True)
    first_passed = _check(first, sort_code, account)
    if len(rows) == 1:
        return ModulusResult(valid=first_passed, checked=True)
    second = rows[1]
    pair = (first.exception, second.exception)
    if pair in _ONE_OF_TWO:
        if first_passed:
            return ModulusResult(valid=True, checked=True)
        if pair == (2, 9):
            # Exception 9: the second check runs with the sort code 309634 in place of the account's.
            return ModulusResult(valid=_check(second, _EXCEPTION_9_SORT_CODE, account), checked=True)
        return ModulusResult(valid=_check(second, sort_code, account), checked=True)
    return ModulusResult(valid=first_passed and _check(second, sort_code, account), checked=True)
