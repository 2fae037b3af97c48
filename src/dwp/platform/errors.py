"""The platform's own errors, and saying in one line why something failed.

Like a service's domain errors these carry no HTTP: the platform's error table
(`dwp.platform.problems.PLATFORM_ERRORS`) says how each one leaves a service as a problem document.
Lower-level errors (a database refusing connections, a provider that cannot be reached) are translated
there too, so no route or use case catches them.
"""

from __future__ import annotations


class PlatformError(Exception):
    """Base of the errors the platform kernel raises."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unauthenticated(PlatformError):
    """No token, or a token that fails a check: the caller is nobody we know (401)."""


class Forbidden(PlatformError):
    """The caller is known but may not do this (403)."""


class ConfidenceTooLow(Forbidden):
    """A proven identity is needed and the token's level of confidence is below it (403)."""

    def __init__(self, detail: str, *, required: str, actual: str | None) -> None:
        super().__init__(detail)
        self.required = required
        self.actual = actual


class CallerNotAllowed(Forbidden):
    """A service token from a service that this internal route does not serve (403)."""

    def __init__(self, detail: str, *, caller: str, allowed: tuple[str, ...]) -> None:
        super().__init__(detail)
        self.caller = caller
        self.allowed = allowed


class UnsupportedMediaType(PlatformError):
    """The body is not in the media type the route reads (415)."""


class RepeatedParameter(PlatformError):
    """A form or query parameter was sent more than once, so which one counts would be a guess (400)."""


class DependencyUnavailable(PlatformError):
    """Something this service needs (a database, a provider, the token issuer) cannot be reached (503).

    `retry_after` (seconds) tells the caller when to try again; a circuit breaker sets it to the time
    left before it lets a call through."""

    def __init__(
        self, detail: str, *, dependency: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail)
        self.dependency = dependency
        self.retry_after = retry_after


class IdempotencyKeyInProgress(PlatformError):
    """A request with this Idempotency-Key is still being processed (409, with Retry-After)."""

    def __init__(self, retry_after: float = 1) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still being processed; retry shortly for its answer."
        )
        self.retry_after = retry_after


class IdempotencyKeyReused(PlatformError):
    """The Idempotency-Key was used before for a different request (422)."""

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was used for a different request; send a new key for a new request."
        )


class PreconditionFailed(PlatformError):
    """If-Match names no current version of the resource (412)."""

    def __init__(self, detail: str = "The resource has changed since you read it; read it again") -> None:
        super().__init__(detail)


class PreconditionRequired(PlatformError):
    """A change that must say which version it was made against came without If-Match (428)."""

    def __init__(self, detail: str = "Send If-Match with the ETag of the version you are changing") -> None:
        super().__init__(detail)


def describe_failure(exc: BaseException) -> str:
    """The innermost cause of a failure, in one line (a refused connection, a missing file...)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return f"{type(exc).__name__}: {exc}"
