"""The platform middleware: the body limit, for bodies whose length is declared and for chunked ones, and
a fault of ours answered as a 500 problem on a connection that stays open, and a caller that hangs up
before its body arrives logged as 499, not as our fault."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from dwp.platform.app_factory import create_app
from dwp.platform.settings import Settings


class Note(BaseModel):
    text: str


router = APIRouter()


@router.get("/v1/boom")
async def boom() -> None:
    raise RuntimeError("a fault of ours")


@router.post("/v1/echo")
async def echo(request: Request) -> dict[str, int]:
    return {"length": len(await request.body())}


@router.post("/v1/notes", status_code=201)
async def add_note(note: Note) -> dict[str, int]:
    return {"length": len(note.text)}


def _app(tmp_path) -> FastAPI:
    settings = Settings(dwp_env="test", dwp_data_dir=tmp_path, dwp_max_body_bytes=1000)
    return create_app(service="notes", routers=[router], settings=settings)


@pytest.fixture
async def client(tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    app = _app(tmp_path)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notes.test") as http,
    ):
        yield http


def _chunks(total: int) -> AsyncIterator[bytes]:
    async def stream() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(total // 100):
            yield b"x" * 100
        yield b'"}'

    return stream()


async def test_a_body_within_the_limit_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/notes", content=_chunks(500), headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"length": 500}


@pytest.mark.parametrize("chunked", [False, True], ids=["declared length", "chunked"])
async def test_a_body_past_the_limit_is_a_413_problem(client: httpx.AsyncClient, chunked: bool) -> None:
    headers = {"content-type": "application/json"}
    body = _chunks(5000) if chunked else b'{"text": "' + b"x" * 5000 + b'"}'
    response = await client.post("/v1/notes", content=body, headers=headers)
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413
    assert response.headers["x-request-id"]


async def test_a_fault_of_ours_is_a_500_problem_with_the_request_id(client: httpx.AsyncClient) -> None:
    # ASGITransport raises whatever the app raises: the app must answer, not re-raise after answering.
    response = await client.get("/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["request_id"] == response.headers["x-request-id"]
    assert "a fault of ours" not in response.text


def test_the_connection_stays_open_after_a_500(tmp_path) -> None:
    """Through a real server: the next request on the same kept-alive connection is answered."""
    import uvicorn

    from tests.conftest import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_app(tmp_path), port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        connections: list[object] = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            for _ in range(200):
                try:
                    http.get("/health/live")
                    break
                except httpx.ConnectError:
                    threading.Event().wait(0.05)  # the server is still starting
            for path, status in (
                ("/v1/boom", 500),
                ("/health/live", 200),
                ("/v1/boom", 500),
                ("/health/live", 200),
            ):
                response = http.get(path, extensions={"trace": lambda name, info: connections.append(name)})
                assert response.status_code == status
                assert response.headers.get("connection") != "close"
        assert connections.count("connection.connect_tcp.started") == 0, (
            "a request had to open a new connection"
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (b'{"text": "a", "text": "b"}', "#/text"),
        (b'{"text": "a", "meta": {"gross": -5, "gross": 100}}', "#/meta/gross"),
        (b'{"text": "a", "items": [{"x": 1}, {"y": 1, "y": 2}]}', "#/items/1/y"),
    ],
)
async def test_a_member_given_twice_is_refused(client: httpx.AsyncClient, body: bytes, pointer: str) -> None:
    """Reliability issue: `"gross": -5, "gross": 100` passed, the parser keeping the last."""
    response = await client.post("/v1/notes", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == pointer
    assert response.json()["errors"][0]["code"] == "duplicate_key"


async def test_a_body_without_duplicates_reaches_the_route_whole(client: httpx.AsyncClient) -> None:
    body = b'{"text": "' + "caf\u00e9 \u0175".encode() + b'", "extra_ignored": {"a": 1, "b": [1, 2]}}'
    response = await client.post("/v1/notes", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json() == {"length": 6}


async def test_each_app_in_one_process_names_itself_on_its_log_lines(tmp_path, capsys) -> None:
    """Two apps in one process (as the tests' gateway in front of a service): every line says which."""
    import json

    import structlog

    settings = Settings(dwp_env="test", dwp_data_dir=tmp_path)
    inner_router, outer_router = APIRouter(), APIRouter()

    @inner_router.get("/v1/inner")
    async def inner() -> dict[str, str]:
        structlog.get_logger("test").info("inner_line")
        return {"ok": "yes"}

    inner_app = create_app(service="inner", routers=[inner_router], settings=settings)

    @outer_router.get("/v1/outer")
    async def outer() -> dict[str, str]:
        structlog.get_logger("test").info("outer_before")
        transport = httpx.ASGITransport(app=inner_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://inner.test") as http:
            assert (await http.get("/v1/inner")).status_code == 200
        structlog.get_logger("test").info("outer_after")
        return {"ok": "yes"}

    outer_app = create_app(service="outer", routers=[outer_router], settings=settings)  # configured last
    capsys.readouterr()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=outer_app), base_url="http://o.test"
    ) as http:
        assert (await http.get("/v1/outer")).status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    said = {
        line["event"]: line.get("service") for line in lines if line["event"].startswith(("inner", "outer"))
    }
    assert said == {"outer_before": "outer", "inner_line": "inner", "outer_after": "outer"}
    access = [line for line in lines if line["event"] == "request"]
    assert {(line["route"], line["service"]) for line in access} == {
        ("/v1/inner", "inner"),
        ("/v1/outer", "outer"),
    }


async def test_a_caller_that_hangs_up_mid_body_is_a_499_and_no_fault_of_ours(tmp_path, capsys) -> None:
    """A browser leaving the page while the BFF reads a request body: starlette raises ClientDisconnect,
    which was logged as an unhandled error and a 500 (seen in `dwp up`'s log during the journey)."""
    import json

    app = _app(tmp_path)
    sent: list[dict[str, object]] = []
    arrivals = iter(
        [
            {"type": "http.request", "body": b'{"te', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict[str, object]:
        return next(arrivals)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/echo", "raw_path": b"/v1/echo", "query_string": b"",
        "root_path": "", "headers": [(b"host", b"notes.test"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1), "server": ("notes.test", 80),
    }  # fmt: skip
    capsys.readouterr()
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert [m["status"] for m in starts] == [499]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    events = {line["event"] for line in lines}
    assert "unhandled_error" not in events
    assert "client_disconnected" in events
    assert [line["status"] for line in lines if line["event"] == "request"] == [499]
