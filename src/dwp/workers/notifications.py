"""Telling a person about an event: who they are, how they want to hear, in which language, and what.

Events carry no personal data (docs/decisions, decision 4), so for each event the worker reads the
person's contact details from the citizen service (and, for a claim event, whose claim it is from the
claims service), with its own service token. It then takes the first channel of the person's
preferences it can use (email, text message, or letter), the template for the event in their
language (letters also in Welsh when they asked for Welsh letters), and sends through Notify.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import structlog
from pydantic import BaseModel, ConfigDict

from dwp.contracts.citizens import CitizenContact
from dwp.contracts.events import EventEnvelope
from dwp.contracts.notify import NotifyChannel, TemplateLanguage
from dwp.platform.http import ResilientClient, ServiceTokens, TokenSource, shared_client
from dwp.platform.settings import Settings
from dwp.workers.notify import Message, NotifySender
from dwp.workers.templates import EVENT_MESSAGES, template_for, template_ids

log = structlog.get_logger("workers.notifications")
T = TypeVar("T")
SERVICE_NAME = "workers"

Outcome = Literal["sent", "not_for_notifying", "undeliverable"]


class ClaimSummary(BaseModel):
    """What the worker reads of `GET /v1/claims/{id}`: whose claim it is and for which benefit."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    citizen_id: str
    benefit: str


class Directory(Protocol):
    def contact(self, citizen_id: str) -> CitizenContact: ...

    def claim(self, claim_id: str) -> ClaimSummary: ...


class BackgroundLoop:
    """One event loop on its own thread, for the platform's async HTTP client inside sync handlers.

    Powertools' batch and idempotency utilities and Notify's client are synchronous; the calls to the
    platform's services go through `ResilientClient`, which is async. Its connections and breaker
    belong to one loop, so every call runs on this one rather than on a new loop per message.
    """

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="workers-http", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


class ServiceDirectory:
    """Contact details and claims from their owning services, with the workers' service token."""

    def __init__(
        self, settings: Settings, loop: BackgroundLoop, *, tokens: TokenSource | None = None
    ) -> None:
        self._loop = loop

        async def build() -> tuple[ResilientClient, ResilientClient]:
            http = shared_client()
            source = tokens or ServiceTokens.for_service(SERVICE_NAME, settings, http=http)
            return (
                ResilientClient.for_service("citizen", settings, http=http, tokens=source),
                ResilientClient.for_service("claims", settings, http=http, tokens=source),
            )

        self._citizen, self._claims = loop.run(build())

    def contact(self, citizen_id: str) -> CitizenContact:
        return self._loop.run(self._citizen.get_model(f"/v1/citizens/{citizen_id}/contact", CitizenContact))

    def claim(self, claim_id: str) -> ClaimSummary:
        return self._loop.run(self._claims.get_model(f"/v1/claims/{claim_id}", ClaimSummary))


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    channel: NotifyChannel | None = None
    language: TemplateLanguage | None = None
    notification_id: str | None = None


class Notifications:
    def __init__(self, directory: Directory, sender: NotifySender, ids: dict[str, str] | None = None) -> None:
        self._directory = directory
        self._sender = sender
        self._ids = ids or template_ids()

    def deliver(self, envelope: EventEnvelope, *, may_have_been_sent: bool = False) -> Delivery:
        spec = EVENT_MESSAGES.get(envelope.event_type)
        if spec is None:
            return Delivery("not_for_notifying")
        facts: dict[str, Any] = dict(envelope.data)
        if spec.needs_claim:
            claim = self._directory.claim(str(facts["claim_id"]))
            facts |= {"citizen_id": claim.citizen_id, "benefit": facts.get("benefit", claim.benefit)}
        contact = self._directory.contact(str(facts["citizen_id"]))
        chosen = choose_channel(contact)
        if chosen is None:
            log.warning(
                "notification.undeliverable", event_id=envelope.event_id, event_type=envelope.event_type
            )
            return Delivery("undeliverable")
        language = language_for(contact, chosen)
        message = Message(
            channel=chosen,
            template_id=template_for(self._ids, envelope.event_type, chosen, language),
            personalisation={"first_name": contact.given_name, **spec.fields(facts, language)},
            reference=envelope.event_id,
            email_address=contact.email if chosen == "email" else None,
            phone_number=contact.phone if chosen == "sms" else None,
        )
        notification_id = self._sender.send(message, may_have_been_sent=may_have_been_sent)
        return Delivery("sent", chosen, language, notification_id)


def choose_channel(contact: CitizenContact) -> NotifyChannel | None:
    """The first of the person's preferred channels the worker can use.

    A letter needs the postal address's lines, and the citizen service keeps only the address's
    reference (its UPRN) until the address service can give the lines: post is passed over for now,
    so a person who chose post first hears by their next choice, and one who chose only post is
    `undeliverable` (logged and counted) rather than sent a letter with no address.
    """
    for channel in contact.contact_preferences.channels:
        if channel == "email" and contact.email:
            return "email"
        if channel == "sms" and contact.phone:
            return "sms"
    return None


def language_for(contact: CitizenContact, channel: NotifyChannel) -> TemplateLanguage:
    if contact.preferred_language == "cy":
        return "cy"
    if channel == "letter" and contact.contact_preferences.welsh_letters:
        return "cy"
    return "en"
