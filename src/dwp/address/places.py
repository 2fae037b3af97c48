"""OS Places API (Royal Mail PAF through Ordnance Survey): its response shape and the calls we make.

Follows OS's "OS Places API technical specification": `GET /search/places/v1/postcode`, `/uprn` and
`/find` (free text, each record with its `MATCH` score),
a `header` with `totalresults`, `offset` and `maxresults`, and `results` (left out when nothing
matched) of `{"DPA": {...}}` records. The key goes in the `key` header (which OS accepts as well as
the query parameter) so that it never appears in a URL, and so never in a log line or a trace.
Only what we read is declared; everything else in a record is ignored.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from dwp.address.domain import AddressParts
from dwp.platform.http import ResilientClient, RetryPolicy, UpstreamRejected

UPSTREAM = "os-places"
BASE_PATH = "/search/places/v1"

POLICY = RetryPolicy(total_seconds=4.0, attempt_seconds=3.0)
"""A person is waiting on the page, and can type the address instead: a lookup gives up after 4 s
(the platform's default is 10 s), an attempt after 3 s. An OS Places answer takes well under 1 s."""


class Dpa(BaseModel):
    """One DPA (Delivery Point Address) record: PAF's parts as OS Places names them."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    UPRN: str = Field(pattern=r"^[0-9]{1,12}$")
    ORGANISATION_NAME: str | None = None
    DEPARTMENT_NAME: str | None = None
    SUB_BUILDING_NAME: str | None = None
    BUILDING_NAME: str | None = None
    BUILDING_NUMBER: str | None = None
    PO_BOX_NUMBER: str | None = None
    DEPENDENT_THOROUGHFARE_NAME: str | None = None
    THOROUGHFARE_NAME: str | None = None
    DOUBLE_DEPENDENT_LOCALITY: str | None = None
    DEPENDENT_LOCALITY: str | None = None
    POST_TOWN: str
    POSTCODE: str
    MATCH: float = Field(1.0, ge=0, le=1)

    def parts(self) -> AddressParts:
        return AddressParts(
            uprn=self.UPRN,
            organisation_name=self.ORGANISATION_NAME,
            department_name=self.DEPARTMENT_NAME,
            sub_building_name=self.SUB_BUILDING_NAME,
            building_name=self.BUILDING_NAME,
            building_number=self.BUILDING_NUMBER,
            po_box_number=self.PO_BOX_NUMBER,
            dependent_street_name=self.DEPENDENT_THOROUGHFARE_NAME,
            street_name=self.THOROUGHFARE_NAME,
            double_dependent_address_locality=self.DOUBLE_DEPENDENT_LOCALITY,
            dependent_address_locality=self.DEPENDENT_LOCALITY,
            address_locality=self.POST_TOWN,
            postal_code=self.POSTCODE,
        )


class Result(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    DPA: Dpa


class Header(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    totalresults: int = Field(ge=0)
    offset: int = Field(0, ge=0)
    maxresults: int = Field(100, ge=1)


class Page(BaseModel):
    """One page of a `postcode` or `uprn` answer."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    header: Header
    results: list[Result] = Field(default_factory=list)


class OsPlaces:
    """The calls the address service makes, through the platform's one resilient client."""

    def __init__(
        self, client: ResilientClient, api_key: str | ApiKey, *, page_size: int = 100, max_pages: int = 10
    ):
        self._client = client
        self._key = _Fixed(api_key) if isinstance(api_key, str) else api_key
        self._page_size = page_size
        self._max_pages = max_pages

    async def by_postcode(self, postcode: str) -> list[AddressParts]:
        """Every delivery point of a postcode, reading page after page until `totalresults` are read
        (or `max_pages`: a postcode has at most a few hundred delivery points)."""
        found: list[AddressParts] = []
        offset = 0
        for _ in range(self._max_pages):
            page = await self._page("postcode", {"postcode": postcode}, offset)
            found += [r.DPA.parts() for r in page.results]
            offset += len(page.results)
            if not page.results or offset >= page.header.totalresults:
                break
        return found

    async def by_uprn(self, uprn: str) -> AddressParts | None:
        page = await self._page("uprn", {"uprn": uprn}, 0)
        return page.results[0].DPA.parts() if page.results else None

    async def find(self, query: str, offset: int, limit: int) -> tuple[int, list[tuple[AddressParts, float]]]:
        """One page of a free-text search, best match first: the total matched and the page's
        addresses with their match score."""
        page = await self._page("find", {"query": query}, offset, limit)
        return page.header.totalresults, [(r.DPA.parts(), r.DPA.MATCH) for r in page.results]

    async def _page(
        self, endpoint: str, query: dict[str, str], offset: int, limit: int | None = None
    ) -> Page:
        size = str(limit or self._page_size)
        params = query | {"dataset": "DPA", "offset": str(offset), "maxresults": size}
        path = f"{BASE_PATH}/{endpoint}"
        try:
            return await self._client.get_model(
                path, Page, params=params, headers={"key": await self._key.value()}
            )
        except UpstreamRejected as exc:
            # 401 `oauth.v2.InvalidApiKey`: the key rotated. Read it again; once more only if it changed.
            if exc.status != 401 or not await self._key.refresh():
                raise
        return await self._client.get_model(
            path, Page, params=params, headers={"key": await self._key.value()}
        )


class ApiKey(Protocol):
    """The key as last read (`dwp.address.config.OsPlacesKey`), and whether reading it again changed it."""

    async def value(self) -> str: ...

    async def refresh(self) -> bool: ...


class _Fixed:
    def __init__(self, key: str) -> None:
        self._key = key

    async def value(self) -> str:
        return self._key

    async def refresh(self) -> bool:
        return False
