"""The OS Places simulator against OS's published documentation.

Quoted from docs.os.uk:
- SPEC: /os-apis/accessing-os-apis/os-places-api/technical-specification/ (postcode, find, uprn)
- DPA: /os-apis/accessing-os-apis/os-match-and-cleanse-api/datasets ("DPA output")
- AUTH: /os-apis/core-concepts/authentication
- ERRORS: /os-apis/core-concepts/error-codes
and a real response for `uprn=200003232010` captured in a public client's test fixtures.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from dwp.simulators.os_places.app import create_app, normalise_postcode
from dwp.simulators.os_places.data import AddressBase, generate

KEY = "test-os-key"
BASE = "/search/places/v1"
# SPEC, SearchResult.header: the properties of every response header.
DOCUMENTED_HEADER = {
    "uri", "query", "offset", "totalresults", "format", "dataset", "lr", "maxresults", "epoch", "lastupdate",
    "output_srs",
}  # fmt: skip
# The real DPA record for uprn=200003232010 (FOREST DENE, FOREST HILL, HARTFORD, NORTHWICH, CW8 2AT):
# every key it has except WARD_CODE and PARISH_CODE, which the simulator does not make up.
REAL_DPA_KEYS = {
    "UPRN", "UDPRN", "ADDRESS", "BUILDING_NAME", "THOROUGHFARE_NAME", "DEPENDENT_LOCALITY", "POST_TOWN",
    "POSTCODE", "RPC", "X_COORDINATE", "Y_COORDINATE", "STATUS", "LOGICAL_STATUS_CODE", "CLASSIFICATION_CODE",
    "CLASSIFICATION_CODE_DESCRIPTION", "LOCAL_CUSTODIAN_CODE", "LOCAL_CUSTODIAN_CODE_DESCRIPTION",
    "COUNTRY_CODE", "COUNTRY_CODE_DESCRIPTION", "POSTAL_ADDRESS_CODE", "POSTAL_ADDRESS_CODE_DESCRIPTION",
    "BLPU_STATE_CODE", "BLPU_STATE_CODE_DESCRIPTION", "TOPOGRAPHY_LAYER_TOID", "LAST_UPDATE_DATE",
    "ENTRY_DATE", "BLPU_STATE_DATE", "LANGUAGE", "MATCH", "MATCH_DESCRIPTION", "DELIVERY_POINT_SUFFIX",
}  # fmt: skip
# DPA, "DPA output": the address keys and their documented sizes.
DOCUMENTED_SIZES = {
    "ORGANISATION_NAME": 60, "DEPARTMENT_NAME": 60, "SUB_BUILDING_NAME": 30, "BUILDING_NAME": 50,
    "BUILDING_NUMBER": 4, "DEPENDENT_THOROUGHFARE_NAME": 80, "THOROUGHFARE_NAME": 80,
    "DOUBLE_DEPENDENT_LOCALITY": 35, "DEPENDENT_LOCALITY": 35, "POST_TOWN": 30, "UPRN": 12, "UDPRN": 8,
    "ADDRESS": 472,
}  # fmt: skip
# Royal Mail's inward code never uses C, I, K, M, O or V.
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}$")


@pytest.fixture
async def places(address_base: AddressBase) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(api_keys=(KEY,), base=address_base)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://os.test") as http:
        yield http


async def get(http: httpx.AsyncClient, path: str, **params: str) -> httpx.Response:
    return await http.get(f"{BASE}/{path}", params={"key": KEY, **params})


def test_data_is_tens_of_thousands_of_addresses_and_the_same_every_time(address_base: AddressBase) -> None:
    assert 25_000 <= len(address_base.addresses) <= 60_000
    again = generate()
    assert [a.address for a in again.addresses[:500]] == [a.address for a in address_base.addresses[:500]]
    assert len(address_base.by_uprn) == len(address_base.addresses)  # UPRNs are unique


def test_data_has_flats_named_buildings_organisations_and_valid_postcodes(address_base: AddressBase) -> None:
    addresses = address_base.addresses
    flats = [a for a in addresses if a.sub_building_name]
    assert len(flats) > 3_000
    assert all(a.parent_uprn or a.sub_building_name == "FLAT A" for a in flats)
    assert sum(1 for a in addresses if a.building_name and not a.sub_building_name) > 1_000
    assert sum(1 for a in addresses if a.organisation_name) > 1_000
    assert sum(1 for a in addresses if a.dependent_locality) > 10_000
    assert sum(1 for a in addresses if a.dependent_thoroughfare) > 1_000
    assert all(POSTCODE.match(a.postcode) for a in addresses)
    for address in addresses[::97]:
        for key, size in DOCUMENTED_SIZES.items():
            value = address.dpa().get(key)
            assert value is None or len(str(value)) <= size, (key, value)


async def test_postcode_response_has_the_documented_header_and_dpa_records(
    places: httpx.AsyncClient, address_base: AddressBase
) -> None:
    unit = next(p for p, found in address_base.by_postcode.items() if len(found) > 3)
    response = await get(places, "postcode", postcode=unit)
    assert response.status_code == 200
    body = response.json()
    assert set(body["header"]) == DOCUMENTED_HEADER
    header = body["header"]
    assert header["totalresults"] == len(address_base.by_postcode[unit])
    assert (header["offset"], header["maxresults"], header["dataset"], header["format"]) == (
        0,
        100,
        "DPA",
        "JSON",
    )
    assert header["output_srs"] == "EPSG:27700"
    assert "key=" not in header["uri"]  # the key is never echoed back
    for result in body["results"]:
        dpa = result["DPA"]
        assert REAL_DPA_KEYS - {"BUILDING_NAME", "DEPENDENT_LOCALITY", "THOROUGHFARE_NAME"} <= set(dpa)
        assert dpa["POSTCODE"] == unit
        assert dpa["ADDRESS"].endswith(f", {dpa['POST_TOWN']}, {unit}")
        # Types as in the real record: UPRN a string, custodian code an integer, coordinates floats.
        assert isinstance(dpa["UPRN"], str)
        assert isinstance(dpa["LOCAL_CUSTODIAN_CODE"], int)
        assert isinstance(dpa["X_COORDINATE"], float)
        assert dpa["MATCH"] == 1.0


async def test_a_flat_record_reads_in_paf_order(places: httpx.AsyncClient, address_base: AddressBase) -> None:
    flat = next(a for a in address_base.addresses if a.sub_building_name and a.building_name)
    dpa = (await get(places, "uprn", uprn=str(flat.uprn))).json()["results"][0]["DPA"]
    expected = ", ".join(
        str(p)
        for p in (
            flat.sub_building_name, flat.building_name, flat.building_number, flat.dependent_thoroughfare,
            flat.thoroughfare, flat.dependent_locality, flat.district.post_town, flat.postcode,
        )
        if p
    )  # fmt: skip
    assert dpa["ADDRESS"] == expected
    assert dpa["PARENT_UPRN"] == str(flat.parent_uprn)
    assert dpa["CLASSIFICATION_CODE"] == "RD06"


async def test_a_dependent_thoroughfare_comes_before_its_thoroughfare(
    places: httpx.AsyncClient, address_base: AddressBase
) -> None:
    # DPA: "DEPENDENT_THOROUGHFARE_NAME: In certain places, for example, town centres, there are named
    # thoroughfares within other named thoroughfares."
    inner = next(a for a in address_base.addresses if a.dependent_thoroughfare and a.building_number)
    dpa = (await get(places, "uprn", uprn=str(inner.uprn))).json()["results"][0]["DPA"]
    assert dpa["DEPENDENT_THOROUGHFARE_NAME"] == inner.dependent_thoroughfare
    assert (
        f"{inner.building_number}, {inner.dependent_thoroughfare}, {inner.thoroughfare}, " in dpa["ADDRESS"]
    )


@pytest.mark.parametrize("spelling", ["so160", "SO16 0", "so16  0"])
async def test_postcode_accepts_a_sector_however_it_is_spaced(
    places: httpx.AsyncClient, address_base: AddressBase, spelling: str
) -> None:
    sector = next(s for s in address_base.by_sector if s.startswith("SO16 "))
    spelled = spelling.replace("0", sector[-1])
    body = (await get(places, "postcode", postcode=spelled)).json()
    assert body["header"]["totalresults"] == len(address_base.by_sector[sector])


async def test_district_search_pages_with_offset_and_maxresults(
    places: httpx.AsyncClient, address_base: AddressBase
) -> None:
    total = len(address_base.by_district["CF24"])
    assert total > 150
    seen: list[str] = []
    offset = 0
    while offset < total:
        body = (await get(places, "postcode", postcode="CF24", offset=str(offset), maxresults="70")).json()
        assert body["header"]["totalresults"] == total
        assert body["header"]["offset"] == offset
        seen += [r["DPA"]["UPRN"] for r in body["results"]]
        offset += 70
    assert len(seen) == total == len(set(seen))
    past_the_end = (await get(places, "postcode", postcode="CF24", offset=str(total))).json()
    assert past_the_end["header"]["totalresults"] == total
    assert "results" not in past_the_end


async def test_a_valid_postcode_with_no_addresses_is_an_empty_answer(places: httpx.AsyncClient) -> None:
    body = (await get(places, "postcode", postcode="ZZ9 9ZZ")).json()
    assert body["header"]["totalresults"] == 0
    assert "results" not in body


@pytest.mark.parametrize("postcode", ["S", "SO", "12345", "SW1A 1A", "<script>", "SO16 0AAA"])
async def test_a_malformed_postcode_is_the_documented_400(places: httpx.AsyncClient, postcode: str) -> None:
    response = await get(places, "postcode", postcode=postcode)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["statuscode"] == 400
    # The message OS Places gives for a postcode below the district's minimum.
    assert error["message"].startswith(
        "Requested postcode must contain a minimum of the sector plus 1 digit of the district e.g. SO1."
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("maxresults", "0"), ("maxresults", "101"), ("maxresults", "ten"), ("offset", "-1"), ("offset", "1.5")],
)
async def test_paging_parameters_out_of_range_are_400(
    places: httpx.AsyncClient, name: str, value: str
) -> None:
    # SPEC: "maxresults integer · min: 1 · max: 100"; "offset integer".
    response = await get(places, "postcode", postcode="CF24", **{name: value})
    assert response.status_code == 400
    assert response.json()["error"]["statuscode"] == 400


@pytest.mark.parametrize(
    ("name", "value"), [("dataset", "LPI"), ("format", "XML"), ("output_srs", "EPSG:4326")]
)
async def test_what_the_simulator_does_not_hold_is_refused_not_faked(
    places: httpx.AsyncClient, name: str, value: str
) -> None:
    response = await get(places, "postcode", postcode="CF24", **{name: value})
    assert response.status_code == 400


async def test_uprn_lookup_finds_one_record(places: httpx.AsyncClient, address_base: AddressBase) -> None:
    wanted = address_base.addresses[1234]
    body = (await get(places, "uprn", uprn=str(wanted.uprn))).json()
    assert body["header"]["totalresults"] == 1
    assert body["header"]["query"] == f"uprn={wanted.uprn}"
    assert body["results"][0]["DPA"]["UPRN"] == str(wanted.uprn)
    unknown = (await get(places, "uprn", uprn="1")).json()
    assert unknown["header"]["totalresults"] == 0


@pytest.mark.parametrize("uprn", ["abc", "12-3", "1234567890123", ""])
async def test_a_uprn_that_is_not_a_number_is_400(places: httpx.AsyncClient, uprn: str) -> None:
    # DPA: "UPRN ... integer ... 12".
    response = await get(places, "uprn", uprn=uprn)
    assert response.status_code == 400
    assert response.json()["error"]["statuscode"] == 400


async def test_find_ranks_the_best_match_first_with_truncated_scores(
    places: httpx.AsyncClient, address_base: AddressBase
) -> None:
    target = next(a for a in address_base.addresses if a.organisation_name and a.building_number)
    query = f"{target.organisation_name} {target.building_number} {target.thoroughfare} {target.postcode}"
    body = (await get(places, "find", query=query, maxresults="5", matchprecision="2")).json()
    assert body["header"]["matchprecision"] == 2  # SPEC: find's header carries matchprecision
    best = body["results"][0]["DPA"]
    assert best["UPRN"] == str(target.uprn)
    assert (best["MATCH"], best["MATCH_DESCRIPTION"]) == (1.0, "EXACT")
    scores = [r["DPA"]["MATCH"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert all(round(s, 2) == s for s in scores)


async def test_find_minmatch_drops_weaker_matches(places: httpx.AsyncClient) -> None:
    # SPEC: "minmatch ... The minimum match score a result has to have to be returned."
    body = (await get(places, "find", query="KESTREL COURT LONDON", minmatch="0.9")).json()
    assert all(r["DPA"]["MATCH"] >= 0.9 for r in body.get("results", []))
    assert (await get(places, "find", query="KESTREL", minmatch="2")).status_code == 400
    assert (await get(places, "find", query="   ")).status_code == 400


@pytest.mark.parametrize("where", ["query", "header"])
async def test_the_key_is_accepted_as_query_parameter_or_header(
    places: httpx.AsyncClient, where: str
) -> None:
    # AUTH: "The header name should be key" / "The parameter name should be key".
    if where == "query":
        response = await places.get(f"{BASE}/postcode", params={"postcode": "CF24", "key": KEY})
    else:
        response = await places.get(f"{BASE}/postcode", params={"postcode": "CF24"}, headers={"key": KEY})
    assert response.status_code == 200


@pytest.mark.parametrize("key", [None, "wrong-key"])
async def test_missing_or_wrong_key_is_401(places: httpx.AsyncClient, key: str | None) -> None:
    # ERRORS: "401 Unauthorized: The client has not provided authentication or has provided incorrect
    # authentication."
    params = {"postcode": "CF24"} | ({"key": key} if key else {})
    response = await places.get(f"{BASE}/postcode", params=params)
    assert response.status_code == 401
    assert response.json()["fault"]["detail"]["errorcode"].endswith(
        "ApiKey" if key else "FailedToResolveAPIKey"
    )


def test_normalisation_tells_units_sectors_and_districts_apart() -> None:
    assert normalise_postcode("sw1a1aa") == ("unit", "SW1A 1AA")
    assert normalise_postcode(" SW1A 1AA ") == ("unit", "SW1A 1AA")
    assert normalise_postcode("M1") == ("district", "M1")
    assert normalise_postcode("M1 1") == ("sector", "M1 1")
    assert normalise_postcode("SO160") == ("sector", "SO16 0")
