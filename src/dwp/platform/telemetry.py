"""OpenTelemetry tracing across FastAPI, httpx, SQLAlchemy and boto3, with one trace id per request.

Locally spans go nowhere unless `DWP_OTLP_ENDPOINT` is set; on AWS the ADOT collector sidecar receives
them over OTLP and forwards them to X-Ray.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.instrumentation._semconv import (
    _OpenTelemetrySemanticConventionStability,
    _OpenTelemetryStabilitySignalType,
)
from opentelemetry.instrumentation.asgi import asgi_getter, collect_request_attributes, set_status_code
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
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


class ServerSpans:
    """The server span of each request, started and ended by the platform middleware
    (`dwp.platform.middleware`), in place of OpenTelemetry's FastAPI instrumentation.

    That instrumentation cost a sixth of a profile read's CPU whether the request was sampled or not
    (docs/performance.md, issue 10): it matched the route a second time to name the span (every route
    of the app, flattened, per request), built the span's attributes, wrapped `send`, and added two
    more middleware layers. Here an unsampled request costs the sampler's decision and the context it
    carries (the trace id still goes in the log lines and to the next service); only a recorded span
    gets attributes, named after the request as `METHOD /route/{template}` once the router has chosen
    the route. One span per request, as before (no per-message send/receive spans)."""

    def __init__(self) -> None:
        self._tracer = trace.get_tracer("dwp.platform.telemetry")
        _OpenTelemetrySemanticConventionStability._initialize()
        self._mode = _OpenTelemetrySemanticConventionStability._get_opentelemetry_stability_opt_in_mode(
            _OpenTelemetryStabilitySignalType.HTTP
        )

    def start(self, scope: Any) -> tuple[trace.Span, object]:
        """The request's span, made current; the token gives the context back (`end`)."""
        if trace.get_current_span() is trace.INVALID_SPAN:
            # The caller's traceparent (or X-Ray header, by the propagators set): a server span.
            parent = propagate.extract(scope, getter=asgi_getter)
            kind = trace.SpanKind.SERVER
        else:
            # An app called in-process inside another's span (tests): a child of it, as before.
            parent = context.get_current()
            kind = trace.SpanKind.INTERNAL
        method = scope.get("method", "HTTP")
        span = self._tracer.start_span(method, context=parent, kind=kind)
        if span.is_recording():
            span.set_attributes(collect_request_attributes(scope, self._mode))
        return span, context.attach(trace.set_span_in_context(span, parent))

    def end(
        self,
        span: trace.Span,
        token: object,
        scope: Any,
        route: str | None,
        status: int,
        error: BaseException | None,
    ) -> None:
        try:
            if span.is_recording():
                if route:
                    span.update_name(f"{scope.get('method', 'HTTP')} {route}")
                    span.set_attribute("http.route", route)
                set_status_code(span, status, sem_conv_opt_in_mode=self._mode)
                if error is not None:
                    span.record_exception(error)
                    span.set_status(trace.Status(trace.StatusCode.ERROR, f"{type(error).__name__}: {error}"))
                span.end()
        finally:
            context.detach(token)  # type: ignore[arg-type]
