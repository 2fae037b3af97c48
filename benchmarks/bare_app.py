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
