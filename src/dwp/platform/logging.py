"""Structured JSON logs with structlog: one line per event, with the request and trace ids bound.

Personal data never goes in a log line: the `_redact` processor drops keys that could hold it, as a
safety net behind the habit of not logging it in the first place.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from opentelemetry import trace

PII_KEYS = frozenset(
    {
        "nino",
        "national_insurance_number",
        "date_of_birth",
        "dob",
        "name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "address",
        "bank_account",
        "sort_code",
        "password",
        "token",
        "authorization",
    }
)


def redact(event: dict[str, Any]) -> dict[str, Any]:
    """The line with every key that could hold personal data replaced by `[redacted]`."""
    for key in PII_KEYS & event.keys():
        event[key] = "[redacted]"
    return event


def _redact(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    return redact(event)


def _add_trace_ids(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event


class _CurrentStdout(logging.StreamHandler):
    """A handler for the standard-library loggers that writes to the current `sys.stdout`, as above."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def configure_logging(service: str, level: str = "INFO") -> None:
    """JSON lines on stdout, the service name on every line; standard-library loggers go the same way."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
        _redact,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # No file given: each logger writes to whatever `sys.stdout` is when it is made, not to the one
        # there was when logging was configured (a test's captured stdout, long gone, in a later test).
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service)
    handler = _CurrentStdout()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's loggers go through the handler above, never their own plain-text ones (`dwp serve` runs
    # uvicorn with `log_config=None`; this also undoes a config uvicorn installed before us). Its access
    # log would duplicate ours; its error log (start-up, shutdown, tracebacks) stays.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("botocore", "boto3", "urllib3", "aiosqlite", "asyncio", "httpx", "httpcore", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
