"""The simulator's address base: about thirty thousand delivery points over real postcode districts.

Generated from a seed, so every run (and every test) sees the same addresses: Faker's `en_GB`
provider supplies surnames and organisation names, from which street, building and house names are
made the way British ones are (surname plus a street suffix, "KESTREL COURT", "ROSE COTTAGE").
Streets run across a few postcode units with numbering carried on, blocks of flats sit behind a
number on the street, named houses appear where a district has villages, and shops and offices
carry an organisation name. Postcodes are valid in form: a real district, a sector digit and a
unit of two letters from the ones Royal Mail uses in inward codes (never C, I, K, M, O or V).

Generation takes a fraction of a second and happens on first use, not at import.
"""

from __future__ import annotations

import random
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dwp.simulators.os_places.districts import DISTRICTS, District

SEED = 15
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
SECTORS_PER_DISTRICT = 4
UNITS_PER_SECTOR = 10

STREET_SUFFIXES = (
    "ROAD",
    "STREET",
    "LANE",
    "AVENUE",
    "CLOSE",
    "DRIVE",
    "CRESCENT",
    "GARDENS",
    "WAY",
    "GROVE",
    "TERRACE",
    "PLACE",
    "WALK",
    "RISE",
    "VIEW",
    "MEWS",
)
STREET_PREFIXES = (
    "HIGH",
    "CHURCH",
    "STATION",
    "MILL",
    "PARK",
    "VICTORIA",
    "QUEENS",
    "KINGS",
    "ALBERT",
    "MANOR",
    "SCHOOL",
    "BRIDGE",
    "CASTLE",
    "MARKET",
    "NEW",
    "NORTH",
    "SOUTH",
    "WEST",
    "EAST",
    "ORCHARD",
    "MEADOW",
    "BEECH",
    "OAK",
    "ELM",
    "ASH",
    "WILLOW",
    "CHESTNUT",
    "HAWTHORN",
    "GREEN",
    "HILL",
)
DEPENDENT_SUFFIXES = ("COURT", "MEWS", "YARD", "ROW", "SQUARE", "PASSAGE")
BLOCK_WORDS = ("COURT", "HOUSE", "LODGE", "MANSIONS", "POINT", "TOWER", "HALL")
BIRDS = ("KESTREL", "HERON", "MERLIN", "OSPREY", "SWALLOW", "WREN", "FALCON", "LAPWING", "CURLEW")
HOUSE_NAMES = (
    "ROSE COTTAGE",
    "THE OLD RECTORY",
    "HILLSIDE",
    "WOODLANDS",
    "ORCHARD HOUSE",
    "THE LODGE",
    "IVY COTTAGE",
    "THE BARN",
    "MEADOW VIEW",
    "BRAMBLES",
    "THE OLD SCHOOL HOUSE",
    "APPLE TREE COTTAGE",
    "FAIRVIEW",
    "THE GRANGE",
    "BRIAR COTTAGE",
    "SUNNYSIDE",
)
DEPARTMENTS = ("ACCOUNTS DEPARTMENT", "HUMAN RESOURCES", "CUSTOMER SERVICES")

CLASSIFICATIONS = {
    "RD02": "Detached",
    "RD03": "Semi-Detached",
    "RD04": "Terraced",
    "RD06": "Self Contained Flat (Includes Maisonette / Apartment)",
    "CO01": "Office / Work Studio",
    "CR08": "Shop / Showroom",
}
COUNTRIES = {
    "E": "This record is within England",
    "W": "This record is within Wales",
    "S": "This record is within Scotland",
}


@dataclass(slots=True)
class Address:
    """One delivery point address; the DPA record is built from it when asked for."""

    uprn: int
    udprn: int
    postcode: str
    district: District
    thoroughfare: str
    building_number: int | None = None
    building_name: str | None = None
    sub_building_name: str | None = None
    organisation_name: str | None = None
    department_name: str | None = None
    dependent_thoroughfare: str | None = None
    dependent_locality: str | None = None
    classification: str = "RD04"
    parent_uprn: int | None = None
    x: float = 0.0
    y: float = 0.0
    delivery_point_suffix: str = "1A"
    entry_date: str = "01/01/2001"
    last_update_date: str = "01/01/2001"

    @property
    def address(self) -> str:
        """The concatenated address, comma-separated in PAF order as OS Places writes it."""
        parts: list[Any] = [
            self.organisation_name,
            self.department_name,
            self.sub_building_name,
            self.building_name,
            self.building_number,
            self.dependent_thoroughfare,
            self.thoroughfare,
            self.dependent_locality,
            self.district.post_town,
            self.postcode,
        ]
        return ", ".join(str(p) for p in parts if p)

    def dpa(self, *, match: float = 1.0, match_description: str = "EXACT") -> dict[str, Any]:
        """The record in the shape of the OS Places DPA output (optional keys only when they hold a value)."""
        record: dict[str, Any] = {"UPRN": str(self.uprn), "UDPRN": str(self.udprn), "ADDRESS": self.address}
        optional = (
            ("ORGANISATION_NAME", self.organisation_name),
            ("DEPARTMENT_NAME", self.department_name),
            ("SUB_BUILDING_NAME", self.sub_building_name),
            ("BUILDING_NAME", self.building_name),
            ("BUILDING_NUMBER", str(self.building_number) if self.building_number else None),
            ("DEPENDENT_THOROUGHFARE_NAME", self.dependent_thoroughfare),
            ("THOROUGHFARE_NAME", self.thoroughfare),
            ("DEPENDENT_LOCALITY", self.dependent_locality),
        )
        record.update({k: v for k, v in optional if v})
        district = self.district
        record |= {
            "POST_TOWN": district.post_town,
            "POSTCODE": self.postcode,
            "RPC": "1",
            "X_COORDINATE": self.x,
            "Y_COORDINATE": self.y,
            "STATUS": "APPROVED",
            "LOGICAL_STATUS_CODE": "1",
            "CLASSIFICATION_CODE": self.classification,
            "CLASSIFICATION_CODE_DESCRIPTION": CLASSIFICATIONS[self.classification],
            "LOCAL_CUSTODIAN_CODE": district.custodian_code,
            "LOCAL_CUSTODIAN_CODE_DESCRIPTION": district.custodian_name,
            "COUNTRY_CODE": district.country,
            "COUNTRY_CODE_DESCRIPTION": COUNTRIES[district.country],
            "POSTAL_ADDRESS_CODE": "D",
            "POSTAL_ADDRESS_CODE_DESCRIPTION": "A record which is linked to PAF",
            "BLPU_STATE_CODE": "2",
            "BLPU_STATE_CODE_DESCRIPTION": "In use",
            "TOPOGRAPHY_LAYER_TOID": f"osgb{1_000_000_000_000 + self.uprn % 10**12}",
        }
        if self.parent_uprn:
            record["PARENT_UPRN"] = str(self.parent_uprn)
        record |= {
            "LAST_UPDATE_DATE": self.last_update_date,
            "ENTRY_DATE": self.entry_date,
            "BLPU_STATE_DATE": self.entry_date,
            "LANGUAGE": "EN",
            "MATCH": match,
            "MATCH_DESCRIPTION": match_description,
            "DELIVERY_POINT_SUFFIX": self.delivery_point_suffix,
        }
        return record


@dataclass
class AddressBase:
    """Every address, indexed by UPRN, by full postcode, by sector and by district."""

    addresses: list[Address]
    by_uprn: dict[int, Address] = field(default_factory=dict)
    by_postcode: dict[str, list[Address]] = field(default_factory=lambda: defaultdict(list))
    by_sector: dict[str, list[Address]] = field(default_factory=lambda: defaultdict(list))
    by_district: dict[str, list[Address]] = field(default_factory=lambda: defaultdict(list))
    _words: dict[str, list[int]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for address in self.addresses:
            self.by_uprn[address.uprn] = address
            self.by_postcode[address.postcode].append(address)
            outward, inward = address.postcode.split(" ")
            self.by_sector[f"{outward} {inward[0]}"].append(address)
            self.by_district[outward].append(address)

    def words(self) -> dict[str, list[int]]:
        """Word -> indexes of the addresses whose ADDRESS has it (built on the first free-text search)."""
        with self._lock:
            if self._words is None:
                index: dict[str, list[int]] = defaultdict(list)
                for i, address in enumerate(self.addresses):
                    for word in set(tokens(address.address)):
                        index[word].append(i)
                self._words = dict(index)
            return self._words


def tokens(text: str) -> list[str]:
    return re.findall(r"[A-Z0-9]+", text.upper())


class _Names:
    """Pools of names drawn once from Faker's en_GB provider, then combined with a seeded random."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        try:
            from faker import Faker  # a simulator-only dependency (the `simulators` extra)
        except ModuleNotFoundError as exc:
            raise RuntimeError(
                "the OS Places simulator generates its addresses with Faker: install the `simulators` "
                "extra (make install does)"
            ) from exc

        fake = Faker("en_GB")
        fake.seed_instance(seed)
        self.rng = rng
        self.surnames = sorted({fake.last_name().upper().replace("'", "") for _ in range(900)})
        self.companies = sorted({_company(fake.company()) for _ in range(700)})

    def street(self) -> str:
        stem = self.rng.choice(self.surnames if self.rng.random() < 0.6 else STREET_PREFIXES)
        return f"{stem} {self.rng.choice(STREET_SUFFIXES)}"

    def dependent_street(self) -> str:
        """A named thoroughfare inside another (PAF's dependent thoroughfare), as in town centres."""
        return f"{self.rng.choice(self.surnames)} {self.rng.choice(DEPENDENT_SUFFIXES)}"

    def block(self) -> str:
        stem = self.rng.choice(BIRDS if self.rng.random() < 0.4 else self.surnames)
        return f"{stem} {self.rng.choice(BLOCK_WORDS)}"


def _company(name: str) -> str:
    return re.sub(r"[^A-Z0-9&' -]", "", name.upper().replace(",", "")).strip()


def generate(seed: int = SEED) -> AddressBase:
    """Build the whole address base from the seed (the same seed always gives the same addresses)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    names = _Names(rng, seed)
    addresses: list[Address] = []
    next_uprn = iter(range(10_090_000_000, 10_099_999_999, 7))
    next_udprn = iter(range(20_000_000, 29_999_999))
    for district in DISTRICTS:
        sectors = rng.sample(range(10), SECTORS_PER_DISTRICT)
        for sector in sorted(sectors):
            locality = rng.choice(district.localities) if district.localities and rng.random() < 0.8 else None
            units = sorted(rng.sample([a + b for a in UNIT_LETTERS for b in UNIT_LETTERS], UNITS_PER_SECTOR))
            street, number = names.street(), 1
            main_street, dependent = street, None
            for unit in units:
                postcode = f"{district.code} {sector}{unit}"
                if rng.random() < 0.45:  # a new street; otherwise the numbering runs on
                    street, number, dependent = names.street(), 1, None
                    if rng.random() < 0.12:  # a court or mews off the sector's main street
                        street, dependent = main_street, names.dependent_street()
                base_x = district.easting + (sector - 5) * 300 + rng.uniform(-900, 900)
                base_y = district.northing + (sector - 5) * 300 + rng.uniform(-900, 900)
                made = _unit(rng, names, district, postcode, street, number, locality, next_uprn, next_udprn)
                for address in made:
                    address.dependent_thoroughfare = dependent
                # A postcode unit's delivery points were mostly recorded together, as a street was built.
                year, month, day = rng.randrange(1998, 2020), rng.randrange(1, 13), rng.randrange(1, 29)
                entry, updated = f"{day:02d}/{month:02d}/{year}", f"{day:02d}/{month:02d}/{year + 3}"
                uniform = rng.random
                for suffix_index, address in enumerate(made):
                    address.x = round(base_x + (uniform() - 0.5) * 120, 2)
                    address.y = round(base_y + (uniform() - 0.5) * 120, 2)
                    address.delivery_point_suffix = f"{suffix_index // 26 + 1}{chr(65 + suffix_index % 26)}"
                    address.entry_date, address.last_update_date = entry, updated
                addresses.extend(made)
                number = max((a.building_number or 0 for a in made), default=number) + 1
    return AddressBase(addresses)


def _unit(
    rng: random.Random,
    names: _Names,
    district: District,
    postcode: str,
    street: str,
    first: int,
    locality: str | None,
    uprns: Iterable[int],
    udprns: Iterable[int],
) -> list[Address]:
    """The delivery points of one postcode unit: houses, a block of flats, named houses or businesses."""
    uprn, udprn = iter(uprns), iter(udprns)

    def new(**fields: Any) -> Address:
        return Address(
            uprn=next(uprn),
            udprn=next(udprn),
            postcode=postcode,
            district=district,
            thoroughfare=street,
            dependent_locality=locality,
            **fields,
        )

    kind = rng.choices(("houses", "flats", "named", "business"), weights=(55, 20, 10 if locality else 2, 13))[
        0
    ]
    if kind == "flats":
        block, number = names.block(), first
        parent = next(uprn)
        flats = rng.randint(8, 24)
        prefix = rng.choice(("FLAT", "APARTMENT"))
        return [
            new(
                sub_building_name=f"{prefix} {n}",
                building_name=block,
                building_number=number,
                classification="RD06",
                parent_uprn=parent,
            )
            for n in range(1, flats + 1)
        ]
    if kind == "named":
        chosen = rng.sample(HOUSE_NAMES, rng.randint(4, 9))
        return [new(building_name=name, classification="RD02") for name in chosen]
    if kind == "business":
        made = []
        for offset in range(rng.randint(5, 12)):
            organisation = rng.choice(names.companies)
            made.append(
                new(
                    organisation_name=organisation,
                    department_name=rng.choice(DEPARTMENTS) if rng.random() < 0.05 else None,
                    building_number=first + offset * 2,
                    classification=rng.choice(("CO01", "CR08")),
                )
            )
            if rng.random() < 0.3:  # a flat above the shop, as on many high streets
                made.append(
                    new(sub_building_name="FLAT A", building_number=first + offset * 2, classification="RD06")
                )
        return made
    classification = rng.choice(("RD02", "RD03", "RD04"))
    step = rng.choice((1, 2))
    return [
        new(building_number=first + i * step, classification=classification)
        for i in range(rng.randint(10, 22))
    ]


_BASE: AddressBase | None = None
_BASE_LOCK = threading.Lock()


def address_base() -> AddressBase:
    """The address base of this process, generated on first use."""
    global _BASE
    with _BASE_LOCK:
        if _BASE is None:
            _BASE = generate()
        return _BASE
