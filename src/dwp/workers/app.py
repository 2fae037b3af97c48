"""The local `workers` process: polls each queue the catalogue gives it and calls that queue's Lambda
handler, as the event source mapping does on AWS. It serves only its health (and `/metrics`)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dwp.platform import catalog
from dwp.platform.settings import Settings, get_settings
from dwp.workers.poller import LambdaSqsPoller


def handler_for(function: catalog.Function) -> Any:
    module, _, name = function.handler.rpartition(".")
    return getattr(importlib.import_module(module), name)


def pollers(
    settings: Settings, *, retry_base_seconds: int = 1, wait_seconds: int = 2
) -> list[LambdaSqsPoller]:
    consumed = {q.name for q in catalog.process("workers").consumes}
    return [
        LambdaSqsPoller(
            settings,
            f.queue.name,
            handler_for(f),
            function_name=f.name,
            timeout_seconds=f.timeout_seconds,
            wait_seconds=wait_seconds,
            retry_base_seconds=retry_base_seconds,
            dead_letter_queue=f.queue.dlq_name,
        )
        for f in catalog.FUNCTIONS
        if f.queue.name in consumed
    ]


def build_app(settings: Settings | None = None, *, retry_base_seconds: int = 1) -> FastAPI:
    settings = settings or get_settings()
    running: list[LambdaSqsPoller] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        running.extend(pollers(settings, retry_base_seconds=retry_base_seconds))
        tasks = [asyncio.create_task(p.run(stop)) for p in running]
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=15)

    # `dwp up` prints a /docs link for every non-simulator process: the health routes are all there is.
    app = FastAPI(title="DWP workers (local)", lifespan=lifespan)
    app.state.pollers = running

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready")
    async def ready() -> JSONResponse:
        body = {
            "status": "ok" if running else "starting",
            "queues": {
                p._queue: {"batches": p.batches, "handled": p.handled, "failed": p.failed} for p in running
            },
        }
        return JSONResponse(body, status_code=200 if running else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        # Each queue's depth and its dead-letter queue's (dwp_sqs_queue_depth, dwp_sqs_dlq_depth).
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
