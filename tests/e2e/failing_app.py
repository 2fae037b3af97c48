"""An app built by the platform's factory that fails in each way a service can, for the log-line test.

`/boom` raises in its handler (the platform answers the 500); `/half` raises after its response has
started (only the server can see that one); `DWP_TEST_FAIL_STARTUP=1` makes its start-up fail.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import StreamingResponse

from dwp.platform.app_factory import create_app

router = APIRouter()


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("a bug in a handler")


@router.get("/half")
async def half() -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        yield b"started"
        raise RuntimeError("a bug after the response started")

    return StreamingResponse(body(), media_type="text/plain")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    if os.environ.get("DWP_TEST_FAIL_STARTUP") == "1":
        raise RuntimeError("a resource the service needs is missing")
    yield


def build_app() -> FastAPI:
    """The factory `run_server` serves (`uvicorn --factory`), as every process's is."""
    return create_app(service="failing", routers=[router], lifespan=lifespan, json_only=False)
