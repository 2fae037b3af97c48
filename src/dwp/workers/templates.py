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

Facts = Mapping[str, Any]
"""The event's data, and the claim's summary when the message needs one."""


@dataclass(frozen=True)
class EventMessage:
    needs_claim: bool
    """Whether the worker reads the claim (for whose it is and which benefit) from the claims service."""
    fields: Callable[[Facts, TemplateLanguage], dict[str, str]]
    """The template's placeholders other than `first_name`."""


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
    ),
    keys.CLAIM_DECISION_MADE: EventMessage(
        needs_claim=True, fields=lambda facts, lang: {"benefit": _benefit(facts, lang)}
    ),
    keys.CLAIM_STATEMENT_READY: EventMessage(
        needs_claim=True,
        fields=lambda facts, lang: {
            "benefit": _benefit(facts, lang),
            "period_end": str(facts.get("period_end")),
        },
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
