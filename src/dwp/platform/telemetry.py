"""OpenTelemetry tracing across FastAPI, httpx, SQLAlchemy and boto3, with one trace id per request.

Locally spans go nowhere unless `DWP_OTLP_ENDPOINT` is set; on AWS the ADOT collector sidecar receives
them over OTLP and forwards them to X-Ray.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_provider: TracerProvider | None = None


def configure_tracing(service: str, otlp_endpoint: str | None = None) -> TracerProvider:
    """Set the global tracer provider once per process and instrument the client libraries."""
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": f"dwp-{service}"}))
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
        trace.set_tracer_provider(_provider)
        HTTPXClientInstrumentor().instrument()
        BotocoreInstrumentor().instrument()
        # Wraps sqlalchemy.ext.asyncio.create_async_engine, so every engine made afterwards is traced.
        SQLAlchemyInstrumentor().instrument()
    return _provider


def add_span_processor(processor: SpanProcessor) -> None:
    """Tests attach an in-memory exporter here."""
    if _provider is None:
        raise RuntimeError("configure_tracing() has not run in this process")
    _provider.add_span_processor(processor)


def instrument_app(app: Any) -> None:
    # One server span per request: the per-message "http send"/"http receive" spans say nothing the
    # server span does not, and cost a span each on every request (a third of the gateway's time).
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="health/live,health/ready,metrics", exclude_spans=["receive", "send"]
    )
