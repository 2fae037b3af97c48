"""The GOV.UK Notify templates the platform sends, by key, and the placeholders each one fills.

In Notify a template lives in the service's account and is named by its id; the platform knows the
ids from configuration (`DWP_NOTIFY_TEMPLATES`). Locally the Notify simulator holds one template per
key, with the id `local_template_id(key)`, so the notifications worker's default ids and the
simulator's agree without either importing the other.

A key is `<event type>/<channel>/<language>`, the channel being Notify's notification type.
"""

from __future__ import annotations

import uuid
from typing import Literal

NotifyChannel = Literal["email", "sms", "letter"]
TemplateLanguage = Literal["en", "cy"]

# Event type names the notifications worker sends for. The claims service defines the claim events
# themselves; only their names are agreed here.
CITIZEN_REGISTERED = "citizen.registered"
CLAIM_SUBMITTED = "claims.submitted"
CLAIM_TODO_ADDED = "claims.todo_added"
CLAIM_DECISION_MADE = "claims.decision_made"
CLAIM_MESSAGE_POSTED = "claims.message_posted"
CLAIM_STATEMENT_READY = "claims.statement_ready"
"""Queued by the monthly run itself (`dwp.contracts.claims.StatementReady`), not published by claims."""
PAYMENT_RETURNED = "payments.payment_returned"
"""Published by the payments service: a payment was rejected or returned (check your bank details)."""

BANK_DETAILS_CHANGED = "payments.bank_details_changed"
"""Bank details given or changed: told on the contact details the citizen service holds, which a change
of bank details does not touch (so a change the person did not make reaches them where they were)."""
PAYMENT_HELD = "payments.payment_held"
"""A change of bank details looked risky: the next payment waits for a caseworker's check."""
HOLD_DECIDED = "payments.hold_decided"
"""A caseworker released a held payment, or stopped payments to the changed account."""

PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    CITIZEN_REGISTERED: ("first_name",),
    CLAIM_SUBMITTED: ("first_name", "benefit"),
    CLAIM_TODO_ADDED: ("first_name", "benefit", "todo"),
    CLAIM_DECISION_MADE: ("first_name", "benefit"),
    CLAIM_MESSAGE_POSTED: ("first_name", "benefit"),
    CLAIM_STATEMENT_READY: ("first_name", "benefit", "period_end"),
    PAYMENT_RETURNED: ("first_name",),
    BANK_DETAILS_CHANGED: ("first_name", "what"),
    PAYMENT_HELD: ("first_name",),
    HOLD_DECIDED: ("first_name", "outcome"),
}
"""What each event's templates say, besides a letter's address lines."""

CHANNELS: tuple[NotifyChannel, ...] = ("email", "sms", "letter")
LANGUAGES: tuple[TemplateLanguage, ...] = ("en", "cy")

# The API key the local Notify simulator accepts and the workers use locally (`DWP_NOTIFY_API_KEY` and
# Secrets Manager elsewhere). In Notify's format: key name, service id, secret.
LOCAL_SERVICE_ID = "2f4c8e0a-9b1d-4e37-8a52-6c0f3d7b9e14"
LOCAL_SECRET = "9d3e7a51-0c2b-4f86-b1e4-7a5d2c8f0b63"  # noqa: S105 - a local-only key, like the simulators'
LOCAL_API_KEY = f"dwp_local-{LOCAL_SERVICE_ID}-{LOCAL_SECRET}"

_LOCAL_NAMESPACE = uuid.UUID("6f1c2b1e-5d0a-4c47-9a43-2f7d4b0e8a11")


def template_key(event_type: str, channel: NotifyChannel, language: TemplateLanguage) -> str:
    return f"{event_type}/{channel}/{language}"


def template_keys() -> tuple[str, ...]:
    return tuple(
        template_key(event, channel, language)
        for event in PLACEHOLDERS
        for channel in CHANNELS
        for language in LANGUAGES
    )


def local_template_id(key: str) -> str:
    """The id the local Notify simulator gives the template for `key`."""
    return str(uuid.uuid5(_LOCAL_NAMESPACE, key))
