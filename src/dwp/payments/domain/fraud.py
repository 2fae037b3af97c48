"""Whether a change of bank details looks like fraud, by rules kept as data (`data/fraud_rules.toml`).

A change that matches any rule holds the person's next payment for a caseworker's check; the change
itself is kept (the person may be genuine: a new phone, a new bank), and the caseworker releases the hold
or stops the payment. What the rules see is facts, not the details themselves.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, Literal

RuleKind = Literal["new_device_after_sign_in", "shared_account", "repeated_changes"]


@dataclass(frozen=True)
class Rule:
    code: str
    kind: RuleKind
    description: str
    params: dict[str, int]


@dataclass(frozen=True)
class Rules:
    version: str
    source: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class ChangeFacts:
    """What is known about one change of bank details when it is made.

    `signed_in_at` and `device_known` describe the session the change came from; either may be unknown
    (None / False), and an unknown counts as the risky answer, so a caller that sends nothing gets the
    check, not the benefit of the doubt."""

    is_first: bool
    """The person's first bank details (given with a claim), not a change of existing ones."""
    at: datetime
    signed_in_at: datetime | None
    device_known: bool
    other_citizens_with_account: int
    earlier_changes: tuple[datetime, ...]


def parse_rules(document: dict[str, Any]) -> Rules:
    rules = []
    for entry in document["rule"]:
        kind = entry["kind"]
        if kind not in ("new_device_after_sign_in", "shared_account", "repeated_changes"):
            raise ValueError(f"unknown fraud rule kind {kind!r}")
        params = {k: int(v) for k, v in entry.items() if k not in ("code", "kind", "description")}
        rules.append(Rule(code=entry["code"], kind=kind, description=entry["description"], params=params))
    return Rules(version=str(document["version"]), source=document["source"], rules=tuple(rules))


@cache
def default_rules() -> Rules:
    text = resources.files("dwp.payments.domain").joinpath("data", "fraud_rules.toml").read_text()
    return parse_rules(tomllib.loads(text))


def _matches(rule: Rule, facts: ChangeFacts) -> bool:
    p = rule.params
    if rule.kind == "new_device_after_sign_in":
        if facts.is_first or facts.device_known:
            return False
        if facts.signed_in_at is None:
            return True
        return facts.at - facts.signed_in_at <= timedelta(minutes=p["within_minutes"])
    if rule.kind == "shared_account":
        return facts.other_citizens_with_account >= p["other_citizens_at_least"]
    window_start = facts.at - timedelta(days=p["within_days"])
    recent = [t for t in facts.earlier_changes if t >= window_start]
    # Counting this change: the first details given are not a "change" in the sense of the rule.
    return not facts.is_first and len(recent) + 1 >= p["changes_at_least"]


def assess(facts: ChangeFacts, rules: Rules | None = None) -> tuple[str, ...]:
    """The codes of the rules this change matches, in the rules' order; none means no hold."""
    rules = rules or default_rules()
    return tuple(rule.code for rule in rules.rules if _matches(rule, facts))
