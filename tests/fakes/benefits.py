"""The benefits service on an in-memory unit of work, for use-case tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dwp.benefits.domain.assessment import Assessment
from dwp.benefits.events import SOURCE
from dwp.benefits.repository import AssessmentRepository
from dwp.benefits.service import BenefitsContext
from dwp.platform.uow import InMemoryStore, InMemoryUnitOfWorkFactory

Assessments = dict[str, Assessment]


class InMemoryAssessmentRepository:
    def __init__(self, data: Assessments) -> None:
        self._data = data

    async def add(self, a: Assessment) -> None:
        if a.id in self._data:
            raise ValueError(f"assessment {a.id} exists")  # the table's primary key
        self._data[a.id] = a

    async def get(self, assessment_id: str) -> Assessment | None:
        return self._data.get(assessment_id)


def in_memory_context(clock: Callable[[], datetime]) -> tuple[BenefitsContext, InMemoryStore[Assessments]]:
    uow: InMemoryUnitOfWorkFactory[AssessmentRepository, Assessments] = InMemoryUnitOfWorkFactory(
        InMemoryStore({}), InMemoryAssessmentRepository, source=SOURCE
    )
    return BenefitsContext(uow=uow, clock=clock), uow.store
