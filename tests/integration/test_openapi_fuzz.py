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
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dwp.platform.auth import load_or_create_dev_key, mint_token
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("DWP_FUZZ_EXAMPLES", "8"))


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
    assert media_type == "application/problem+json", f"{response.status_code} as {media_type!r}"
    body = json.loads(response.content)
    assert body["status"] == response.status_code, body
    assert body["type"], body
    assert body["title"], body


CHECKS = [
    no_server_fault,
    errors_are_problem_documents,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SERVICES = {
    "citizen": True,  # whether it has migrations to run
    "benefits": True,
    "address": False,
    "integrations": True,
}


class Api:
    def __init__(self, service: str, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.key = load_or_create_dev_key(settings)
        self.citizen_id = str(uuid.uuid4())

    def token(self, kind: str, **claims: Any) -> str:
        subject = claims.pop("subject", None) or (self.citizen_id if kind == "citizen" else f"{kind}-fuzz")
        return mint_token(
            self.key, issuer=self.settings.dwp_jwt_issuer, subject=subject, kind=kind,  # type: ignore[arg-type]
            citizen_id=self.citizen_id if kind == "citizen" else None, **claims,
        )  # fmt: skip

    def headers(self, path: str) -> dict[str, str]:
        """The credentials that may call a route: the owner citizen (proven, P2), a caseworker for staff
        routes, the calling service for internal ones."""
        citizen = self.token("citizen", level_of_confidence="P2")
        if "/internal/" in path:
            return {
                "Authorization": f"Bearer {self.token('service', subject='identity')}",
                "On-Behalf-Of": citizen,
            }
        if self.service in ("integrations",) or path.endswith(("/search", "/in-person")) or "audit" in path:
            return {"Authorization": f"Bearer {self.token('caseworker', roles=['caseworker'])}"}
        return {"Authorization": f"Bearer {citizen}"}


@pytest.fixture(scope="module", params=list(SERVICES))
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, embedded_aws: Any
) -> Iterator[Any]:
    from dwp.platform.aws import bootstrap

    service = request.param
    data_dir: Path = tmp_path_factory.mktemp(f"fuzz-{service}") / ".dwp"
    settings = Settings(
        dwp_env="test", dwp_data_dir=data_dir, aws_endpoint_url=embedded_aws.url, database_url=None,
        redis_url=None, dwp_outbox_interval_seconds=0.5,
    )  # fmt: skip
    bootstrap(settings)
    if SERVICES[service]:
        upgrade(service, settings)
    module = __import__(f"dwp.{service}.app", fromlist=["build_app"])
    app = module.build_app(settings)
    with asgi.get_client(app) as client:  # one lifespan for every call
        yield Api(service, settings), app, client


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
    headers: Callable[[str], dict[str, str]] = context.headers
    case.call_and_validate(
        base_url="http://testserver", session=client, headers=headers(case.path), checks=CHECKS
    )
