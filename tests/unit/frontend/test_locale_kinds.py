"""Every to-do a citizen can be given and every kind of work item a caseworker can see has its words in
English and Welsh: a kind added to the claims domain without them showed the fallback ("Something to do
for your claim") or the raw kind (found when payment returns added `check_bank_details`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dwp.claims.domain.model import TodoKind
from dwp.claims.domain.work import WorkKind

LOCALES = Path(__file__).resolve().parents[3] / "web" / "src" / "locales"


def _block(source: str, name: str) -> set[str]:
    """The keys of the first `name: { ... }` object in a locale file (flat objects of strings)."""
    found = re.search(rf"\b{name}: \{{(.*?)\n\s*\}}", source, re.DOTALL)
    assert found, f"no {name} block"
    return set(re.findall(r"^\s*(\w+):", found.group(1), re.MULTILINE))


@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_todo_kind_has_its_words(language: str) -> None:
    keys = _block((LOCALES / f"{language}.ts").read_text(encoding="utf-8"), "todo")
    assert {kind.value for kind in TodoKind} - keys == set()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_work_item_kind_has_its_words(language: str) -> None:
    keys = _block((LOCALES / f"casework.{language}.ts").read_text(encoding="utf-8"), "kind")
    assert {kind.value for kind in WorkKind} - keys == set()
