"""The citizen service over HTTP, on SQLite and on PostgreSQL, with the embedded AWS endpoint."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from dwp.citizen.domain import Citizen, Nino
from dwp.citizen.repository import citizens, outbox, registration_holds
from dwp.platform import catalog
from dwp.platform.auth import caller_scope, confidence_scope
from dwp.platform.settings import Settings
from tests.conftest import random_nino
from tests.integration.conftest import bearer, on_behalf_of, service_token

pytestmark = pytest.mark.integration


def details(**overrides: object) -> dict:
    body: dict = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1990-01-01",
        "national_insurance_number": random_nino(),
        "email": "ada@example.com",
        "phone": "020 7946 0123",
        "address_reference": "100023336956",
        "preferred_language": "cy",
        "contact_preferences": {"channels": ["email", "sms"], "welsh_letters": True},
    }
    body.update(overrides)
    return body


async def register(
    client: httpx.AsyncClient, token: str, body: dict | None = None, **headers: str
) -> httpx.Response:
    """Register as the identity service does, for the citizen whose (P2) token is `token`."""
    return await client.post(
        "/v1/internal/citizens", json=body or details(), headers=on_behalf_of(client, token, **headers)
    )


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert "type" in problem
    return problem


async def holds_of(app: FastAPI, *citizen_ids: str) -> list[Any]:
    """The registration holds stored for these citizen ids."""
    database = app.state.citizen_context.uow.database
    async with database.read() as session:
        query = select(registration_holds).where(registration_holds.c.citizen_id.in_(citizen_ids))
        return list((await session.execute(query)).all())


class TestRegistration:
    async def test_registers_and_reads_back_own_profile(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen_id = str(uuid.uuid4())
        token = tokens(citizen_id=citizen_id)
        body = details()
        created = await register(client, token, body)
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"/v1/citizens/{citizen_id}"
        assert created.headers["etag"] == '"1"'
        assert created.headers["x-request-id"]
        read = await client.get(f"/v1/citizens/{citizen_id}", headers=bearer(token))
        assert read.status_code == 200
        profile = read.json()
        assert profile["national_insurance_number"] == body["national_insurance_number"]
        assert profile["date_of_birth"] == "1990-01-01"
        assert profile["phone"] == "+442079460123"
        assert profile["preferred_language"] == "cy"
        assert profile["contact_preferences"] == {"channels": ["email", "sms"], "welsh_letters": True}

    async def test_security_headers_on_every_response(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health/live")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert response.headers["x-frame-options"] == "DENY"

    async def test_incoming_request_id_is_kept(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health/live", headers={"X-Request-ID": "req-123456789"})
        assert response.headers["x-request-id"] == "req-123456789"

    async def test_idempotency_key_replays_the_same_registration(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        token = tokens()
        body = details()
        first = await register(client, token, body, **{"Idempotency-Key": "k-1"})
        again = await register(client, token, body, **{"Idempotency-Key": "k-1"})
        assert first.status_code == 201
        # A replay is the original answer (IETF Idempotency-Key draft): its status, body and headers.
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["idempotent-replayed"] == "true"

    async def test_idempotency_key_reused_for_different_body_is_refused(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        token = tokens()
        await register(client, token, details(), **{"Idempotency-Key": "k-2"})
        response = await register(client, token, details(given_name="Other"), **{"Idempotency-Key": "k-2"})
        assert assert_problem(response, 422)["type"].endswith("idempotency-key-reused")

    async def test_registering_twice_is_a_conflict_with_a_link_for_the_owner(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen_id = str(uuid.uuid4())
        token = tokens(citizen_id=citizen_id)
        await register(client, token)
        problem = assert_problem(await register(client, token), 409)
        assert problem["existing"] == f"/v1/citizens/{citizen_id}"

    async def test_someone_elses_nino_is_held_with_the_same_answer_whatever_the_reason(
        self, citizen_app: FastAPI, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        body = details()
        fresh = await register(client, tokens(), body)
        assert fresh.status_code == 201, fresh.text
        assert fresh.json()["national_insurance_number"] == body["national_insurance_number"]
        second, third = str(uuid.uuid4()), str(uuid.uuid4())
        held = await register(client, tokens(citizen_id=second), {**body, "email": "x@example.com"})
        again = await register(
            client, tokens(citizen_id=third), {**body, "given_name": "Someone", "family_name": "Else"}
        )
        for response in (held, again):
            assert response.status_code == 202, response.text
            assert response.headers["content-type"] == "application/json"
            assert "location" not in response.headers
        # Only the reference (a random id for the hold) differs; nothing says why, or whose the NINO is.
        first_body, second_body = held.json(), again.json()
        assert first_body.keys() == second_body.keys() == {"status", "reference", "detail"}
        assert {**first_body, "reference": ""} == {**second_body, "reference": ""}
        assert first_body["reference"] != second_body["reference"]
        assert body["national_insurance_number"] not in held.text
        holds = await holds_of(citizen_app, second)
        database = citizen_app.state.citizen_context.uow.database
        async with database.read() as session:
            envelopes = [
                json.loads(r.envelope)
                for r in (await session.execute(select(outbox))).all()
                if first_body["reference"] in r.envelope
            ]
            records = (await session.execute(select(citizens.c.id).where(citizens.c.id == second))).all()
        assert [(h.id, h.status, h.reason, h.requested_by) for h in holds] == [
            (first_body["reference"], "held", "nino-registered-to-another-person", second)
        ]
        assert body["national_insurance_number"] not in holds[0].nino_sealed
        assert records == []
        assert [e["event_type"] for e in envelopes] == ["citizen.registration_held"]
        assert envelopes[0]["data"] == {
            "hold_id": first_body["reference"],
            "citizen_id": second,
            "reason": "nino-registered-to-another-person",
        }

    async def test_a_held_registration_is_replayed_for_its_idempotency_key(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        body = details()
        assert (await register(client, tokens(), body)).status_code == 201
        token = tokens()
        first = await register(client, token, body, **{"Idempotency-Key": "hold-1"})
        replay = await register(client, token, body, **{"Idempotency-Key": "hold-1"})
        assert (first.status_code, replay.status_code) == (202, 202)
        assert first.json() == replay.json()


class TestRegistrationRaces:
    """Registrations of one NINO at the same moment: the unique blind index decides, not the read
    before it. Both requests are held at a barrier after the use case's NINO read, so each has seen no
    record when it writes (on SQLite and PostgreSQL alike)."""

    @pytest.fixture
    def side_by_side(self, monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
        from dwp.citizen.repository import SqlCitizenRepository

        def arm(parties: int) -> None:
            barrier = asyncio.Barrier(parties)
            read = SqlCitizenRepository.find_by_nino

            async def find_then_wait(self: SqlCitizenRepository, nino: Nino) -> Citizen | None:
                found = await read(self, nino)
                async with asyncio.timeout(10):
                    await barrier.wait()
                return found

            monkeypatch.setattr(SqlCitizenRepository, "find_by_nino", find_then_wait)

        return arm

    async def test_two_people_at_the_same_moment_get_one_record_and_one_hold(
        self,
        citizen_app: FastAPI,
        client: httpx.AsyncClient,
        tokens: Callable,
        side_by_side: Callable[[int], None],
    ) -> None:
        body = details()
        people = [str(uuid.uuid4()) for _ in range(2)]
        side_by_side(2)
        answers = await asyncio.gather(*(register(client, tokens(citizen_id=p), body) for p in people))
        assert sorted(a.status_code for a in answers) == [201, 202], [a.text for a in answers]
        created = next(a for a in answers if a.status_code == 201).json()
        held = next(a for a in answers if a.status_code == 202)
        # The one who lost the race is told what anyone with a registered NINO is told: nothing more.
        assert held.json().keys() == {"status", "reference", "detail"}
        assert body["national_insurance_number"] not in held.text
        loser = next(p for p in people if p != created["id"])
        holds = await holds_of(citizen_app, *people)
        database = citizen_app.state.citizen_context.uow.database
        async with database.read() as session:
            records = (await session.execute(select(citizens.c.id).where(citizens.c.id.in_(people)))).all()
            events = [
                json.loads(r.envelope)["event_type"]
                for r in (await session.execute(select(outbox))).all()
                if any(p in r.envelope for p in people)
            ]
        assert [r.id for r in records] == [created["id"]]
        assert [(h.id, h.citizen_id, h.status) for h in holds] == [(held.json()["reference"], loser, "held")]
        assert sorted(events) == ["citizen.registered", "citizen.registration_held"]

    async def test_one_person_twice_at_the_same_moment_gets_one_record_and_a_conflict(
        self,
        citizen_app: FastAPI,
        client: httpx.AsyncClient,
        tokens: Callable,
        side_by_side: Callable[[int], None],
    ) -> None:
        citizen_id = str(uuid.uuid4())
        token, body = tokens(citizen_id=citizen_id), details()
        side_by_side(2)
        answers = await asyncio.gather(register(client, token, body), register(client, token, body))
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        problem = assert_problem(next(a for a in answers if a.status_code == 409), 409)
        assert problem["type"].endswith("already-registered")
        assert problem["existing"] == f"/v1/citizens/{citizen_id}"  # their own record, and only theirs
        assert await holds_of(citizen_app, citizen_id) == []

    async def test_ten_people_at_once_get_one_record_and_nine_holds(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        body = details()
        answers = await asyncio.gather(*(register(client, tokens(), body) for _ in range(10)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] + [202] * 9, [a.text for a in answers]


class TestWhoMayCreateRecords:
    async def test_a_citizen_token_cannot_create_a_record_itself(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        # Not through the caseworker route, nor the internal one as the bearer.
        public = await client.post("/v1/citizens", json=details(), headers=bearer(tokens()))
        assert assert_problem(public, 403)["type"].endswith("forbidden")
        direct = await client.post("/v1/internal/citizens", json=details(), headers=bearer(tokens()))
        assert_problem(direct, 403)

    async def test_only_the_identity_service_creates_records_online(
        self, client: httpx.AsyncClient, tokens: Callable, bootstrapped: Settings
    ) -> None:
        citizen = tokens()
        for caller in ("claims", "benefits", "gateway"):
            response = await client.post(
                "/v1/internal/citizens",
                json=details(),
                headers={**bearer(service_token(bootstrapped, caller)), "On-Behalf-Of": citizen},
            )
            problem = assert_problem(response, 403)
            assert problem["type"].endswith("caller-not-allowed"), problem

    async def test_identity_must_send_the_citizens_own_proven_token(
        self, client: httpx.AsyncClient, tokens: Callable, bootstrapped: Settings
    ) -> None:
        identity = bearer(service_token(bootstrapped, "identity"))
        missing = await client.post("/v1/internal/citizens", json=details(), headers=identity)
        assert_problem(missing, 422)
        as_service = await client.post(
            "/v1/internal/citizens",
            json=details(),
            headers={**identity, "On-Behalf-Of": service_token(bootstrapped, "claims")},
        )
        assert assert_problem(as_service, 403)["type"].endswith("identity-not-proven")

    async def test_the_record_is_the_forwarded_citizens_and_says_how_it_was_proven(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen_id = str(uuid.uuid4())
        created = await register(client, tokens(citizen_id=citizen_id), details())
        assert created.json()["id"] == citizen_id
        trail = await client.get(
            f"/v1/citizens/{citizen_id}/audit", headers=bearer(tokens("caseworker", roles=["caseworker"]))
        )
        (entry,) = trail.json()["items"]
        assert (entry["action"], entry["actor"], entry["actor_kind"]) == ("registered", citizen_id, "citizen")
        assert entry["reason"] == "online: GOV.UK One Login P2, sent by identity"

    async def test_a_caseworker_registers_a_person_whose_documents_they_checked(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        caseworker = tokens("caseworker", roles=["caseworker"])
        citizen_id = str(uuid.uuid4())
        body = {
            **details(),
            "citizen_id": citizen_id,
            "identity_check": {"documents": ["passport", "utility-bill"]},
        }
        created = await client.post("/v1/citizens", json=body, headers=bearer(caseworker))
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"/v1/citizens/{citizen_id}"
        trail = await client.get(f"/v1/citizens/{citizen_id}/audit", headers=bearer(caseworker))
        (entry,) = trail.json()["items"]
        assert (entry["actor"], entry["actor_kind"]) == ("caseworker-1", "caseworker")
        assert entry["reason"] == "documents-in-person: passport, utility-bill"
        assert entry["at"]
        unchecked = {**body, "citizen_id": str(uuid.uuid4()), "identity_check": {"documents": []}}
        refused = await client.post("/v1/citizens", json=unchecked, headers=bearer(caseworker))
        assert "#/identity_check/documents" in [e["pointer"] for e in assert_problem(refused, 422)["errors"]]


class TestContactDetails:
    async def test_claims_and_workers_read_contact_details_and_nobody_else(
        self, client: httpx.AsyncClient, tokens: Callable, bootstrapped: Settings
    ) -> None:
        citizen_id = str(uuid.uuid4())
        token = tokens(citizen_id=citizen_id)
        await register(client, token, details(email="ada@example.com"))
        url = f"/v1/internal/citizens/{citizen_id}/contact-details"
        for caller in ("claims", "workers"):
            read = await client.get(url, headers=bearer(service_token(bootstrapped, caller)))
            assert read.status_code == 200, read.text
            assert read.json()["email"] == "ada@example.com"
            assert "national_insurance_number" not in read.json()
            assert "date_of_birth" not in read.json()
        for caller in ("identity", "benefits"):
            problem = assert_problem(
                await client.get(url, headers=bearer(service_token(bootstrapped, caller))), 403
            )
            assert problem["type"].endswith("caller-not-allowed")
        assert_problem(await client.get(url, headers=bearer(token)), 403)
        missing = f"/v1/internal/citizens/{uuid.uuid4()}/contact-details"
        assert_problem(await client.get(missing, headers=bearer(service_token(bootstrapped, "claims"))), 404)

    async def test_every_internal_route_refuses_a_caller_not_in_its_list(
        self, client: httpx.AsyncClient, tokens: Callable, bootstrapped: Settings
    ) -> None:
        # Generated from OpenAPI: every route whose bearer requirement names callers, with every
        # service of the catalogue that it does not name.
        document = (await client.get("/openapi.json")).json()
        internal = {
            (method, path): {
                role.removeprefix(caller_scope(""))
                for r in operation.get("security", [])
                for roles in r.values()
                for role in roles
                if role.startswith(caller_scope(""))
            }
            for path, item in document["paths"].items()
            for method, operation in item.items()
        }
        internal = {route: callers for route, callers in internal.items() if callers}
        assert internal == {
            ("post", "/v1/internal/citizens"): {"identity"},
            ("get", "/v1/internal/citizens/{citizen_id}/contact-details"): {"claims", "workers"},
            ("get", "/v1/internal/citizens/{citizen_id}/identity"): {"claims", "workers"},
            ("post", "/v1/internal/citizen/retention/runs"): {"workers"},
            ("post", "/v1/internal/citizens/{citizen_id}/subject-access-exports"): {"claims"},
        }
        assert all(path.startswith("/v1/internal/") for _, path in internal)
        services = {
            p.name for p in catalog.PROCESSES if p.kind in ("service", "worker", "frontend", "gateway")
        }
        for (method, template), allowed in internal.items():
            for caller in sorted(services - allowed):
                response = await client.request(
                    method.upper(),
                    template.replace("{citizen_id}", str(uuid.uuid4())),
                    json=details(),
                    headers={**bearer(service_token(bootstrapped, caller)), "On-Behalf-Of": tokens()},
                )
                problem = assert_problem(response, 403)
                assert problem["type"].endswith("caller-not-allowed"), (method, template, caller)


class TestBadInput:
    async def test_malformed_json(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        response = await client.post(
            "/v1/citizens",
            content=b'{"given_name": ',
            headers=bearer(tokens(), **{"Content-Type": "application/json"}),
        )
        assert assert_problem(response, 400)["type"].endswith("malformed-json")

    async def test_wrong_content_type(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        response = await client.post(
            "/v1/citizens",
            content=b"given_name=Ada",
            headers=bearer(tokens(), **{"Content-Type": "text/plain"}),
        )
        assert_problem(response, 415)

    async def test_unknown_field(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        problem = assert_problem(await register(client, tokens(), details(favourite_colour="blue")), 422)
        assert [e["pointer"] for e in problem["errors"]] == ["#/favourite_colour"]

    async def test_oversized_body(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        problem = assert_problem(await register(client, tokens(), details(given_name="A" * 2_000_000)), 413)
        assert "bytes" in problem["detail"]

    @pytest.mark.parametrize(
        ("nino", "message"),
        [
            ("QQ123456C", "prefix"),
            ("AB123456E", "A, B, C or D"),
            ("AB12345C", "2 letters, 6 numbers"),
            ("AB1234567C", "2 letters, 6 numbers"),
        ],
        ids=["bad-prefix", "bad-suffix", "too-short", "too-long"],
    )
    async def test_invalid_nino(
        self, client: httpx.AsyncClient, tokens: Callable, nino: str, message: str
    ) -> None:
        problem = assert_problem(
            await register(client, tokens(), details(national_insurance_number=nino)), 422
        )
        [error] = problem["errors"]
        assert error["pointer"] == "#/national_insurance_number"
        assert message in error["detail"]

    async def test_date_of_birth_in_the_future(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        future = (date.today() + timedelta(days=30)).isoformat()
        problem = assert_problem(await register(client, tokens(), details(date_of_birth=future)), 422)
        assert problem["errors"][0]["pointer"] == "#/date_of_birth"
        assert "past" in problem["errors"][0]["detail"]

    async def test_under_16(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        fifteen = date.today().replace(year=date.today().year - 15).isoformat()
        problem = assert_problem(await register(client, tokens(), details(date_of_birth=fifteen)), 422)
        assert "16 or over" in problem["errors"][0]["detail"]

    async def test_several_bad_fields_are_all_named(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        body = details(email="nope", phone="123", preferred_language="fr")
        problem = assert_problem(await register(client, tokens(), body), 422)
        assert {e["pointer"] for e in problem["errors"]} == {"#/email", "#/phone", "#/preferred_language"}


class TestAccess:
    async def test_missing_token(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/citizens", json=details())
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_bad_token(self, client: httpx.AsyncClient) -> None:
        assert_problem(await register(client, "not-a-token"), 401)

    async def test_expired_token(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        import time

        assert_problem(await register(client, tokens(now=time.time() - 7200, lifetime_seconds=60)), 401)

    async def test_another_citizens_record_is_not_found(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        owner = str(uuid.uuid4())
        await register(client, tokens(citizen_id=owner))
        response = await client.get(f"/v1/citizens/{owner}", headers=bearer(tokens()))
        assert_problem(response, 404)
        patch = await client.patch(
            f"/v1/citizens/{owner}",
            json={"given_name": "Mallory"},
            headers=bearer(tokens(), **{"If-Match": '"1"'}),
        )
        assert_problem(patch, 404)

    async def test_caseworker_route_needs_the_role(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        search = {"national_insurance_number": random_nino()}
        citizen = await client.post("/v1/citizens/search", json=search, headers=bearer(tokens()))
        assert_problem(citizen, 403)
        no_role = await client.post("/v1/citizens/search", json=search, headers=bearer(tokens("caseworker")))
        assert_problem(no_role, 403)
        # Roles count only on caseworker tokens: a citizen token claiming the role reads nothing of staff's.
        posing = tokens(roles=["caseworker"])
        assert_problem(await client.post("/v1/citizens/search", json=search, headers=bearer(posing)), 403)
        assert_problem(await client.get(f"/v1/citizens/{uuid.uuid4()}/audit", headers=bearer(posing)), 403)

    @pytest.mark.parametrize("level", ["P0", "P1", None])
    async def test_an_unproven_identity_cannot_create_or_change_a_record(
        self, client: httpx.AsyncClient, tokens: Callable, level: str | None
    ) -> None:
        citizen_id = str(uuid.uuid4())
        assert (await register(client, tokens(citizen_id=citizen_id))).status_code == 201
        unproven = tokens(citizen_id=citizen_id, level_of_confidence=level)
        problem = assert_problem(await register(client, tokens(level_of_confidence=level)), 403)
        assert problem["type"].endswith("identity-not-proven")
        assert problem["required_level_of_confidence"] == "P2"
        assert problem["level_of_confidence"] == level
        assert "P2" in problem["detail"]
        change = await client.patch(
            f"/v1/citizens/{citizen_id}",
            json={"address_reference": "100023336957"},
            headers=bearer(unproven, **{"If-Match": '"1"'}),
        )
        assert assert_problem(change, 403)["type"].endswith("identity-not-proven")
        # Reading one's own record needs no proven identity.
        assert (await client.get(f"/v1/citizens/{citizen_id}", headers=bearer(unproven))).status_code == 200

    async def test_every_route_that_needs_a_proven_identity_refuses_p0_and_p1(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        # Generated from OpenAPI, so a route that adds the requirement is covered the day it is added.
        document = (await client.get("/openapi.json")).json()
        needing = [
            (method, path)
            for path, item in document["paths"].items()
            for method, operation in item.items()
            if any(
                confidence_scope("P2") in roles for r in operation.get("security", []) for roles in r.values()
            )
        ]
        # Registering online checks the citizen's token that identity forwards (On-Behalf-Of), not the
        # bearer (`test_an_unproven_identity_cannot_create_or_change_a_record`); POST /v1/citizens is staff's.
        assert ("post", "/v1/citizens") not in needing
        assert ("patch", "/v1/citizens/{citizen_id}") in needing
        for method, template in needing:
            for level in ("P0", "P1"):
                citizen_id = str(uuid.uuid4())
                response = await client.request(
                    method.upper(),
                    template.replace("{citizen_id}", citizen_id),
                    json={},
                    headers=bearer(tokens(citizen_id=citizen_id, level_of_confidence=level)),
                )
                problem = assert_problem(response, 403)
                assert problem["type"].endswith("identity-not-proven"), (method, template, level)

    async def test_openapi_documents_every_problem_the_service_can_answer(
        self, client: httpx.AsyncClient
    ) -> None:
        document = (await client.get("/openapi.json")).json()
        assert "HTTPValidationError" not in str(document)
        register_responses = document["paths"]["/v1/citizens"]["post"]["responses"]
        for status in ("400", "401", "403", "409", "415", "422", "500", "503"):
            assert list(register_responses[status]["content"]) == ["application/problem+json"], status
        assert "already-registered" in register_responses["409"]["description"]
        assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]


class TestProfile:
    async def test_update_with_if_match_and_stale_etag(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen_id = str(uuid.uuid4())
        token = tokens(citizen_id=citizen_id)
        await register(client, token)
        url = f"/v1/citizens/{citizen_id}"
        changed = await client.patch(
            url, json={"email": "new@example.com"}, headers=bearer(token, **{"If-Match": '"1"'})
        )
        assert changed.status_code == 200, changed.text
        assert changed.headers["etag"] == '"2"'
        assert changed.json()["email"] == "new@example.com"
        stale = await client.patch(
            url, json={"given_name": "Augusta"}, headers=bearer(token, **{"If-Match": '"1"'})
        )
        assert_problem(stale, 412)
        missing = await client.patch(url, json={"given_name": "Augusta"}, headers=bearer(token))
        assert_problem(missing, 428)
        assert (await client.get(url, headers=bearer(token))).json()["given_name"] == "Ada"

    async def test_nino_cannot_be_changed_by_the_citizen(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen_id = str(uuid.uuid4())
        token = tokens(citizen_id=citizen_id)
        await register(client, token)
        response = await client.patch(
            f"/v1/citizens/{citizen_id}",
            json={"national_insurance_number": random_nino()},
            headers=bearer(token, **{"If-Match": '"1"'}),
        )
        assert assert_problem(response, 422)["errors"][0]["pointer"] == "#/national_insurance_number"

    async def test_contact_preferences(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        citizen_id = str(uuid.uuid4())
        token = tokens(citizen_id=citizen_id)
        await register(client, token)
        url = f"/v1/citizens/{citizen_id}/contact-preferences"
        current = await client.get(url, headers=bearer(token))
        assert current.json() == {"channels": ["email", "sms"], "welsh_letters": True}
        body = {"channels": ["sms"], "welsh_letters": False}
        changed = await client.put(
            url, json=body, headers=bearer(token, **{"If-Match": current.headers["etag"]})
        )
        assert changed.status_code == 200, changed.text
        assert changed.json() == body
        post_only = {"channels": ["post"], "welsh_letters": False}
        refused = await client.put(
            url, json=post_only, headers=bearer(token, **{"If-Match": changed.headers["etag"]})
        )
        assert refused.status_code == 200  # the test citizen has an address reference, so post is allowed
        nothing = await client.put(url, json={"channels": []}, headers=bearer(token, **{"If-Match": '"3"'}))
        assert_problem(nothing, 422)


class TestCaseworker:
    async def test_search_by_nino_and_audit_trail(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        citizen_id = str(uuid.uuid4())
        token = tokens(citizen_id=citizen_id)
        body = details()
        await register(client, token, body)
        await client.patch(
            f"/v1/citizens/{citizen_id}",
            json={"email": "b@example.com"},
            headers=bearer(token, **{"If-Match": '"1"'}),
        )
        caseworker = tokens("caseworker", roles=["caseworker"])
        spaced = " ".join(
            [body["national_insurance_number"][:2], body["national_insurance_number"][2:]]
        ).lower()
        found = await client.post(
            "/v1/citizens/search", json={"national_insurance_number": spaced}, headers=bearer(caseworker)
        )
        assert found.status_code == 200, found.text
        assert [c["id"] for c in found.json()["items"]] == [citizen_id]
        none = await client.post(
            "/v1/citizens/search",
            json={"national_insurance_number": random_nino()},
            headers=bearer(caseworker),
        )
        assert none.json()["items"] == []

        first = await client.get(f"/v1/citizens/{citizen_id}/audit?limit=2", headers=bearer(caseworker))
        assert first.status_code == 200
        page = first.json()
        assert [e["action"] for e in page["items"]] == ["registered", "profile_changed"]
        assert page["items"][1]["before"] == {"email": "ada@example.com"}
        assert page["items"][1]["after"] == {"email": "b@example.com"}
        assert "national_insurance_number" not in json.dumps(page)
        second = await client.get(
            f"/v1/citizens/{citizen_id}/audit?limit=2&cursor={page['next_cursor']}",
            headers=bearer(caseworker),
        )
        assert [e["action"] for e in second.json()["items"]] == ["found_by_nino"]


class TestAtRest:
    async def test_nino_and_date_of_birth_are_not_stored_in_the_clear(
        self, client: httpx.AsyncClient, tokens: Callable, citizen_app
    ) -> None:
        from sqlalchemy import select

        from dwp.citizen.repository import citizens

        citizen_id = str(uuid.uuid4())
        body = details()
        await register(client, tokens(citizen_id=citizen_id), body)
        database = citizen_app.state.citizen_context.uow.database
        async with database.read() as session:
            row = (await session.execute(select(citizens).where(citizens.c.id == citizen_id))).one()
        stored = json.dumps([str(v) for v in row])
        assert body["national_insurance_number"] not in stored
        assert "1990-01-01" not in stored
        assert row.nino_sealed.startswith("v1.")
        assert len(row.nino_index) == 64


class TestContactForServices:
    """`GET /v1/internal/citizens/{id}/contact-details`, the one route for how to reach a citizen: what
    it answers, and that each read is audited (who may call it: `TestContactDetails`)."""

    async def test_the_workers_service_reads_contact_details_and_the_read_is_audited(
        self, client: httpx.AsyncClient, tokens: Callable, bootstrapped: Settings
    ) -> None:
        citizen_id = str(uuid.uuid4())
        assert (await register(client, tokens(citizen_id=citizen_id))).status_code == 201
        url = f"/v1/internal/citizens/{citizen_id}/contact-details"
        for caller in ("workers", "claims"):
            read = await client.get(url, headers=bearer(service_token(bootstrapped, caller)))
            assert read.status_code == 200, read.text
            assert read.json() == {
                "id": citizen_id,
                "given_name": "Ada",
                "email": "ada@example.com",
                "phone": "+442079460123",
                "address_reference": "100023336956",
                "preferred_language": "cy",
                "contact_preferences": {"channels": ["email", "sms"], "welsh_letters": True},
            }
        caseworker = tokens("caseworker", roles=["caseworker"])
        trail = await client.get(f"/v1/citizens/{citizen_id}/audit", headers=bearer(caseworker))
        readers = {e["actor"] for e in trail.json()["items"] if e["action"] == "contact_read"}
        assert readers == {"workers", "claims"}, trail.text

    async def test_there_is_one_contact_route(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()
        contact = sorted(
            p for p in document["paths"] if p.rsplit("/", 1)[-1] in ("contact", "contact-details")
        )
        assert contact == ["/v1/internal/citizens/{citizen_id}/contact-details"]
