"""The One Login simulator against the examples in One Login's technical documentation.

Quoted examples come from docs.sign-in.service.gov.uk:
- AUTH: /integrate-with-integration-environment/authenticate-your-user/
- PROVE: /integrate-with-integration-environment/prove-users-identity/
- SESSIONS: /integrate-with-integration-environment/managing-your-users-sessions/
"""

from __future__ import annotations

import time

import httpx
from joserfc import jwk, jwt

from tests.unit.identity.one_login_helpers import (
    IDENTITY_CLAIMS,
    LOGOUT_URI,
    REDIRECT_URI,
    RelyingParty,
    redirect_query,
    userinfo,
)

# AUTH, "Understand your ID token": the example ID token's claims.
DOCUMENTED_ID_TOKEN_CLAIMS = {
    "at_hash",
    "sub",
    "aud",
    "iss",
    "vot",
    "exp",
    "iat",
    "nonce",
    "vtm",
    "sid",
    "auth_time",
}
# AUTH, "Receive response for 'Make a token request'".
DOCUMENTED_TOKEN_RESPONSE = {"access_token": str, "token_type": "Bearer", "expires_in": 180, "id_token": str}
# AUTH, "Receive response for 'Retrieve user information'".
DOCUMENTED_USERINFO = {
    "sub": "urn:fdc:gov.uk:2022:56P4CMsGh_02YOlWpd8PAOI-2sVlB2nsNU7mcLZYhYw=",
    "email": "test@example.com",
    "email_verified": True,
    "phone_number": "+441406946277",
    "phone_number_verified": True,
}
# PROVE, "Understand your user's core identity claim": the example JWT's claims.
DOCUMENTED_CORE_IDENTITY_CLAIMS = {"sub", "iss", "aud", "nbf", "iat", "exp", "vot", "vtm", "vc"}
# PROVE, "Understand your user's address claim": every property an address may contain.
DOCUMENTED_ADDRESS_PROPERTIES = {
    "validFrom", "validUntil", "uprn", "organisationName", "departmentName", "subBuildingName",
    "buildingNumber", "buildingName", "dependentStreetName", "streetName", "doubleDependentAddressLocality",
    "dependentAddressLocality", "addressLocality", "postalCode", "addressCountry",
}  # fmt: skip
# SESSIONS, "Request logout notifications": the example decoded logout token.
DOCUMENTED_LOGOUT_TOKEN = {
    "iss": "https://oidc.integration.account.gov.uk/",
    "sub": "urn:fdc:gov.uk:2022:56P4CMsGh_02YOlWpd8PAOI-2sVlB2nsNU7mcLZYhYw=",
    "aud": "{YOUR_CLIENT_ID}",
    "iat": 1713185467,
    "exp": 1713185587,
    "jti": "30642c87-6167-413f-8ace-f1643c59e398",
    "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
}


async def test_discovery_document_names_the_endpoints_and_only_private_key_jwt(rp: RelyingParty) -> None:
    response = await rp.http.get("/.well-known/openid-configuration")
    doc = response.json()
    assert doc["issuer"] == "http://one-login.test/"
    assert doc["authorization_endpoint"] == "http://one-login.test/authorize"
    assert doc["token_endpoint"] == "http://one-login.test/token"
    assert doc["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert doc["id_token_signing_alg_values_supported"] == ["ES256"]
    assert "https://vocab.account.gov.uk/v1/coreIdentityJWT" in doc["claims_supported"]
    # AUTH, "Cache the discovery document": "Cache-Control: max-age=86400".
    assert response.headers["cache-control"] == "max-age=86400"


async def test_jwks_has_ec_p256_signing_keys_like_the_documented_example(rp: RelyingParty) -> None:
    keys = (await rp.http.get("/.well-known/jwks.json")).json()["keys"]
    assert keys
    for key in keys:
        assert {"kty", "use", "crv", "kid", "x", "y", "alg"} <= set(key)
        assert (key["kty"], key["use"], key["crv"], key["alg"]) == ("EC", "sig", "P-256", "ES256")
        assert "d" not in key


async def test_documented_authentication_request_redirects_with_code_and_state(rp: RelyingParty) -> None:
    response = await rp.sign_in("sarah-p2")
    # AUTH: "HTTP/1.1 302 Found / Location: https://YOUR_REDIRECT_URI?code=AUTHORIZATION_CODE&state=xyzABC123"
    assert response.status_code == 302
    assert response.headers["location"].startswith(REDIRECT_URI + "?")
    query = redirect_query(response)
    assert set(query) == {"code", "state"}
    assert query["state"] == "STATE"


async def test_token_response_and_id_token_match_the_documented_examples(rp: RelyingParty) -> None:
    response = await rp.token(await rp.code_for("sarah-p2"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(DOCUMENTED_TOKEN_RESPONSE)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 180
    assert response.headers["cache-control"] == "no-store"

    token = jwt.decode(body["id_token"], await rp.jwks(), algorithms=["ES256"])
    assert token.header["alg"] == "ES256"
    assert set(token.claims) == DOCUMENTED_ID_TOKEN_CLAIMS
    claims = token.claims
    assert claims["iss"] == "http://one-login.test/"
    assert claims["aud"] == "test-rp"
    assert claims["vot"] == "Cl.Cm"
    assert claims["nonce"] == "aEwkamaos5B"
    assert claims["sub"].startswith("urn:fdc:gov.uk:2022:")
    assert claims["iat"] <= time.time() < claims["exp"]


async def test_userinfo_matches_the_documented_authentication_only_response(rp: RelyingParty) -> None:
    access_token = (await rp.token(await rp.code_for("sarah-p2"))).json()["access_token"]
    info = await userinfo(rp.http, access_token)
    assert set(info) == set(DOCUMENTED_USERINFO)
    assert info["email_verified"] is True
    assert info["phone_number_verified"] is True
    assert info["phone_number"].startswith("+44")


async def test_sub_is_pairwise_and_stable(rp: RelyingParty) -> None:
    first = (await rp.token(await rp.code_for("sarah-p2"))).json()["id_token"]
    second = (await rp.token(await rp.code_for("sarah-p2"))).json()["id_token"]
    other = (await rp.token(await rp.code_for("gwen-p2"))).json()["id_token"]
    keys = await rp.jwks()
    subs = [jwt.decode(t, keys).claims["sub"] for t in (first, second, other)]
    assert subs[0] == subs[1] != subs[2]


async def test_identity_request_returns_core_identity_jwt_and_addresses(rp: RelyingParty) -> None:
    params = rp.authorize_params(vtr='["Cl.Cm.P2"]', claims=IDENTITY_CLAIMS)
    tokens = (await rp.token(await rp.code_for("mohammed-p2", params))).json()
    id_claims = jwt.decode(tokens["id_token"], await rp.jwks()).claims
    # AUTH: "if you set the vtr parameter to Cl.Cm.P2, you must ensure the vot claim is equal to Cl.Cm".
    assert id_claims["vot"] == "Cl.Cm"
    info = (
        await rp.http.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    ).json()

    core = info["https://vocab.account.gov.uk/v1/coreIdentityJWT"]
    did_doc = (await rp.http.get("/identity/did.json")).json()
    header_kid = jwt.decode(core, _did_keys(did_doc)).header["kid"]
    controller, _, _ = header_kid.partition("#")
    assert controller == did_doc["id"] == "did:web:one-login.test:identity"
    claims = jwt.decode(core, _did_keys(did_doc), algorithms=["ES256"]).claims
    assert set(claims) == DOCUMENTED_CORE_IDENTITY_CLAIMS
    assert claims["vot"] == "P2"
    assert claims["sub"] == id_claims["sub"]
    assert claims["iss"] == "http://one-login.test/identity/"
    assert claims["vc"]["type"] == ["VerifiableCredential", "VerifiableIdentityCredential"]
    subject = claims["vc"]["credentialSubject"]
    assert subject["birthDate"] == [{"value": "1979-11-03"}]
    assert {"value": "Khan", "type": "FamilyName"} in subject["name"][0]["nameParts"]

    addresses = info["https://vocab.account.gov.uk/v1/address"]
    assert len(addresses) == 2
    for address in addresses:
        assert set(address) <= DOCUMENTED_ADDRESS_PROPERTIES
    assert "validUntil" not in addresses[0]


def _did_keys(did_doc: dict[str, object]) -> jwk.KeySet:
    methods = did_doc["assertionMethod"]
    assert isinstance(methods, list)
    return jwk.KeySet([jwk.ECKey.import_key(m["publicKeyJwk"] | {"kid": m["id"]}) for m in methods])


async def test_failed_identity_check_gives_return_codes_as_documented(rp: RelyingParty) -> None:
    params = rp.authorize_params(vtr='["Cl.Cm.P2"]', claims=IDENTITY_CLAIMS)
    access_token = (await rp.token(await rp.code_for("priya-failed", params))).json()["access_token"]
    info = await userinfo(rp.http, access_token)
    # PROVE, "Understand your user's return code claim": only authentication data plus the codes.
    assert info["https://vocab.account.gov.uk/v1/returnCode"] == [{"code": "C"}, {"code": "D"}]
    assert "https://vocab.account.gov.uk/v1/coreIdentityJWT" not in info


async def test_failed_identity_check_without_return_codes_is_access_denied(rp: RelyingParty) -> None:
    rp.client_id = "plain-rp"
    response = await rp.sign_in("tom-failed", rp.authorize_params(vtr='["Cl.Cm.P2"]', claims=IDENTITY_CLAIMS))
    assert response.status_code == 302
    assert redirect_query(response)["error"] == "access_denied"


async def test_userinfo_rejects_unknown_access_token(rp: RelyingParty) -> None:
    response = await rp.http.get("/userinfo", headers={"Authorization": "Bearer not-a-token"})
    # AUTH, error handling for userinfo: "HTTP/1.1 401 Unauthorized / WWW-Authenticate: Bearer error=..."
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_logout_redirects_with_state_and_notifies_back_channel(rp: RelyingParty, back_channel) -> None:
    id_token = (await rp.token(await rp.code_for("sarah-p2"))).json()["id_token"]
    response = await rp.http.get(
        "/logout",
        params={"id_token_hint": id_token, "post_logout_redirect_uri": LOGOUT_URI, "state": "sadk8d4--lda"},
    )
    # SESSIONS: "HTTP 1.1 302 Found / Location: https://example-service.com/my-logout-url&state=..."
    assert response.status_code == 302
    assert response.headers["location"] == f"{LOGOUT_URI}?state=sadk8d4--lda"

    assert len(back_channel.requests) == 1
    sent = back_channel.requests[0]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    logout_token = httpx.QueryParams(sent.content.decode())["logout_token"]
    token = jwt.decode(logout_token, await rp.jwks(), algorithms=["ES256"])
    assert token.header["alg"] == "ES256"
    assert token.header["kid"]
    assert set(DOCUMENTED_LOGOUT_TOKEN) <= set(token.claims)
    assert token.claims["events"] == DOCUMENTED_LOGOUT_TOKEN["events"]
    assert token.claims["sub"] == jwt.decode(id_token, await rp.jwks()).claims["sub"]
    assert "nonce" not in token.claims


async def test_logout_without_hint_shows_the_default_signed_out_page(rp: RelyingParty) -> None:
    response = await rp.http.get("/logout", params={"post_logout_redirect_uri": LOGOUT_URI})
    assert response.status_code == 200
    assert "signed out" in response.text


async def test_chooser_page_lists_the_test_users(rp: RelyingParty) -> None:
    page = await rp.http.get("/authorize", params=rp.authorize_params())
    assert page.headers["content-type"].startswith("text/html")
    for user_id in ("sarah-p2", "mohammed-p2", "tom-failed"):
        assert f'value="{user_id}"' in page.text


async def test_key_rotation_keeps_the_previous_key_published(rp: RelyingParty) -> None:
    before = {k["kid"] for k in (await rp.http.get("/.well-known/jwks.json")).json()["keys"]}
    await rp.http.post("/_simulator/rotate-keys")
    after = {k["kid"] for k in (await rp.http.get("/.well-known/jwks.json")).json()["keys"]}
    assert before < after
    await rp.http.post("/_simulator/rotate-keys", params={"retire_previous": True})
    retired = {k["kid"] for k in (await rp.http.get("/.well-known/jwks.json")).json()["keys"]}
    assert len(retired) == 1
    assert not retired & before
