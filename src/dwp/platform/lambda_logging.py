"""The Lambda functions' logs in the services' shape: one JSON object a line with `timestamp` (ISO 8601,
UTC, `Z`), `level` (lower case), `event`, `service` and `trace_id` (the 32 hex digits of the X-Ray trace,
as the services' OpenTelemetry X-Ray ids print), personal data redacted by the same key list.

Powertools' Logger keeps what it adds (`cold_start`, `function_name`, `function_request_id`, the keys a
handler appends); only its own names for the shared fields (`message`, `INFO`, `xray_trace_id`, its
timestamp format) are replaced, so one CloudWatch Logs Insights query or metric filter reads a service's
lines and a function's alike. The platform's structlog loggers in the same process (the modules a handler
calls) are configured to the same shape by `configure_function_logging`.

Needs the `workers` extra (Powertools); only Lambda code imports this module.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from dwp.platform.logging import configure_logging, redact

LOCAL_SERVICE = "workers"
"""The name when no function is named (the local `workers` process runs every handler)."""


def function_name(default: str = LOCAL_SERVICE) -> str:
    """The catalogue's name of the function this process runs (`POWERTOOLS_SERVICE_NAME`, set by infra/)."""
    return os.environ.get("POWERTOOLS_SERVICE_NAME") or default


class PlatformFormatter(LambdaPowertoolsFormatter):
    """Powertools' record, renamed to the platform's fields."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(utc=True, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # The services' structlog TimeStamper(fmt="iso", utc=True): microseconds and a `Z`.
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat().replace("+00:00", "Z")

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        line: dict[str, Any] = {
            "timestamp": log.pop("timestamp", None),
            "level": str(log.pop("level", "info")).lower(),
            "event": log.pop("message", None),
            "service": log.pop("service", None),
        }
        xray = log.pop("xray_trace_id", None)
        if isinstance(xray, str) and xray.startswith("1-"):
            line["trace_id"] = xray[2:].replace("-", "")
        line.update(log)
        return self.json_serializer(redact(line))


def function_logger(service: str | None = None, **options: Any) -> Logger:
    """A Powertools Logger writing the platform's fields (`options` are `Logger`'s own arguments)."""
    return Logger(service=service or function_name(), logger_formatter=PlatformFormatter(), **options)


def configure_function_logging(service: str | None = None, level: str | None = None) -> None:
    """In a Lambda container: the platform's structlog loggers (used by the modules a handler calls) write
    JSON lines with the function's name as their `service`, as a service's do."""
    configure_logging(service or function_name(), level or os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"))
