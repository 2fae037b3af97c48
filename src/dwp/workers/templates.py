"""Which events a person is told about, and what each message says beyond their name.

A new event plugs in with one entry in `EVENT_MESSAGES` (and its templates in Notify, one per channel
and language, under the keys of `dwp.contracts.notify`). Template ids come from
`DWP_NOTIFY_TEMPLATES` (a JSON object of key to id) when set, else the local simulator's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from dwp.contracts import notify as keys
from dwp.contracts.notify import NotifyChannel, TemplateLanguage

BENEFITS: dict[str, dict[TemplateLanguage, str]] = {
    "universal_credit": {"en": "Universal Credit", "cy": "Credyd Cynhwysol"},
    "new_style_jsa": {"en": "New Style Jobseeker's Allowance", "cy": "Lwfans Ceisio Gwaith Dull Newydd"},
    "new_style_esa": {
        "en": "New Style Employment and Support Allowance",
        "cy": "Lwfans Cyflogaeth a Chymorth Dull Newydd",
    },
}
TODOS: dict[str, dict[TemplateLanguage, str]] = {
    "verify_identity": {"en": "prove your identity", "cy": "profi pwy ydych chi"},
    "confirm_address": {"en": "confirm your address", "cy": "cadarnhau eich cyfeiriad"},
    "upload_evidence": {"en": "send us evidence", "cy": "anfon tystiolaeth atom"},
    "accept_claimant_commitment": {
        "en": "accept your Claimant Commitment",
        "cy": "derbyn eich Ymrwymiad Hawlydd",
    },
    "book_wca": {"en": "book your work capability assessment", "cy": "trefnu eich asesiad gallu i weithio"},
}
ANY_TODO: dict[TemplateLanguage, str] = {"en": "complete a task", "cy": "cwblhau tasg"}

BANK_DETAILS_WHAT: dict[str, dict[TemplateLanguage, str]] = {
    "first": {"en": "added", "cy": "wedi'u hychwanegu"},
    "change": {"en": "changed", "cy": "wedi'u newid"},
}
"""`payments.bank_details_changed`: the first details given, or a change."""
HOLD_OUTCOMES: dict[str, dict[TemplateLanguage, str]] = {
    "released": {
        "en": "We have checked the change to your bank details. We will pay you into your new account.",
        "cy": "Rydym wedi gwirio'r newid i'ch manylion banc. Byddwn yn eich talu i'ch cyfrif newydd.",
    },
    "stopped": {
        "en": "We have not paid into the new account given for you. Sign in and give your bank details "
        "again, or contact us if you did not change them.",
        "cy": "Nid ydym wedi talu i'r cyfrif newydd a roddwyd ar eich cyfer. Mewngofnodwch a rhowch eich "
        "manylion banc eto, neu cysylltwch â ni os na wnaethoch eu newid.",
    },
}
"""`payments.hold_decided`: what a caseworker's check of a held payment came to."""

Facts = Mapping[str, Any]
"""The event's data, with the claim's facts from the claims service when the message needs them."""

MONTHS: dict[TemplateLanguage, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
    "cy": ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi",
           "Hydref", "Tachwedd", "Rhagfyr"),
}  # fmt: skip
"""Month names for dates in a message (GOV.UK style: 1 December 2026; Welsh: 1 Rhagfyr 2026)."""


def long_date(value: Any, language: TemplateLanguage) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def _nothing(facts: Facts) -> dict[str, str]:
    return {}


def _always(facts: Facts) -> bool:
    return True


@dataclass(frozen=True)
class EventMessage:
    needs_claim: bool
    """Whether the worker reads the claim's facts (whom to tell, which benefit) from the claims service."""
    fields: Callable[[Facts, TemplateLanguage], dict[str, str]]
    """The template's placeholders other than `first_name`."""
    part: Callable[[Facts], dict[str, str]] = _nothing
    """The query parameters of `notification-facts` naming the part of the claim the event is about."""
    wanted: Callable[[Facts], bool] = _always
    """Whether this event is one to tell anyone about (a citizen's own journal message is not)."""


def _benefit(facts: Facts, language: TemplateLanguage) -> str:
    benefit = str(facts.get("benefit", ""))
    return BENEFITS.get(benefit, {}).get(language, benefit.replace("_", " "))


EVENT_MESSAGES: dict[str, EventMessage] = {
    keys.CITIZEN_REGISTERED: EventMessage(needs_claim=False, fields=lambda facts, lang: {}),
    keys.CLAIM_SUBMITTED: EventMessage(
        needs_claim=True, fields=lambda facts, lang: {"benefit": _benefit(facts, lang)}
    ),
    keys.CLAIM_TODO_ADDED: EventMessage(
        needs_claim=True,
        fields=lambda facts, lang: {
            "benefit": _benefit(facts, lang),
            "todo": TODOS.get(str(facts.get("kind")), ANY_TODO)[lang],
        },
        part=lambda facts: {"todo_id": str(facts["todo_id"])},
        # A returned payment's to-do is told by the payment's own message (`payments.payment_returned`).
        wanted=lambda facts: facts.get("kind") != "check_bank_details",
    ),
    keys.CLAIM_DECISION_MADE: EventMessage(
        needs_claim=True,
        fields=lambda facts, lang: {"benefit": _benefit(facts, lang)},
        part=lambda facts: {"decision_id": str(facts["decision_id"])},
    ),
    keys.CLAIM_MESSAGE_POSTED: EventMessage(
        needs_claim=True,
        fields=lambda facts, lang: {"benefit": _benefit(facts, lang)},
        part=lambda facts: {"entry_id": str(facts["entry_id"])},
        # The citizen knows what they wrote themselves: only a message from DWP is worth telling.
        wanted=lambda facts: facts.get("side") == "dwp",
    ),
    keys.CLAIM_STATEMENT_READY: EventMessage(
        needs_claim=True,
        fields=lambda facts, lang: {
            "benefit": _benefit(facts, lang),
            "period_end": long_date(facts["period_end"], lang),
        },
        part=lambda facts: {"period_end": str(facts["period_end"])},
    ),
    # The payment's citizen is told on the contact details the citizen service holds; the event carries
    # no account, amount or reason words, so neither does the message.
    keys.PAYMENT_RETURNED: EventMessage(needs_claim=False, fields=lambda facts, lang: {}),
    # Told on the contact details the citizen service holds: a change of bank details changes none of
    # them, so these are the person's contact details from before the change (never the account).
    keys.BANK_DETAILS_CHANGED: EventMessage(
        needs_claim=False,
        fields=lambda facts, lang: {
            "what": BANK_DETAILS_WHAT["first" if facts.get("first") else "change"][lang]
        },
    ),
    keys.PAYMENT_HELD: EventMessage(needs_claim=False, fields=lambda facts, lang: {}),
    keys.HOLD_DECIDED: EventMessage(
        needs_claim=False,
        fields=lambda facts, lang: {"outcome": HOLD_OUTCOMES[str(facts["outcome"])][lang]},
    ),
}


def template_ids() -> dict[str, str]:
    """Template id by key: the configured ones over the local simulator's."""
    ids = {key: keys.local_template_id(key) for key in keys.template_keys()}
    if raw := os.environ.get("DWP_NOTIFY_TEMPLATES"):
        ids.update({str(k): str(v) for k, v in json.loads(raw).items()})
    return ids


def template_for(
    ids: Mapping[str, str], event_type: str, channel: NotifyChannel, language: TemplateLanguage
) -> str:
    return ids[keys.template_key(event_type, channel, language)]
