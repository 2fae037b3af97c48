"""The AWS REST API's Lambda authorizer (REQUEST type): the local gateway's edge check, on API Gateway.

Both gateways call `dwp.gateway.edge.edge_check` with the same public routes (`routes.PUBLIC_ROUTES`), the
same path reading (`paths.checked_path`) and the platform's token verifier, so a token the local gateway
refuses is refused on AWS too (`tests/unit/gateway/test_authorizer.py` runs the security suite's token
matrix against this handler).

API Gateway calls it for every request (no identity source and no result cache in API Gateway: a cached
answer would be keyed on the token alone and outlive a short token, and a public route has no token to
key on). The verifier itself remembers a checked token only until the token expires, so in a warm
container the signature is checked once per token. Answers:

- a public route, or a valid token: Allow for this method and path, with the caller's kind and subject in
  the context (API Gateway passes them to the integration as `$context.authorizer.*`);
- no token or a bad one: the error "Unauthorized", which API Gateway turns into its 401 (a problem
  document, from the API's gateway responses);
- a path with more than one reading: Deny (403), as the local gateway refuses it;
- the issuer's keys cannot be fetched: an error, which API Gateway answers as a 503 problem.

The JWKS comes from `DWP_JWKS_URL`, on AWS the internal load balancer's address
(`https://internal-api.<domain>/.well-known/jwks.json`): Service Connect names do not resolve in Lambda.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import quote

from dwp.gateway.edge import edge_check
from dwp.gateway.paths import PathRefused, checked_path
from dwp.platform.auth import TokenVerifier, verifier_from_settings
from dwp.platform.errors import Unauthenticated
from dwp.platform.lambda_logging import function_logger
from dwp.platform.settings import get_settings

SERVICE = "authorizer"
UNAUTHORIZED = "Unauthorized"
"""The exact error message API Gateway answers with 401 (any other error is AUTHORIZER_FAILURE)."""
_PATH_SAFE = "/:@!$&'()*+,;=-._~"

logger = function_logger(SERVICE)


class Authorizer:
    """One per Lambda container: the verifier (with its key cache) and an event loop for it."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()

    def authorize(self, event: dict[str, Any]) -> dict[str, Any]:
        method = str(event.get("httpMethod", "")).upper()
        method_arn = str(event["methodArn"])
        headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
        try:
            # API Gateway gives the path decoded; encoded again, it is read exactly as the local gateway reads
            # the raw bytes a client sent.
            path = checked_path(quote(str(event.get("path", "")), safe=_PATH_SAFE).encode("ascii"))
        except PathRefused as exc:
            logger.warning("edge_refused", reason=f"path: {exc}")
            return policy("anonymous", "Deny", method_arn)
        try:
            with self._lock:
                principal = self._loop.run_until_complete(
                    edge_check(self.verifier, method, path, headers.get("authorization"))
                )
        except Unauthenticated as exc:
            logger.warning("edge_refused", reason=exc.detail)
            raise PermissionError(UNAUTHORIZED) from None  # the message API Gateway maps to its 401
        if principal is None:
            return policy("anonymous", "Allow", method_arn, {"kind": "anonymous"})
        return policy(
            principal.subject, "Allow", method_arn, {"kind": principal.kind, "subject": principal.subject}
        )


def policy(
    principal_id: str, effect: str, method_arn: str, context: dict[str, str] | None = None
) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
        },
    }
    if context:
        answer["context"] = context
    return answer


_authorizer: Authorizer | None = None
_build_lock = threading.Lock()


def authorizer() -> Authorizer:
    global _authorizer
    with _build_lock:
        if _authorizer is None:
            _authorizer = Authorizer(verifier_from_settings(get_settings()))
        return _authorizer


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function API Gateway calls (`catalog.AUTHORIZER.handler`)."""
    return authorizer().authorize(event)
