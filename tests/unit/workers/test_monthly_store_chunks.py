"""The workers send a page's statements to claims' bulk store in requests of `STORE_CHUNK`: a page of 500
with their lines is past the 1 MiB a service accepts (the real claims service answered 413)."""

from __future__ import annotations

import json
from datetime import date

import httpx

from dwp.contracts import claims as contract
from dwp.platform.http import ResilientClient
from dwp.workers.monthly import BATCH_POLICY, STORE_CHUNK, HttpUpstreams

DAY = date(2026, 12, 1)


class Token:
    async def token(self) -> str:
        return "t"

    def invalidate(self, token: str) -> None:
        pass


async def test_a_page_of_statements_is_stored_in_chunks_answered_in_the_page_s_order() -> None:
    sizes: list[int] = []

    def claims(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["items"]
        sizes.append(len(items))
        assert len(request.content) < 1_048_576
        return httpx.Response(
            200,
            json={
                "period_end": DAY.isoformat(),
                "items": [
                    {"claim_id": i["claim_id"], "outcome": "created", "statement_id": f"s-{i['claim_id']}",
                     "award_pence": i["award_pence"]}
                    for i in items
                ],
            },
        )  # fmt: skip

    line = {
        "kind": "element",
        "text_en": "Standard allowance for a single person aged 25 or over " * 2,
        "text_cy": "Lwfans safonol i berson sengl 25 oed neu drosodd " * 2,
        "amount_pence": 40_000,
        "regulation": "UC Regs 2013 reg 36",
    }
    page = [
        contract.ClaimStatement(
            claim_id=f"claim-{i:04d}",
            period_start=date(2026, 11, 2),
            period_end=DAY,
            award_pence=i,
            run_date=DAY,
            lines=[contract.StatementLine.model_validate(line)] * 14,
        )
        for i in range(500)
    ]
    async with httpx.AsyncClient(transport=httpx.MockTransport(claims)) as http:
        client = ResilientClient(
            "claims", "http://claims.test", http=http, tokens=Token(), policy=BATCH_POLICY
        )
        upstreams = HttpUpstreams(client, client, client)
        stored = await upstreams.store_page(DAY, page)
    assert sizes == [STORE_CHUNK, STORE_CHUNK, 500 - 2 * STORE_CHUNK]
    assert [s.claim_id for s in stored] == [p.claim_id for p in page]
    assert len(contract.PeriodStatements(items=page).model_dump_json()) > 1_048_576  # one request was too big
