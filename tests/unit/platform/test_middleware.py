"""The platform middleware's body limit, for bodies whose length is declared and for chunked ones."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from dwp.platform.app_factory import create_app
from dwp.platform.settings import Settings


class Note(BaseModel):
    text: str


router = APIRouter()


@router.post("/v1/notes", status_code=201)
async def add_note(note: Note) -> dict[str, int]:
    return {"length": len(note.text)}


@pytest.fixture
async def client(tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(dwp_env="test", dwp_data_dir=tmp_path, dwp_max_body_bytes=1000)
    app = create_app(service="notes", routers=[router], settings=settings)
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
