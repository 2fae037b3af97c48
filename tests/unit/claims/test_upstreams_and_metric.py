"""The claims service's clients for benefits, integrations and citizen (paths, bodies, the Idempotency-Key
on an assessment, the error hierarchy when one is down) over a mock transport, and the scaling metric's
embedded metric format line."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, date, datetime

import httpx
import pytest

from dwp.claims import metrics
from dwp.claims.upstreams import HttpUpstreams, RtiPayment
from dwp.contracts.integrations import EarningsRequest
from dwp.platform.http import ResilientClient, RetryPolicy, UpstreamBadResponse, UpstreamUnavailable
from tests.fakes.casework import CaseworkTestContext


class Token:
    async def token(self) -> str:
        return "service-token"

    def invalidate(self, token: str) -> None:
        pass


async def _instant(_: float) -> None:
    return None


def _upstreams(handler: httpx.MockTransport) -> tuple[HttpUpstreams, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=handler)
    policy = RetryPolicy(attempts=2, total_seconds=2.0, attempt_seconds=1.0)

    def client(name: str) -> ResilientClient:
        return ResilientClient(
            name, f"http://{name}.test", http=http, tokens=Token(), policy=policy, sleep=_instant
        )

    return HttpUpstreams(client("benefits"), client("integrations"), client("citizen")), http


async def test_each_call_goes_to_its_service_with_the_service_token_and_the_contract_body() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path == "/v1/internal/citizens/c-1/identity":
            return httpx.Response(
                200,
                json={
                    "id": "c-1",
                    "given_name": "Sarah",
                    "family_name": "Jones",
                    "date_of_birth": "1985-04-12",
                    "national_insurance_number": "AB123456C",
                    "email": "not read",
                },
            )
        if path == "/v1/earnings":
            return httpx.Response(
                200,
                json={
                    "access_id": "a-1",
                    "claim_id": "k-1",
                    "period_from": "2026-06-10",
                    "period_to": "2026-07-09",
                    "payments": [],
                },
            )
        if path == "/v1/assessments":
            return httpx.Response(
                201,
                json={
                    "id": "as-1",
                    "claim_id": "k-1",
                    "benefit": "universal_credit",
                    "assessment_period_start": "2026-06-10",
                    "assessment_period_end": "2026-07-09",
                    "tax_year": "2026-27",
                    "award_pence": 41_000,
                    "amounts": {},
                    "explanation": [],
                },
            )
        if path == "/v1/estimates":
            return httpx.Response(
                200,
                json={
                    "new_style_jsa": {
                        "tax_year": "2026-27",
                        "weekly_amount_pence": 9_205,
                        "contribution_conditions_met": True,
                    }
                },
            )
        return httpx.Response(404)

    upstreams, http = _upstreams(httpx.MockTransport(handle))
    async with http:
        person = await upstreams.citizen_identity("c-1")
        assert person.national_insurance_number == "AB123456C"
        request = EarningsRequest(
            claim_id="k-1",
            purpose="new-claim-assessment",
            national_insurance_number="AB123456C",
            given_name="Sarah",
            family_name="Jones",
            date_of_birth=date(1985, 4, 12),
            period_from=date(2026, 6, 10),
            period_to=date(2026, 7, 9),
        )
        await upstreams.earnings(request)
        answer = await upstreams.assess_uc(
            claim_id="k-1",
            circumstances={"assessment_period_start": "2026-06-10"},  # type: ignore[typeddict-item]
            hmrc_earnings=[RtiPayment(paid_on="2026-06-25", gross=95_000)],
            idempotency_key="claims-assess-k-1-x",
        )
        weekly = await upstreams.assess_contributory("new_style_jsa", {})  # type: ignore[arg-type]
    assert (answer.award_pence, weekly.weekly_amount_pence) == (41_000, 9_205)
    assert [r.url.host for r in seen] == [
        "citizen.test",
        "integrations.test",
        "benefits.test",
        "benefits.test",
    ]
    assert all(r.headers["authorization"] == "Bearer service-token" for r in seen)
    assessment = seen[2]
    assert assessment.headers["idempotency-key"] == "claims-assess-k-1-x"
    sent = json.loads(assessment.content)
    assert sent["hmrc_earnings"] == [
        {
            "adult": 0,
            "paid_on": "2026-06-25",
            "gross": 95_000,
            "income_tax": 0,
            "national_insurance": 0,
            "pension": 0,
        }
    ]
    assert json.loads(seen[3].content) == {"new_style_jsa": {}}


async def test_a_service_that_is_down_or_answers_nonsense_is_an_upstream_error_not_a_crash() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    upstreams, http = _upstreams(httpx.MockTransport(down))
    async with http:
        with pytest.raises(UpstreamUnavailable):
            await upstreams.citizen_identity("c-1")

    def nonsense(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"award": "lots"})

    upstreams, http = _upstreams(httpx.MockTransport(nonsense))
    async with http:
        with pytest.raises(UpstreamBadResponse):
            await upstreams.assess_uc(
                claim_id="k-1",
                circumstances={},
                hmrc_earnings=None,
                idempotency_key="k",  # type: ignore[typeddict-item]
            )
        with pytest.raises(UpstreamBadResponse):
            await upstreams.assess_contributory("new_style_esa", {})  # type: ignore[arg-type]


def test_the_emf_line_names_the_namespace_dimension_and_metric_infra_scales_on() -> None:
    from dwp.platform.catalog import process

    document = metrics.emf_document(2.5, 5, 2, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    directive = document["_aws"]["CloudWatchMetrics"][0]
    scaling = process("claims").scaling_metric
    assert scaling is not None
    assert directive["Namespace"] == scaling.namespace == "DWP/Claims"
    assert directive["Dimensions"] == [[scaling.dimension]]
    assert directive["Metrics"] == [{"Name": scaling.name, "Unit": "Count"}]
    assert document[scaling.dimension] == "claims"
    assert document[scaling.name] == 2.5
    assert document["_aws"]["Timestamp"] == 1_796_115_600_000


async def test_the_metric_is_published_as_one_json_line_on_the_stream() -> None:
    ctx = CaseworkTestContext.fresh()
    out = io.StringIO()
    published = asyncio.Event()
    waits: list[float] = []

    async def after_each(seconds: float) -> None:
        waits.append(seconds)
        published.set()
        await asyncio.Event().wait()  # the next minute never comes in this test

    async with metrics.publishing(ctx, every=60, stream=out, sleep=after_each) as task:
        await asyncio.wait_for(published.wait(), timeout=10)
        assert not task.done()
    assert task.cancelled()
    assert waits == [60]
    [line] = out.getvalue().splitlines()
    assert json.loads(line)["ClaimsWaitingPerCaseworker"] == 0.0


async def test_the_gauge_and_the_emf_line_show_the_same_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    # 16 waiting among 3 caseworkers is 5.333...: the EMF line kept 3 decimals and the gauge all of them,
    # so `/metrics` and CloudWatch disagreed (the casework API test caught it with those counts).
    from prometheus_client import REGISTRY

    async def sixteen_among_three(ctx: object) -> tuple[float, int, int]:
        return 16 / 3, 16, 3

    monkeypatch.setattr(metrics.casework, "waiting_per_caseworker", sixteen_among_three)
    document = await metrics.publish_once(CaseworkTestContext.fresh(), stream=io.StringIO())
    assert document["ClaimsWaitingPerCaseworker"] == 5.333
    assert REGISTRY.get_sample_value("dwp_claims_waiting_per_caseworker") == 5.333
