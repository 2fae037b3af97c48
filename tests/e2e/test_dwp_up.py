"""End to end: `dwp up` starts the platform as separate processes; a citizen registers over real HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dwp.platform import catalog
from tests.conftest import _admin, random_nino

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def free_offset(start: int) -> int:
    """An offset at which every port `dwp up` needs is free (other copies may run on this machine)."""
    from dwp.platform.embedded_aws import port_is_free

    ports = [p.port for p in catalog.PROCESSES] + [catalog.AWS_ENDPOINT_PORT]
    for offset in range(start, start + 20000, 37):
        if all(port_is_free("127.0.0.1", port + offset) for port in ports):
            return offset
    raise RuntimeError("no free ports for dwp up")


PORT_OFFSET = free_offset(20000 + os.getpid() % 5000)


def up_env(tmp_path: Path, offset: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DWP_", "AWS_"))}
    env.update(
        {"DWP_DATA_DIR": str(tmp_path / ".dwp"), "DWP_PORT_OFFSET": str(offset), "PYTHONUNBUFFERED": "1"}
    )
    return env


@pytest.fixture(scope="module")
def own_database() -> Iterator[str | None]:
    """A database of this `dwp up`'s own when DATABASE_URL names a server: its data is sealed under keys
    kept in its own data folder, which no other run shares."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        yield None
        return
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database}_e2e_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, own_database: str | None
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    tmp_path = tmp_path_factory.mktemp("up")
    log = tmp_path / "up.log"
    env = up_env(tmp_path, PORT_OFFSET)
    # Every caller here comes from 127.0.0.1, so the per-address limit would be shared by all of them.
    env["DWP_GATEWAY_RATE_LIMIT"] = "1000/second"
    env["DWP_GATEWAY_REFUSED_RATE_LIMIT"] = "1000/second"  # the tests' refused tokens too
    if own_database:
        env["DATABASE_URL"] = own_database
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dwp.cli", "up"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
            # As a shell starts a background job (`dwp up &`): SIGINT ignored. Ctrl-C must still stop it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
        # Twelve processes start at once and the first start compiles the rules kernel; on a loaded
        # two-core machine that has taken minutes. Readiness is what is waited for; this only bounds it.
        deadline = time.monotonic() + 300
        while "Press Ctrl-C" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"dwp up did not become ready:\n{log.read_text()[-4000:]}")
            time.sleep(0.2)
        yield process, log
        if process.poll() is None:
            process.kill()


CANARIES: dict[str, str] = {}
"""Values the tests send or receive that must never reach a log line: NINO, names, date of birth, email,
phone, tokens, session ids. The log scan at the end of the module reads the whole of `dwp up`'s output."""


def url(name: str) -> str:
    return f"http://127.0.0.1:{catalog.process(name).port + PORT_OFFSET}"


def token(kind: str, tmp: Path, *extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "dwp.cli", "token", kind, *extra],
        env={**up_env(tmp, PORT_OFFSET)},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _canary_registration(data_dir: Path, citizen_id: str) -> tuple[dict[str, str], str]:
    """A registration whose every personal value is unique to this run, and its token: all canaries."""
    citizen = token("citizen", data_dir, "--citizen-id", citizen_id)
    canary = uuid.uuid4().hex[:8]
    body = {
        "given_name": f"Gwencanary{canary}",
        "family_name": f"Jonescanary{canary}",
        "date_of_birth": "1985-06-30",
        "national_insurance_number": random_nino(),
        "email": f"gwen.{canary}@example.com",
        "phone": f"020 7946 0{int(canary, 16) % 1000:03d}",  # Ofcom's numbers for drama
        "preferred_language": "cy",
    }
    CANARIES.update({k: str(v) for k, v in body.items() if k != "preferred_language"})
    CANARIES["phone, as stored"] = body["phone"].replace(" ", "")[1:]  # +44 20 7946 0..., in any format
    CANARIES["citizen token"] = citizen
    return body, citizen


def as_identity_for(citizen: str, tmp: Path) -> dict[str, str]:
    """Headers of the identity service registering the citizen whose token is `citizen`."""
    identity = token("service", tmp, "--subject", "identity")
    return {"Authorization": f"Bearer {identity}", "On-Behalf-Of": citizen}


def test_a_citizen_registers_over_http(platform: tuple[subprocess.Popen[str], Path]) -> None:
    _, log = platform
    data_dir = log.parent
    citizen_id = str(uuid.uuid4())
    body, citizen = _canary_registration(data_dir, citizen_id)
    with httpx.Client(base_url=url("citizen"), timeout=10) as client:
        assert client.get("/health/ready").json()["status"] == "ok"
        created = client.post("/v1/internal/citizens", json=body, headers=as_identity_for(citizen, data_dir))
        assert created.status_code == 201, created.text
        read = client.get(f"/v1/citizens/{citizen_id}", headers={"Authorization": f"Bearer {citizen}"})
        assert read.json()["preferred_language"] == "cy"
        caseworker = token("caseworker", data_dir)
        found = client.post(
            "/v1/citizens/search",
            json={"national_insurance_number": body["national_insurance_number"]},
            headers={"Authorization": f"Bearer {caseworker}"},
        )
        assert [c["id"] for c in found.json()["items"]] == [citizen_id]
        demo = client.get(
            "/v1/citizens/00000000-0000-4000-8000-000000000001",
            headers={"Authorization": f"Bearer {caseworker}"},
        )
        assert demo.status_code == 200, "the demo citizen was not seeded"
    text = log.read_text()
    assert "citizen     | {" in text, "service logs are streamed with a prefix"
    assert body["national_insurance_number"] not in text, "a NINO reached the logs"


def test_bank_details_through_the_gateway_and_a_payment_run_against_the_payment_system(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """`dwp up` runs the payments service (behind the gateway) and the payment system simulator."""
    _, log = platform
    data_dir = log.parent
    citizen_id = str(uuid.uuid4())
    citizen = token("citizen", data_dir, "--citizen-id", citizen_id)
    # Vocalink's published test case 2 (sort code 10-79-99, modulus 11).
    account = {"sort_code": "10-79-99", "account_number": "88837491", "account_name": "Gwen Jones"}
    with httpx.Client(base_url=url("gateway"), timeout=20) as client:
        given = client.put(
            f"/v1/payments/citizens/{citizen_id}/bank-details",
            json=account,
            headers={"Authorization": f"Bearer {citizen}"},
        )
        assert given.status_code == 200, given.text
        assert given.json()["account"] == "10-79-99 ******91"
    claims = token("service", data_dir, "--subject", "claims")
    workers = token("service", data_dir, "--subject", "workers")
    award = {
        "claim_id": str(uuid.uuid4()),
        "citizen_id": citizen_id,
        "benefit": "universal_credit",
        "first_day": "2026-09-01",
        "period_amounts": [61_000],
    }
    with httpx.Client(base_url=url("payments"), timeout=20) as client:
        stored = client.put(
            f"/v1/internal/payments/awards/{uuid.uuid4()}",
            json=award,
            headers={"Authorization": f"Bearer {claims}"},
        )
        assert stored.status_code == 200, stored.text
        run = client.post(
            "/v1/internal/payments/runs",
            json={"through": "2026-10-31"},
            headers={"Authorization": f"Bearer {workers}"},
        )
        assert run.status_code == 200, run.text
        assert run.json()["system_unavailable"] is False
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{url('payment-system')}/_simulator/payments").json()["payments"] >= 1
    assert "88837491" not in log.read_text(), "an account number reached the logs"


def test_the_printed_address_opens_the_citizen_web_app(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    _, log = platform
    printed = re.findall(r"Open the citizen web app: (http://127\.0\.0\.1:\d+/)", log.read_text())
    assert printed == [f"{url('frontend')}/"]
    with httpx.Client(timeout=10) as browser:
        page = browser.get(printed[0])
    assert page.status_code == 200
    assert '<div id="root">' in page.text, "the start page is the built SPA (make run builds it)"
    assert "script-src 'self'" in page.headers["content-security-policy"]


WEB = Path(__file__).resolve().parents[2] / "web"
SCREENSHOTS = WEB / "test-results" / "screenshots"
"""Where the browser journey leaves a screenshot of every page (CI keeps them as artefacts)."""


# Three journeys in a real browser (English, Welsh, keyboard) through UC, JSA/ESA, evidence, the decision
# and messages, each page audited by axe-core: more than the suite's default five minutes on a loaded
# two-core machine (the journey's summary has the seconds each added part took).
@pytest.mark.timeout(720)
def test_a_citizen_signs_in_and_checks_an_estimate_in_a_browser_in_english_and_welsh(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """web/tests/journey.mjs in Debian's Chromium against this `dwp up`: sign-in through the One Login
    simulator, the estimate with its errors, the result, sign-out, in both languages; axe-core finds no
    WCAG 2.2 AA violation on any page. A missing browser fails this test: it never skips."""
    run_in_browser(
        "tests/journey.mjs",
        timeout=700,
        # The decision the citizen reads is a caseworker's, made through the casework API.
        STAFF_TOKEN=token("caseworker", platform[1].parent),
        # A second decision maker awards the claim on reconsideration; the citizen then reports a change.
        STAFF_TOKEN_MR=token("caseworker", platform[1].parent, "--subject", "journey-reconsideration"),
        GATEWAY_URL=url("gateway"),
    )
    assert (SCREENSHOTS / "cy-08-result.png").exists()


def run_in_browser(script: str, *, timeout: float, **env: str) -> None:
    """A journey script of web/tests/ in Debian's Chromium against this `dwp up`; it fails (never skips)
    without the browser, Node.js or the web app's packages."""
    chromium = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    assert chromium.exists(), f"no browser at {chromium}: install Debian's (apt-get install -y chromium)"
    node = shutil.which("node")
    assert node, "Node.js is needed for the browser journey"
    assert (WEB / "node_modules" / "playwright-core").is_dir(), "run `make web` first (npm ci from the lock)"
    base = {"BASE_URL": url("frontend"), "SCREENSHOTS": str(SCREENSHOTS), "CHROMIUM": str(chromium)}
    result = subprocess.run(
        [node, script],
        cwd=WEB,
        env={**os.environ, **base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, journey_failure(result.stdout, result.stderr)


def journey_failure(stdout: str, stderr: str) -> str:
    """What went wrong first, then the pages reached: CI shows only the ends of a long message, and the
    script's summary (the pages, then the error) put its error in the cut middle."""
    try:
        summary = json.loads(stdout)
    except ValueError:
        return f"{stdout[-6000:]}\n{stderr[-3000:]}"
    pages = [page.get("name") for page in summary.get("pages", [])]
    return "\n".join(
        [
            f"error: {summary.get('error')}",
            f"axe violations: {json.dumps(summary.get('violations'))[:2000]}",
            f"console errors: {json.dumps(summary.get('consoleErrors'))[:2000]}",
            f"seconds: {summary.get('seconds')} by part: {summary.get('parts')}",
            f"last pages: {pages[-8:]}",
            stderr[-2000:],
        ]
    )


def test_dwp_up_prints_commands_that_mint_fresh_tokens_and_no_token(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """The demo tokens it printed lived 12 hours; now it prints commands that mint 15-minute ones."""
    _, log = platform
    text = log.read_text()
    assert not re.search(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+", text), "a token was printed"
    printed = dict(re.findall(r"^  (demo (?:citizen|caseworker) token): (.+)$", text, re.MULTILINE))
    assert set(printed) == {"demo citizen token", "demo caseworker token"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DWP_", "AWS_", "DATABASE_URL"))}
    tokens = {}
    for label, command in printed.items():
        # A shell line, run as pasted, from another folder: it names the data folder itself.
        minted = subprocess.run(
            command, shell=True, env=env, cwd="/", capture_output=True, text=True, check=True
        )
        tokens[label] = minted.stdout.strip()
        claims = _claims(tokens[label])
        assert int(claims["exp"]) - int(claims["iat"]) == 15 * 60  # type: ignore[call-overload]
    demo = "/v1/citizens/00000000-0000-4000-8000-000000000001"
    with httpx.Client(base_url=url("citizen"), timeout=10) as client:
        for label in printed:
            read = client.get(demo, headers={"Authorization": f"Bearer {tokens[label]}"})
            assert read.status_code == 200, (label, read.text)


def test_the_provider_simulators_run_and_answer_as_their_providers(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    _, log = platform
    printed = log.read_text()
    for name in ("os-places", "hmrc", "nhs", "notify", "workers"):
        assert f"│ {name} " in printed or f"| {name} " in printed, f"{name} is missing from the printed table"
    with httpx.Client(timeout=10) as client:
        places = client.get(
            f"{url('os-places')}/search/places/v1/postcode",
            params={"postcode": "CF24", "maxresults": "1", "key": "local-os-places-key"},
        )
        assert places.json()["header"]["totalresults"] > 100
        grant = {"grant_type": "client_credentials", "client_id": "dwp-integrations-local"}
        hmrc = client.post(f"{url('hmrc')}/oauth/token", data=grant | {"client_secret": "local-hmrc-secret"})
        assert hmrc.json()["token_type"] == "bearer"
        nhs = client.get(f"{url('nhs')}/personal-demographics/FHIR/R4/Patient/9000000009")
        assert nhs.status_code == 401
        assert nhs.json()["resourceType"] == "OperationOutcome"


def test_the_demo_citizen_is_emailed_through_sns_sqs_the_workers_and_notify(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """`dwp up` registers a demo citizen; its event reaches the workers process through SNS and SQS, and
    the worker (with its own service token from the identity service) emails them through Notify."""
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=10) as client:
        while True:
            sent = client.get(
                f"{url('notify')}/_simulator/notifications", params={"email_address": "sam.demo@example.com"}
            )
            if sent.json()["count"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        [welcome] = sent.json()["notifications"]
        assert welcome["template_key"] == "citizen.registered/email/en"
        assert welcome["body"].startswith("Dear ")
        ready = client.get(f"{url('workers')}/health/ready").json()
        assert ready["queues"]["dwp-notifications"]["handled"] >= 1


def test_a_person_signs_in_through_the_gateway_from_the_printed_link(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """The journey a person tries in a browser: the link `dwp up` prints, One Login's (simulated) page,
    the signed-in page with name and level of confidence, and sign-out at One Login."""
    _, log = platform
    # The console may wrap the line after its label, so look for the link itself.
    printed = re.findall(r"http://127\.0\.0\.1:\d+/v1/auth/one-login/start", log.read_text())
    assert printed, "dwp up did not print the sign-in link"
    start_url = printed[-1]
    assert start_url == f"{url('gateway')}/v1/auth/one-login/start"
    with httpx.Client(timeout=10) as browser:
        start = browser.get(start_url)
        assert start.status_code == 302, start.text
        page = browser.get(start.headers["location"])
        assert page.status_code == 200
        assert 'value="sarah-p2"' in page.text
        chosen = browser.post(
            f"{url('one-login')}/authorize/{page.headers['X-Simulator-Interaction']}",
            data={"user_id": "sarah-p2"},
        )
        # Browsers use the citizen web app's address, so One Login sends them back to it (its BFF
        # relays the callback to the identity service and sets the session cookie).
        callback = chosen.headers["location"]
        assert callback.startswith(f"{url('frontend')}/v1/auth/one-login/callback?")
        signed_in = browser.get(callback)
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/account"
        me = browser.get(f"{url('gateway')}/v1/auth/me")
        assert me.status_code == 200
        assert "Sarah Anne Jones" in me.text
        assert "P2" in me.text
        out = browser.post(f"{url('gateway')}/v1/auth/sign-out")
        assert out.headers["location"].startswith(f"{url('one-login')}/logout?id_token_hint=")
        back = browser.get(out.headers["location"])
        assert back.headers["location"].startswith(f"{url('frontend')}/v1/auth/signed-out")
        assert browser.get(f"{url('gateway')}/v1/auth/me").status_code == 401


class Person:
    """One browser: its own cookie jar, signing in through the gateway as a One Login user or staff."""

    def __init__(self, user: str, *, staff: bool = False) -> None:
        self.user, self.staff = user, staff
        self.browser = httpx.Client(timeout=10)
        self.subject: str | None = None

    def sign_in(self) -> None:
        journey = "staff" if self.staff else "one-login"
        start = self.browser.get(f"{url('gateway')}/v1/auth/{journey}/start")
        assert start.status_code == 302, start.text
        page = self.browser.get(start.headers["location"])
        chosen = self.browser.post(
            f"{page.url.copy_with(query=None)}/{page.headers['X-Simulator-Interaction']}",
            data={"user_id": self.user},
        )
        signed_in = self.browser.get(chosen.headers["location"])
        assert signed_in.status_code == 303, signed_in.text
        current = self.browser.get(f"{url('gateway')}/v1/sessions/current")
        assert current.status_code == 200, current.text
        self.subject = current.json()["subject_id"]
        CANARIES[f"session id of {self.user}"] = self.browser.cookies["dwp_session"]

    def sees_only_themself(self) -> None:
        current = self.browser.get(f"{url('gateway')}/v1/sessions/current")
        assert current.status_code == 200, current.text
        assert current.json()["subject_id"] == self.subject
        token = self.browser.post(f"{url('gateway')}/v1/sessions/token")
        assert token.status_code == 200, token.text
        CANARIES[f"token of {self.user}"] = token.json()["access_token"]
        claims = _claims(token.json()["access_token"])
        assert claims["sub"] == self.subject

    def sign_out(self) -> None:
        self.browser.post(f"{url('gateway')}/v1/auth/sign-out")
        assert self.browser.get(f"{url('gateway')}/v1/sessions/current").status_code == 401


def _claims(token: str) -> dict[str, object]:
    import base64
    import json

    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _anonymous_gets_nothing(anonymous: httpx.Client) -> None:
    """A caller with no cookie and no token: every answer is 401, whoever signed in before it."""
    gateway = url("gateway")
    assert anonymous.get(f"{gateway}/v1/sessions/current").status_code == 401
    assert anonymous.post(f"{gateway}/v1/sessions/token").status_code == 401
    me = anonymous.get(f"{gateway}/v1/auth/me")
    assert me.status_code == 401, me.text
    assert "You are signed in" not in me.text
    assert len(anonymous.cookies.jar) == 0


def test_people_signing_in_through_the_gateway_never_share_a_session(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """Security issue, critical finding: the gateway kept every Set-Cookie in one shared jar and sent it
    on for callers without a cookie. Two people (a citizen and a member of staff, then two citizens at
    once) sign in and out in interleaved order while an anonymous caller asks after every step."""
    from concurrent.futures import ThreadPoolExecutor

    anonymous = httpx.Client(timeout=10)
    sarah, alex = Person("sarah-p2"), Person("alex.morgan", staff=True)
    steps = [sarah.sign_in, alex.sign_in, sarah.sees_only_themself, alex.sees_only_themself,
             sarah.sign_out, alex.sees_only_themself, sarah.sign_in, alex.sign_out, sarah.sees_only_themself,
             sarah.sign_out]  # fmt: skip
    for step in steps:
        step()
        _anonymous_gets_nothing(anonymous)
    assert sarah.subject != alex.subject

    # The same at one moment: each person signs in, checks and signs out on its own thread, while the
    # anonymous caller asks as fast as it can.
    people = [Person(user) for user in ("mohammed-p2", "gwen-p2", "sarah-p2")] + [
        Person("bea.nwosu", staff=True)
    ]

    def journey(person: Person) -> str:
        for _ in range(3):
            person.sign_in()
            person.sees_only_themself()
            person.sign_out()
        assert person.subject is not None
        return person.subject

    with ThreadPoolExecutor(len(people) + 1) as pool:
        running = [pool.submit(journey, person) for person in people]
        while not all(f.done() for f in running):
            _anonymous_gets_nothing(anonymous)
        subjects = [f.result() for f in running]
    assert len(set(subjects)) == len(people)
    _anonymous_gets_nothing(anonymous)


def test_a_signed_in_citizen_claims_universal_credit_through_the_gateway(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """Claims issue: a citizen signs in with One Login, starts a UC claim through the gateway, saves each
    section, submits it with the declaration, and sees it submitted with its to-dos."""
    from pydantic import TypeAdapter

    from dwp.claims.domain.answers import SECTIONS, ClaimType
    from tests.unit.claims.conftest import uc_answers

    sarah = Person("sarah-p2")
    sarah.sign_in()
    issued = sarah.browser.post(f"{url('gateway')}/v1/sessions/token")
    assert issued.status_code == 200, issued.text
    access = issued.json()["access_token"]
    CANARIES["token of sarah-p2 (claims)"] = access
    auth = {"Authorization": f"Bearer {access}"}
    gateway = url("gateway")
    with httpx.Client(base_url=gateway, timeout=20) as client:
        started = client.post(
            "/v1/claims",
            json={"claim_type": "universal_credit"},
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert started.status_code == 201, started.text
        claim_id, etag = started.json()["id"], started.headers["etag"]
        shapes = SECTIONS[ClaimType.UNIVERSAL_CREDIT]
        for name, section in uc_answers().items():
            body = TypeAdapter(shapes[name]).dump_python(section, mode="json")
            saved = client.put(
                f"/v1/claims/{claim_id}/sections/{name}", json=body, headers={**auth, "If-Match": etag}
            )
            assert saved.status_code == 200, saved.text
            etag = saved.headers["etag"]
            for question in saved.json()["questions"]:
                confirmed = client.post(
                    f"/v1/claims/{claim_id}/confirmations",
                    json={"question": question["key"]},
                    headers={**auth, "If-Match": etag},
                )
                assert confirmed.status_code == 200, confirmed.text
                etag = confirmed.headers["etag"]
        submitted = client.post(
            f"/v1/claims/{claim_id}/submission",
            json={"declaration": "2026-12"},
            headers={**auth, "If-Match": etag, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert submitted.status_code == 200, submitted.text
        mine = client.get("/v1/claims", headers=auth).json()["items"]
        assert [(c["id"], c["status"]) for c in mine] == [(claim_id, "submitted")]
        todos = client.get(f"/v1/claims/{claim_id}/todos", headers=auth).json()["items"]
        assert {"accept_claimant_commitment", "upload_evidence"} <= {t["kind"] for t in todos}
        stranger = client.get(
            f"/v1/claims/{claim_id}",
            headers={"Authorization": f"Bearer {token('citizen', log_dir(platform))}"},
        )
        assert stranger.status_code == 404, stranger.text
    sarah.sign_out()


def test_a_citizen_uploads_evidence_and_a_caseworker_opens_it_for_5_minutes(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """Claims issue, evidence: a submitted UC claim asks for the tenancy agreement; the citizen gets a
    presigned POST through the gateway, sends the file straight to the embedded S3 as a browser does,
    says it is done, and the to-do closes; a caseworker gets a link that lives at most 5 minutes. The
    EICAR test file (assembled here) is quarantined by `dwp up`'s local scanner."""
    from urllib.parse import parse_qs, urlsplit

    from pydantic import TypeAdapter

    from dwp.claims.domain.answers import SECTIONS, ClaimType
    from tests.unit.claims.conftest import uc_answers

    sarah = Person("sarah-p2")
    sarah.sign_in()
    access = sarah.browser.post(f"{url('gateway')}/v1/sessions/token").json()["access_token"]
    CANARIES["token of sarah-p2 (evidence)"] = access
    auth = {"Authorization": f"Bearer {access}"}
    with httpx.Client(base_url=url("gateway"), timeout=20) as client:
        started = client.post(
            "/v1/claims",
            json={"claim_type": "universal_credit"},
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
        )
        claim_id, etag = started.json()["id"], started.headers["etag"]
        for name, section in uc_answers().items():
            body = TypeAdapter(SECTIONS[ClaimType.UNIVERSAL_CREDIT][name]).dump_python(section, mode="json")
            saved = client.put(
                f"/v1/claims/{claim_id}/sections/{name}", json=body, headers={**auth, "If-Match": etag}
            )
            etag = saved.headers["etag"]
            for question in saved.json()["questions"]:
                confirmed = client.post(
                    f"/v1/claims/{claim_id}/confirmations",
                    json={"question": question["key"]},
                    headers={**auth, "If-Match": etag},
                )
                etag = confirmed.headers["etag"]
        submitted = client.post(
            f"/v1/claims/{claim_id}/submission",
            json={"declaration": "2026-12"},
            headers={**auth, "If-Match": etag, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert submitted.status_code == 200, submitted.text

        def evidence_todos() -> list[str]:
            items = client.get(f"/v1/claims/{claim_id}/todos", headers=auth).json()["items"]
            return [t["id"] for t in items if t["kind"] == "upload_evidence"]

        todo = evidence_todos()[0]
        results = {}
        eicar = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS" + "-TEST-FILE!$H+H*").encode()
        for label, content in (("eicar", b"%PDF-1.7\n" + eicar), ("pdf", b"%PDF-1.7\n%%EOF\n")):
            asked = client.post(
                f"/v1/claims/{claim_id}/todos/{todo}/uploads",
                json={"content_type": "application/pdf"},
                headers=auth,
            )
            assert asked.status_code == 201, asked.text
            form = asked.json()
            assert form["url"].startswith(f"http://127.0.0.1:{catalog.AWS_ENDPOINT_PORT + PORT_OFFSET}")
            posted = httpx.post(
                form["url"], data=form["fields"], files={"file": ("tenancy.pdf", content, "application/pdf")}
            )
            assert posted.status_code == 204, posted.text
            done = client.post(
                f"/v1/claims/{claim_id}/uploads/{form['upload']['id']}/completion", headers=auth
            )
            assert done.status_code == 200, done.text
            results[label] = (form["upload"]["id"], done.json()["state"])
        assert results["eicar"][1] == "quarantined"
        assert results["pdf"][1] == "accepted"
        assert todo not in evidence_todos()

        staff = {"Authorization": f"Bearer {token('caseworker', log_dir(platform))}"}
        link = client.post(
            f"/v1/claims/{claim_id}/uploads/{results['pdf'][0]}/download-link",
            json={"purpose": "check the tenancy"},
            headers=staff,
        )
        assert link.status_code == 201, link.text
        assert int(parse_qs(urlsplit(link.json()["url"]).query)["X-Amz-Expires"][0]) <= 300
        assert httpx.get(link.json()["url"]).content == b"%PDF-1.7\n%%EOF\n"
        hidden = client.post(
            f"/v1/claims/{claim_id}/uploads/{results['eicar'][0]}/download-link",
            json={"purpose": "x"},
            headers=staff,
        )
        assert hidden.status_code == 404, hidden.text
    sarah.sign_out()


def test_a_caseworker_takes_a_submitted_claim_and_decides_it_through_the_gateway(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """Claims issue, casework: Sarah's UC claim (submitted through the gateway) has its work item; a
    caseworker (not the citizen) takes it, reads the claim (audited with the purpose), starts the
    assessment and decides, and the citizen sees the decision; the scaling metric is on /metrics and
    on the claims log stream."""
    from pydantic import TypeAdapter

    from dwp.claims.domain.answers import SECTIONS, ClaimType
    from tests.unit.claims.conftest import uc_answers

    sarah = Person("sarah-p2")
    sarah.sign_in()
    access = sarah.browser.post(f"{url('gateway')}/v1/sessions/token").json()["access_token"]
    CANARIES["token of sarah-p2 (casework)"] = access
    auth = {"Authorization": f"Bearer {access}"}
    staff = {"Authorization": f"Bearer {token('caseworker', log_dir(platform), '--subject', 'staff-e2e')}"}
    with httpx.Client(base_url=url("gateway"), timeout=30) as client:
        started = client.post("/v1/claims", json={"claim_type": "universal_credit"}, headers=auth)
        assert started.status_code == 201, started.text
        claim_id, etag = started.json()["id"], started.headers["etag"]
        shapes = SECTIONS[ClaimType.UNIVERSAL_CREDIT]
        for name, section in uc_answers().items():
            body = TypeAdapter(shapes[name]).dump_python(section, mode="json")
            saved = client.put(
                f"/v1/claims/{claim_id}/sections/{name}", json=body, headers={**auth, "If-Match": etag}
            )
            etag = saved.headers["etag"]
            for question in saved.json()["questions"]:
                confirmed = client.post(
                    f"/v1/claims/{claim_id}/confirmations",
                    json={"question": question["key"]},
                    headers={**auth, "If-Match": etag},
                )
                etag = confirmed.headers["etag"]
        submitted = client.post(
            f"/v1/claims/{claim_id}/submission",
            json={"declaration": "2026-12"},
            headers={**auth, "If-Match": etag},
        )
        assert submitted.status_code == 200, submitted.text
        refused = client.get("/v1/claims/casework/work-items", headers=auth)
        assert refused.status_code == 403, refused.text
        work = client.get(f"/v1/claims/casework/claims/{claim_id}/work-items", headers=staff)
        assert work.status_code == 200, work.text
        item = next(i for i in work.json()["items"] if i["kind"] == "assess_claim")
        taken = client.post(f"/v1/claims/casework/work-items/{item['id']}/take", headers=staff)
        assert taken.status_code == 200, taken.text
        read = client.get(
            f"/v1/claims/casework/claims/{claim_id}", params={"purpose": "assess"}, headers=staff
        )
        assert read.status_code == 200, read.text
        begun = client.post(
            f"/v1/claims/casework/claims/{claim_id}/assessment/start",
            headers={**staff, "If-Match": read.headers["etag"]},
        )
        assert begun.status_code == 200, begun.text
        # The award path asks the citizen service for her proven identity, which she has not registered
        # here (the demo citizen holds the NINO HMRC knows her by): a disallowance needs no other service.
        decided = client.post(
            f"/v1/claims/casework/claims/{claim_id}/decisions",
            json={"outcome": "disallow", "reasons": ["Capital over the limit"]},
            headers={**staff, "If-Match": begun.headers["etag"]},
        )
        assert decided.status_code == 201, decided.text
        assert decided.json()["decision"]["outcome"] == "disallow"
        seen = client.get(f"/v1/claims/{claim_id}/decisions", headers=auth)
        assert seen.status_code == 200, seen.text
        assert decided.json()["decision"]["id"] in seen.text
        audit = client.get(
            f"/v1/claims/casework/claims/{claim_id}/audit", params={"purpose": "e2e"}, headers=staff
        )
        assert ("read", "staff-e2e", "assess") in [
            (r["action"], r["actor"], r["reason"]) for r in audit.json()["items"]
        ]
    metrics = httpx.get(f"{url('claims')}/metrics", timeout=10).text
    assert "dwp_claims_waiting_per_caseworker" in metrics
    log = platform[1].read_text()
    assert '"_aws":{' in log, "no EMF line on the claims log stream"
    assert "ClaimsWaitingPerCaseworker" in log
    sarah.sign_out()


def claim_sections() -> dict[str, object]:
    """A UC claim's answers, section by section, as the claims API takes them (its own test answers)."""
    from pydantic import TypeAdapter

    from dwp.claims.domain.answers import SECTIONS, ClaimType
    from tests.unit.claims.conftest import uc_answers

    shapes = SECTIONS[ClaimType.UNIVERSAL_CREDIT]
    return {name: TypeAdapter(shapes[name]).dump_python(s, mode="json") for name, s in uc_answers().items()}


def test_a_caseworker_takes_and_decides_a_claim_in_a_browser_and_the_citizen_sees_it(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """web/tests/casework.mjs in Debian's Chromium against this `dwp up`: a citizen submits a claim through
    the BFF; a caseworker signs in with the staff sign-in simulator, filters the queue, takes the claim,
    opens it, starts the assessment and decides (an empty form's error summary first); the citizen sees the
    decision; neither session reaches the other's pages or routes; axe-core finds no WCAG 2.2 AA violation
    on any caseworker page. A missing browser fails this test: it never skips."""
    import json

    run_in_browser("tests/casework.mjs", timeout=300, CLAIM_SECTIONS=json.dumps(claim_sections()))
    assert (SCREENSHOTS / "cw-05-decided.png").exists()


def log_dir(platform: tuple[subprocess.Popen[str], Path]) -> Path:
    return platform[1].parent


def _pid_of(command: str, port: int) -> int:
    """The process of this test's `dwp up` that runs `dwp <command> ... --port <port>`: by its command line,
    or, for a service forked from `dwp up`'s fork server (whose command line it keeps, named
    `dwp-<name>`), as the process listening on the port."""
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "dwp.cli" in argv and command in argv and str(port) in argv:
            return int(entry.name)
    if (pid := _listener_of(port)) is not None:
        assert (Path("/proc") / str(pid) / "comm").read_text().startswith("dwp-")
        return pid
    raise AssertionError(f"no process runs dwp {command} on port {port}")


def _listener_of(port: int) -> int | None:
    """The process with a socket listening on 127.0.0.1:`port` (from /proc/net/tcp), if any."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{port:04X}" and fields[3] == "0A":  # 127.0.0.1, LISTEN
            inodes.add(f"socket:[{fields[9]}]")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                return int(entry.name)
        except OSError:
            continue
    return None


def _wait_for_line(log: Path, text: str, after: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text()[after:]:
        assert time.monotonic() < deadline, f"{text!r} never appeared:\n{log.read_text()[after:][-3000:]}"
        time.sleep(0.2)


def test_a_service_killed_is_restarted_and_the_rest_run_on(
    platform: tuple[subprocess.Popen[str], Path],
) -> None:
    """Reliability issue, supervision: kill -9 of a service and of the embedded AWS endpoint."""
    process, log = platform
    children = (
        ("citizen", "serve", catalog.process("citizen").port),
        ("aws", "aws-endpoint", catalog.AWS_ENDPOINT_PORT),
    )
    for name, command, port in children:
        mark = len(log.read_text())
        os.kill(_pid_of(command, port + PORT_OFFSET), signal.SIGKILL)
        _wait_for_line(log, f"{name} stopped unexpectedly", mark)
        # Everything else keeps running while it is down.
        assert httpx.get(f"{url('benefits')}/health/live", timeout=5).status_code == 200
        _wait_for_line(log, f"{name} is ready again", mark)
        assert process.poll() is None, "dwp up stopped when one process died"
    # After both came back: a registration works (the PII key and secrets were restored by bootstrap).
    citizen_id = str(uuid.uuid4())
    citizen = token("citizen", log.parent, "--citizen-id", citizen_id)
    body = {"given_name": "Rhys", "family_name": "Evans", "date_of_birth": "1980-02-02",
            "national_insurance_number": random_nino(), "email": "rhys@example.com"}  # fmt: skip
    created = httpx.post(
        f"{url('citizen')}/v1/internal/citizens",
        json=body,
        headers=as_identity_for(citizen, log.parent),
        timeout=10,
    )
    assert created.status_code == 201, created.text


def test_no_personal_data_or_secret_reaches_the_logs(platform: tuple[subprocess.Popen[str], Path]) -> None:
    """Security issue, log scan: no value a journey sent or got is in any log line of any process. The
    test makes its own canaries (a registration through the gateway, a sign-in), and also checks those
    of every test that ran before it in this module."""
    _, log = platform
    citizen_id = str(uuid.uuid4())
    body, _ = _canary_registration(log.parent, citizen_id)
    # Through the gateway, records are made by caseworkers who checked documents (identity's own
    # route is internal, and the gateway never forwards /v1/internal).
    in_person = {**body, "citizen_id": citizen_id, "identity_check": {"documents": ["passport"]}}
    caseworker = token("caseworker", log.parent)
    created = httpx.post(
        f"{url('gateway')}/v1/citizens",
        json=in_person,
        headers={"Authorization": f"Bearer {caseworker}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    person = Person("gwen-p2")
    person.sign_in()
    person.sees_only_themself()
    person.sign_out()
    text = log.read_text()
    leaked = {field for field, value in CANARIES.items() if value in text}
    assert not leaked, f"these reached the logs: {sorted(leaked)}"


def test_ctrl_c_stops_everything(platform: tuple[subprocess.Popen[str], Path]) -> None:
    process, log = platform
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0, log.read_text()[-2000:]
    for name in ("citizen",):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", catalog.process(name).port + PORT_OFFSET)) != 0
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", catalog.AWS_ENDPOINT_PORT + PORT_OFFSET)) != 0


def test_a_taken_port_gets_a_clear_message(tmp_path: Path) -> None:
    offset = free_offset(PORT_OFFSET + 1000)
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", catalog.process("citizen").port + offset))
        blocker.listen()
        result = subprocess.run(
            [sys.executable, "-m", "dwp.cli", "up"],
            env=up_env(tmp_path, offset),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
    assert result.returncode == 1
    assert "ports are already in use" in result.stdout
    assert f"citizen needs port {catalog.process('citizen').port + offset}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreachable_database_gets_a_clear_message(tmp_path: Path) -> None:
    offset = free_offset(PORT_OFFSET + 2000)
    env = up_env(tmp_path, offset)
    env["DATABASE_URL"] = f"postgresql+asyncpg://dwp@127.0.0.1:{catalog.AWS_ENDPOINT_PORT + offset + 1}/gone"
    result = subprocess.run(
        [sys.executable, "-m", "dwp.cli", "up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "Cannot start the platform" in result.stdout
    # The services migrate as they start, side by side: whichever reaches the database first names it.
    assert re.search(r"cannot migrate (citizen|identity|benefits|integrations)", result.stdout), result.stdout
    assert "Connect" in result.stdout  # the refused connection is named
    assert "Traceback" not in result.stdout + result.stderr
