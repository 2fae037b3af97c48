"""Itemised explanations and their English and Welsh text.

Each line of an explanation is a message key with parameters, an amount and the rule (with its
regulation) that produced it. The text lives in `dwp/benefits/messages/en.toml` and `cy.toml`, so the
frontend can show either language and a translator can work on the files alone.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

Kind = Literal["element", "deduction", "result", "note"]
LANGUAGES = ("en", "cy")


@dataclass(frozen=True)
class Line:
    key: str
    kind: Kind
    regulation: str
    amount: int | None = None
    """Pence; positive for elements and results, the amount taken off for deductions."""
    params: dict[str, str | int] = field(default_factory=dict)

    def text(self, language: str = "en") -> str:
        return render(self.key, language, self.params, self.amount)


@cache
def catalogue(language: str) -> dict[str, str]:
    path = resources.files("dwp.benefits") / "messages" / f"{language}.toml"
    flat: dict[str, str] = {}

    def walk(node: dict[str, object], prefix: str) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(value, name)
            else:
                flat[name] = str(value)

    walk(tomllib.loads(path.read_text("utf-8")), "")
    return flat


def pounds(pence: int) -> str:
    """£1,234.56 (the same in English and Welsh)."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def render(key: str, language: str, params: dict[str, str | int], amount: int | None) -> str:
    values: dict[str, str | int] = {
        k: pounds(int(v)) if k.endswith("_pence") else v for k, v in params.items()
    }
    if amount is not None:
        values["amount"] = pounds(amount)
    return catalogue(language)[key].format(**values)


@lru_cache(maxsize=65_536)
def _texts(key: str, params: tuple[tuple[str, str | int], ...], amount: int | None) -> dict[str, str]:
    """A line's text in every language, memoised: most lines of a page of awards (the monthly run's
    500) are the same key with the same figures (a standard allowance, a work allowance), and rendering
    each in two languages was most of the cost of explaining a page. Callers get a copy."""
    values = dict(params)
    return {language: render(key, language, values, amount) for language in LANGUAGES}


def as_dicts(lines: list[Line]) -> list[dict[str, object]]:
    """The explanation as plain data for an API response or a stored assessment."""
    return [
        {
            "key": line.key,
            "kind": line.kind,
            "amount_pence": line.amount,
            "regulation": line.regulation,
            "params": line.params,
            "text": dict(_texts(line.key, tuple(line.params.items()), line.amount)),
        }
        for line in lines
    ]
