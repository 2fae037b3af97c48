"""The figure the claims service scales on: work items waiting per caseworker signed in during the last
15 minutes (`catalog.CLAIMS_WAITING_PER_CASEWORKER`, `work.waiting_per_caseworker`).

It is published two ways, once a minute (the period `infra/` tracks it over):
- as a CloudWatch embedded metric format (EMF) line on the process's log stream (stdout), which the
  awslogs driver sends to CloudWatch Logs, where it becomes the metric `DWP/Claims
  ClaimsWaitingPerCaseworker` with the dimension `Service=claims`;
- as Prometheus gauges on `/metrics`.

The EMF line is written here rather than with AWS Lambda Powertools' `Metrics` (which writes the same
format) because Powertools is the workers' dependency, not the services' image's; the format is a short
published JSON shape (the `_aws` key with the namespace, dimensions and metric definitions).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from typing import IO, Any

import structlog
from prometheus_client import Gauge

from dwp.claims import casework
from dwp.claims.casework import CaseworkContext
from dwp.platform.catalog import CLAIMS_WAITING_PER_CASEWORKER as METRIC

SERVICE = "claims"
PUBLISH_SECONDS = 60.0

log = structlog.get_logger("claims.metrics")

WAITING_PER_CASEWORKER = Gauge(
    "dwp_claims_waiting_per_caseworker",
    "Work items waiting per caseworker signed in during the last 15 minutes (the scaling metric)",
)
WORK_WAITING = Gauge("dwp_claims_work_items_waiting", "Open work items nobody has taken")
CASEWORKERS_SIGNED_IN = Gauge(
    "dwp_claims_caseworkers_signed_in", "Caseworkers seen by the claims service in the last 15 minutes"
)


def emf_document(
    figure: float, waiting: int, signed_in: int, at: datetime, *, service: str = SERVICE
) -> dict[str, Any]:
    """One EMF record: the scaling metric, with the counts it is made of as properties."""
    return {
        "_aws": {
            "Timestamp": int(at.timestamp() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRIC.namespace,
                    "Dimensions": [[METRIC.dimension]],
                    "Metrics": [{"Name": METRIC.name, "Unit": "Count"}],
                }
            ],
        },
        METRIC.dimension: service,
        METRIC.name: round(figure, 3),
        "WorkItemsWaiting": waiting,
        "CaseworkersSignedIn": signed_in,
    }


async def publish_once(ctx: CaseworkContext, *, stream: IO[str] | None = None) -> dict[str, Any]:
    """Work the figure out, set the gauges and write the EMF line; returns the line's document."""
    figure, waiting, signed_in = await casework.waiting_per_caseworker(ctx)
    # Rounded once, so `/metrics` and the EMF line (which CloudWatch scales on) show the same figure.
    figure = round(figure, 3)
    WAITING_PER_CASEWORKER.set(figure)
    WORK_WAITING.set(waiting)
    CASEWORKERS_SIGNED_IN.set(signed_in)
    document = emf_document(figure, waiting, signed_in, ctx.clock())
    out = stream or sys.stdout
    out.write(json.dumps(document, separators=(",", ":")) + "\n")
    out.flush()
    return document


@asynccontextmanager
async def publishing(
    ctx: CaseworkContext,
    *,
    every: float = PUBLISH_SECONDS,
    stream: IO[str] | None = None,
    sleep: Callable[[float], Any] = asyncio.sleep,
) -> AsyncIterator[asyncio.Task[None]]:
    """Publish the metric once a minute while the block runs (the app's lifespan)."""

    async def loop() -> None:
        while True:
            try:
                await publish_once(ctx, stream=stream)
            except Exception as exc:  # a database blip must not stop the metric for good
                log.warning("claims_metric_failed", error=type(exc).__name__)
            await sleep(every)

    task = asyncio.create_task(loop(), name="claims-scaling-metric")
    try:
        yield task
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
