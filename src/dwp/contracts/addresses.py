"""Bodies of the address service's API, as its callers (the BFF, claims, citizen) read them.

`Address` has the parts of GOV.UK One Login's address claim (`https://vocab.account.gov.uk/v1/address`,
"Understand your user's address claim"), which are Royal Mail PAF's parts under other names, so an
address One Login verified can be offered back to the citizen without retyping, and an address found by
postcode has the same shape. Fields are snake_case in this API; the claim's own camelCase names are
accepted when reading (`Address.model_validate(one_login_address)`).
"""

from __future__ import annotations

from datetime import date

from pydantic import AliasGenerator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Address(BaseModel):
    """One postal address. `lines` are the printed lines by Royal Mail's rules, postcode last."""

    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        alias_generator=AliasGenerator(validation_alias=to_camel),
    )
    uprn: str | None = None
    organisation_name: str | None = None
    department_name: str | None = None
    sub_building_name: str | None = None
    building_name: str | None = None
    building_number: str | None = None
    dependent_street_name: str | None = None
    street_name: str | None = None
    double_dependent_address_locality: str | None = None
    dependent_address_locality: str | None = None
    address_locality: str | None = Field(None, description="The post town.")
    postal_code: str
    address_country: str = "GB"
    valid_from: date | None = None
    valid_until: date | None = None
    lines: list[str] = Field(default_factory=list, description="Printed lines by PAF rules, postcode last.")


class AddressList(BaseModel):
    """`GET /v1/addresses?postcode=...`: every delivery point of the postcode (an empty list when none)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    postcode: str
    claimable: bool
    not_claimable_reason: str | None = None
    addresses: list[Address]


class AddressMatch(BaseModel):
    """One address a free-text search found, with how well it matched (OS Places' `MATCH`, 0 to 1)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    address: Address
    match: float = Field(ge=0, le=1)


class AddressSearch(BaseModel):
    """`GET /v1/addresses/find?query=...`: one page of the addresses that match, best first.

    Paged by `offset` and `limit` as OS Places pages a search (a ranked window over its answer, not a
    stable list a cursor could hold its place in); `next_offset` is absent on the last page."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    query: str
    offset: int
    limit: int
    total: int
    next_offset: int | None = None
    results: list[AddressMatch]


class AddressCheck(BaseModel):
    """`POST /v1/addresses/validate`: the address as it would be kept (normalised) and printed."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    address: Address
    claimable: bool
    not_claimable_reason: str | None = None
