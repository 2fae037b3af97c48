"""Saying in one line why something failed, for commands that must not print tracebacks."""

from __future__ import annotations


def describe_failure(exc: BaseException) -> str:
    """The innermost cause of a failure, in one line (a refused connection, a missing file...)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return f"{type(exc).__name__}: {exc}"
