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
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

_provider: TracerProvider | None = None


def configure_tracing(
    service: str, otlp_endpoint: str | None = None, sample_ratio: float | None = None
) -> TracerProvider:
    """Set the global tracer provider once per process and instrument the client libraries.

    Unsampled requests still get a trace id (for logs and propagation) but record no spans, which is
    most of tracing's cost; with nowhere to send spans, none are recorded unless asked for.
    """
    global _provider
    if _provider is None:
        ratio = sample_ratio if sample_ratio is not None else (1.0 if otlp_endpoint else 0.0)
        _provider = TracerProvider(
            resource=Resource.create({"service.name": f"dwp-{service}"}),
            sampler=ParentBased(TraceIdRatioBased(ratio)),
        )
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
        trace.set_tracer_provider(_provider)
        # httpx is always instrumented: it carries traceparent to the next service, sampled or not.
        HTTPXClientInstrumentor().instrument()
        if ratio > 0:
            # These only make spans; when none are recorded they would cost a tenth of a
            # millisecond per query for nothing.
            BotocoreInstrumentor().instrument()
            # Wraps sqlalchemy.ext.asyncio.create_async_engine: every engine made afterwards is traced.
            SQLAlchemyInstrumentor().instrument()
            # ...and Engine.connect, with a "connect" span on every check-out from the pool: a third of
            # a profile read's spans, 5% of its CPU with their export (docs/performance.md), for what
            # the statement's own span already shows (a wait for a connection is the gap before it).
            from opentelemetry.instrumentation.utils import unwrap
            from sqlalchemy.engine import Engine

            unwrap(Engine, "connect")
    return _provider


def add_span_processor(processor: SpanProcessor) -> None:
    """Tests attach an in-memory exporter here."""
    if _provider is None:
        raise RuntimeError("configure_tracing() has not run in this process")
    _provider.add_span_processor(processor)


def instrument_app(app: Any) -> None:
    # One server span per request: the per-message send/receive spans cost more than they tell.
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="health/live,health/ready,metrics", exclude_spans=["receive", "send"]
    )
