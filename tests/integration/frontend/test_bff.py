"""The BFF between a browser and the platform: the session cookie's flags, CSRF, the CSP, no token ever
reaching the browser, sign-out, and two people at once never seeing each other's data."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn

from dwp.cli import forwarding_options
from dwp.gateway.ratelimit import RateLimiter
from dwp.platform import catalog
from dwp.platform.http import holds_no_cookies
from dwp.platform.settings import Settings
from tests.conftest import random_nino
from tests.integration.frontend.conftest import FRONTEND, Web
from tests.integration.identity.flows import callback_path, follow_to_provider
from tests.integration.identity.harness import GATEWAY, ONE_LOGIN, STAFF

pytestmark = pytest.mark.integration

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+")
"""What an internal token looks like: it must never be in anything the browser receives."""


class Browser:
    """One person's browser at the BFF, recording every response it receives."""

    def __init__(self, web: Web) -> None:
        self.client = web.browser()
        self.seen: list[httpx.Response] = []

    async def request(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        response = await self.client.request(method, url, **kwargs)  # type: ignore[arg-type]
        self.seen.append(response)
        return response

    @property
    def csrf(self) -> str:
        return self.client.cookies["dwp_csrf"]

    async def open_page(self) -> httpx.Response:
        return await self.request("GET", "/")

    async def sign_in(self, user: str) -> httpx.Response:
        await self.open_page()
        start = await self.request("GET", "/auth/sign-in")
        back = await follow_to_provider(self.client, start, user)
        # The provider sends the browser to the address the identity service registered; in this
        # harness that is the gateway's, so take its path and query to the BFF, as `dwp up` does.
        done = await self.request("GET", callback_path(back))
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/account"
        return done

    async def api(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, "Origin": FRONTEND} if method != "GET" else {}
        return await self.request(method, f"/api{path}", headers=headers, **kwargs)

    async def register(self) -> str:
        nino = random_nino()
        response = await self.request(
            "POST", "/auth/register", json={"national_insurance_number": nino},
            headers={"X-CSRF-Token": self.csrf, "Origin": FRONTEND},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        return nino

    async def session(self) -> dict[str, object]:
        response = await self.request("GET", "/auth/session")
        assert response.status_code == 200
        body: dict[str, object] = response.json()
        return body

    def assert_never_saw_a_token(self) -> None:
        for response in self.seen:
            assert not JWT.search(response.text), f"a token reached the browser from {response.url}"
            for header, value in response.headers.multi_items():
                assert not JWT.search(value), f"a token in the {header} header of {response.url}"


def set_cookie(response: httpx.Response, name: str) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert found, f"{name} was not set"
    return found[0]


async def test_the_session_cookie_is_httponly_lax_and_holds_no_token(web: Web) -> None:
    browser = Browser(web)
    done = await browser.sign_in("sarah-p2")
    cookie = set_cookie(done, "dwp_session").lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie, "a local (http) session cookie cannot be Secure"
    # The only cookie a page's script can read is the CSRF token, which is not a credential.
    readable = [h.split("=")[0] for r in browser.seen for h in r.headers.get_list("set-cookie")
                if "httponly" not in h.lower() and "max-age=0" not in h.lower()]  # fmt: skip
    assert set(readable) == {"dwp_csrf"}
    session = await browser.session()
    assert session["signed_in"] is True
    assert session["name"] == "Sarah Anne Jones"
    await browser.register()
    profile = await browser.api("GET", f"/v1/citizens/{session['subject_id']}")
    assert profile.status_code == 200, profile.text
    assert profile.json()["family_name"] == "Jones"
    browser.assert_never_saw_a_token()


async def test_pages_carry_a_strict_content_security_policy(web: Web) -> None:
    browser = Browser(web)
    for path in ("/", "/check-what-you-could-get/date-of-birth", "/api/v1/nothing-here", "/auth/session"):
        response = await browser.request("GET", path)
        csp = response.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
        assert directives["script-src"] == "'self'", path
        assert directives["style-src"] == "'self'", path
        assert directives["default-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["base-uri"] == "'none'"
        # The browser posts evidence to the bucket's presigned POST: that one origin, nothing wider.
        assert directives["connect-src"] == f"'self' https://{catalog.EVIDENCE_BUCKET}.s3.amazonaws.com", path
        assert "unsafe" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        # The platform's per-route policy, given once: the page policy's headers, not the API one's too.
        assert response.headers.get_list("content-security-policy") == [csp], path
        assert response.headers.get_list("referrer-policy") == ["same-origin"], path
        assert response.headers["cross-origin-opener-policy"] == "same-origin"
        assert "camera=()" in response.headers["permissions-policy"]
        assert response.headers["strict-transport-security"].startswith("max-age=")
    page = await browser.open_page()
    assert page.headers["cache-control"] == "no-store"
    asset = await browser.request("GET", "/assets/index-abc123.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert (await browser.request("GET", "/assets/missing.js")).status_code == 404


async def test_state_changing_requests_need_the_csrf_token_and_this_origin(web: Web) -> None:
    browser = Browser(web)
    await browser.sign_in("sarah-p2")
    estimate = {
        "universal_credit": {
            "assessment_period_start": date.today().isoformat(),
            "adults": [{"date_of_birth": "1990-02-14"}],
        }
    }
    refused = [
        await browser.request("POST", "/api/v1/estimates", json=estimate),
        await browser.request("POST", "/api/v1/estimates", json=estimate, headers={"X-CSRF-Token": "guess"}),
        await browser.request(
            "POST", "/api/v1/estimates", json=estimate,
            headers={"X-CSRF-Token": browser.csrf, "Origin": "https://evil.example"},
        ),
        await browser.request(
            "POST", "/api/v1/estimates", json=estimate,
            headers={"X-CSRF-Token": browser.csrf, "Sec-Fetch-Site": "cross-site"},
        ),
        await browser.request("POST", "/auth/sign-out", data={"csrf_token": "guess"}),
    ]  # fmt: skip
    for response in refused:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/csrf-refused")
    assert (await browser.session())["signed_in"] is True, "a refused sign-out must not sign anyone out"
    accepted = await browser.api("POST", "/v1/estimates", json=estimate)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["universal_credit"]["award_pence"] > 0


async def test_the_apis_problem_documents_reach_the_page_with_their_pointers(web: Web) -> None:
    browser = Browser(web)
    await browser.open_page()
    child_too_old = {
        "universal_credit": {
            "assessment_period_start": date.today().isoformat(),
            "adults": [{"date_of_birth": "1990-02-14"}],
            "children": [{"date_of_birth": "1990-01-01", "sex": "F"}],
        }
    }
    response = await browser.api("POST", "/v1/estimates", json=child_too_old)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["pointer"] == "#/universal_credit/children/0/date_of_birth"


async def test_signing_out_ends_the_session(web: Web) -> None:
    browser = Browser(web)
    await browser.sign_in("sarah-p2")
    old_session = browser.client.cookies["dwp_session"]
    out = await browser.request("POST", "/auth/sign-out", data={"csrf_token": browser.csrf},
                                headers={"Origin": FRONTEND})  # fmt: skip
    assert out.status_code == 303
    assert out.headers["location"].startswith(f"{ONE_LOGIN}/logout?")
    assert "dwp_session" not in browser.client.cookies
    assert (await browser.session())["signed_in"] is False
    # The old session id replayed is refused: the identity service deleted the session.
    browser.client.cookies.set("dwp_session", old_session, domain="www.dwp.test")
    assert (await browser.session())["signed_in"] is False
    assert (await browser.api("GET", "/v1/citizens/anyone")).status_code == 401


async def test_the_spa_cannot_reach_session_routes_through_the_api(web: Web) -> None:
    browser = Browser(web)
    await browser.sign_in("sarah-p2")
    for path in ("/v1/sessions/token", "/v1/sessions/current", "/v1/auth/me", "/.well-known/jwks.json",
                 "/v1/../v1/sessions/token"):  # fmt: skip
        response = await browser.api("POST" if path.endswith("token") else "GET", path)
        assert response.status_code == 404, path
    browser.assert_never_saw_a_token()


async def test_two_people_at_once_never_see_each_others_data(web: Web) -> None:
    sarah, mohammed, anonymous = Browser(web), Browser(web), Browser(web)
    await asyncio.gather(sarah.sign_in("sarah-p2"), mohammed.sign_in("mohammed-p2"), anonymous.open_page())
    await asyncio.gather(sarah.register(), mohammed.register())
    ids = {b: str((await b.session())["subject_id"]) for b in (sarah, mohammed)}
    assert ids[sarah] != ids[mohammed]

    async def look(browser: Browser, whose: str) -> tuple[str, int, str]:
        response = await browser.api("GET", f"/v1/citizens/{whose}")
        return whose, response.status_code, response.json().get("family_name", "")

    # Interleaved: each person asks for their own record and the other's, many times at once.
    calls = [look(b, ids[who]) for _ in range(10) for b in (sarah, mohammed) for who in (sarah, mohammed)]
    calls += [look(anonymous, ids[sarah]) for _ in range(5)]
    results = await asyncio.gather(*calls)
    owners = [b for _ in range(10) for b in (sarah, mohammed) for _who in (sarah, mohammed)]
    for (whose, status, family_name), asker in zip(results, owners + [anonymous] * 5, strict=True):
        if asker is anonymous:
            assert status == 401
        elif whose == ids[asker]:
            assert status == 200
            assert family_name == ("Jones" if asker is sarah else "Khan")
        else:
            assert status == 404, "a citizen saw another's record"
    assert (await anonymous.session())["signed_in"] is False
    assert holds_no_cookies(web.bff.state.http), "the BFF's client kept a cookie"
    for browser in (sarah, mohammed, anonymous):
        browser.assert_never_saw_a_token()


class FromAddress(httpx.AsyncBaseTransport):
    """A browser's connection from its own address: to the BFF as that client, elsewhere as the network."""

    def __init__(self, web: Web, address: str) -> None:
        self.bff = httpx.ASGITransport(app=web.bff, client=(address, 50000))
        self.network = web.network

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.netloc.decode() == urlsplit(FRONTEND).netloc:
            return await self.bff.handle_async_request(request)
        return await self.network.handle_async_request(request)


async def test_the_gateway_limits_each_person_behind_the_bff_not_the_bff(web: Web) -> None:
    """Before: every call through the BFF reached the gateway from the BFF's one address, so one person's
    requests used up everyone's per-address limit. The BFF now forwards the address it sees, and the
    gateway (configured as `dwp serve` configures it, trusting the BFF's address only) limits each person."""
    bff_address = "127.0.0.2"
    gateway_netloc = urlsplit(GATEWAY).netloc
    gateway = web.network.apps[gateway_netloc].app
    gateway.state.limiter = RateLimiter("4/minute", None)
    served = uvicorn.Config(gateway, **forwarding_options(Settings(dwp_trusted_proxies=f"{bff_address}/32")))
    served.load()
    web.network.apps[gateway_netloc] = httpx.ASGITransport(app=served.loaded_app, client=(bff_address, 40000))

    first, second = Browser(web), Browser(web)
    first.client = httpx.AsyncClient(transport=FromAddress(web, "198.51.100.7"), base_url=FRONTEND)
    second.client = httpx.AsyncClient(transport=FromAddress(web, "203.0.113.9"), base_url=FRONTEND)
    await asyncio.gather(first.open_page(), second.open_page())

    # Sign-in's start is a public route, limited per address. The first person's own header, new on each
    # request, changes nothing: the BFF forwards the address it saw, never the browser's header.
    starts = [
        await first.request("GET", "/auth/sign-in", headers={"X-Forwarded-For": f"192.0.2.{n}"})
        for n in range(5)
    ]
    assert [r.status_code for r in starts] == [302] * 4 + [303]
    assert starts[-1].headers["location"] == "/could-not-sign-in?reason=unavailable"  # try again later
    # The second person, interleaved with the first's refusal, has a limit of their own and signs in.
    retried, signed_in = await asyncio.gather(
        first.request("GET", "/auth/sign-in"), second.sign_in("sarah-p2")
    )
    assert retried.headers["location"].startswith("/could-not-sign-in")
    assert signed_in.headers["location"] == "/account"
    assert (await second.session())["signed_in"] is True


@pytest.mark.parametrize(("cookie", "query", "expected"), [
    (None, "", "en"), ("cy", "", "cy"), ("en", "?lang=cy", "cy"), ("cy\u0000", "", "en"),
    (None, "?lang=fr", "en"),
])  # fmt: skip
async def test_one_login_speaks_the_language_the_person_chose(
    web: Web, cookie: str | None, query: str, expected: str
) -> None:
    browser = Browser(web)
    if cookie is not None:
        browser.client.cookies.set("dwp_lang", cookie, domain=urlsplit(FRONTEND).hostname or "")
    start = await browser.request("GET", f"/auth/sign-in{query}")
    assert start.status_code == 302
    assert parse_qs(urlsplit(start.headers["location"]).query)["ui_locales"] == [expected]


async def test_the_session_says_when_it_ends_on_the_bffs_clock(web: Web) -> None:
    """The time-out warning counts down the time left (`expires_at - now`), whatever the browser's clock."""
    browser = Browser(web)
    await browser.sign_in("sarah-p2")
    session = await browser.session()
    left = int(str(session["expires_at"])) - int(str(session["now"]))
    assert 0 < left <= 30 * 60


async def staff_sign_in(browser: Browser, member: str = "alex.morgan") -> httpx.Response:
    """Staff sign-in through the BFF, as a caseworker's browser does it."""
    await browser.open_page()
    start = await browser.request("GET", "/auth/staff/sign-in")
    back = await follow_to_provider(browser.client, start, member)
    done = await browser.request("GET", callback_path(back))
    assert done.status_code == 303, done.text
    return done


@pytest.mark.parametrize("with_claims", [True])
async def test_staff_sign_in_lands_on_the_work_queue_with_roles_and_no_token(web: Web) -> None:
    browser = Browser(web)
    done = await staff_sign_in(browser, "chris.patel")
    assert done.headers["location"] == "/casework"
    cookie = set_cookie(done, "dwp_session").lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    session = await browser.session()
    assert (session["signed_in"], session["kind"], session["name"]) == (True, "staff", "Chris Patel")
    assert session["roles"] == ["caseworker", "team-leader"]
    queue = await browser.api("GET", "/v1/claims/casework/work-items?limit=5")
    assert queue.status_code == 200, queue.text
    assert "items" in queue.json()
    overview = await browser.api("GET", "/v1/claims/casework/overview")
    assert overview.status_code == 200, overview.text
    assert {"by_status", "waiting_by_age_days", "processing_days"} <= set(overview.json())
    out = await browser.request("POST", "/auth/sign-out", data={"csrf_token": browser.csrf},
                                headers={"Origin": FRONTEND})  # fmt: skip
    assert out.status_code == 303
    assert out.headers["location"].startswith(f"{STAFF}/"), "staff sign-out continues at staff sign-in"
    assert (await browser.session())["signed_in"] is False
    browser.assert_never_saw_a_token()


@pytest.mark.parametrize("with_claims", [True])
async def test_a_citizen_session_never_reaches_the_caseworker_routes_and_staff_get_no_citizen_data(
    web: Web,
) -> None:
    """The BFF refuses the caseworker routes to a citizen's session (and to no session) itself; a staff
    session is refused a citizen's own routes by the services behind it. Interleaved, in one harness."""
    sarah, alex, anonymous = Browser(web), Browser(web), Browser(web)
    await asyncio.gather(sarah.sign_in("sarah-p2"), staff_sign_in(alex), anonymous.open_page())
    await sarah.register()
    sarah_id = str((await sarah.session())["subject_id"])
    staff_routes = [
        ("GET", "/v1/claims/casework/work-items"),
        ("GET", "/v1/claims/casework/overview"),
        ("GET", "/v1/claims/casework/claims/anything?purpose=look"),
        ("POST", "/v1/claims/casework/work-items/anything/take"),
        ("POST", "/v1/claims/some-claim/uploads/some-upload/download-link"),
        ("POST", "/v1/citizens/search"),
    ]
    for method, path in staff_routes:
        kwargs = {"json": {"national_insurance_number": "AB123456C"}} if path.endswith("search") else {}
        refused, allowed, nobody = await asyncio.gather(
            sarah.api(method, path, **kwargs), alex.api(method, path, **kwargs),
            anonymous.api(method, path, **kwargs),
        )  # fmt: skip
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["type"].endswith("/staff-only")
        assert nobody.status_code == 401, (path, nobody.text)
        assert allowed.status_code != 403 or not allowed.json()["type"].endswith("/staff-only"), path
    # The citizen's own routes: her claims list is hers; a caseworker's token gets nobody's list.
    mine = await sarah.api("GET", "/v1/claims")
    assert mine.status_code == 200, mine.text
    theirs = await alex.api("GET", "/v1/claims")
    assert theirs.status_code == 403, theirs.text
    assert sarah_id not in theirs.text
    for browser in (sarah, alex, anonymous):
        browser.assert_never_saw_a_token()
