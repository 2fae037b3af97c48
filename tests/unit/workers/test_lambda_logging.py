"""The Lambda functions log as the services do: one JSON object a line, with the same field names and
values (timestamp in ISO 8601 UTC, lower-case level, event, service, trace_id), personal data redacted."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from dataclasses import dataclass

import pytest
import structlog

from dwp.platform.lambda_logging import PlatformFormatter, configure_function_logging, function_logger
from dwp.platform.logging import configure_logging

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
XRAY_ROOT = "1-5759e988-bd862e3fe1be46a994272793"


@dataclass
class Context:
    """The attributes of Lambda's context object that Powertools reads."""

    function_name: str = "dwp-production-assessment-run"
    memory_limit_in_mb: int = 2048
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:111111111111:function:dwp-production-assessment-run"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def _service_line(capsys: pytest.CaptureFixture[str]) -> dict:
    configure_logging("claims")
    structlog.get_logger("claims").info("claim.created", claim_id="c-1")
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def _function_lines(monkeypatch: pytest.MonkeyPatch, log: callable) -> list[dict]:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={XRAY_ROOT};Parent=53995c3f42cd8ad8;Sampled=1")
    out = io.StringIO()
    logger = function_logger(f"fn-{uuid.uuid4().hex[:8]}", logger_handler=logging.StreamHandler(out))

    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict, context: object) -> None:
        log(logger)

    handler({}, Context())
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_function_line_has_every_field_of_a_service_line(capsys, monkeypatch) -> None:
    service = _service_line(capsys)
    (line,) = _function_lines(monkeypatch, lambda logger: logger.info("shard.done", awards=3))
    assert set(service) - {"claim_id"} <= set(line), (service, line)
    assert line["event"] == "shard.done"
    assert line["level"] == "info" == service["level"]
    assert ISO_UTC.match(line["timestamp"])
    assert ISO_UTC.match(service["timestamp"])
    assert line["service"].startswith("fn-")
    assert line["trace_id"] == XRAY_ROOT[2:].replace("-", "")
    assert re.fullmatch(r"[0-9a-f]{32}", line["trace_id"])  # as a service's OpenTelemetry trace id prints
    assert line["awards"] == 3
    assert line["cold_start"] in (True, False)
    assert line["function_request_id"] == Context.aws_request_id
    assert "message" not in line
    assert "xray_trace_id" not in line


def test_personal_data_is_redacted_and_errors_are_error_lines(monkeypatch) -> None:
    def log(logger) -> None:
        logger.info("contact.changed", email="someone@example.com", nino="QQ123456C")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("shard.failed")

    info, error = _function_lines(monkeypatch, log)
    assert info["email"] == info["nino"] == "[redacted]"
    assert "someone@example.com" not in json.dumps(info)
    assert error["level"] == "error"
    assert error["exception_name"] == "RuntimeError"


def test_the_handlers_module_logs_in_the_platform_shape_under_its_function_name(monkeypatch) -> None:
    from dwp.workers import lambda_handlers

    assert isinstance(lambda_handlers.logger.registered_formatter, PlatformFormatter)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "assessment-run")
    assert function_logger().service == "assessment-run"


def test_structlog_lines_in_a_function_carry_the_function_name(capsys, monkeypatch) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "notifications")
    configure_function_logging()
    structlog.get_logger("workers.monthly").warning("assessment_run.slow", shard=2)
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["service"] == "notifications"
    assert line["event"] == "assessment_run.slow"
    assert line["level"] == "warning"
    assert ISO_UTC.match(line["timestamp"])
