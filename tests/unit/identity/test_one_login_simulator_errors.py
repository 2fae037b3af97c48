"""The One Login simulator refuses what One Login refuses, with the documented error codes, and puts
the faults tests ask for into its tokens."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from joserfc import jwk, jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError
from joserfc.jws import extract_compact

from tests.unit.identity.one_login_helpers import (
    BASE,
    IDENTITY_CLAIMS,
    REDIRECT_URI,
    RelyingParty,
    redirect_query,
    userinfo,
)


@pytest.mark.parametrize(
    ("change", "error", "description"),
    [
        ({"nonce": None}, "invalid_request", "Request is missing nonce parameter"),
        ({"vtr": '["Cl.P2"]'}, "invalid_request", "Request vtr not valid"),
        ({"vtr": '["Cl.Cm.P3"]'}, "invalid_request", "Request vtr not valid"),
        ({"vtr": "Cl.Cm"}, "invalid_request", "Request vtr not valid"),
        ({"scope": "email"}, "invalid_scope", None),
        ({"scope": "openid admin"}, "invalid_scope", None),
        ({"response_type": "token"}, "unsupported_response_type", None),
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request", None),
        ({"code_challenge_method": "plain"}, "invalid_request", None),
    ],
)
async def test_bad_authorize_parameters_redirect_with_the_documented_error(
    rp: RelyingParty, change: dict[str, str | None], error: str, description: str | None
) -> None:
    params = {k: v for k, v in (rp.authorize_params() | change).items() if v is not None}
    response = await rp.http.get("/authorize", params=params)
    assert response.status_code == 302
    query = redirect_query(response)
    assert query["error"] == error
    assert query["state"] == "STATE"
    if description:
        assert query["error_description"] == description


@pytest.mark.parametrize("change", [{"redirect_uri": "https://evil.example/cb"}, {"client_id": "nobody"}])
async def test_unknown_client_or_redirect_uri_is_a_400_not_a_redirect(
    rp: RelyingParty, change: dict[str, str]
) -> None:
    response = await rp.http.get("/authorize", params=rp.authorize_params() | change)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_signed_request_object_is_accepted(rp: RelyingParty) -> None:
    inner = rp.authorize_params(vtr="") | {"vtr": ["Cl.Cm"], "aud": f"{BASE}/authorize", "iss": rp.client_id}
    request_object = jwt.encode({"alg": "ES256", "kid": rp.key.kid}, inner, rp.key)
    query = {
        "response_type": "code",
        "scope": inner["scope"],
        "client_id": rp.client_id,
        "request": request_object,
    }
    response = await rp.sign_in("sarah-p2", query)
    assert response.status_code == 302
    assert "code" in redirect_query(response)


@pytest.mark.parametrize(
    "change",
    [{"aud": "https://elsewhere.example/authorize"}, {"iss": "someone-else"}, {"scope": "openid email"}],
)
async def test_request_object_with_wrong_audience_issuer_or_mismatched_query_is_refused(
    rp: RelyingParty, change: dict[str, str]
) -> None:
    inner = rp.authorize_params() | {"aud": f"{BASE}/authorize", "iss": rp.client_id} | change
    request_object = jwt.encode({"alg": "ES256", "kid": rp.key.kid}, inner, rp.key)
    query = {"response_type": "code", "scope": "openid email phone", "client_id": rp.client_id}
    response = await rp.http.get("/authorize", params=query | {"request": request_object})
    assert response.status_code == 400


async def test_request_object_signed_by_another_key_is_refused(rp: RelyingParty) -> None:
    stranger = jwk.ECKey.generate_key("P-256", parameters={"kid": rp.key.kid}, private=True)
    inner = rp.authorize_params() | {"aud": f"{BASE}/authorize", "iss": rp.client_id}
    request_object = jwt.encode({"alg": "ES256", "kid": rp.key.kid}, inner, stranger)
    query = {"response_type": "code", "scope": "openid email phone", "client_id": rp.client_id}
    response = await rp.http.get("/authorize", params=query | {"request": request_object})
    assert response.status_code == 400


async def test_cancel_on_the_chooser_page_is_access_denied(rp: RelyingParty) -> None:
    response = await rp.sign_in("")
    assert redirect_query(response)["error"] == "access_denied"


async def _token_error(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    return str(response.json()["error"])


async def test_client_secret_post_is_refused(rp: RelyingParty) -> None:
    code = await rp.code_for("sarah-p2")
    response = await rp.token(
        code, client_secret="hunter2", client_assertion=None, client_assertion_type=None
    )
    assert await _token_error(response) == "invalid_client"


@pytest.mark.parametrize(
    "assertion_change",
    [
        {"aud": "https://elsewhere.example/token"},
        {"sub": "someone-else"},
        {"iss": "plain-rp"},
        {"exp": int(time.time()) - 10},
        {"jti": None},
    ],
)
async def test_client_assertion_claims_are_checked(
    rp: RelyingParty, assertion_change: dict[str, object]
) -> None:
    code = await rp.code_for("sarah-p2")
    claims = {k: v for k, v in assertion_change.items() if v is not None}
    assertion = rp.assertion(**claims)
    if "jti" in assertion_change:
        now = int(time.time())
        assertion = jwt.encode(
            {"alg": "ES256", "kid": rp.key.kid},
            {"aud": f"{BASE}/token", "iss": rp.client_id, "sub": rp.client_id, "exp": now + 60},
            rp.key,
        )
    assert await _token_error(await rp.token(code, client_assertion=assertion)) == "invalid_client"


async def test_wrong_client_assertion_type_is_refused(rp: RelyingParty) -> None:
    code = await rp.code_for("sarah-p2")
    response = await rp.token(
        code, client_assertion_type="urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
    )
    assert await _token_error(response) == "invalid_client"


async def test_client_assertion_signed_by_another_key_is_refused(rp: RelyingParty) -> None:
    code = await rp.code_for("sarah-p2")
    impostor = RelyingParty(http=rp.http, key=jwk.ECKey.generate_key("P-256", parameters={"kid": rp.key.kid}))
    response = await rp.token(code, client_assertion=impostor.assertion())
    assert await _token_error(response) == "invalid_client"


async def test_client_assertion_jti_cannot_be_replayed(rp: RelyingParty) -> None:
    assertion = rp.assertion()
    first = await rp.token(await rp.code_for("sarah-p2"), client_assertion=assertion)
    assert first.status_code == 200
    second = await rp.token(await rp.code_for("sarah-p2"), client_assertion=assertion)
    assert await _token_error(second) == "invalid_client"


async def test_code_is_single_use(rp: RelyingParty) -> None:
    code = await rp.code_for("sarah-p2")
    assert (await rp.token(code)).status_code == 200
    assert await _token_error(await rp.token(code)) == "invalid_grant"


@pytest.mark.parametrize(
    "change",
    [{"redirect_uri": "https://rp.example/other"}, {"code_verifier": None}, {"code_verifier": "x" * 50}],
)
async def test_redirect_uri_and_pkce_verifier_must_match(
    rp: RelyingParty, change: dict[str, str | None]
) -> None:
    code = await rp.code_for("sarah-p2")
    assert await _token_error(await rp.token(code, **change)) == "invalid_grant"  # type: ignore[arg-type]


async def test_only_authorization_code_grant(rp: RelyingParty) -> None:
    response = await rp.token("x", grant_type="client_credentials")
    assert await _token_error(response) == "unsupported_grant_type"


async def _id_token_with_fault(rp: RelyingParty, fault: str) -> str:
    response = await rp.http.put("/_simulator/faults", json={"token": "id_token", "fault": fault})
    assert response.status_code == 200
    return str((await rp.token(await rp.code_for("sarah-p2"))).json()["id_token"])


async def test_fault_wrong_aud_and_wrong_iss(rp: RelyingParty) -> None:
    keys = await rp.jwks()
    assert jwt.decode(await _id_token_with_fault(rp, "wrong_aud"), keys).claims["aud"] != rp.client_id
    assert jwt.decode(await _id_token_with_fault(rp, "wrong_iss"), keys).claims["iss"] != f"{BASE}/"


async def test_fault_expired_and_issued_in_future(rp: RelyingParty) -> None:
    keys = await rp.jwks()
    now = time.time()
    assert jwt.decode(await _id_token_with_fault(rp, "expired"), keys).claims["exp"] < now
    assert jwt.decode(await _id_token_with_fault(rp, "issued_in_future"), keys).claims["iat"] > now + 60


async def test_fault_bad_signature_and_unknown_key(rp: RelyingParty) -> None:
    keys = await rp.jwks()
    with pytest.raises(BadSignatureError):
        jwt.decode(await _id_token_with_fault(rp, "bad_signature"), keys)
    with pytest.raises(InvalidKeyIdError):
        jwt.decode(await _id_token_with_fault(rp, "unknown_key"), keys)


async def test_fault_alg_none_is_unsigned(rp: RelyingParty) -> None:
    token = await _id_token_with_fault(rp, "alg_none")
    assert token.endswith(".")
    assert extract_compact(token.encode()).headers()["alg"] == "none"


async def test_fault_low_confidence_identity(rp: RelyingParty) -> None:
    await rp.http.put("/_simulator/faults", json={"token": "core_identity", "fault": "low_confidence"})
    params = rp.authorize_params(vtr='["Cl.Cm.P2"]', claims=IDENTITY_CLAIMS)
    tokens = (await rp.token(await rp.code_for("sarah-p2", params))).json()
    core = (await userinfo(rp.http, tokens["access_token"]))[
        "https://vocab.account.gov.uk/v1/coreIdentityJWT"
    ]
    assert json.loads(extract_compact(core.encode()).payload)["vot"] == "P1"


async def test_unknown_fault_is_refused_and_faults_clear(rp: RelyingParty) -> None:
    response = await rp.http.put("/_simulator/faults", json={"token": "id_token", "fault": "low_confidence"})
    assert response.status_code == 400
    await rp.http.put("/_simulator/faults", json={"token": "id_token", "fault": "wrong_aud"})
    assert (await rp.http.delete("/_simulator/faults")).json() == {"faults": {}}
    token = (await rp.token(await rp.code_for("sarah-p2"))).json()["id_token"]
    assert jwt.decode(token, await rp.jwks()).claims["aud"] == rp.client_id


async def test_redirect_target_is_the_registered_uri(rp: RelyingParty) -> None:
    response = await rp.sign_in("gwen-p2")
    assert response.headers["location"].startswith(REDIRECT_URI)
