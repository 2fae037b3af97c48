"""What the citizen service tells the rest of the platform, always through its outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.citizen.domain import Citizen
from dwp.citizen.repository import outbox
from dwp.contracts.events import CitizenProfileChanged, CitizenRegistered
from dwp.platform.catalog import CITIZEN_EVENTS_TOPIC
from dwp.platform.outbox import record_event

SOURCE = "citizen"


async def citizen_registered(session: AsyncConnection, citizen: Citizen) -> str:
    event = CitizenRegistered(
        citizen_id=citizen.id,
        preferred_language=citizen.preferred_language,
        contact_by=list(citizen.contact.channels),
    )
    return await record_event(session, outbox, topic=CITIZEN_EVENTS_TOPIC, event=event, source=SOURCE)


async def profile_changed(session: AsyncConnection, citizen: Citizen, fields: list[str]) -> str:
    event = CitizenProfileChanged(citizen_id=citizen.id, changed_fields=fields)
    return await record_event(session, outbox, topic=CITIZEN_EVENTS_TOPIC, event=event, source=SOURCE)
