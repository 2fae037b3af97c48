"""Every service's `/docs` works on a private network (issue 12: "Every `/docs` page is blank"): Swagger
UI's files come from the service, the page alone has a policy that lets them run, and every other route
keeps `default-src 'none'`. tests/e2e/test_docs_in_a_browser.py loads the page in Chromium."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter

from dwp.platform.app_factory import create_app
from dwp.platform.docs import DOCS_POLICY, SWAGGER_FILES
from dwp.platform.middleware import SECURITY_HEADERS
from dwp.platform.settings import Settings

API_POLICY = dict(SECURITY_HEADERS)[b"content-security-policy"].decode()
router = APIRouter()


@router.get("/v1/notes/{note_id}", summary="Read a note")
async def read_note(note_id: str) -> dict[str, str]:
    return {"id": note_id}


@pytest.fixture
async def client(tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        service="notes", routers=[router], settings=Settings(dwp_env="test", dwp_data_dir=tmp_path)
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notes.test") as http,
    ):
        yield http


async def test_the_docs_page_loads_only_files_of_its_own_service(client) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == DOCS_POLICY
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources
    assert all(not re.match(r"^(https?:)?//", s) for s in sources), sources  # no CDN, no other origin
    assert "<script>" not in page.text  # no inline script: the policy allows none
    for source in sources:
        asset = await client.get("/" + source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 100, source


async def test_swagger_uis_files_are_served_with_their_types(client) -> None:
    types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for name in SWAGGER_FILES:
        response = await client.get(f"/docs/assets/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(types[name[name.rindex(".") :]]), name
    bundle = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in bundle.content


@pytest.mark.parametrize(
    "name", ["index.html", "..%2F..%2Fpyproject.toml", "swagger-ui.js.map", "oauth2-redirect.html"]
)
async def test_nothing_but_the_listed_assets_is_served(client, name) -> None:
    response = await client.get(f"/docs/assets/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_every_other_route_keeps_the_api_policy(client) -> None:
    assert "default-src 'none'" in API_POLICY
    for path in ("/openapi.json", "/v1/notes/1", "/health/live", "/docs/assets/swagger-ui.css", "/nowhere"):
        response = await client.get(path)
        assert response.headers["content-security-policy"] == API_POLICY, path
    assert "script-src 'self'" in DOCS_POLICY
    assert "'unsafe-inline'" not in DOCS_POLICY
    assert "'unsafe-eval'" not in DOCS_POLICY
    assert "frame-ancestors 'none'" in DOCS_POLICY


async def test_the_document_the_page_reads_lists_the_operations(client) -> None:
    document = (await client.get("/openapi.json")).json()
    assert "/v1/notes/{note_id}" in document["paths"]
    assert "/docs" not in document["paths"]
    assert not any(path.startswith("/docs/") for path in document["paths"])
