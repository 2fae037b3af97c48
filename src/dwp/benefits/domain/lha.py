"""Local Housing Allowance: the rates of every Broad Rental Market Area, and the BRMA of a postcode.

A private tenant's UC housing element is capped at the LHA rate of the Broad Rental Market Area the home
is in, for the household's bedroom category (UC Regs 2013 Sch 4 paras 22-25; the rent officer determines
the rates for each BRMA under the Rent Officers (Housing Benefit and Universal Credit Functions) Order
2013/1198 art 4 and Sch 1). For UC the rent officer determines a monthly figure, so the tables here are
the DWP's "Universal Credit Local Housing Allowance monthly rates" in pence.

The data is `rates/lha/` (its README names the sources):

* `brmas.csv`: the 192 BRMAs of Great Britain (152 England, 18 Scotland, 22 Wales), with their nation;
* `YYYY-YY.csv`: each BRMA's five monthly rates (shared accommodation, 1, 2, 3 and 4 bedrooms) for the
  tax year. 2025-26 and 2026-27 hold the April 2024 figures: the rates were frozen by the Rent Officers
  (Housing Benefit and Universal Credit Functions) (Modification) Orders 2025 (SI 2025/5) and 2026
  (SI 2026/5);
* `districts.csv`: postcode districts and the BRMAs they lie in, made by hand (55 districts). A
  district in one BRMA answers at once; one in several asks the person to choose, by name;
* `district-authorities.csv`: every postcode district of Great Britain and the local authorities its
  postcodes lie in (the ONS Postcode Directory, reduced to districts);
* `authorities.csv`: each local authority of Great Britain and the BRMAs it lies in. A district not in
  `districts.csv` takes the BRMAs of its local authorities: one BRMA answers at once; several ask the
  person to choose among them, by name. A district in neither table (a new one) asks the person to
  choose among the BRMAs of its nation. See docs/benefits.md for the coverage.

A Northern Ireland postcode (BT) answers where to claim instead: UC there is the Department for
Communities', and its LHA is the Northern Ireland Housing Executive's. The Channel Islands, the Isle of
Man and the other non-claimable kinds answer as `dwp.contracts.postcodes` says.

Worked example (2025-26): LS6 1AA lies in the Leeds BRMA; its 2-bedroom rate is £775.00 a month
(77,500p), the April 2024 figure, unchanged in 2025-26 and 2026-27. Worked examples of the local
authority tables: ZE1 lies wholly in Shetland Islands, wholly in Highland and Islands, so it answers at
once; TR1 lies wholly in Cornwall, which spans Kernow West, North Cornwall & Devon Borders and
Plymouth, so it asks among those three; DN5 lies in Doncaster and Barnsley, so it asks between their
BRMAs.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from dwp.benefits.domain.errors import InvalidCircumstances
from dwp.contracts.postcodes import InvalidPostcode, Postcode, parse_postcode

Nation = Literal["england", "scotland", "wales"]
CATEGORIES = ("shared", "one", "two", "three", "four")
"""The five LHA categories (Rent Officers Order 2013 Sch 1 para 1): shared accommodation, 1 to 4 bedrooms."""

# Postcode areas wholly in one nation of Great Britain; an area not listed here (CH, SY, TD, LD's neighbours,
# NP, HR...) is taken as England unless listed as mixed, where both nations' BRMAs are offered.
_SCOTLAND = {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "ZE"}
_WALES = {"CF", "LD", "LL", "SA"}
_MIXED: dict[str, tuple[Nation, ...]] = {
    "CH": ("england", "wales"),  # Chester and Flintshire
    "SY": ("england", "wales"),  # Shropshire and Powys/Ceredigion
    "NP": ("wales", "england"),  # Gwent and the Forest of Dean edge
    "HR": ("england", "wales"),  # Herefordshire and Powys edge
    "TD": ("scotland", "england"),  # the Borders and Berwick (TD15)
}


@dataclass(frozen=True)
class Brma:
    code: str
    name: str
    nation: Nation


@dataclass(frozen=True)
class LhaRates:
    """One BRMA's monthly LHA rates for a tax year, in pence."""

    brma: Brma
    tax_year: str
    shared: int
    one: int
    two: int
    three: int
    four: int

    def as_tuple(self) -> tuple[int, int, int, int, int]:
        return (self.shared, self.one, self.two, self.three, self.four)


@dataclass(frozen=True)
class Found:
    """The postcode's district lies in one BRMA."""

    brma: Brma


Basis = Literal["district", "authority", "nation"]
"""Where a district's choices come from: `districts.csv`, its local authorities, or only its nation."""


@dataclass(frozen=True)
class Choose:
    """The district spans several BRMAs (or is known only by its local authorities, or not at all): the
    person chooses one by name."""

    district: str
    choices: tuple[Brma, ...]
    known_district: bool
    basis: Basis = "district"
    authorities: tuple[str, ...] = ()
    """The names of the district's local authorities, where the choices are theirs."""


@dataclass(frozen=True)
class ClaimElsewhere:
    """Not a home in Great Britain: where to go instead."""

    reason: str


Area = Found | Choose | ClaimElsewhere


class ChooseArea(InvalidCircumstances):
    """A postcode whose district lies in several BRMAs, with no BRMA chosen (or one not among them)."""

    def __init__(self, field: str, message: str, choices: tuple[Brma, ...]) -> None:
        super().__init__(field, message)
        self.choices = choices


class NotInGreatBritain(InvalidCircumstances):
    """A postcode DWP's UC does not cover (Northern Ireland, the Crown dependencies...)."""


def _read(name: str) -> list[dict[str, str]]:
    text = (resources.files("dwp.benefits") / "rates" / "lha" / name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def brmas() -> dict[str, Brma]:
    return {r["code"]: Brma(r["code"], r["name"], r["nation"]) for r in _read("brmas.csv")}  # type: ignore[arg-type]


@cache
def tax_years() -> tuple[str, ...]:
    files = resources.files("dwp.benefits") / "rates" / "lha"
    return tuple(
        sorted(p.name[:7] for p in files.iterdir() if p.name[:4].isdigit() and p.name.endswith(".csv"))
    )


@cache
def rates_table(tax_year: str) -> dict[str, LhaRates]:
    if tax_year not in tax_years():
        raise InvalidCircumstances("housing.postcode", f"no LHA rates are held for {tax_year}")
    known = brmas()
    table = {}
    for r in _read(f"{tax_year}.csv"):
        table[r["brma"]] = LhaRates(known[r["brma"]], tax_year, *(int(r[c]) for c in CATEGORIES))
    return table


@cache
def _districts() -> dict[str, tuple[str, ...]]:
    return {r["district"]: tuple(r["brmas"].split(";")) for r in _read("districts.csv")}


@dataclass(frozen=True)
class Authority:
    """A local authority district (ONS code and name) and the BRMAs it lies in."""

    code: str
    name: str
    nation: Nation
    brmas: tuple[str, ...]


@cache
def authorities() -> dict[str, Authority]:
    known = brmas()
    table = {}
    for r in _read("authorities.csv"):
        codes = tuple(r["brmas"].split(";"))
        assert all(c in known for c in codes), r["code"]
        table[r["code"]] = Authority(r["code"], r["name"], r["nation"], codes)  # type: ignore[arg-type]
    return table


@cache
def district_authorities() -> dict[str, tuple[str, ...]]:
    """Each GB postcode district and its local authorities' codes, the one with most postcodes first."""
    return {r["district"]: tuple(r["authorities"].split(";")) for r in _read("district-authorities.csv")}


def _nations(area: str) -> tuple[Nation, ...]:
    if area in _MIXED:
        return _MIXED[area]
    if area in _SCOTLAND:
        return ("scotland",)
    if area in _WALES:
        return ("wales",)
    return ("england",)


def area_of(postcode: Postcode) -> Area:
    """The BRMA of a parsed postcode, the BRMAs to choose from, or where to claim instead."""
    if not postcode.claimable:
        return ClaimElsewhere(postcode.not_claimable_reason or "This postcode is not in Great Britain")
    district = postcode.outward
    known = brmas()
    codes = _districts().get(district)
    if codes is not None:
        if len(codes) == 1:
            return Found(known[codes[0]])
        return Choose(district, tuple(known[c] for c in codes), known_district=True)
    las = district_authorities().get(district)
    if las is not None:
        table = authorities()
        found = tuple(dict.fromkeys(c for la in las for c in table[la].brmas))
        if len(found) == 1:
            return Found(known[found[0]])
        return Choose(
            district,
            tuple(known[c] for c in found),
            known_district=True,
            basis="authority",
            authorities=tuple(table[la].name for la in las),
        )
    nations = _nations(_area_letters(district))
    choices = tuple(b for n in nations for b in sorted(known.values(), key=lambda b: b.name) if b.nation == n)
    return Choose(district, choices, known_district=False, basis="nation")


def _area_letters(district: str) -> str:
    letters = ""
    for ch in district:
        if not ch.isalpha():
            break
        letters += ch
    return letters


def resolve(raw_postcode: str, chosen: str | None, tax_year: str, *, field: str = "housing") -> LhaRates:
    """The LHA rates for a home: from its postcode, and the person's chosen BRMA where the postcode's
    district lies in several. Every refusal names the field (`housing.postcode` or `housing.brma`)."""
    try:
        postcode = parse_postcode(raw_postcode)
    except InvalidPostcode as exc:
        raise InvalidCircumstances(f"{field}.postcode", str(exc)) from None
    area = area_of(postcode)
    if isinstance(area, ClaimElsewhere):
        raise NotInGreatBritain(f"{field}.postcode", area.reason)
    table = rates_table(tax_year)
    if isinstance(area, Found):
        if chosen is not None and chosen != area.brma.code:
            raise InvalidCircumstances(f"{field}.brma", f"{postcode} is in {area.brma.name}, not {chosen}")
        return table[area.brma.code]
    if chosen is None:
        raise ChooseArea(
            f"{field}.brma",
            f"{area.district} lies in more than one Broad Rental Market Area: choose yours",
            area.choices,
        )
    if chosen not in {b.code for b in area.choices}:
        raise ChooseArea(
            f"{field}.brma", f"{chosen} is not a Broad Rental Market Area of {area.district}", area.choices
        )
    return table[chosen]


@dataclass(frozen=True)
class GreaterLondon:
    """`rates/lha/greater-london.toml`: the BRMAs wholly within Greater London, and the postcode areas
    (the London postal district) that are."""

    brmas: frozenset[str]
    postcode_areas: frozenset[str]
    borough_code_prefix: str


@cache
def greater_london() -> GreaterLondon:
    path = resources.files("dwp.benefits") / "rates" / "lha" / "greater-london.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    return GreaterLondon(
        frozenset(code for code, b in data["brma"].items() if b["wholly_in_greater_london"]),
        frozenset(data["postal_district"]["areas"]),
        data["boroughs"]["code_prefix"],
    )


def in_greater_london(raw_postcode: str, chosen: str | None, *, field: str = "housing") -> bool:
    """Whether the home is known to be in Greater London, for the benefit cap's higher amounts (UC Regs
    2013 reg 80A(2), as substituted by SI 2016/909: "resident in Greater London"): its BRMA (the
    district's one, or the one chosen among the district's) lies wholly within it, or its postcode is
    in the London postal district. False means not known, never "outside London": the caller's
    `london` answer then stands. An unparseable or non-GB postcode is refused as `resolve` refuses it.
    Also in Greater London: a district whose every postcode lies in a London borough or the City (ONS
    codes E09, `district-authorities.csv`).

    Worked examples: SW9 (Inner South West / Inner South East London) is in London by its postal area
    whichever BRMA is chosen; CR0 (Outer South London, which reaches beyond the boundary, in an outer
    post town) is in London because all its postcodes are in Croydon, Sutton or Bromley; DA1 (Dartford
    and Bexley) is not known, so the citizen is asked; LS6 (Leeds) is not known either."""
    try:
        postcode = parse_postcode(raw_postcode)
    except InvalidPostcode as exc:
        raise InvalidCircumstances(f"{field}.postcode", str(exc)) from None
    area = area_of(postcode)
    if isinstance(area, ClaimElsewhere):
        raise NotInGreatBritain(f"{field}.postcode", area.reason)
    london = greater_london()
    if _area_letters(postcode.outward) in london.postcode_areas:
        return True
    boroughs = district_authorities().get(postcode.outward, ())
    if boroughs and all(code.startswith(london.borough_code_prefix) for code in boroughs):
        return True
    if isinstance(area, Found):
        return area.brma.code in london.brmas
    return chosen is not None and chosen in {b.code for b in area.choices} and chosen in london.brmas
