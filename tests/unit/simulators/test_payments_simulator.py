"""The payment system simulator: one payment per instruction id however often it is sent, rejections
with a reason code, returns reported later, its key, and the shared fault control."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from dwp.simulators.payments.app import LOCAL_KEY, create_app

KEY = {"Authorization": f"Bearer {LOCAL_KEY}"}


def instruction(instruction_id: str, **overrides: object) -> dict:
    body: dict = {
        "instruction_id": instruction_id,
        "sort_code": "107999",
        "account_number": "88837491",
        "account_name": "ALAN TURING",
        "reference": "DWP 1234 0",
        "pence": 61_000,
        "pay_on": "2026-10-07",
    }
    body.update(overrides)
    return body


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bacs.test"
    ) as client:
        yield client


async def submit(http: httpx.AsyncClient, *instructions: dict) -> list[dict]:
    answer = await http.post("/v1/submissions", json={"instructions": list(instructions)}, headers=KEY)
    assert answer.status_code == 200, answer.text
    return answer.json()["answers"]


async def test_an_instruction_id_is_paid_once_however_often_it_is_sent(http: httpx.AsyncClient) -> None:
    first = await submit(http, instruction("a"), instruction("b"))
    again = await submit(http, instruction("a", pence=1))
    assert [a["status"] for a in first] == ["accepted", "accepted"]
    assert again == [first[0]]
    state = (await http.get("/_simulator/payments")).json()
    assert state["payments"] == 2
    # paid once, at the amount first sent (the second submission said 1p)
    assert state["instructions"]["a"] == {"submissions": 2, "paid": 1, "status": "accepted", "pence": 61_000}
    assert (await http.get("/v1/instructions/a", headers=KEY)).json()["status"] == "accepted"
    assert (await http.get("/v1/instructions/never", headers=KEY)).status_code == 404


async def test_rejections_and_later_returns(http: httpx.AsyncClient) -> None:
    rule = {"sort_code": "107999", "account_number": "11111111", "outcome": "reject", "reason_code": "R04"}
    await http.put("/_simulator/payments/accounts", json=rule)
    rule = {**rule, "account_number": "22222222", "outcome": "return", "reason_code": "ARUCS-B"}
    await http.put("/_simulator/payments/accounts", json=rule)
    rejected, returned, weekend = await submit(
        http,
        instruction("r", account_number="11111111"),
        instruction("t", account_number="22222222"),
        instruction("w", pay_on="2026-10-10"),
    )
    assert (rejected["status"], rejected["reason_code"]) == ("rejected", "R04")
    assert returned["status"] == "accepted"  # accepted now; the bank returns it later
    assert (weekend["status"], weekend["reason_code"]) == ("rejected", "R03")
    page = (await http.get("/v1/returns", headers=KEY)).json()
    assert [(r["instruction_id"], r["reason_code"], r["returned_on"]) for r in page["items"]] == [
        ("t", "ARUCS-B", "2026-10-10")
    ]
    assert (await http.get(f"/v1/returns?after={page['next_cursor']}", headers=KEY)).json()["items"] == []
    assert (await http.get("/_simulator/payments")).json()["payments"] == 1


async def test_it_needs_its_key_and_a_valid_submission(http: httpx.AsyncClient) -> None:
    assert (await http.post("/v1/submissions", json={"instructions": [instruction("a")]})).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await http.get("/v1/returns", headers=wrong)).status_code == 401
    for bad in (
        {"sort_code": "10799"},
        {"account_number": "8883749\u0661"},
        {"pence": 0},
        {"account_name": "X" * 19},
    ):
        answer = await http.post(
            "/v1/submissions", json={"instructions": [instruction("a", **bad)]}, headers=KEY
        )
        assert answer.status_code == 400, bad
    assert (await http.post("/v1/submissions", json={"instructions": []}, headers=KEY)).status_code == 400


async def test_the_shared_control_makes_it_fail(http: httpx.AsyncClient) -> None:
    await http.put("/_simulator/control", json={"fault": "error", "status": 503, "times": 1})
    failed = await http.post("/v1/submissions", json={"instructions": [instruction("a")]}, headers=KEY)
    assert failed.status_code == 503
    assert (await http.get("/_simulator/payments")).json()["payments"] == 0
    assert (await submit(http, instruction("a")))[0]["status"] == "accepted"
