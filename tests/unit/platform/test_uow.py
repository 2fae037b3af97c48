"""The in-memory unit of work keeps the SQL one's promise: nothing is seen until commit, an error rolls
everything back (data, events, idempotent answers), and a read-only one keeps nothing."""

from __future__ import annotations

import pytest

from dwp.contracts.events import CitizenProfileChanged
from dwp.platform.idempotency import Claim, Remember, StoredResponse
from dwp.platform.uow import InMemoryStore, InMemoryUnitOfWorkFactory


class Notes:
    def __init__(self, data: dict[str, str]) -> None:
        self.data = data

    async def put(self, key: str, value: str) -> None:
        self.data[key] = value


def factory() -> InMemoryUnitOfWorkFactory[Notes, dict[str, str]]:
    return InMemoryUnitOfWorkFactory(InMemoryStore({}), Notes, source="test")


EVENT = CitizenProfileChanged(citizen_id="c-1", changed_fields=["email"])


async def test_commit_publishes_data_events_and_answers_together() -> None:
    uow_factory = factory()
    claim = Claim("p", "k", "h", "lease")
    async with uow_factory() as uow:
        await uow.repository.put("a", "1")
        await uow.outbox.add("topic", EVENT)
        await uow.remember(Remember(claim, lambda n: StoredResponse(201, {"n": n})), 7)
        assert uow_factory.store.data == {}  # not before the commit
        assert uow_factory.store.events == []
    store = uow_factory.store
    assert store.data == {"a": "1"}
    assert store.published("topic") == [EVENT]
    assert store.responses == {("p", "k"): StoredResponse(201, {"n": 7})}
    assert claim.answered
    assert store.commits == 1
    assert uow_factory.last is not None
    assert uow_factory.last.committed


async def test_an_error_rolls_everything_back() -> None:
    uow_factory = factory()

    async def fails() -> None:
        async with uow_factory() as uow:
            await uow.repository.put("a", "1")
            await uow.outbox.add("topic", EVENT)
            await uow.remember(Remember(Claim("p", "k", "h", "l"), lambda _: StoredResponse(201, {})), None)
            raise LookupError("the use case failed")

    with pytest.raises(LookupError):
        await fails()
    store = uow_factory.store
    assert (store.data, store.events, store.responses, store.commits) == ({}, [], {}, 0)
    assert uow_factory.last is not None
    assert uow_factory.last.rolled_back


async def test_no_remember_without_a_key_and_read_only_keeps_nothing() -> None:
    uow_factory = factory()
    async with uow_factory() as uow:
        await uow.remember(None, "ignored")
    assert uow_factory.store.responses == {}
    async with uow_factory(read_only=True) as uow:
        await uow.repository.put("a", "1")
    assert uow_factory.store.data == {}
