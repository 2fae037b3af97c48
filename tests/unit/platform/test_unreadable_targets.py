"""Every service refuses a path or query with a control character or invalid UTF-8 with a 400 problem
(a NUL in a citizen id reached PostgreSQL, which refused it: a 500)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter

from dwp.platform.app_factory import create_app
from dwp.platform.settings import Settings

router = APIRouter()


@router.get("/v1/things/{thing_id}")
async def thing(thing_id: str, q: str | None = None) -> dict[str, str | None]:
    return {"thing_id": thing_id, "q": q}


@pytest.fixture
async def client(tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        service="things", routers=[router], settings=Settings(dwp_env="test", dwp_data_dir=tmp_path)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://things.test"
    ) as http:
        yield http


@pytest.mark.parametrize(
    "target",
    ["/v1/things/a%00b", "/v1/things/a%1bb", "/v1/things/a%7fb", "/v1/things/a%C2%85b", "/v1/things/a%ffb",
     "/v1/things/a?q=%00", "/v1/things/a?q=x%0d%0ay", "/v1/things/a?q=%c2%9b", "/v1/things/a?q=%ed%a0%80"],
)  # fmt: skip
async def test_a_control_character_or_invalid_utf8_is_a_400_problem(
    client: httpx.AsyncClient, target: str
) -> None:
    response = await client.get(target)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("target", "thing_id", "q"),
    [("/v1/things/Caf%C3%A9", "Café", None), ("/v1/things/%C5%B5?q=Si%C3%A2n", "ŵ", "Siân"),
     ("/v1/things/a?q=a+b%20c", "a", "a b c")],
)  # fmt: skip
async def test_encoded_text_is_read(
    client: httpx.AsyncClient, target: str, thing_id: str, q: str | None
) -> None:
    response = await client.get(target)
    assert response.status_code == 200, response.text
    assert response.json() == {"thing_id": thing_id, "q": q}
