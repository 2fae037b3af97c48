"""Schemathesis against each service's own OpenAPI, on the in-process app (issue 11, "OpenAPI that tells
the truth"): no 500, every status and content type documented, every body as its schema says, and every
error a problem document.

Each service runs once, on SQLite, with its lifespan (relay, contexts) started once and every call made on
the same in-process client. Examples per operation are bounded (`DWP_FUZZ_EXAMPLES`, default below) so
the run adds well under a minute to the suite on two cores; CI's slow target may raise it.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    response_schema_conformance,
    status_code_conformance,
)

from dwp.contracts.identifiers import nino
from dwp.contracts.postcodes import normalise_postcode
from dwp.platform import catalog
from dwp.platform.auth import load_or_create_dev_key, mint_token
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from tests.integration.access_policy import POLICY
from tests.integration.attack_platform import MIGRATED

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("DWP_FUZZ_EXAMPLES", "8"))


def _valid(check: Callable[[str], object]) -> Callable[[str], bool]:
    def ok(value: str) -> bool:
        try:
            check(value)
        except ValueError:
            return False
        return True

    return ok


# The domain formats the documents name, generated valid (schemathesis's negative mode still sends
# what is not), so that the runs reach the success paths and not only the refusals.
schemathesis.openapi.format(
    "national-insurance-number",
    st.from_regex(r"\A[A-Z]{2}[0-9]{6}[A-D]\Z").filter(_valid(nino)),
)
schemathesis.openapi.format(
    "uk-postcode",
    st.from_regex(r"\A[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}\Z").filter(_valid(normalise_postcode)),
)


@schemathesis.check
def no_server_fault(ctx: Any, response: Any, case: Any) -> None:
    """Schemathesis's `not_a_server_error`, less the one 5xx the platform promises: a provider or the
    database being down is a 503 problem with `Retry-After` (these runs have no HMRC, NHS or OS Places
    simulator behind them). Anything else of 500 or more, a 500 above all, is a failure."""
    if response.status_code < 500:
        return
    retry = response.headers.get("retry-after")
    assert response.status_code == 503, f"{response.status_code}: {response.content[:300]!r}"
    assert retry, "a 503 without Retry-After"


@schemathesis.check
def errors_are_problem_documents(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx and 5xx is an RFC 9457 problem: its media type, and `type`, `title`, `status` that
    match the response."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0]
    if media_type != "application/problem+json" and media_type in _documented(case, response.status_code):
        return  # a protocol's own error shape, documented beside the problem (OAuth's token errors)
    assert media_type == "application/problem+json", f"{response.status_code} as {media_type!r}"
    body = json.loads(response.content)
    assert body["status"] == response.status_code, body
    assert body["type"], body
    assert body["title"], body


def _documented(case: Any, status: int) -> set[str]:
    responses = case.operation.definition.raw.get("responses", {})
    return set(responses.get(str(status), {}).get("content", {}))


CHECKS = [
    no_server_fault,
    errors_are_problem_documents,
    status_code_conformance,
    content_type_conformance,
    ensure_resource_availability,
    response_schema_conformance,
]
SERVICES = tuple(p.name for p in catalog.PROCESSES if p.kind == "service")
"""Every service of the catalogue: its OpenAPI document is what the gateway and the frontend rely on."""

PREFERENCE = ("citizen", "citizen-P1", "caseworker", "team-leader", "service:workers", "service:claims",
              "service:identity")  # fmt: skip
"""Which allowed caller a route is fuzzed as, first match first: the owner citizen (P2) where a citizen
may call it, so that its success paths are reached; else staff, else the calling service."""


class Api:
    def __init__(self, service: str, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.key = load_or_create_dev_key(settings)
        self.citizen_id = str(uuid.uuid4())

    def token(self, label: str) -> str:
        issuer = self.settings.dwp_jwt_issuer
        if label.startswith("citizen"):
            loc = "P1" if label == "citizen-P1" else "P2"
            return mint_token(self.key, issuer=issuer, subject=self.citizen_id, kind="citizen",
                              citizen_id=self.citizen_id, level_of_confidence=loc)  # fmt: skip
        if label.startswith("service:"):
            return mint_token(self.key, issuer=issuer, subject=label.removeprefix("service:"), kind="service")
        roles = ["team-leader"] if label == "team-leader" else ["caseworker"]
        return mint_token(self.key, issuer=issuer, subject=f"{label}-fuzz", kind="caseworker", roles=roles)

    def headers(self, method: str, path: str) -> dict[str, str]:
        """The credentials the access policy lets call the route (`access_policy.POLICY`); none for
        the open and session routes, whose refusals are part of what is checked."""
        allowed = POLICY.get((self.service, method.upper(), path))
        if not allowed:
            return {}
        label = next((p for p in PREFERENCE if p in allowed), sorted(allowed)[0])
        headers = {"Authorization": f"Bearer {self.token(label)}"}
        if label.startswith("service:"):
            headers["On-Behalf-Of"] = self.token("citizen")
        return headers


@contextmanager
def _served(service: str, tmp_path_factory: pytest.TempPathFactory, embedded_aws: Any) -> Iterator[Any]:
    """The service's app on SQLite (migrated), its lifespan run once for every call made on the client."""
    from dwp.platform.aws import bootstrap

    data_dir: Path = tmp_path_factory.mktemp(f"fuzz-{service}") / ".dwp"
    settings = Settings(
        dwp_env="test", dwp_data_dir=data_dir, aws_endpoint_url=embedded_aws.url, database_url=None,
        redis_url=None, dwp_outbox_interval_seconds=0.5,
    )  # fmt: skip
    bootstrap(settings)
    if service in MIGRATED:
        upgrade(service, settings)
    module = __import__(f"dwp.{service}.app", fromlist=["build_app"])
    app = module.build_app(settings)
    with asgi.get_client(app) as client:  # one lifespan for every call
        yield Api(service, settings), app, client


@pytest.fixture(scope="module", params=list(SERVICES))
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedded_aws: Any
) -> Iterator[Any]:
    with _served(request.param, tmp_path_factory, embedded_aws) as served:
        yield served


@pytest.fixture(scope="module")
def api_schema(api: Any) -> Any:
    _, app, _ = api
    return schemathesis.openapi.from_dict(app.openapi())


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_each_operation_tells_the_truth(case: Any, api: Any) -> None:
    context, _, client = api
    headers: Callable[[str, str], dict[str, str]] = context.headers
    case.call_and_validate(
        base_url="http://testserver", session=client, headers=headers(case.method, case.path), checks=CHECKS
    )


STATEFUL = ("claims", "citizen", "benefits")
"""The services whose 201 responses link to the GET of what they made (`platform.openapi.created_link`)."""


@pytest.mark.parametrize("service", STATEFUL)
def test_what_a_201_links_to_can_be_read(
    service: str, tmp_path_factory: pytest.TempPathFactory, embedded_aws: Any
) -> None:
    """Schemathesis's stateful phase: it follows each 201's link to the GET of what was made, with the
    same caller, so a link that names the wrong field or a resource that cannot be read back fails
    (`ensure_resource_availability`), as do the checks above on every step."""
    with _served(service, tmp_path_factory, embedded_aws) as (context, app, client):
        schema = schemathesis.openapi.from_dict(app.openapi())

        class Workflow(schema.as_state_machine()):  # type: ignore[misc]
            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return {
                    "base_url": "http://testserver",
                    "session": client,
                    "headers": context.headers(case.method, case.path),
                }

            def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
                case.validate_response(
                    response,
                    checks=[*CHECKS, ensure_resource_availability],
                    transport_kwargs=kwargs or None,
                    recorder=self.recorder,
                )

        Workflow.run(
            settings=settings(
                max_examples=max(EXAMPLES // 2, 4),
                stateful_step_count=6,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
        )
