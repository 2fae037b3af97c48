"""The resilient client: what it retries and what it never does, Retry-After and the deadline, the
circuit breaker, service tokens, propagated headers and contract bodies. Every upstream is an
`httpx.MockTransport`; the clock and the sleep are injected, so no test waits."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import purgatory.domain.model
import pytest
import structlog
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel

from dwp.platform.http import (
    CircuitBreakers,
    ResilientClient,
    RetryPolicy,
    ServiceTokens,
    UpstreamBadResponse,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
    current_deadline,
    deadline_in,
    holds_no_cookies,
    retry_after_header,
    shared_client,
)
from dwp.platform.problems import dependency_errors
from dwp.platform.secrets import RotatingSecret

BASE = "http://citizen.test"
EPOCH = 1_800_000_000.0


@dataclass
class FakeClock:
    """Monotonic and wall time that move only when the client sleeps (or a test says so)."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return EPOCH + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    # purgatory reads time.time() for when a breaker opened and when it may half-open.
    monkeypatch.setattr(purgatory.domain.model, "time", types.SimpleNamespace(time=fake.wall))
    return fake


Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Upstream:
    """A scripted upstream: answers in turn (the last one repeats), recording each request."""

    answers: list[httpx.Response | Exception]
    requests: list[httpx.Request] = field(default_factory=list)
    before: Callable[[httpx.Request], None] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before:
            self.before(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def answer(status: int, **kwargs: Any) -> httpx.Response:
    return httpx.Response(status, **kwargs)


def client_for(
    handler: Handler,
    clock: FakeClock,
    *,
    policy: RetryPolicy | None = None,
    breakers: CircuitBreakers | None = None,
    **kwargs: Any,
) -> ResilientClient:
    return ResilientClient(
        "citizen",
        BASE,
        http=shared_client(transport=httpx.MockTransport(handler)),
        policy=policy,
        breakers=breakers or CircuitBreakers(threshold=3, ttl=10.0, clock=clock.wall),
        clock=clock,
        wall_clock=clock.wall,
        sleep=clock.sleep,
        **kwargs,
    )


# --- what is retried ---------------------------------------------------------------------------


async def test_a_get_is_retried_on_503_with_jittered_backoff_until_it_succeeds(clock: FakeClock) -> None:
    upstream = Upstream([answer(503), answer(503), answer(200, json={"ok": True})])
    client = client_for(upstream, clock, policy=RetryPolicy(attempts=3, backoff_initial=0.1, backoff_max=2.0))
    response = await client.request("GET", "/v1/things/1")
    assert response.json() == {"ok": True}
    assert len(upstream.requests) == 3
    assert len(clock.sleeps) == 2
    # Full jitter in a window that doubles: 0-0.1 s, then 0-0.2 s.
    assert 0 <= clock.sleeps[0] <= 0.1
    assert 0 <= clock.sleeps[1] <= 0.2


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_each_transient_status_is_retried(clock: FakeClock, status: int) -> None:
    upstream = Upstream([answer(status), answer(200)])
    assert (await client_for(upstream, clock).request("GET", "/x")).status_code == 200
    assert len(upstream.requests) == 2


async def test_a_500_is_not_retried(clock: FakeClock) -> None:
    upstream = Upstream([answer(500), answer(200)])
    with pytest.raises(UpstreamBadResponse) as caught:
        await client_for(upstream, clock).request("GET", "/x")
    assert caught.value.status == 500
    assert len(upstream.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (answer(503), UpstreamUnavailable),
        (answer(502), UpstreamUnavailable),
        (httpx.ConnectError("refused"), UpstreamUnavailable),
        (httpx.ReadTimeout("slow"), UpstreamTimeout),
    ],
)
async def test_a_post_without_an_idempotency_key_is_never_retried(
    clock: FakeClock, failure: httpx.Response | Exception, error: type[Exception]
) -> None:
    upstream = Upstream([failure, answer(201)])
    with pytest.raises(error):
        await client_for(upstream, clock).request("POST", "/v1/citizens", json={"a": 1})
    assert len(upstream.requests) == 1


async def test_a_post_with_an_idempotency_key_is_retried_with_the_same_key_and_body(clock: FakeClock) -> None:
    upstream = Upstream([answer(503), httpx.ConnectError("refused"), answer(201, json={"id": "c1"})])
    response = await client_for(upstream, clock).request(
        "POST", "/v1/citizens", json={"a": 1}, idempotency_key="register-c1"
    )
    assert response.status_code == 201
    assert [r.headers["Idempotency-Key"] for r in upstream.requests] == ["register-c1"] * 3
    assert {r.content for r in upstream.requests} == {b'{"a":1}'}


async def test_a_connect_error_is_retried_for_a_get(clock: FakeClock) -> None:
    upstream = Upstream([httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), answer(200)])
    assert (await client_for(upstream, clock).request("GET", "/x")).status_code == 200
    assert len(upstream.requests) == 3


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ReadTimeout("slow"), UpstreamTimeout),
        (httpx.ReadError("reset"), UpstreamUnavailable),
        (httpx.RemoteProtocolError("garbled"), UpstreamBadResponse),
        (answer(404), UpstreamRejected),
    ],
)
async def test_what_may_have_been_acted_on_or_was_refused_is_not_retried(
    clock: FakeClock, failure: httpx.Response | Exception, error: type[Exception]
) -> None:
    upstream = Upstream([failure, answer(200)])
    with pytest.raises(error):
        await client_for(upstream, clock).request("GET", "/x")
    assert len(upstream.requests) == 1


async def test_retries_stop_after_the_attempts_and_the_last_error_is_raised(clock: FakeClock) -> None:
    upstream = Upstream([answer(503)])
    with pytest.raises(UpstreamUnavailable) as caught:
        await client_for(
            upstream, clock, policy=RetryPolicy(attempts=4), breakers=CircuitBreakers(threshold=10)
        ).request("GET", "/x")
    assert len(upstream.requests) == 4
    assert caught.value.status == 503


# --- Retry-After and the deadline --------------------------------------------------------------


async def test_retry_after_in_seconds_is_waited_exactly(clock: FakeClock) -> None:
    upstream = Upstream([answer(503, headers={"Retry-After": "3"}), answer(200)])
    assert (await client_for(upstream, clock).request("GET", "/x")).status_code == 200
    assert clock.sleeps == [3.0]


async def test_retry_after_as_an_http_date_is_waited_until(clock: FakeClock) -> None:
    when = email.utils.formatdate(clock.wall() + 4, usegmt=True)
    upstream = Upstream([answer(429, headers={"Retry-After": when}), answer(200)])
    assert (await client_for(upstream, clock).request("GET", "/x")).status_code == 200
    assert clock.sleeps == [pytest.approx(4.0, abs=1.0)]  # HTTP dates have whole seconds


async def test_a_retry_after_past_the_deadline_fails_at_once_and_carries_the_wait(clock: FakeClock) -> None:
    upstream = Upstream([answer(503, headers={"Retry-After": "30"}), answer(200)])
    client = client_for(upstream, clock, policy=RetryPolicy(total_seconds=10.0))
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.request("GET", "/x")
    assert caught.value.retry_after == 30.0
    assert len(upstream.requests) == 1
    assert clock.sleeps == []


IN_PROGRESS = {
    "type": "https://dwp.example.gov.uk/problems/idempotency-key-in-progress",
    "title": "Request in progress",
    "status": 409,
}


def in_progress(retry_after: str = "2") -> httpx.Response:
    return answer(
        409,
        json=IN_PROGRESS,
        headers={"Retry-After": retry_after, "Content-Type": "application/problem+json"},
    )


async def test_a_key_in_progress_is_asked_again_after_its_retry_after_for_the_first_answer(
    clock: FakeClock,
) -> None:
    """Issue 10: a concurrent retry with the same Idempotency-Key got 409 in progress, and the caller
    (identity registering a citizen) took it as a refusal. Now the client waits exactly the upstream's
    Retry-After and asks again, getting the first request's own answer (201)."""
    upstream = Upstream([in_progress("2"), answer(201, json={"id": "c1"})])
    response = await client_for(upstream, clock).request(
        "POST", "/v1/internal/citizens", json={"a": 1}, idempotency_key="register-c1"
    )
    assert (response.status_code, response.json()) == (201, {"id": "c1"})
    assert clock.sleeps == [2.0]
    assert [r.headers["Idempotency-Key"] for r in upstream.requests] == ["register-c1"] * 2


async def test_a_key_still_in_progress_at_the_deadline_is_a_503_with_the_wait(clock: FakeClock) -> None:
    upstream = Upstream([in_progress("30")])
    client = client_for(upstream, clock, policy=RetryPolicy(total_seconds=10.0))
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.request("POST", "/v1/internal/citizens", json={}, idempotency_key="k")
    assert caught.value.retry_after == 30.0
    assert caught.value.status == 409
    assert len(upstream.requests) == 1


async def test_other_conflicts_are_refusals_and_are_not_retried(clock: FakeClock) -> None:
    already = answer(
        409, json={"type": "https://dwp.example.gov.uk/problems/already-registered", "status": 409}
    )
    upstream = Upstream([already, answer(201)])
    with pytest.raises(UpstreamRejected) as caught:
        await client_for(upstream, clock).request(
            "POST", "/v1/internal/citizens", json={}, idempotency_key="k"
        )
    assert caught.value.status == 409
    # Without a key, even an in-progress problem is not retried (nothing says it is this request's).
    upstream = Upstream([in_progress("1"), answer(201)])
    with pytest.raises(UpstreamRejected):
        await client_for(upstream, clock).request("POST", "/v1/things", json={})
    assert len(upstream.requests) == 1
    assert clock.sleeps == []


async def test_the_callers_remaining_time_bounds_every_attempt_and_the_retries(clock: FakeClock) -> None:
    def takes_400_ms(request: httpx.Request) -> None:
        clock.now += 0.4

    upstream = Upstream([answer(503, headers={"Retry-After": "0"})], before=takes_400_ms)
    client = client_for(upstream, clock, policy=RetryPolicy(attempts=10, total_seconds=30.0))
    with deadline_in(1.0, clock=clock), pytest.raises(UpstreamUnavailable):
        await client.request("GET", "/x")
    # Three attempts fit in the second the caller had; each was given only what was left of it.
    assert len(upstream.requests) == 3
    reads = [r.extensions["timeout"]["read"] for r in upstream.requests]
    assert reads == pytest.approx([1.0, 0.6, 0.2])


async def test_no_request_is_sent_once_the_callers_deadline_has_passed(clock: FakeClock) -> None:
    upstream = Upstream([answer(200)])
    with deadline_in(0.5, clock=clock):
        clock.now += 1.0
        with pytest.raises(UpstreamTimeout):
            await client_for(upstream, clock).request("GET", "/x")
    assert upstream.requests == []


def test_a_nested_deadline_only_ever_shortens_the_one_in_force(clock: FakeClock) -> None:
    with deadline_in(5.0, clock=clock) as outer:
        with deadline_in(60.0, clock=clock) as inner:
            assert inner == outer == 5.0
        with deadline_in(1.0, clock=clock) as shorter:
            assert shorter == 1.0
        assert current_deadline() == 5.0
    assert current_deadline() is None


async def test_an_upstream_that_never_answers_is_cut_off_at_the_deadline() -> None:
    never = asyncio.Event()

    async def hangs(request: httpx.Request) -> httpx.Response:
        await never.wait()
        return answer(200)

    client = ResilientClient(
        "citizen", BASE, http=shared_client(transport=httpx.MockTransport(hangs)), policy=RetryPolicy()
    )
    with deadline_in(0.05), pytest.raises(UpstreamTimeout):
        await client.request("GET", "/x")


# --- the circuit breaker -----------------------------------------------------------------------


async def test_the_breaker_opens_after_n_failures_and_then_fails_fast(clock: FakeClock) -> None:
    upstream = Upstream([answer(500)])
    client = client_for(upstream, clock, policy=RetryPolicy(attempts=1))
    for _ in range(3):
        with pytest.raises(UpstreamBadResponse):
            await client.request("GET", "/x")
    assert await client.breakers.state("citizen") == "opened"
    clock.now += 4.0
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.request("GET", "/x")
    assert caught.value.breaker_open
    assert caught.value.retry_after == pytest.approx(6.0)  # what is left of the breaker's 10 s
    assert retry_after_header(caught.value) == {"Retry-After": "6"}
    assert len(upstream.requests) == 3  # nothing sent while open


async def test_an_open_breaker_is_not_retried(clock: FakeClock) -> None:
    upstream = Upstream([httpx.ConnectError("refused")])
    client = client_for(upstream, clock, policy=RetryPolicy(attempts=3))
    with pytest.raises(UpstreamUnavailable):
        await client.request("GET", "/x")  # three connect errors open it
    sleeps = len(clock.sleeps)
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.request("GET", "/x")
    assert caught.value.breaker_open
    assert len(clock.sleeps) == sleeps


async def test_the_breaker_half_opens_after_its_ttl_and_closes_on_recovery(clock: FakeClock) -> None:
    upstream = Upstream([answer(503), answer(503), answer(503), answer(200)])
    client = client_for(upstream, clock, policy=RetryPolicy(attempts=1))
    for _ in range(3):
        with pytest.raises(UpstreamUnavailable):
            await client.request("GET", "/x")
    clock.now += 10.5
    assert (await client.request("GET", "/x")).status_code == 200
    assert await client.breakers.state("citizen") == "closed"
    assert (await client.request("GET", "/x")).status_code == 200


async def test_a_failure_while_half_open_opens_the_breaker_again(clock: FakeClock) -> None:
    upstream = Upstream([answer(502)])
    client = client_for(upstream, clock, policy=RetryPolicy(attempts=1))
    for _ in range(3):
        with pytest.raises(UpstreamUnavailable):
            await client.request("GET", "/x")
    clock.now += 10.5
    with pytest.raises(UpstreamUnavailable) as probe:
        await client.request("GET", "/x")
    assert not probe.value.breaker_open  # the probe went through
    assert await client.breakers.state("citizen") == "opened"
    assert len(upstream.requests) == 4


async def test_refusals_and_429s_do_not_open_the_breaker(clock: FakeClock) -> None:
    upstream = Upstream([answer(404), answer(422), answer(429), answer(404), answer(429)])
    client = client_for(upstream, clock, policy=RetryPolicy(attempts=1))
    for _ in range(5):
        with pytest.raises((UpstreamRejected, UpstreamUnavailable)):
            await client.request("GET", "/x")
    assert await client.breakers.state("citizen") == "closed"


async def test_a_success_resets_the_count_of_failures(clock: FakeClock) -> None:
    upstream = Upstream([answer(500), answer(500), answer(200), answer(500), answer(500), answer(200)])
    client = client_for(upstream, clock, policy=RetryPolicy(attempts=1))
    for _ in range(6):
        with contextlib.suppress(UpstreamBadResponse):
            await client.request("GET", "/x")
    assert await client.breakers.state("citizen") == "closed"


# --- service tokens ----------------------------------------------------------------------------


@dataclass
class Identity:
    """The identity service's token endpoint: token n is "t<n>", valid for 300 s."""

    issued: int = 0
    forms: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.issued += 1
        self.forms.append(request.content.decode())
        return answer(
            200, json={"access_token": f"t{self.issued}", "token_type": "Bearer", "expires_in": 300}
        )


def tokens_for(identity: Identity, clock: FakeClock) -> ServiceTokens:
    client = ResilientClient(
        "identity",
        "http://identity.test",
        http=shared_client(transport=httpx.MockTransport(identity)),
        breakers=CircuitBreakers(clock=clock.wall),
        clock=clock,
        sleep=clock.sleep,
    )
    return ServiceTokens(client, client_id="claims", client_secret="s3cret", clock=clock)


async def test_the_service_token_is_fetched_once_and_cached_until_shortly_before_expiry(
    clock: FakeClock,
) -> None:
    identity = Identity()
    upstream = Upstream([answer(200)])
    client = client_for(upstream, clock, tokens=tokens_for(identity, clock))
    for _ in range(3):
        await client.request("GET", "/x")
    assert identity.issued == 1
    assert identity.forms[0] == "grant_type=client_credentials&client_id=claims&client_secret=s3cret"
    clock.now += 269
    await client.request("GET", "/x")
    assert identity.issued == 1
    clock.now += 2  # within 30 s of the token's expiry
    await client.request("GET", "/x")
    assert identity.issued == 2
    assert [r.headers["Authorization"] for r in upstream.requests] == ["Bearer t1"] * 4 + ["Bearer t2"]


async def test_a_refused_service_token_is_refreshed_once(clock: FakeClock) -> None:
    identity = Identity()

    seen: list[str] = []

    def accepts_only_t2(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return answer(200 if request.headers["Authorization"] == "Bearer t2" else 401)

    client = client_for(accepts_only_t2, clock, tokens=tokens_for(identity, clock))
    # A POST without an Idempotency-Key too: a 401 means nothing was done.
    assert (await client.request("POST", "/v1/things", json={})).status_code == 200
    assert seen == ["Bearer t1", "Bearer t2"]
    assert identity.issued == 2


async def test_a_token_refused_twice_is_a_rejection_after_one_refresh(clock: FakeClock) -> None:
    identity = Identity()
    upstream = Upstream([answer(401, json={"title": "Unauthorised"})])
    client = client_for(upstream, clock, tokens=tokens_for(identity, clock))
    with pytest.raises(UpstreamRejected) as caught:
        await client.request("GET", "/x")
    assert caught.value.status == 401
    assert identity.issued == 2
    assert len(upstream.requests) == 2


async def test_a_token_the_caller_passes_is_sent_instead_and_never_refreshed(clock: FakeClock) -> None:
    identity = Identity()
    upstream = Upstream([answer(401)])
    client = client_for(upstream, clock, tokens=tokens_for(identity, clock))
    with pytest.raises(UpstreamRejected):
        await client.request("GET", "/x", bearer="citizens-own-token")
    assert identity.issued == 0
    assert [r.headers["Authorization"] for r in upstream.requests] == ["Bearer citizens-own-token"]


async def test_the_token_request_is_retried_like_a_get_though_it_is_a_post(clock: FakeClock) -> None:
    identity = Identity()
    answers = iter([answer(503), None])

    def briefly_down(request: httpx.Request) -> httpx.Response:
        first = next(answers)
        return first if first is not None else identity(request)

    tokens = ServiceTokens(
        ResilientClient(
            "identity",
            "http://identity.test",
            http=shared_client(transport=httpx.MockTransport(briefly_down)),
            breakers=CircuitBreakers(clock=clock.wall),
            clock=clock,
            sleep=clock.sleep,
        ),
        client_id="claims",
        client_secret="s",
        clock=clock,
    )
    assert await tokens.token() == "t1"
    assert len(clock.sleeps) == 1


async def test_concurrent_callers_share_one_token_fetch(clock: FakeClock) -> None:
    identity = Identity()
    client = client_for(Upstream([answer(200)]), clock, tokens=tokens_for(identity, clock))
    await asyncio.gather(*(client.request("GET", "/x") for _ in range(5)))
    assert identity.issued == 1


async def test_the_identity_service_being_down_does_not_open_the_callers_breaker(clock: FakeClock) -> None:
    def identity_down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    identity = ResilientClient(
        "identity",
        "http://identity.test",
        http=shared_client(transport=httpx.MockTransport(identity_down)),
        policy=RetryPolicy(attempts=1),
        breakers=CircuitBreakers(clock=clock.wall),
        clock=clock,
    )
    tokens = ServiceTokens(identity, client_id="claims", client_secret="s", clock=clock)
    upstream = Upstream([answer(200)])
    client = client_for(upstream, clock, tokens=tokens, policy=RetryPolicy(attempts=1))
    for _ in range(4):
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.request("GET", "/x")
        assert caught.value.upstream == "identity"
    assert await client.breakers.state("citizen") == "closed"
    assert upstream.requests == []


# --- what every request carries, and what it keeps ---------------------------------------------


@pytest.fixture
def request_id() -> Iterator[str]:
    structlog.contextvars.bind_contextvars(request_id="req-0123456789")
    yield "req-0123456789"
    structlog.contextvars.unbind_contextvars("request_id")


async def test_the_request_id_and_the_trace_context_are_forwarded(clock: FakeClock, request_id: str) -> None:
    upstream = Upstream([answer(200)])
    client = client_for(upstream, clock)
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("handling") as span:
        await client.request("GET", "/x")
        trace_id = format(span.get_span_context().trace_id, "032x")
    sent = upstream.requests[0].headers
    assert sent["X-Request-ID"] == request_id
    version, sent_trace, _parent, _flags = sent["traceparent"].split("-")
    assert (version, sent_trace) == ("00", trace_id)


async def test_the_client_keeps_no_cookie_an_upstream_sets(clock: FakeClock) -> None:
    upstream = Upstream([answer(200, headers={"Set-Cookie": "session=someone-elses; Path=/"})])
    http = shared_client(transport=httpx.MockTransport(upstream))
    client = ResilientClient("citizen", BASE, http=http, clock=clock, sleep=clock.sleep)
    await client.request("GET", "/x")
    await client.request("GET", "/x")
    assert holds_no_cookies(http)
    assert "cookie" not in upstream.requests[1].headers


# --- contract bodies and errors ----------------------------------------------------------------


class Thing(BaseModel):
    id: str
    size: int


class NewThing(BaseModel):
    size: int
    colour: str | None = None


async def test_models_go_out_and_come_back_typed(clock: FakeClock) -> None:
    upstream = Upstream([answer(201, json={"id": "t1", "size": 3, "extra": "ignored by the reader"})])
    thing = await client_for(upstream, clock).post_model("/v1/things", NewThing(size=3), Thing)
    assert thing == Thing(id="t1", size=3)
    assert upstream.requests[0].content == b'{"size":3}'  # None fields left out
    assert upstream.requests[0].headers["Accept"] == "application/json"


async def test_an_answer_that_breaks_the_contract_is_a_bad_response(clock: FakeClock) -> None:
    upstream = Upstream([answer(200, json={"id": "t1"})])
    with pytest.raises(UpstreamBadResponse, match="not a Thing"):
        await client_for(upstream, clock).get_model("/v1/things/t1", Thing)


async def test_a_refusal_carries_the_upstreams_problem(clock: FakeClock) -> None:
    problem = {"type": "https://dwp.example.gov.uk/problems/validation", "title": "Invalid", "status": 422,
               "detail": "date_of_birth: too young"}  # fmt: skip
    upstream = Upstream([answer(422, json=problem, headers={"Content-Type": "application/problem+json"})])
    with pytest.raises(UpstreamRejected) as caught:
        await client_for(upstream, clock).post_model("/v1/things", NewThing(size=1), Thing)
    assert caught.value.status == 422
    assert caught.value.problem == problem
    assert "too young" in str(caught.value)
    assert caught.value.upstream == "citizen"


def test_unavailable_and_timeout_are_dependency_errors_so_an_unmapped_service_answers_503() -> None:
    assert isinstance(UpstreamUnavailable("down", upstream="x"), dependency_errors())
    assert isinstance(UpstreamTimeout("slow", upstream="x"), dependency_errors())
    assert not isinstance(UpstreamRejected("no", status=400, upstream="x"), dependency_errors())


def test_the_retry_after_header_rounds_up_and_falls_back_to_a_default() -> None:
    soon, later = (UpstreamUnavailable("x", upstream="u", retry_after=s) for s in (0.2, 29.1))
    assert retry_after_header(soon) == {"Retry-After": "1"}
    assert retry_after_header(later) == {"Retry-After": "30"}
    assert retry_after_header(UpstreamTimeout("x", upstream="u")) == {"Retry-After": "5"}


class _Rotating(RotatingSecret):
    """A `RotatingSecret` with no Secrets Manager: its value, and what a refresh would read."""

    def __init__(self, value: str, after: str) -> None:  # no super().__init__: nothing is read
        self._current, self._after, self.refreshes = value, after, 0

    async def value(self) -> str:
        return self._current

    async def refresh(self) -> bool:
        self.refreshes += 1
        changed, self._current = self._current != self._after, self._after
        return changed


def _identity_accepting(secret: str) -> Any:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        form = request.content.decode()
        sent.append(form)
        if f"client_secret={secret}" not in form:
            return answer(401, json={"title": "invalid_client"})
        return answer(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 300})

    handler.sent = sent  # type: ignore[attr-defined]
    return handler


def _tokens_with(handler: Any, secret: Any, clock: FakeClock) -> ServiceTokens:
    client = ResilientClient(
        "identity",
        "http://identity.test",
        http=shared_client(transport=httpx.MockTransport(handler)),
        breakers=CircuitBreakers(clock=clock.wall),
        clock=clock,
        sleep=clock.sleep,
    )
    return ServiceTokens(client, client_id="workers", client_secret=secret, clock=clock)


async def test_a_secret_read_by_arn_is_read_again_when_identity_refuses_it(clock: FakeClock) -> None:
    """A worker function's secret was rotated: identity refuses the one it holds, it reads the new one."""
    identity = _identity_accepting("new")
    secret = _Rotating("old", after="new")
    tokens = _tokens_with(identity, secret, clock)
    assert await tokens.token() == "t"
    assert secret.refreshes == 1
    assert len(identity.sent) == 2


async def test_a_refused_secret_that_did_not_change_is_a_rejection_without_a_second_request(
    clock: FakeClock,
) -> None:
    identity = _identity_accepting("other")
    secret = _Rotating("same", after="same")
    tokens = _tokens_with(identity, secret, clock)
    with pytest.raises(UpstreamRejected) as caught:
        await tokens.token()
    assert caught.value.status == 401
    assert secret.refreshes == 1
    assert len(identity.sent) == 1
