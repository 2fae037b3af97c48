"""A citizen reads what their award is made of: the benefits service's itemised explanation of the
period a caseworker's award recorded, through the claims API, and nobody else's."""

from __future__ import annotations

from tests.integration.conftest import bearer
from tests.integration.test_claims_casework_api import (  # noqa: F401 - the casework stack's fixtures
    Stack,
    nhs_key_file,
    stack,
)
from tests.unit.claims.conftest import CLAIMANT


async def test_the_claimant_reads_the_award_s_itemised_explanation_in_english_and_welsh(stack: Stack) -> None:  # noqa: F811
    claim = await stack.seed()
    base = f"/v1/claims/casework/claims/{claim.id}"
    read = await stack.claims.get(base, params={"purpose": "assess the claim"}, headers=stack.staff())
    started = await stack.claims.post(
        f"{base}/assessment/start", headers={**stack.staff(), "If-Match": read.headers["etag"]}
    )
    decided = await stack.claims.post(
        f"{base}/decisions",
        json={"outcome": "award", "reasons": ["Entitled on the earnings HMRC holds"]},
        headers={**stack.staff(), "If-Match": started.headers["etag"]},
    )
    assert decided.status_code == 201, decided.text
    decision_id = decided.json()["decision"]["id"]
    url = f"/v1/claims/{claim.id}/explanation"

    mine = bearer(stack.token("citizen", subject=CLAIMANT.subject))
    answer = await stack.claims.get(url, headers=mine)
    assert answer.status_code == 200, answer.text
    lines = answer.json()["items"]
    assert lines == decided.json()["assessment"]["explanation"]
    assert all(line["text"]["en"] and line["text"]["cy"] for line in lines)
    assert any(line["kind"] == "result" for line in lines)

    named = await stack.claims.get(url, params={"decision_id": decision_id}, headers=mine)
    assert named.json()["items"] == lines

    # Someone else's claim, a decision that is not on it, and a malformed id: 404, 404, 422.
    other = bearer(stack.token("citizen", subject="someone-else"))
    assert (await stack.claims.get(url, headers=other)).status_code == 404
    unknown = {"decision_id": f"{'0' * 8}-0000-0000-0000-{'0' * 12}"}
    assert (await stack.claims.get(url, params=unknown, headers=mine)).status_code == 404
    assert (await stack.claims.get(url, params={"decision_id": "x"}, headers=mine)).status_code == 422


async def test_before_a_decision_there_is_nothing_to_explain(stack: Stack) -> None:  # noqa: F811
    claim = await stack.seed()
    mine = bearer(stack.token("citizen", subject=CLAIMANT.subject))
    answer = await stack.claims.get(f"/v1/claims/{claim.id}/explanation", headers=mine)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"items": []}
