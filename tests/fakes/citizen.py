"""The citizen service on an in-memory unit of work, for use-case tests (cosmicpython's FakeRepository).

`tests/integration/test_citizen_repository_contract.py` runs the same suite on this and on the SQL
repository (SQLite and PostgreSQL), so this fake cannot drift from what the database does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dwp.citizen.domain import Citizen, Nino, RegistrationHeld
from dwp.citizen.events import SOURCE
from dwp.citizen.repository import CitizenRepository, audit_view
from dwp.citizen.service import CitizenContext
from dwp.platform.auth import Actor
from dwp.platform.uow import InMemoryStore, InMemoryUnitOfWorkFactory


@dataclass
class CitizenData:
    citizens: dict[str, Citizen] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)


class InMemoryCitizenRepository:
    def __init__(self, data: CitizenData) -> None:
        self._data = data

    async def get(self, citizen_id: str) -> Citizen | None:
        return self._data.citizens.get(citizen_id)

    async def find_by_nino(self, nino: Nino) -> Citizen | None:
        return next((c for c in self._data.citizens.values() if c.nino == nino), None)

    async def add(self, citizen: Citizen) -> bool:
        # The table's primary key and unique blind index, as the SQL repository reports them.
        if citizen.id in self._data.citizens or await self.find_by_nino(citizen.nino) is not None:
            return False
        self._data.citizens[citizen.id] = citizen
        return True

    async def hold(self, hold: RegistrationHeld, *, nino: Nino, requested_by: Actor) -> None:
        self._data.holds.append(
            {"hold": hold, "nino": nino, "status": "held", "requested_by": requested_by.subject}
        )

    async def save(self, citizen: Citizen, *, previous_version: int) -> bool:
        current = self._data.citizens.get(citizen.id)
        if current is None or current.version != previous_version:
            return False
        self._data.citizens[citizen.id] = citizen
        return True

    async def save_rectified(self, citizen: Citizen, *, previous_version: int) -> bool:
        other = await self.find_by_nino(citizen.nino)
        if other is not None and other.id != citizen.id:
            return False
        return await self.save(citizen, previous_version=previous_version)

    async def audit(
        self,
        *,
        citizen_id: str,
        actor: Actor,
        action: str,
        now: datetime,
        before: Citizen | None = None,
        after: Citizen | None = None,
        fields: list[str] | None = None,
        reason: str | None = None,
    ) -> None:
        def view(citizen: Citizen | None) -> Any:
            text = audit_view(citizen, fields)
            return json.loads(text) if text else None

        self._data.audit.append(
            {
                "id": str(uuid.uuid4()),
                "citizen_id": citizen_id,
                "actor": actor.subject,
                "actor_kind": actor.kind,
                "action": action,
                "reason": reason,
                "before": view(before),
                "after": view(after),
                "request_id": actor.request_id,
                "at": now,
            }
        )

    async def audit_trail(self, citizen_id: str, *, after_id: str | None, limit: int) -> list[dict[str, Any]]:
        entries = sorted(
            (e for e in self._data.audit if e["citizen_id"] == citizen_id), key=lambda e: (e["at"], e["id"])
        )
        cursor = next((e for e in self._data.audit if e["id"] == after_id), None) if after_id else None
        if cursor is not None:
            entries = [e for e in entries if (e["at"], e["id"]) > (cursor["at"], cursor["id"])]
        return [
            {
                k: (v.astimezone(UTC).isoformat() if k == "at" else v)
                for k, v in e.items()
                if k != "citizen_id"
            }
            for e in entries[:limit]
        ]


def in_memory_uow() -> InMemoryUnitOfWorkFactory[CitizenRepository, CitizenData]:
    return InMemoryUnitOfWorkFactory(InMemoryStore(CitizenData()), InMemoryCitizenRepository, source=SOURCE)


def in_memory_context(clock: Callable[[], datetime]) -> tuple[CitizenContext, InMemoryStore[CitizenData]]:
    """A citizen context on an in-memory unit of work, and the store to look into afterwards."""
    uow = in_memory_uow()
    return CitizenContext(uow=uow, clock=clock), uow.store
