"""The baseline: the smallest FastAPI-free ASGI app uvicorn can serve, answering a fixed JSON body."""

from __future__ import annotations

from typing import Any

BODY = b'{"message":"hello, world"}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": BODY})


def _fastapi_hello() -> Any:
    from fastapi import FastAPI

    hello = FastAPI()

    @hello.get("/")
    async def root() -> dict[str, str]:
        return {"message": "hello, world"}

    return hello


# A second reference: the same answer from FastAPI with no middleware, to show what the framework costs.
fastapi_app = _fastapi_hello()
