"""What the citizen service tells the rest of the platform, always through the unit of work's outbox."""

from __future__ import annotations

from dwp.citizen.domain import Citizen, RegistrationHeld
from dwp.contracts.events import (
    CitizenProfileChanged,
    CitizenRecordRectified,
    CitizenRegistered,
    CitizenRegistrationHeld,
)
from dwp.platform.catalog import CITIZEN_EVENTS_TOPIC
from dwp.platform.uow import Outbox

SOURCE = "citizen"


async def citizen_registered(outbox: Outbox, citizen: Citizen) -> str:
    event = CitizenRegistered(
        citizen_id=citizen.id,
        preferred_language=citizen.preferred_language,
        contact_by=list(citizen.contact.channels),
    )
    return await outbox.add(CITIZEN_EVENTS_TOPIC, event)


async def profile_changed(outbox: Outbox, citizen: Citizen, fields: list[str]) -> str:
    event = CitizenProfileChanged(citizen_id=citizen.id, changed_fields=fields)
    return await outbox.add(CITIZEN_EVENTS_TOPIC, event)


async def record_rectified(outbox: Outbox, citizen: Citizen, fields: list[str]) -> str:
    event = CitizenRecordRectified(citizen_id=citizen.id, changed_fields=fields)
    return await outbox.add(CITIZEN_EVENTS_TOPIC, event)


async def registration_held(outbox: Outbox, hold: RegistrationHeld) -> str:
    event = CitizenRegistrationHeld(hold_id=hold.id, citizen_id=hold.citizen_id, reason=hold.reason)
    return await outbox.add(CITIZEN_EVENTS_TOPIC, event)
