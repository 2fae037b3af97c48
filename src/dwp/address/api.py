"""HTTP for the address service: request and response shapes, and routes that call the use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import Field

from dwp.address import service
from dwp.address.domain import MAX_LENGTHS, AddressParts
from dwp.address.service import AddressContext
from dwp.contracts.addresses import Address, AddressCheck, AddressList, AddressSearch
from dwp.contracts.postcodes import MAX_INPUT_LENGTH
from dwp.platform.auth import Authenticated
from dwp.platform.models import EdgeModel

router = APIRouter(prefix="/v1/addresses", tags=["addresses"])


def _context(request: Request) -> AddressContext:
    return request.app.state.address_context


def _part(name: str) -> object:
    # Twice PAF's length so a value just too long reaches the domain's own message; beyond that, 422 here.
    return Field(None, max_length=2 * MAX_LENGTHS[name])


class TypedAddress(EdgeModel):
    """An address typed by hand, in the parts of the One Login address claim."""

    uprn: str | None = Field(None, max_length=MAX_INPUT_LENGTH)
    organisation_name: str | None = _part("organisation_name")  # type: ignore[assignment]
    department_name: str | None = _part("department_name")  # type: ignore[assignment]
    sub_building_name: str | None = _part("sub_building_name")  # type: ignore[assignment]
    building_name: str | None = _part("building_name")  # type: ignore[assignment]
    building_number: str | None = _part("building_number")  # type: ignore[assignment]
    dependent_street_name: str | None = _part("dependent_street_name")  # type: ignore[assignment]
    street_name: str | None = _part("street_name")  # type: ignore[assignment]
    double_dependent_address_locality: str | None = _part("double_dependent_address_locality")  # type: ignore[assignment]
    dependent_address_locality: str | None = _part("dependent_address_locality")  # type: ignore[assignment]
    address_locality: str | None = _part("address_locality")  # type: ignore[assignment]
    postal_code: str = Field(min_length=1, max_length=MAX_INPUT_LENGTH)


@router.get("", response_model=AddressList, summary="Every address of a postcode")
async def by_postcode(
    request: Request,
    _: Authenticated,
    postcode: Annotated[str, Query(min_length=1, max_length=MAX_INPUT_LENGTH)],
) -> AddressList:
    """Any signed-in caller. A postcode with no addresses is an empty list, not an error."""
    return await service.find_by_postcode(_context(request), postcode)


@router.get("/find", response_model=AddressSearch, summary="Addresses matching free text, best first")
async def by_text(
    request: Request,
    _: Authenticated,
    query: Annotated[str, Query(min_length=1, max_length=2 * service.MAX_QUERY_LENGTH)],
    offset: Annotated[int, Query(ge=0, le=service.MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> AddressSearch:
    """Any signed-in caller. Nothing matching is an empty page, not an error."""
    return await service.find_by_text(_context(request), query, offset, limit)


@router.get("/{uprn}", response_model=Address, summary="The address with this UPRN")
async def by_uprn(request: Request, _: Authenticated, uprn: str) -> Address:
    return await service.find_by_uprn(_context(request), uprn)


@router.post("/validate", response_model=AddressCheck, summary="Check an address typed by hand")
async def validate(_: Authenticated, body: TypedAddress) -> AddressCheck:
    """The address as it would be kept (parts normalised, POST TOWN in capitals) and printed."""
    return service.check_address(AddressParts(**body.model_dump()))
