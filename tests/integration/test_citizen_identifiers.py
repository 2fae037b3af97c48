"""One person is one citizen whatever digits their NINO is typed in, and names refuse what cannot be
seen, over HTTP on SQLite and on PostgreSQL (where a NUL in a name was a 500)."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.integration.conftest import bearer
from tests.integration.test_citizen_api import assert_problem, details, register

pytestmark = pytest.mark.integration

SCRIPTS = {
    "ascii": "0",
    "fullwidth": "\uff10",
    "arabic-indic": "\u0660",
    "nko": "\u07c0",
    "devanagari": "\u0966",
}


def _in_script(nino: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in nino)


def _random_ascii_nino() -> str:
    return f"JM{uuid.uuid4().int % 1_000_000:06d}A"


async def test_a_nino_in_other_scripts_digits_is_the_same_person(
    client: httpx.AsyncClient, tokens: Callable
) -> None:
    """Before: JM654321A in ASCII, fullwidth, Arabic-Indic and NKo digits made four citizens."""
    nino = _random_ascii_nino()
    first = await register(client, tokens(), details(national_insurance_number=nino))
    assert first.status_code == 201, first.text
    for script, zero in SCRIPTS.items():
        other = await register(client, tokens(), details(national_insurance_number=_in_script(nino, zero)))
        assert other.status_code != 201, f"{script} digits made a second citizen"
    caseworker = bearer(tokens("caseworker", roles=["caseworker"]))
    for zero in SCRIPTS.values():
        found = await client.post(
            "/v1/citizens/search",
            json={"national_insurance_number": _in_script(nino, zero)},
            headers=caseworker,
        )
        assert found.status_code == 200, found.text
        assert [c["id"] for c in found.json()["items"]] == [first.json()["id"]]
        assert found.json()["items"][0]["national_insurance_number"] == nino


async def test_a_nino_typed_in_other_digits_is_stored_in_ascii(
    client: httpx.AsyncClient, tokens: Callable
) -> None:
    nino = _random_ascii_nino()
    created = await register(client, tokens(), details(national_insurance_number=_in_script(nino, "\u07c0")))
    assert created.status_code == 201, created.text
    assert created.json()["national_insurance_number"] == nino


@pytest.mark.parametrize("look_alike", ["\u041c", "\uff2d", "\u039c"], ids=["cyrillic", "fullwidth", "greek"])
async def test_look_alike_letters_are_a_field_problem(
    client: httpx.AsyncClient, tokens: Callable, look_alike: str
) -> None:
    body = details(national_insurance_number=f"J{look_alike}{uuid.uuid4().int % 1_000_000:06d}A")
    problem = assert_problem(await register(client, tokens(), body), 422)
    assert [e["field"] for e in problem["errors"]] == ["national_insurance_number"]


BAD_TEXT = {
    "nul": "Ada\x00",
    "control": "Ada\x1b[31m",
    "c1": "Ada\x85x",
    "bidi-override": "Ada\u202eecalevol",
    "bidi-isolate": "Ada\u2067x",
    "zero-width": "A\u200bda",
    "bom": "\ufeffAda",
}


@pytest.mark.parametrize("field", ["given_name", "family_name", "email", "phone"])
@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
async def test_invisible_characters_are_a_problem_naming_the_field(
    client: httpx.AsyncClient, tokens: Callable, field: str, bad: str
) -> None:
    value = {"email": f"{bad}@example.com", "phone": f"020 7946 {bad}0123"}.get(field, bad)
    problem = assert_problem(await register(client, tokens(), details(**{field: value})), 422)
    assert [e["field"] for e in problem["errors"]] == [field], problem


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
async def test_a_changed_name_with_invisible_characters_is_refused(
    client: httpx.AsyncClient, tokens: Callable, bad: str
) -> None:
    citizen_id = str(uuid.uuid4())
    token = tokens(citizen_id=citizen_id)
    assert (await register(client, token)).status_code == 201
    changed = await client.patch(
        f"/v1/citizens/{citizen_id}", json={"family_name": bad}, headers=bearer(token, **{"If-Match": '"1"'})
    )
    problem = assert_problem(changed, 422)
    assert [e["field"] for e in problem["errors"]] == ["family_name"]


@pytest.mark.parametrize(
    ("given", "family"),
    [("Ŵyn", "ap Gwŷn"), ("Óisín", "O'Brien-Jones"), ("Siân", "D\u2019Arcy"), ("Владимир", "Αθηνά"),
     ("محمد", "李"), ("w\u0302yn", "Nguyễn")],
)  # fmt: skip
async def test_welsh_accented_and_other_scripts_names_are_kept(
    client: httpx.AsyncClient, tokens: Callable, given: str, family: str
) -> None:
    created = await register(client, tokens(), details(given_name=given, family_name=family))
    assert created.status_code == 201, created.text
    profile = created.json()
    assert profile["given_name"] == unicodedata.normalize("NFC", given)
    assert profile["family_name"] == unicodedata.normalize("NFC", family)


async def test_a_uprn_in_other_digits_is_refused(client: httpx.AsyncClient, tokens: Callable) -> None:
    problem = assert_problem(
        await register(client, tokens(), details(address_reference="\u0661\u0662\u0663")), 422
    )
    assert [e["field"] for e in problem["errors"]] == ["address_reference"]


@pytest.mark.parametrize(
    "path", ["/v1/citizens/a%00b", "/v1/citizens/a%00b/audit", "/v1/citizens/a%1bb/contact-preferences"]
)
async def test_a_nul_in_a_citizen_id_is_a_400_not_a_500(
    client: httpx.AsyncClient, tokens: Callable, path: str
) -> None:
    """Before: PostgreSQL refused the NUL in the query and the service answered 500."""
    caseworker = bearer(tokens("caseworker", roles=["caseworker"]))
    assert_problem(await client.get(path, headers=caseworker), 400)
