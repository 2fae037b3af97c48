"""The integrations service over HTTP (in process) against the HMRC and NHS simulators (in process too),
on SQLite and on PostgreSQL when available: earnings (one person and in bulk), fit notes, the audit, who
may ask, and each fault."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from joserfc.jwk import RSAKey

from dwp.contracts.integrations import MAX_BULK_EARNINGS
from dwp.platform.auth import load_or_create_dev_key, mint_token
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from dwp.simulators.hmrc.app import create_app as create_hmrc
from dwp.simulators.nhs.app import create_app as create_nhs
from tests.integration.conftest import bearer

pytestmark = pytest.mark.integration

HMRC_URL = "http://hmrc.test"
NHS_URL = "http://nhs.test"
TODAY = date(2025, 11, 30)
SARAH = {
    "national_insurance_number": "AB123456C",
    "given_name": "Sarah",
    "family_name": "Jones",
    "date_of_birth": "1985-04-12",
    "period_from": "2025-04-06",
    "period_to": "2025-11-30",
}


@pytest.fixture(scope="module")
def nhs_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One key for the module: a 4096-bit key per test would cost more than the tests.
    path = tmp_path_factory.mktemp("nhs-key") / "nhs.pem"
    path.write_bytes(RSAKey.generate_key(2048).as_pem(private=True))
    return path


class Switchable(httpx.AsyncBaseTransport):
    """A provider's address whose app a test can replace, as a restart looks from outside."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)


@dataclass
class Stack:
    client: httpx.AsyncClient
    app: FastAPI
    hmrc: httpx.AsyncClient
    nhs: httpx.AsyncClient
    token: Callable[..., str]
    nhs_address: Switchable

    def as_service(self, name: str = "claims") -> dict[str, str]:
        return bearer(self.token("service", subject=name))

    async def fault(self, provider: httpx.AsyncClient, **fault: Any) -> None:
        response = await provider.put("/_simulator/control", json=fault)
        assert response.status_code == 200, response.text

    async def touched(self, provider: httpx.AsyncClient) -> int:
        return int((await provider.get("/_simulator/control")).json()["touched"])

    async def earnings(self, claim_id: str = "claim-1", **overrides: Any) -> httpx.Response:
        body = SARAH | {"claim_id": claim_id, "purpose": "new-claim-assessment"} | overrides
        return await self.client.post("/v1/earnings", json=body, headers=self.as_service())

    async def fit_notes(self, nhs_number: str = "9000000009", claim_id: str = "claim-1") -> httpx.Response:
        body = {"nhs_number": nhs_number, "claim_id": claim_id, "purpose": "new-claim-assessment"}
        return await self.client.post("/v1/fit-notes", json=body, headers=self.as_service())

    async def audit(self, claim_id: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/v1/data-access", params={"claim_id": claim_id}, headers=bearer(self.token("caseworker"))
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


@pytest.fixture
async def stack(
    bootstrapped: Settings,
    nhs_key_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Stack]:
    from dwp.integrations.app import build_app

    monkeypatch.setenv("DWP_HMRC_URL", HMRC_URL)
    monkeypatch.setenv("DWP_NHS_URL", NHS_URL)
    monkeypatch.setenv("DWP_NHS_PRIVATE_KEY_FILE", str(nhs_key_file))
    # Short, so the timeout test need not wait long for the provider that never answers.
    monkeypatch.setenv("DWP_PROVIDER_TIMEOUT_SECONDS", "0.5")
    hmrc_app = create_hmrc(today=lambda: TODAY)
    nhs_app = create_nhs(base_url=NHS_URL, clients={})
    await asyncio.to_thread(upgrade, "integrations", bootstrapped)

    key = load_or_create_dev_key(bootstrapped)

    def token(kind: str = "service", *, subject: str | None = None) -> str:
        citizen_id = str(uuid.uuid4()) if kind == "citizen" else None
        return mint_token(
            key,
            issuer=bootstrapped.dwp_jwt_issuer,
            subject=subject or citizen_id or f"{kind}-1",
            kind=kind,  # type: ignore[arg-type]
            citizen_id=citizen_id,
            roles=["caseworker"] if kind == "caseworker" else [],
        )

    nhs_address = Switchable(nhs_app)
    providers = httpx.AsyncClient(mounts={HMRC_URL: httpx.ASGITransport(app=hmrc_app), NHS_URL: nhs_address})
    app = build_app(bootstrapped, http=providers)
    async with (
        providers,
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service.test") as client,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=hmrc_app), base_url=HMRC_URL) as hmrc,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=nhs_app), base_url=NHS_URL) as nhs,
    ):
        stack = Stack(client, app, hmrc, nhs, token, nhs_address)
        yield stack
        for provider in (hmrc, nhs):
            await provider.delete("/_simulator/control")


def unavailable(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["type"].endswith("provider-unavailable")
    return dict(body)


# --- earnings ------------------------------------------------------------------------------------------


async def test_earnings_are_rti_payments_in_pence_with_employer(stack: Stack) -> None:
    response = await stack.earnings(claim_id="claim-earn")
    assert response.status_code == 200, response.text
    body = response.json()
    payments = body["payments"]
    assert payments, body
    first = payments[0]
    assert first["employer_paye_reference"]
    assert first["employer_name"]
    assert all(isinstance(p[k], int) for p in payments for k in ("gross", "income_tax", "national_insurance"))
    assert all("2025-04-06" <= p["paid_on"] <= "2025-11-30" for p in payments)
    assert first["gross"] > first["income_tax"] > 0
    # The benefits service's hmrc_earnings input takes these fields as they are.
    from dwp.benefits.schemas import RTIPaymentIn

    fields = ("paid_on", "gross", "income_tax", "national_insurance")
    RTIPaymentIn.model_validate({k: first[k] for k in fields})
    [entry] = await stack.audit("claim-earn")
    assert entry["id"] == body["access_id"]
    assert entry | {"id": None, "at": None, "request_id": None} == {
        "id": None,
        "at": None,
        "request_id": None,
        "caller": "claims",
        "caller_kind": "service",
        "claim_id": "claim-earn",
        "purpose": "new-claim-assessment",
        "provider": "hmrc",
        "dataset": "paye-income",
        "subject": "AB*****6C",
        "period_from": "2025-04-06",
        "period_to": "2025-11-30",
        "outcome": "found",
        "records": len(payments),
    }


async def test_a_nino_in_lower_case_with_spaces_is_the_same_person(stack: Stack) -> None:
    response = await stack.earnings(national_insurance_number="ab 12 34 56 c")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("nino", ["BG123456C", "AB123456E", "DA123456A", "AO123456A", "AB12345C"])
async def test_impossible_ninos_are_refused_before_asking_hmrc(stack: Stack, nino: str) -> None:
    response = await stack.earnings(national_insurance_number=nino)
    assert response.status_code == 422, response.text
    assert await stack.touched(stack.hmrc) == 0
    assert stack.app.state.integrations_tokens["hmrc"].fetched == 0


async def test_a_period_backwards_is_refused(stack: Stack) -> None:
    response = await stack.earnings(period_from="2025-11-30", period_to="2025-04-06")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"].endswith("period_from")


async def test_no_match_is_404_and_audited(stack: Stack) -> None:
    response = await stack.earnings(
        claim_id="claim-nomatch", national_insurance_number="AB123456C", date_of_birth="1985-04-13"
    )
    assert response.status_code == 404, response.text
    assert response.json()["type"].endswith("no-match")
    [entry] = await stack.audit("claim-nomatch")
    assert (entry["outcome"], entry["records"]) == ("no-match", 0)


async def test_token_is_fetched_once_and_reused(stack: Stack) -> None:
    for _ in range(3):
        assert (await stack.earnings()).status_code == 200
    assert stack.app.state.integrations_tokens["hmrc"].fetched == 1


async def test_a_revoked_token_is_fetched_again_once(stack: Stack) -> None:
    assert (await stack.earnings()).status_code == 200
    revoked = await stack.hmrc.post("/_simulator/control/revoke-tokens")
    assert revoked.json()["revoked"] == 1
    response = await stack.earnings()
    assert response.status_code == 200, response.text
    assert stack.app.state.integrations_tokens["hmrc"].fetched == 2


@pytest.mark.parametrize("caller", ["citizen", "benefits", "identity"])
async def test_other_services_may_not_ask(stack: Stack, caller: str) -> None:
    body = SARAH | {"claim_id": "c", "purpose": "new-claim-assessment"}
    response = await stack.client.post("/v1/earnings", json=body, headers=stack.as_service(caller))
    assert response.status_code == 403, response.text
    assert await stack.touched(stack.hmrc) == 0


async def test_citizens_may_not_ask_and_workers_and_caseworkers_may(stack: Stack) -> None:
    body = SARAH | {"claim_id": "c", "purpose": "monthly-assessment"}
    citizen = await stack.client.post("/v1/earnings", json=body, headers=bearer(stack.token("citizen")))
    assert citizen.status_code == 403, citizen.text
    workers = await stack.client.post("/v1/earnings", json=body, headers=stack.as_service("workers"))
    assert workers.status_code == 200, workers.text
    staff = await stack.client.post("/v1/earnings", json=body, headers=bearer(stack.token("caseworker")))
    assert staff.status_code == 200, staff.text
    assert {e["caller_kind"] for e in await stack.audit("c")} == {"service", "caseworker"}


async def test_only_caseworkers_read_the_audit(stack: Stack) -> None:
    response = await stack.client.get("/v1/data-access", params={"claim_id": "c"}, headers=stack.as_service())
    assert response.status_code == 403, response.text


async def test_an_unknown_purpose_is_refused(stack: Stack) -> None:
    response = await stack.earnings(purpose="curiosity")
    assert response.status_code == 422, response.text


# --- faults --------------------------------------------------------------------------------------------


async def test_hmrc_500_is_503_with_retry_after_and_audited(stack: Stack) -> None:
    await stack.fault(stack.hmrc, fault="error", status=500, path_prefix="/individuals/")
    unavailable(await stack.earnings(claim_id="claim-500"))
    assert await stack.touched(stack.hmrc) == 1  # a 500 is not retried
    [entry] = await stack.audit("claim-500")
    assert entry["outcome"] == "provider-unavailable"


async def test_hmrc_rate_limit_passes_its_retry_after_on_at_once(stack: Stack) -> None:
    await stack.fault(stack.hmrc, fault="rate_limit", retry_after=30, path_prefix="/individuals/")
    response = await stack.earnings()
    unavailable(response)
    assert response.headers["retry-after"] == "30"
    assert await stack.touched(stack.hmrc) == 1  # a 30 s wait would pass the deadline: not started


async def test_hmrc_that_never_answers_is_503(stack: Stack) -> None:
    await stack.fault(stack.hmrc, fault="timeout", path_prefix="/individuals/")
    unavailable(await stack.earnings())


async def test_hmrc_malformed_json_is_503(stack: Stack) -> None:
    await stack.fault(stack.hmrc, fault="malformed", path_prefix="/individuals/")
    unavailable(await stack.earnings())


async def test_hmrc_token_endpoint_down_is_503(stack: Stack) -> None:
    await stack.fault(stack.hmrc, fault="error", status=500, path_prefix="/oauth/")
    unavailable(await stack.earnings())


async def test_breaker_opens_fails_fast_and_closes_again(stack: Stack) -> None:
    await stack.fault(stack.hmrc, fault="error", status=500, path_prefix="/individuals/")
    for _ in range(5):
        unavailable(await stack.earnings())
    assert await stack.touched(stack.hmrc) == 5
    response = await stack.earnings()
    body = unavailable(response)
    assert int(response.headers["retry-after"]) <= 30
    assert await stack.touched(stack.hmrc) == 5, body  # open: HMRC was not asked
    assert await stack.app.state.integrations_context.hmrc._client.breakers.state("hmrc") == "opened"


# --- earnings in bulk (a page of the monthly run in one call) ------------------------------------------


PERIOD = {"period_from": "2025-10-01", "period_to": "2025-10-31"}
BILAL = {"national_insurance_number": "JX482910A", "given_name": "Bilal", "family_name": "Hussain",
         "date_of_birth": "1990-03-08"}  # fmt: skip
PRIYA = {"national_insurance_number": "AB654321A", "given_name": "Priya", "family_name": "Shah",
         "date_of_birth": "1988-05-21"}  # fmt: skip


def person(who: dict[str, str], claim_id: str) -> dict[str, str]:
    sarah = {k: v for k, v in SARAH.items() if not k.startswith("period_")}
    return {**sarah, **PERIOD, **who, "claim_id": claim_id}


async def bulk(stack: Stack, people: list[dict[str, Any]], caller: str = "workers") -> Any:
    body = {"purpose": "monthly-assessment", "people": people}
    return await stack.client.post("/v1/earnings/bulk", json=body, headers=stack.as_service(caller))


async def test_each_person_is_answered_in_order_and_each_look_up_audited(stack: Stack) -> None:
    people = [person({}, "bulk-a"), person(PRIYA, "bulk-b"), person(BILAL, "bulk-c")]
    response = await bulk(stack, people)
    assert response.status_code == 200, response.text
    sarah, priya, bilal = response.json()["results"]
    assert [r["index"] for r in (sarah, priya, bilal)] == [0, 1, 2]
    assert (sarah["outcome"], priya["outcome"], bilal["outcome"]) == ("found", "no-match", "found")
    assert priya["earnings"] is None
    assert sarah["earnings"]["claim_id"] == "bulk-a"
    assert all("2025-10-01" <= p["paid_on"] <= "2025-10-31" for p in sarah["earnings"]["payments"])
    [audit_a] = await stack.audit("bulk-a")
    assert (audit_a["id"], audit_a["caller"], audit_a["outcome"]) == (
        sarah["earnings"]["access_id"], "workers", "found"
    )  # fmt: skip
    assert [e["outcome"] for e in await stack.audit("bulk-b")] == ["no-match"]
    # The same answer as the single look-up gives for the same person and period.
    single = await stack.client.post(
        "/v1/earnings",
        json=people[0] | {"purpose": "monthly-assessment"},
        headers=stack.as_service("workers"),
    )
    assert single.json()["payments"] == sarah["earnings"]["payments"]


async def test_one_bad_nino_refuses_the_whole_call_naming_it_before_hmrc_is_asked(stack: Stack) -> None:
    people = [person({}, "bulk-v"), person({"national_insurance_number": "QQ123456C"}, "bulk-v")]
    response = await bulk(stack, people)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "#/people/1/national_insurance_number"
    assert await stack.touched(stack.hmrc) == 0


@pytest.mark.parametrize(
    ("people", "where"),
    [
        ([], "#/people"),
        ([{"claim_id": "x"}], "#/people/0/national_insurance_number"),
        ([person({"period_from": "2025-11-01"}, "x")], "#/people/0/period_from"),
        ([person({"given_name": "Sam\x00"}, "x")] * (MAX_BULK_EARNINGS + 1), "#/people"),
    ],
)
async def test_bad_bodies_are_problems_naming_the_field(stack: Stack, people: list[Any], where: str) -> None:
    response = await bulk(stack, people)
    assert response.status_code == 422, response.text
    assert where in [e["pointer"] for e in response.json()["errors"]]


@pytest.mark.parametrize("kind", ["caseworker", "citizen"])
async def test_only_services_may_ask_in_bulk(stack: Stack, kind: str) -> None:
    body = {"purpose": "monthly-assessment", "people": [person({}, "bulk-x")]}
    response = await stack.client.post("/v1/earnings/bulk", json=body, headers=bearer(stack.token(kind)))
    assert response.status_code == 403, response.text
    other = await bulk(stack, [person({}, "bulk-x")], caller="benefits")
    assert other.status_code == 403, other.text
    assert await stack.touched(stack.hmrc) == 0


async def test_hmrc_failing_for_some_is_their_outcome_with_retry_after(stack: Stack) -> None:
    # The token and the first person's three calls pass; everything after fails with a 500.
    people = [person({}, "bulk-f1"), person(BILAL, "bulk-f2")]
    await stack.client.post("/v1/earnings", json=people[0] | {"purpose": "monthly-assessment"},
                            headers=stack.as_service())  # fmt: skip
    await stack.fault(stack.hmrc, fault="error", status=500, path_prefix="/individuals/income")
    response = await bulk(stack, people)
    unavailable(response)  # income failed for both: nobody answered
    await stack.fault(stack.hmrc, fault="error", status=500, path_prefix="/individuals/income", times=1)
    response = await bulk(stack, people)
    assert response.status_code == 200, response.text
    outcomes = sorted(r["outcome"] for r in response.json()["results"])
    assert outcomes == ["found", "provider-unavailable"]
    down = next(r for r in response.json()["results"] if r["outcome"] == "provider-unavailable")
    assert down["retry_after"] is not None
    assert down["earnings"] is None


async def test_the_breaker_open_fails_the_rest_fast(stack: Stack) -> None:
    await stack.fault(stack.hmrc, fault="error", status=500, path_prefix="/individuals/")
    people = [person({}, f"bulk-b{i}") for i in range(12)]
    unavailable(await bulk(stack, people))
    # HMRC saw at most the breaker's threshold plus the calls already in flight, not all 12.
    assert await stack.touched(stack.hmrc) < len(people)
    assert await stack.app.state.integrations_context.hmrc._client.breakers.state("hmrc") == "opened"


# --- fit notes -----------------------------------------------------------------------------------------


async def test_fit_notes_are_mapped_and_audited(stack: Stack) -> None:
    response = await stack.fit_notes("9000000009", "claim-fn")
    assert response.status_code == 200, response.text
    notes = response.json()["notes"]
    assert [n["id"] for n in notes] == ["fn-9000000009-1", "fn-9000000009-2"]
    assert notes[0] | {"adjustments": None} == {
        "id": "fn-9000000009-1",
        "start": "2025-09-01",
        "end": "2025-09-28",
        "issued": "2025-09-01",
        "advice": "not-fit",
        "condition_category": "J00-J99",
        "adjustments": None,
        "assessed_by": "doctor",
        "follow_up_needed": False,
    }
    assert notes[1]["adjustments"] == ["phased-return", "altered-hours"]
    assert notes[1]["assessed_by"] == "nurse"
    [entry] = await stack.audit("claim-fn")
    assert (entry["provider"], entry["dataset"], entry["subject"], entry["records"]) == (
        "nhs",
        "fit-notes",
        "90******09",
        2,
    )


async def test_nhs_number_failing_modulus_11_is_refused_before_asking(stack: Stack) -> None:
    response = await stack.fit_notes("9000000001")
    assert response.status_code == 422, response.text
    assert await stack.touched(stack.nhs) == 0


async def test_unknown_nhs_number_is_404(stack: Stack) -> None:
    response = await stack.fit_notes("9434765919")
    assert response.status_code == 404, response.text
    assert response.json()["type"].endswith("no-record")


async def test_nhs_token_is_signed_jwt_and_refreshed_once_when_revoked(stack: Stack) -> None:
    assert (await stack.fit_notes()).status_code == 200
    await stack.nhs.post("/_simulator/control/revoke-tokens")
    assert (await stack.fit_notes()).status_code == 200
    assert stack.app.state.integrations_tokens["nhs"].fetched == 2


@pytest.mark.parametrize(
    "fault",
    [
        {"fault": "error", "status": 500},
        {"fault": "rate_limit", "retry_after": 20},
        {"fault": "malformed"},
        {"fault": "timeout"},
    ],
)
async def test_nhs_faults_are_503(stack: Stack, fault: dict[str, Any]) -> None:
    await stack.fault(stack.nhs, **fault, path_prefix="/fit-notes/")
    unavailable(await stack.fit_notes(claim_id=f"claim-{uuid.uuid4().hex[:6]}"))


async def test_a_restarted_nhs_simulator_is_told_our_key_again(stack: Stack) -> None:
    assert (await stack.fit_notes()).status_code == 200
    # A new simulator behind the same address knows neither our application nor our token.
    stack.nhs_address.inner = httpx.ASGITransport(app=create_nhs(base_url=NHS_URL, clients={}))
    response = await stack.fit_notes()
    assert response.status_code == 200, response.text
    assert stack.app.state.integrations_tokens["nhs"].fetched == 2


async def test_a_rotated_hmrc_secret_is_read_again_and_the_next_lookup_succeeds(
    stack: Stack, bootstrapped: Settings
) -> None:
    """HMRC's client secret rotates (a new one at the Developer Hub, put in Secrets Manager): the next
    token request is refused `invalid_client`, the service reads the secret again once and asks once
    more, with no restart. A refusal that is not a rotation (the secret unchanged) is not retried."""
    from dwp.platform import aws, catalog

    manager = aws.client("secretsmanager", bootstrapped)
    before = manager.get_secret_value(SecretId=catalog.HMRC_CLIENT_SECRET)["SecretString"]
    credential = json.loads(before)
    hmrc_tokens = stack.app.state.integrations_tokens["hmrc"]
    try:
        assert (await stack.earnings()).status_code == 200
        rotated = {**credential, "client_secret": f"rotated-{uuid.uuid4().hex}"}
        # The provider first, as the Developer Hub does, then the secret: between the two, lookups fail.
        changed = await stack.hmrc.put(
            f"/_simulator/clients/{credential['client_id']}", json={"client_secret": rotated["client_secret"]}
        )
        assert changed.status_code == 200, changed.text
        await stack.hmrc.post("/_simulator/control/revoke-tokens")  # so the next lookup needs a token
        refused = await stack.earnings()
        assert refused.status_code == 502, refused.text  # the old secret, refused: nothing to retry
        assert refused.json()["type"].endswith("provider-refused")
        manager.put_secret_value(SecretId=catalog.HMRC_CLIENT_SECRET, SecretString=json.dumps(rotated))
        fetched = hmrc_tokens.fetched
        response = await stack.earnings()
        assert response.status_code == 200, response.text
        assert response.json()["payments"]
        assert hmrc_tokens.fetched == fetched + 1
    finally:
        manager.put_secret_value(SecretId=catalog.HMRC_CLIENT_SECRET, SecretString=before)


async def test_a_rotated_nhs_api_key_is_read_again_and_registered(
    stack: Stack, bootstrapped: Settings
) -> None:
    """The NHS API key rotates (a new application key, put in Secrets Manager): the token request with
    the old one is refused, the service reads the secret again, and (locally) the simulator learns the new
    application; the next fit-note lookup succeeds without a restart."""
    from dwp.platform import aws, catalog

    manager = aws.client("secretsmanager", bootstrapped)
    before = manager.get_secret_value(SecretId=catalog.NHS_API_KEY_SECRET)["SecretString"]
    try:
        assert (await stack.fit_notes()).status_code == 200
        manager.put_secret_value(
            SecretId=catalog.NHS_API_KEY_SECRET,
            SecretString=json.dumps({"api_key": f"key-{uuid.uuid4().hex}"}),
        )
        stack.nhs_address.inner = httpx.ASGITransport(app=create_nhs(base_url=NHS_URL, clients={}))
        credential = stack.app.state.integrations_credentials["nhs"]
        reads = credential.secret.reads
        response = await stack.fit_notes()
        assert response.status_code == 200, response.text
        assert credential.secret.reads == reads + 1
    finally:
        manager.put_secret_value(SecretId=catalog.NHS_API_KEY_SECRET, SecretString=before)
