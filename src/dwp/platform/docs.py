"""Every service's `/docs`: Swagger UI served from the service itself, under a policy that allows it.

FastAPI's own page loads Swagger UI from a CDN (which a private network cannot reach) and starts it with
an inline script, both of which the platform's API policy (`default-src 'none'`) blocks, so every `/docs`
page was blank. Here the page, its start-up script and Swagger UI's files (the `swagger-ui-bundle-v2`
package's copy) all come from the service, and the page alone gets `DOCS_POLICY`: scripts, styles, images
and the OpenAPI document from this origin only (Swagger UI's icons are `data:` images). Every other route
keeps the API policy (`dwp.platform.middleware.security_headers`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from dwp.platform.problems import Problem

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
INIT_SCRIPT = "swagger-init.js"
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}

DOCS_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    )
)
"""The docs page's Content-Security-Policy (its assets need none: they are not documents)."""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - API documentation</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/{init}"></script>
</body>
</html>
"""


def swagger_ui_dir() -> Path:
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


def asset_path(name: str) -> Path:
    """The file of an allowed asset name; anything else is no asset of ours (404)."""
    if name == INIT_SCRIPT:
        return Path(str(resources.files("dwp.platform") / "docs_assets" / INIT_SCRIPT))
    if name in SWAGGER_FILES:
        return swagger_ui_dir() / name
    raise Problem(404, "Not found", "There is no such documentation file.", type_="not-found")


def docs_router(title: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    page = PAGE.format(title=_escape(title), init=INIT_SCRIPT)

    @router.get(DOCS_PATH)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @router.get(ASSETS_PATH + "/{name}")
    async def asset(name: str) -> Any:
        path = asset_path(name)
        # The assets change only with the image, so a browser may keep them for a day.
        return FileResponse(
            path, media_type=MEDIA_TYPES[path.suffix], headers={"Cache-Control": "public, max-age=86400"}
        )

    return router


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
