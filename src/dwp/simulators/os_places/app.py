"""OS Places API simulator: `postcode`, `find` and `uprn` at the real paths under `/search/places/v1`.

It follows the OS Places technical specification (docs.os.uk, "OS Places API > Technical
specification") and OS's "Authentication" and "Error codes" pages: the API key comes as the `key`
query parameter or the `key` header; a response is a `header` (uri, query, offset, totalresults,
format, dataset, lr, maxresults, epoch, lastupdate, output_srs, and matchprecision for `find`) and,
when anything matched, `results`, a list of `{"DPA": {...}}`. Paging is `offset` and `maxresults`
(1 to 100, default 100). Bad parameters are 400 `{"error": {"statuscode": 400, "message": ...}}`; a
missing or unknown key is 401 in the gateway's fault shape. Only the DPA dataset, JSON and
EPSG:27700 are served: other values are refused rather than answered wrongly.

Pointing the platform at the real API is a change of base URL and key.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from dwp.simulators.control import json_error_body, mount_control
from dwp.simulators.os_places.data import Address, AddressBase, address_base, tokens

BASE_PATH = "/search/places/v1"
LOCAL_API_KEY = "local-os-places-key"  # the simulator's own local default
EPOCH = "118"
LAST_UPDATE = "2026-10-05"
MAX_RESULTS = 100

_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_UNIT = re.compile(rf"^({_OUTWARD}) ?([0-9][A-Z]{{2}})$")
_SECTOR = re.compile(rf"^({_OUTWARD}) ([0-9])$")
_DISTRICT = re.compile(rf"^{_OUTWARD}$")


class PlacesError(Exception):
    """A request OS Places refuses: answered as its `{"error": {"statuscode", "message"}}` document."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def os_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"statuscode": status, "message": message}}, status_code=status)


def _fault(status: int) -> dict[str, Any]:
    messages = {429: "Too many requests", 500: "Internal server error", 503: "Service unavailable"}
    return {"error": {"statuscode": status, "message": messages.get(status, "Service error")}}


def _key_fault(faultstring: str, errorcode: str) -> JSONResponse:
    """OS APIs sit behind an API gateway, which refuses a key in its own fault shape."""
    return JSONResponse(
        {"fault": {"faultstring": faultstring, "detail": {"errorcode": errorcode}}}, status_code=401
    )


def _int(params: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < low or (high is not None and int(raw) > high):
        limit = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise PlacesError(400, f"Requested {name} must be a whole number {limit}. Requested {name} was {raw}")
    return int(raw)


def normalise_postcode(raw: str) -> tuple[str, str]:
    """(kind, normalised) for a postcode, sector or district search; PlacesError when it is none of them."""
    text = " ".join(raw.upper().split())
    if (unit := _UNIT.match(text)) is not None:
        return "unit", f"{unit.group(1)} {unit.group(2)}"
    if _SECTOR.match(text):
        return "sector", text
    compact = text.replace(" ", "")
    if _DISTRICT.match(compact):
        return "district", compact
    if (sector := re.fullmatch(rf"({_OUTWARD})([0-9])", compact)) is not None:
        return "sector", f"{sector.group(1)} {sector.group(2)}"
    raise PlacesError(
        400,
        "Requested postcode must contain a minimum of the sector plus 1 digit of the district e.g. SO1. "
        f"Requested postcode was {raw.replace(' ', '')}",
    )


def create_app(*, api_keys: tuple[str, ...] | None = None, base: AddressBase | None = None) -> FastAPI:
    keys = api_keys or (os.environ.get("DWP_OS_PLACES_API_KEY") or LOCAL_API_KEY,)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Build the address base while the process starts, so the first lookup does not wait for it.
        await asyncio.to_thread(data)
        yield

    app = FastAPI(
        title="OS Places API simulator", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    mount_control(app, error_body=json_error_body(_fault))
    holder: dict[str, AddressBase] = {"base": base} if base is not None else {}
    lock = threading.Lock()

    def data() -> AddressBase:
        with lock:
            if "base" not in holder:
                holder["base"] = address_base()
            return holder["base"]

    def authorised(request: Request) -> JSONResponse | None:
        given = request.query_params.get("key") or request.headers.get("key")
        if not given:
            return _key_fault(
                "Failed to resolve API Key variable request.queryparam.key",
                "steps.oauth.v2.FailedToResolveAPIKey",
            )
        if not any(hmac.compare_digest(given.encode(), k.encode()) for k in keys):
            return _key_fault("Invalid ApiKey", "oauth.v2.InvalidApiKey")
        return None

    def common(params: dict[str, str]) -> tuple[int, int]:
        if params.get("format", "JSON").upper() != "JSON":
            raise PlacesError(400, "The simulator answers in JSON only: format must be JSON")
        if params.get("dataset", "DPA").upper() != "DPA":
            raise PlacesError(400, "The simulator holds the DPA dataset only: dataset must be DPA")
        if params.get("output_srs", "EPSG:27700").upper() not in ("EPSG:27700", "BNG"):
            raise PlacesError(
                400, "The simulator gives British National Grid only: output_srs must be EPSG:27700"
            )
        if params.get("lr", "EN").upper().replace(" ", "") not in ("EN", "CY", "EN,CY", "CY,EN"):
            raise PlacesError(400, "Requested lr must be EN, CY or both")
        return _int(params, "offset", 0, 0, None), _int(params, "maxresults", MAX_RESULTS, 1, MAX_RESULTS)

    def page(
        request: Request,
        query: str,
        matches: list[tuple[Address, float, str]],
        offset: int,
        maxresults: int,
        extra_header: dict[str, Any] | None = None,
    ) -> JSONResponse:
        params = {k: v for k, v in request.query_params.items() if k != "key"}
        header: dict[str, Any] = {
            "uri": str(request.url.replace(query=urlencode(params))),
            "query": query,
            "offset": offset,
            "totalresults": len(matches),
            "format": "JSON",
            "dataset": "DPA",
            "lr": request.query_params.get("lr", "EN,CY"),
            "maxresults": maxresults,
            **(extra_header or {}),
            "epoch": EPOCH,
            "lastupdate": LAST_UPDATE,
            "output_srs": "EPSG:27700",
        }
        body: dict[str, Any] = {"header": header}
        window = matches[offset : offset + maxresults]
        if window:  # OS Places leaves `results` out altogether when nothing matched
            body["results"] = [{"DPA": a.dpa(match=m, match_description=d)} for a, m, d in window]
        return JSONResponse(body)

    async def guarded(request: Request, handler: Any) -> JSONResponse:
        refused = authorised(request)
        if refused is not None:
            return refused
        try:
            return handler(dict(request.query_params))
        except PlacesError as exc:
            return os_error(exc.status, exc.message)

    @app.get(f"{BASE_PATH}/postcode")
    async def postcode(request: Request) -> JSONResponse:
        def answer(params: dict[str, str]) -> JSONResponse:
            raw = params.get("postcode", "")
            if not raw.strip():
                raise PlacesError(400, "Requested postcode must be supplied")
            offset, maxresults = common(params)
            kind, value = normalise_postcode(raw)
            index = {"unit": data().by_postcode, "sector": data().by_sector, "district": data().by_district}
            found = index[kind].get(value, [])
            return page(request, f"postcode={raw}", [(a, 1.0, "EXACT") for a in found], offset, maxresults)

        return await guarded(request, answer)

    @app.get(f"{BASE_PATH}/uprn")
    async def uprn(request: Request) -> JSONResponse:
        def answer(params: dict[str, str]) -> JSONResponse:
            raw = params.get("uprn", "")
            if not re.fullmatch(r"[0-9]{1,12}", raw):
                raise PlacesError(
                    400, f"Requested UPRN must be a number of up to 12 digits. Requested UPRN was {raw}"
                )
            offset, maxresults = common(params)
            found = data().by_uprn.get(int(raw))
            return page(request, f"uprn={raw}", [(found, 1.0, "EXACT")] if found else [], offset, maxresults)

        return await guarded(request, answer)

    @app.get(f"{BASE_PATH}/find")
    async def find(request: Request) -> JSONResponse:
        def answer(params: dict[str, str]) -> JSONResponse:
            query = params.get("query", "")
            words = tokens(query)
            if not words:
                raise PlacesError(400, "Requested query must be supplied")
            offset, maxresults = common(params)
            precision = _int(params, "matchprecision", 1, 1, 10)
            minmatch = _float(params, "minmatch", 0.1, 1.0)
            matches = search(data(), words, precision=precision, minmatch=minmatch)
            extra = {"matchprecision": precision}
            return page(request, f"query={query}", matches, offset, maxresults, extra)

        return await guarded(request, answer)

    @app.get("/health/live")
    @app.get("/health/ready")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _float(params: dict[str, str], name: str, low: float, high: float) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not low <= value <= high:
        raise PlacesError(
            400, f"Requested {name} must be a number between {low} and {high}. Requested {name} was {raw}"
        )
    return value


def search(
    base: AddressBase, words: list[str], *, precision: int, minmatch: float | None
) -> list[tuple[Address, float, str]]:
    """Score addresses by the share of the query's words their ADDRESS holds, best first."""
    index = base.words()
    wanted = list(dict.fromkeys(words))
    counts: dict[int, int] = {}
    for word in wanted:
        for i in index.get(word, ()):
            counts[i] = counts.get(i, 0) + 1
    scale = 10**precision
    scored: list[tuple[float, int]] = []
    for i, hits in counts.items():
        score = int(hits / len(wanted) * scale) / scale  # truncated, as matchprecision says
        if minmatch is None or score >= minmatch:
            scored.append((-score, i))
    scored.sort()  # best first; ties in the address base's own (postcode) order
    return [(base.addresses[i], -negative, _describe(-negative)) for negative, i in scored]


def _describe(score: float) -> str:
    if score >= 1.0:
        return "EXACT"
    if score >= 0.7:
        return "GOOD"
    if score >= 0.4:
        return "OK"
    return "NO MATCH"
