"""The payments service's bank details over HTTP, on SQLite and on PostgreSQL, with the embedded AWS
endpoint (KMS for the sealing): validation, sealing at rest, P2, audit, events, fraud holds."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from dwp.payments.repository import bank_details, outbox
from tests.integration.conftest import bearer

pytestmark = pytest.mark.integration

# Accounts from Vocalink's published test cases (they pass the modulus check).
ACCOUNT_A = {"sort_code": "08-99-99", "account_number": "66374958", "account_name": "Ada Lovelace"}
ACCOUNT_B = {"sort_code": "107999", "account_number": "88837491", "account_name": "Alan Turing"}
ACCOUNT_C = {"sort_code": "20 29 59", "account_number": "63748472", "account_name": "Grace Hopper"}


def fresh_account(name: str = "Alan Turing") -> dict:
    """An account nobody else in the database has (the PostgreSQL one lives for the whole session):
    sort code 10-79-99 checks by modulus 11 with weights 8 7 6 5 4 3 2 1 (the published table), so
    seven random digits and the check digit that makes the total divisible by 11."""
    while True:
        digits = [secrets.randbelow(10) for _ in range(7)]
        remainder = sum(d * w for d, w in zip(digits, (8, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        last = (11 - remainder) % 11
        if last < 10:
            number = "".join(map(str, digits)) + str(last)
            return {"sort_code": "107999", "account_number": number, "account_name": name}


def problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def path(citizen_id: str) -> str:
    return f"/v1/payments/citizens/{citizen_id}/bank-details"


async def put(
    client: httpx.AsyncClient, token: str, citizen_id: str, body: dict, **headers: str
) -> httpx.Response:
    return await client.put(path(citizen_id), json=body, headers=bearer(token, **headers))


async def events(app: FastAPI) -> list[dict]:
    database = app.state.payments_context.uow.database
    async with database.read() as session:
        rows = (await session.execute(select(outbox.c.envelope).order_by(outbox.c.occurred_at))).all()
    return [json.loads(r.envelope) for r in rows]


def recent_sign_in() -> str:
    return (datetime.now(UTC) - timedelta(minutes=5)).isoformat()


class TestBankDetails:
    async def test_gives_reads_back_masked_and_seals_at_rest(
        self, client: httpx.AsyncClient, tokens: Callable, payments_app: FastAPI
    ) -> None:
        citizen = str(uuid.uuid4())
        token = tokens(citizen_id=citizen)
        created = await put(client, token, citizen, ACCOUNT_A, **{"X-Device-Id": "laptop"})
        assert created.status_code == 200, created.text
        view = created.json()
        assert view["account"] == "08-99-99 ******58"
        assert view["payment_held"] is False
        assert created.headers["ETag"] == '"1"'
        read = await client.get(path(citizen), headers=bearer(token))
        assert read.json() == view
        async with payments_app.state.payments_context.uow.database.read() as session:
            row = (
                await session.execute(select(bank_details).where(bank_details.c.citizen_id == citizen))
            ).one()
        stored = json.dumps([str(v) for v in row])
        for secret in ("66374958", "089999", "Lovelace"):
            assert secret not in stored
        assert row.sealed.startswith("v1.")
        first = [e for e in await events(payments_app) if e["data"].get("citizen_id") == citizen]
        assert [e["event_type"] for e in first] == ["payments.bank_details_changed"]
        assert first[0]["data"] == {
            "citizen_id": citizen,
            "bank_details_id": view["id"],
            "first": True,
            "held": False,
        }

    async def test_a_change_needs_if_match_and_a_stale_one_is_refused(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen = str(uuid.uuid4())
        token = tokens(citizen_id=citizen)
        await put(client, token, citizen, ACCOUNT_A, **{"X-Device-Id": "laptop"})
        problem(await put(client, token, citizen, ACCOUNT_B), 428)
        problem(await put(client, token, citizen, ACCOUNT_B, **{"If-Match": '"7"'}), 412)
        changed = await put(client, token, citizen, ACCOUNT_B, **{"If-Match": '"1"', "X-Device-Id": "laptop"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["account"] == "10-79-99 ******91"
        assert changed.headers["ETag"] == '"2"'

    async def test_needs_a_proven_identity(self, client: httpx.AsyncClient, tokens: Callable) -> None:
        citizen = str(uuid.uuid4())
        for level in ("P0", "P1"):
            refused = await put(
                client, tokens(citizen_id=citizen, level_of_confidence=level), citizen, ACCOUNT_A
            )
            assert problem(refused, 403)["required_level_of_confidence"] == "P2"

    async def test_two_citizens_interleaved_each_see_only_their_own(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        ada, alan = str(uuid.uuid4()), str(uuid.uuid4())
        ada_token, alan_token = tokens(citizen_id=ada), tokens(citizen_id=alan)
        assert (await put(client, ada_token, ada, ACCOUNT_A)).status_code == 200
        problem(await client.get(path(alan), headers=bearer(ada_token)), 404)  # none yet, and not hers
        assert (await put(client, alan_token, alan, ACCOUNT_B)).status_code == 200
        problem(await client.get(path(alan), headers=bearer(ada_token)), 404)
        problem(await put(client, ada_token, alan, ACCOUNT_C, **{"If-Match": '"1"'}), 404)
        assert (await client.get(path(ada), headers=bearer(ada_token))).json()["account"].endswith("58")
        assert (await client.get(path(alan), headers=bearer(alan_token))).json()["account"].endswith("91")

    async def test_a_caseworker_reads_in_full_and_the_read_is_audited(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen = str(uuid.uuid4())
        await put(client, tokens(citizen_id=citizen), citizen, ACCOUNT_A)
        staff = tokens("caseworker", roles=["caseworker"], subject="cw-7")
        read = await client.get(path(citizen), headers=bearer(staff))
        assert read.json()["account_number"] == "66374958"
        trail = (await client.get(f"/v1/payments/citizens/{citizen}/audit", headers=bearer(staff))).json()
        actions = [(e["action"], e["actor"]) for e in trail["items"]]
        assert actions == [("bank_details_set", citizen), ("bank_details_viewed", "cw-7")]
        assert "66374958" not in json.dumps(trail)
        assert trail["items"][0]["after"]["account"] == "08-99-99 ******58"
        problem(await client.get(f"/v1/payments/citizens/{citizen}/audit", headers=bearer(tokens())), 403)


class TestHostileInput:
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("sort_code", "08-99-9"),
            ("sort_code", "08\x0099-99"),
            ("sort_code", "08-99-9A"),
            ("sort_code", "08\u202e9999"),
            ("account_number", "66374959"),  # fails the modulus check
            ("account_number", "6637 4958 0000 1"),
            ("account_number", "6637\x004958"),
            ("account_name", "Ada\x00Lovelace"),
            ("account_name", "\u202eecalevoL adA"),
            ("roll_number", "ROLL\x00123"),
            ("roll_number", "ROLL/\u00c4\u00d6"),
        ],
    )
    async def test_refused_with_the_field_named(
        self, client: httpx.AsyncClient, tokens: Callable, field: str, value: str
    ) -> None:
        citizen = str(uuid.uuid4())
        refused = await put(client, tokens(citizen_id=citizen), citizen, {**ACCOUNT_A, field: value})
        body = problem(refused, 422)
        assert field in {e["field"] for e in body["errors"]}, body
        assert value not in json.dumps(body) or field == "account_number"

    async def test_other_scripts_digits_are_folded_so_one_account_is_one(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen = str(uuid.uuid4())
        token = tokens(citizen_id=citizen)
        # Arabic-Indic sort code, fullwidth account number, a dash and an en dash between the pairs.
        body = {
            **ACCOUNT_A,
            "sort_code": "\u0660\u0668-\u0669\u0669\u2013\u0669\u0669",
            "account_number": "\uff16\uff16\uff13\uff17\uff14\uff19\uff15\uff18",
        }
        given = await put(client, token, citizen, body)
        assert given.status_code == 200, given.text
        assert given.json()["account"] == "08-99-99 ******58"
        # The same account typed in ASCII is no change at all: the version stays.
        same = await put(client, token, citizen, ACCOUNT_A, **{"If-Match": '"1"'})
        assert same.json()["version"] == 1

    async def test_several_bad_fields_are_all_named(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen = str(uuid.uuid4())
        body = {"sort_code": "1", "account_number": "x", "account_name": "\x01", "roll_number": "\x00"}
        refused = await put(client, tokens(citizen_id=citizen), citizen, body)
        fields = {e["field"] for e in problem(refused, 422)["errors"]}
        assert fields == {"sort_code", "account_number", "account_name", "roll_number"}

    async def test_unknown_fields_and_a_missing_token(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen = str(uuid.uuid4())
        problem(await put(client, tokens(citizen_id=citizen), citizen, {**ACCOUNT_A, "iban": "GB00"}), 422)
        problem(await client.put(path(citizen), json=ACCOUNT_A), 401)

    async def test_a_building_society_roll_number_is_kept(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen = str(uuid.uuid4())
        given = await put(
            client, tokens(citizen_id=citizen), citizen, {**ACCOUNT_C, "roll_number": "ab/1234.5-6"}
        )
        assert given.json()["roll_number"] == "AB/1234.5-6"


class TestFraudHolds:
    async def test_a_change_soon_after_sign_in_from_a_new_device_holds_the_next_payment(
        self, client: httpx.AsyncClient, tokens: Callable, payments_app: FastAPI
    ) -> None:
        citizen = str(uuid.uuid4())
        token = tokens(citizen_id=citizen)
        await put(client, token, citizen, fresh_account(), **{"X-Device-Id": "laptop"})
        new_account = fresh_account()
        changed = await put(
            client,
            token,
            citizen,
            new_account,
            **{"If-Match": '"1"', "X-Device-Id": "stranger-phone", "X-Signed-In-At": recent_sign_in()},
        )
        assert changed.json()["payment_held"] is True
        staff = tokens("caseworker", roles=["caseworker"], subject="cw-1")
        holds = (await client.get("/v1/payments/holds", headers=bearer(staff))).json()["items"]
        mine = [h for h in holds if h["citizen_id"] == citizen]
        assert [h["reasons"] for h in mine] == [["new-device-soon-after-sign-in"]]
        mine_events = [e for e in await events(payments_app) if e["data"].get("citizen_id") == citizen]
        assert [e["event_type"] for e in mine_events] == [
            "payments.bank_details_changed",
            "payments.payment_held",
            "payments.bank_details_changed",
        ]
        assert mine_events[-1]["data"]["held"] is True
        # No personal data in any event (decision 4).
        assert new_account["account_number"] not in json.dumps(mine_events)
        assert "Turing" not in json.dumps(mine_events)
        decided = await client.post(
            f"/v1/payments/holds/{mine[0]['id']}/decision",
            json={"outcome": "release", "reason": "Spoke to the claimant on their known phone number"},
            headers=bearer(staff),
        )
        assert decided.json()["status"] == "released"
        again = await client.post(
            f"/v1/payments/holds/{mine[0]['id']}/decision",
            json={"outcome": "stop", "reason": "twice"},
            headers=bearer(staff),
        )
        problem(again, 409)
        problem(
            await client.post(
                "/v1/payments/holds/x/decision",
                json={"outcome": "stop", "reason": "r"},
                headers=bearer(token),
            ),
            403,
        )

    async def test_the_same_device_or_a_first_setting_holds_nothing(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        citizen = str(uuid.uuid4())
        token = tokens(citizen_id=citizen)
        first = await put(client, token, citizen, fresh_account(), **{"X-Signed-In-At": recent_sign_in()})
        assert first.json()["payment_held"] is False
        # No device sent with the first one; this change names one, which is new (and the time of the
        # sign-in is not given, which counts as recent): held.
        changed = await put(
            client, token, citizen, fresh_account(), **{"If-Match": '"1"', "X-Device-Id": "tablet"}
        )
        assert changed.json()["payment_held"] is True

    async def test_several_claimants_paid_into_one_account_hold_the_next(
        self, client: httpx.AsyncClient, tokens: Callable
    ) -> None:
        account = fresh_account("Shared")
        people = [str(uuid.uuid4()) for _ in range(3)]
        held = [(await put(client, tokens(citizen_id=p), p, account)).json()["payment_held"] for p in people]
        # Two people (a couple's joint account) are not a pattern; the third is.
        assert held == [False, False, True]
