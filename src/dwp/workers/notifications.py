"""Telling a person about an event: who they are, how they want to hear, in which language, and what.

Events carry no personal data (docs/decisions, decision 4), so for each event the worker reads the
person's contact details from the citizen service (and, for a claim event, whom to tell and the facts
of what happened from the claims service's `notification-facts`, `dwp.contracts.claims`), with its own
service token. It then takes the first channel of each person's preferences it can use (email, text
message, or letter), the template for the event in their language (letters also in Welsh when they
asked for Welsh letters), and sends through Notify. On a joint claim both partners are told, each
message with its own reference (the event id, and `<event id>/partner`).

A held registration (`citizen.registration_held`) is not a message: it is forwarded to the claims
service's work-item route, which opens a caseworker's work item once per hold.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import structlog

from dwp.contracts import claims as claims_contract
from dwp.contracts.citizens import CitizenContact
from dwp.contracts.claims import HeldRegistration, NotificationFacts, WorkItemRef
from dwp.contracts.events import CitizenRegistrationHeld, EventEnvelope
from dwp.contracts.notify import NotifyChannel, TemplateLanguage
from dwp.platform.http import ResilientClient, ServiceTokens, TokenSource, shared_client
from dwp.platform.settings import Settings
from dwp.workers.notify import Message, NotifySender
from dwp.workers.templates import EVENT_MESSAGES, EventMessage, template_for, template_ids

log = structlog.get_logger("workers.notifications")
T = TypeVar("T")
SERVICE_NAME = "workers"

Outcome = Literal["sent", "not_for_notifying", "undeliverable", "forwarded"]


class Directory(Protocol):
    def contact(self, citizen_id: str) -> CitizenContact: ...

    def facts(self, claim_id: str, part: dict[str, str]) -> NotificationFacts: ...

    def hold(self, held: HeldRegistration) -> WorkItemRef: ...


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
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()  # out of time: stop it rather than let it go on unseen
            raise

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


class ServiceDirectory:
    """Contact details and claim facts from their owning services, with the workers' service token."""

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
        return self._loop.run(
            self._citizen.get_model(f"/v1/internal/citizens/{citizen_id}/contact-details", CitizenContact)
        )

    def facts(self, claim_id: str, part: dict[str, str]) -> NotificationFacts:
        path = claims_contract.NOTIFICATION_FACTS_PATH.format(claim_id=claim_id)
        return self._loop.run(self._claims.get_model(path, NotificationFacts, params=part or None))

    def hold(self, held: HeldRegistration) -> WorkItemRef:
        return self._loop.run(
            self._claims.post_model(
                claims_contract.HELD_REGISTRATIONS_PATH,
                held,
                WorkItemRef,
                idempotency_key=f"held-registration:{held.hold_id}",
            )
        )


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    channel: NotifyChannel | None = None
    language: TemplateLanguage | None = None
    notification_id: str | None = None
    """The first message's Notify id (the claimant's); `sent` says how many went."""
    sent: int = 0


class Notifications:
    def __init__(self, directory: Directory, sender: NotifySender, ids: dict[str, str] | None = None) -> None:
        self._directory = directory
        self._sender = sender
        self._ids = ids or template_ids()

    def deliver(self, envelope: EventEnvelope, *, may_have_been_sent: bool = False) -> Delivery:
        if envelope.event_type == CitizenRegistrationHeld.event_type:
            return self._forward_hold(envelope)
        spec = EVENT_MESSAGES.get(envelope.event_type)
        if spec is None or not spec.wanted(envelope.data):
            return Delivery("not_for_notifying")
        facts: dict[str, Any] = dict(envelope.data)
        people: list[tuple[str, str]]
        """(citizen id, reference) of each person to tell."""
        if spec.needs_claim:
            known = self._directory.facts(str(facts["claim_id"]), spec.part(facts))
            facts |= {"benefit": known.benefit}
            if known.todo is not None:
                facts["kind"] = known.todo.kind
            people = [
                (r.citizen_id, envelope.event_id if r.role == "claimant" else f"{envelope.event_id}/{r.role}")
                for r in known.recipients
                if r.citizen_id is not None  # not registered yet: no contact details anywhere
            ]
        else:
            people = [(str(facts["citizen_id"]), envelope.event_id)]
        first: Delivery | None = None
        sent = 0
        for citizen_id, reference in people:
            one = self._send_to(envelope, spec, facts, citizen_id, reference, may_have_been_sent)
            if one.outcome == "sent":
                sent += 1
                first = first or one
        if first is None:
            log.warning(
                "notification.undeliverable", event_id=envelope.event_id, event_type=envelope.event_type
            )
            return Delivery("undeliverable")
        return Delivery("sent", first.channel, first.language, first.notification_id, sent)

    def _send_to(
        self,
        envelope: EventEnvelope,
        spec: EventMessage,
        facts: dict[str, Any],
        citizen_id: str,
        reference: str,
        may_have_been_sent: bool,
    ) -> Delivery:
        contact = self._directory.contact(citizen_id)
        chosen = choose_channel(contact)
        if chosen is None:
            return Delivery("undeliverable")
        language = language_for(contact, chosen)
        message = Message(
            channel=chosen,
            template_id=template_for(self._ids, envelope.event_type, chosen, language),
            personalisation={"first_name": contact.given_name, **spec.fields(facts, language)},
            reference=reference,
            email_address=contact.email if chosen == "email" else None,
            phone_number=contact.phone if chosen == "sms" else None,
        )
        notification_id = self._sender.send(message, may_have_been_sent=may_have_been_sent)
        return Delivery("sent", chosen, language, notification_id, 1)

    def _forward_hold(self, envelope: EventEnvelope) -> Delivery:
        held = CitizenRegistrationHeld.model_validate(envelope.data)
        ref = self._directory.hold(
            HeldRegistration(
                hold_id=held.hold_id,
                citizen_id=held.citizen_id,
                reason=held.reason,
                event_id=envelope.event_id,
                held_at=envelope.occurred_at,
            )
        )
        log.info("registration_held.forwarded", hold_id=held.hold_id, work_item_id=ref.work_item_id)
        return Delivery("forwarded")


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
