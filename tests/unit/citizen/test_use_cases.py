"""The citizen use cases on an in-memory unit of work: no HTTP, database or AWS, and the clock is the
test's. What is committed (records, audit entries, events, idempotent answers) is read from the store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dwp.citizen import domain, service
from dwp.citizen.domain import (
    ChangeContactPreferences,
    ChangeProfile,
    RegisterCitizen,
)
from dwp.contracts.events import CitizenProfileChanged, CitizenRegistered, CitizenRegistrationHeld
from dwp.platform.auth import Actor
from dwp.platform.catalog import CITIZEN_EVENTS_TOPIC
from dwp.platform.idempotency import Claim, Remember, StoredResponse
from tests.fakes.citizen import in_memory_context
from tests.fakes.clock import FakeClock

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PROOF = "online: GOV.UK One Login P2, sent by identity"
ME = Actor(subject="c-1", kind="citizen", request_id="req-1")
CASEWORKER = Actor(subject="cw-1", kind="caseworker", request_id="req-2")


def command(**overrides: object) -> RegisterCitizen:
    values: dict = {
        "citizen_id": "c-1",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": date(1990, 1, 1),
        "national_insurance_number": "AB 12 34 56 C",
        "email": "ada@example.com",
        "phone": "020 7946 0123",
        "address_reference": "100023336956",
        "preferred_language": "cy",
        "contact_channels": ("email", "sms"),
    }
    values.update(overrides)
    return RegisterCitizen(**values)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW, tick=timedelta(milliseconds=1))


@pytest.fixture
def env(clock: FakeClock):
    return in_memory_context(clock)


class TestRegister:
    async def test_stores_audits_and_publishes_in_one_commit(self, env) -> None:
        ctx, store = env
        citizen = await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        assert citizen.nino.value == "AB123456C"
        assert citizen.created_at == NOW
        assert store.data.citizens["c-1"] == citizen
        assert store.commits == 1
        [entry] = store.data.audit
        assert (entry["action"], entry["actor"], entry["request_id"]) == ("registered", "c-1", "req-1")
        assert entry["after"]["email"] == "ada@example.com"
        [event] = store.published(CITIZEN_EVENTS_TOPIC)
        assert event == CitizenRegistered(
            citizen_id="c-1", preferred_language="cy", contact_by=["email", "sms"]
        )

    async def test_age_rule_uses_the_context_clock(self, env, clock: FakeClock) -> None:
        ctx, store = env
        clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        with pytest.raises(domain.InvalidDateOfBirth, match="16 or over"):
            await service.register_citizen(
                ctx, command(date_of_birth=date(2010, 11, 25)), actor=ME, proof=PROOF
            )
        assert store.commits == 0
        registered = await service.register_citizen(
            ctx, command(date_of_birth=date(2010, 11, 24)), actor=ME, proof=PROOF
        )
        assert registered.date_of_birth == date(2010, 11, 24)

    async def test_today_is_the_uk_date(self, env, clock: FakeClock) -> None:
        # 23:30 UTC on 31 May is already 1 June in London (BST): a 16th birthday on 1 June counts.
        ctx, _ = env
        clock.now = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
        clock.tick = timedelta(0)
        registered = await service.register_citizen(
            ctx, command(date_of_birth=date(2010, 6, 1)), actor=ME, proof=PROOF
        )
        assert registered.id == "c-1"

    async def test_every_bad_field_is_named(self, env) -> None:
        ctx, store = env
        bad = command(
            email="nope", phone="123", preferred_language="fr", national_insurance_number="QQ123456C"
        )
        with pytest.raises(domain.InvalidDetails) as caught:
            await service.register_citizen(ctx, bad, actor=ME, proof=PROOF)
        fields = {f for f, _ in caught.value.field_errors()}
        assert fields == {"email", "phone", "preferred_language", "national_insurance_number"}
        assert store.commits == 0

    async def test_a_channel_needs_its_contact_detail(self, env) -> None:
        ctx, _ = env
        with pytest.raises(domain.InvalidContactDetail) as caught:
            await service.register_citizen(ctx, command(phone=None), actor=ME, proof=PROOF)
        assert caught.value.field == "phone"
        with pytest.raises(domain.InvalidContactDetail) as nested:
            await service.register_citizen(ctx, command(contact_channels=()), actor=ME, proof=PROOF)
        assert nested.value.field == "contact_preferences.channels"

    async def test_registering_twice_names_the_existing_record(self, env) -> None:
        ctx, store = env
        await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        with pytest.raises(domain.AlreadyRegistered) as caught:
            await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        assert caught.value.existing_id == "c-1"
        assert len(store.events) == 1
        assert len(store.data.audit) == 1

    async def test_someone_elses_nino_is_held_and_does_not_say_whose(self, env) -> None:
        ctx, store = env
        await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        held = await service.register_citizen(ctx, command(citizen_id="c-2"), actor=ME, proof=PROOF)
        assert isinstance(held, domain.RegistrationHeld)
        assert (held.citizen_id, held.reason) == ("c-2", domain.HELD_NINO_REGISTERED)
        assert "c-2" not in store.data.citizens
        assert [h["hold"] for h in store.data.holds] == [held]
        assert store.published()[-1] == CitizenRegistrationHeld(
            hold_id=held.id, citizen_id="c-2", reason=domain.HELD_NINO_REGISTERED
        )

    async def test_the_audit_entry_says_how_the_identity_was_proven(self, env) -> None:
        ctx, store = env
        await service.register_citizen(ctx, command(), actor=ME, proof="documents-in-person: passport")
        assert [e["reason"] for e in store.data.audit] == ["documents-in-person: passport"]

    async def test_idempotent_answer_commits_with_the_record(self, env) -> None:
        ctx, store = env
        claim = Claim("c-1", "key-1", "hash", "lease")
        remember = Remember(
            claim, lambda c: StoredResponse(201, {"id": c.id}, {"Location": f"/v1/citizens/{c.id}"})
        )
        await service.register_citizen(ctx, command(), actor=ME, proof=PROOF, remember=remember)
        assert store.responses[("c-1", "key-1")] == StoredResponse(
            201, {"id": "c-1"}, {"Location": "/v1/citizens/c-1"}
        )

    async def test_a_failure_part_way_leaves_nothing(self, env, monkeypatch: pytest.MonkeyPatch) -> None:
        ctx, store = env

        async def outbox_fails(*_: object) -> str:
            raise ConnectionError("outbox gone")

        monkeypatch.setattr(service.events, "citizen_registered", outbox_fails)
        claim = Claim("c-1", "key-1", "hash", "lease")
        with pytest.raises(ConnectionError):
            await service.register_citizen(
                ctx,
                command(),
                actor=ME,
                proof=PROOF,
                remember=Remember(claim, lambda c: StoredResponse(201, {})),
            )
        assert ctx.uow.last is not None
        assert ctx.uow.last.rolled_back
        assert store.data.citizens == {}
        assert store.data.audit == []
        assert store.events == []
        assert store.responses == {}


class TestChanges:
    async def test_profile_change_bumps_version_audits_and_publishes(self, env, clock: FakeClock) -> None:
        ctx, store = env
        await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        changed = await service.update_profile(
            ctx,
            ChangeProfile("c-1", {"email": "New@Example.com", "family_name": "Lovelace"}, expected_version=1),
            actor=ME,
        )
        assert (changed.version, changed.email) == (2, "New@example.com")
        assert changed.updated_at is not None
        assert changed.updated_at > changed.created_at
        assert store.data.citizens["c-1"] == changed
        entry = store.data.audit[-1]
        assert entry["action"] == "profile_changed"
        assert (entry["before"], entry["after"]) == (
            {"email": "ada@example.com"},
            {"email": "New@example.com"},
        )
        assert store.published()[-1] == CitizenProfileChanged(citizen_id="c-1", changed_fields=["email"])

    async def test_nothing_changed_commits_nothing_new(self, env) -> None:
        ctx, store = env
        registered = await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        same = await service.update_profile(ctx, ChangeProfile("c-1", {"given_name": " Ada "}, 1), actor=ME)
        assert same == registered
        assert len(store.events) == 1
        assert len(store.data.audit) == 1

    async def test_stale_and_missing_versions(self, env) -> None:
        ctx, store = env
        await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        with pytest.raises(domain.StaleVersion):
            await service.update_profile(ctx, ChangeProfile("c-1", {"given_name": "Augusta"}, 2), actor=ME)
        with pytest.raises(domain.VersionRequired):
            await service.update_profile(ctx, ChangeProfile("c-1", {"given_name": "Augusta"}, None), actor=ME)
        assert store.data.citizens["c-1"].given_name == "Ada"

    async def test_bad_fields_in_a_change_are_all_named(self, env) -> None:
        ctx, _ = env
        await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        with pytest.raises(domain.InvalidDetails) as caught:
            await service.update_profile(
                ctx, ChangeProfile("c-1", {"email": "nope", "phone": "1", "given_name": None}, 1), actor=ME
            )
        assert {f for f, _ in caught.value.field_errors()} == {"email", "phone", "given_name"}

    async def test_locked_fields(self, env) -> None:
        ctx, _ = env
        await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        with pytest.raises(domain.ProfileFieldLocked):
            await service.update_profile(ctx, ChangeProfile("c-1", {"nino": "AB654321A"}, 1), actor=ME)

    async def test_contact_preferences(self, env) -> None:
        ctx, store = env
        await service.register_citizen(ctx, command(address_reference=None), actor=ME, proof=PROOF)
        changed = await service.update_contact_preferences(
            ctx, ChangeContactPreferences("c-1", ("sms",), welsh_letters=True, expected_version=1), actor=ME
        )
        assert changed.contact == domain.ContactPreferences(("sms",), welsh_letters=True)
        assert store.published()[-1] == CitizenProfileChanged(citizen_id="c-1", changed_fields=["contact"])
        with pytest.raises(domain.InvalidContactDetail) as caught:
            await service.update_contact_preferences(
                ctx, ChangeContactPreferences("c-1", ("post",), False, expected_version=2), actor=ME
            )
        assert caught.value.field == "channels"

    async def test_changing_a_record_that_does_not_exist(self, env) -> None:
        ctx, _ = env
        with pytest.raises(domain.CitizenNotFound):
            await service.update_profile(ctx, ChangeProfile("nobody", {"given_name": "X"}, 1), actor=ME)


class TestCaseworker:
    async def test_views_and_searches_are_audited_in_order(self, env) -> None:
        ctx, _ = env
        await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        await service.view_citizen_as_caseworker(ctx, citizen_id="c-1", actor=CASEWORKER)
        [found] = await service.search_by_nino(ctx, nino="ab123456c", actor=CASEWORKER)
        assert found.id == "c-1"
        assert await service.search_by_nino(ctx, nino="AB654321C", actor=CASEWORKER) == []
        trail = await service.audit_trail(ctx, citizen_id="c-1", cursor=None, limit=10)
        assert [e["action"] for e in trail] == ["registered", "viewed", "found_by_nino"]
        assert trail[1]["actor_kind"] == "caseworker"
        page = await service.audit_trail(ctx, citizen_id="c-1", cursor=trail[0]["id"], limit=1)
        assert [e["action"] for e in page] == ["viewed"]

    async def test_unknown_citizen(self, env) -> None:
        ctx, store = env
        with pytest.raises(domain.CitizenNotFound):
            await service.view_citizen_as_caseworker(ctx, citizen_id="nobody", actor=CASEWORKER)
        with pytest.raises(domain.CitizenNotFound):
            await service.audit_trail(ctx, citizen_id="nobody", cursor=None, limit=5)
        with pytest.raises(domain.CitizenNotFound):
            await service.get_citizen(ctx, citizen_id="nobody")
        with pytest.raises(domain.InvalidNino):
            await service.search_by_nino(ctx, nino="nonsense", actor=CASEWORKER)
        assert store.data.audit == []


class TestRectify:
    """A caseworker's correction (UK GDPR Art 16): audited before and after, published, every rule."""

    async def test_corrects_the_sealed_fields_with_a_reason_audited_and_published(self, env) -> None:
        ctx, store = env
        await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        fix = domain.RectifyRecord(
            citizen_id="c-1",
            changes={"date_of_birth": date(1990, 1, 10), "national_insurance_number": "AB 65 43 21 D"},
            reason="birth certificate seen",
            expected_version=1,
        )
        corrected = await service.rectify_record(ctx, fix, actor=CASEWORKER)
        assert (corrected.date_of_birth, corrected.nino.value, corrected.version) == (
            date(1990, 1, 10),
            "AB654321D",
            2,
        )
        entry = store.data.audit[-1]
        assert (entry["action"], entry["actor"], entry["reason"]) == (
            "record_rectified",
            "cw-1",
            "birth certificate seen",
        )
        [event] = [
            e for e in store.published(CITIZEN_EVENTS_TOPIC) if e.event_type == "citizen.record_rectified"
        ]
        assert event.changed_fields == ["date_of_birth", "nino"]

    async def test_refuses_a_nino_on_another_record_no_reason_and_a_stale_version(self, env) -> None:
        ctx, store = env
        await service.register_citizen(ctx, command(), actor=ME, proof=PROOF)
        await service.register_citizen(
            ctx, command(citizen_id="c-2", national_insurance_number="AB 11 22 33 A"), actor=ME, proof=PROOF
        )
        commits = store.commits

        def fix(**overrides: object) -> domain.RectifyRecord:
            values: dict = {
                "citizen_id": "c-1",
                "changes": {"national_insurance_number": "AB112233A"},
                "reason": "letter from HMRC",
                "expected_version": 1,
            }
            return domain.RectifyRecord(**(values | overrides))

        with pytest.raises(domain.NinoOnAnotherRecord):
            await service.rectify_record(ctx, fix(), actor=CASEWORKER)
        with pytest.raises(domain.CitizenError, match="Say why"):
            await service.rectify_record(ctx, fix(reason="  "), actor=CASEWORKER)
        with pytest.raises(domain.StaleVersion):
            await service.rectify_record(ctx, fix(expected_version=7), actor=CASEWORKER)
        bad = {"national_insurance_number": "QQ123456C", "date_of_birth": date(2030, 1, 1)}
        with pytest.raises(domain.InvalidDetails) as caught:
            await service.rectify_record(ctx, fix(changes=bad), actor=CASEWORKER)
        assert {f for f, _ in caught.value.field_errors()} == {"national_insurance_number", "date_of_birth"}
        assert store.commits == commits
