"""Real postcode districts the generated addresses sit in, with their post towns and rough positions.

Each row: district, post town, dependent localities used inside it, country code, local custodian
(code and name), and an approximate British National Grid easting and northing of the district.
Districts, towns and localities are real; custodian codes other than the two in OS's own examples
(1760 TEST VALLEY, 665 CHESHIRE WEST AND CHESTER) are illustrative, and the coordinates are only
close enough for a map to land in the right town. Northern Ireland is left out: OS Places returns
an empty UPRN there, which no claim can use.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    code: str
    post_town: str
    localities: tuple[str, ...]
    country: str
    custodian_code: int
    custodian_name: str
    easting: int
    northing: int


_ROWS: tuple[tuple[str, str, tuple[str, ...], str, int, str, int, int], ...] = (
    ("SW1A", "LONDON", (), "E", 5990, "CITY OF WESTMINSTER", 529_900, 179_900),
    ("SW9", "LONDON", ("BRIXTON", "STOCKWELL"), "E", 5660, "LAMBETH", 531_000, 175_800),
    ("SE1", "LONDON", ("SOUTHWARK", "BERMONDSEY"), "E", 5840, "SOUTHWARK", 532_500, 179_800),
    ("E1", "LONDON", ("WHITECHAPEL", "STEPNEY"), "E", 5900, "TOWER HAMLETS", 534_500, 181_500),
    ("N1", "LONDON", ("ISLINGTON", "HOXTON"), "E", 5570, "ISLINGTON", 531_800, 183_800),
    ("NW10", "LONDON", ("WILLESDEN", "HARLESDEN"), "E", 5150, "BRENT", 521_500, 184_500),
    ("CR0", "CROYDON", ("ADDISCOMBE", "SHIRLEY"), "E", 5240, "CROYDON", 532_500, 165_800),
    ("LS1", "LEEDS", (), "E", 4720, "LEEDS", 430_000, 433_500),
    ("LS6", "LEEDS", ("HEADINGLEY", "HYDE PARK"), "E", 4720, "LEEDS", 428_000, 436_000),
    ("BD1", "BRADFORD", (), "E", 4705, "BRADFORD", 416_300, 433_000),
    ("M1", "MANCHESTER", (), "E", 4215, "MANCHESTER", 384_500, 398_000),
    ("M14", "MANCHESTER", ("FALLOWFIELD", "RUSHOLME"), "E", 4215, "MANCHESTER", 385_000, 394_500),
    ("BL1", "BOLTON", ("HALLIWELL",), "E", 4205, "BOLTON", 371_500, 409_500),
    ("L8", "LIVERPOOL", ("TOXTETH",), "E", 4310, "LIVERPOOL", 335_500, 388_800),
    ("PR1", "PRESTON", ("ASHTON-ON-RIBBLE",), "E", 2365, "PRESTON", 354_000, 429_500),
    ("NE1", "NEWCASTLE UPON TYNE", (), "E", 4510, "NEWCASTLE UPON TYNE", 424_800, 564_200),
    ("NE6", "NEWCASTLE UPON TYNE", ("BYKER", "HEATON", "WALKER"), "E", 4510, "NEWCASTLE UPON TYNE",
     427_500, 564_800),
    ("DH4", "HOUGHTON LE SPRING", ("PENSHAW", "SHINEY ROW"), "E", 4525, "SUNDERLAND", 433_500, 550_500),
    ("SR1", "SUNDERLAND", (), "E", 4525, "SUNDERLAND", 439_800, 557_000),
    ("S1", "SHEFFIELD", (), "E", 4415, "SHEFFIELD", 435_200, 387_300),
    ("S11", "SHEFFIELD", ("ECCLESALL", "NETHER EDGE"), "E", 4415, "SHEFFIELD", 433_000, 384_800),
    ("HU3", "HULL", ("NEWINGTON",), "E", 2004, "KINGSTON UPON HULL", 507_500, 428_500),
    ("YO10", "YORK", ("HESLINGTON", "FULFORD"), "E", 2741, "YORK", 461_500, 450_500),
    ("NG7", "NOTTINGHAM", ("LENTON", "RADFORD"), "E", 3060, "NOTTINGHAM", 455_500, 339_500),
    ("LE2", "LEICESTER", ("KNIGHTON", "AYLESTONE"), "E", 2465, "LEICESTER", 459_500, 302_500),
    ("DE23", "DERBY", ("NORMANTON", "LITTLEOVER"), "E", 1055, "DERBY", 434_500, 334_000),
    ("B10", "BIRMINGHAM", ("SMALL HEATH",), "E", 4605, "BIRMINGHAM", 410_000, 286_000),
    ("B29", "BIRMINGHAM", ("SELLY OAK",), "E", 4605, "BIRMINGHAM", 404_500, 282_000),
    ("CV1", "COVENTRY", (), "E", 4610, "COVENTRY", 433_500, 279_000),
    ("WV1", "WOLVERHAMPTON", (), "E", 4635, "WOLVERHAMPTON", 392_000, 298_500),
    ("ST4", "STOKE-ON-TRENT", ("PENKHULL", "HARTSHILL"), "E", 3455, "STOKE-ON-TRENT", 387_500, 344_800),
    ("NR2", "NORWICH", ("EARLHAM",), "E", 2620, "NORWICH", 621_500, 308_500),
    ("CB1", "CAMBRIDGE", ("CHERRY HINTON",), "E", 505, "CAMBRIDGE", 547_000, 257_000),
    ("OX4", "OXFORD", ("COWLEY", "LITTLEMORE"), "E", 3110, "OXFORD", 454_500, 204_500),
    ("MK9", "MILTON KEYNES", (), "E", 435, "MILTON KEYNES", 485_500, 238_500),
    ("RG1", "READING", (), "E", 345, "READING", 471_500, 173_200),
    ("BN2", "BRIGHTON", ("KEMP TOWN", "WHITEHAWK"), "E", 1445, "BRIGHTON AND HOVE", 532_800, 104_500),
    ("CT1", "CANTERBURY", ("STURRY",), "E", 2210, "CANTERBURY", 615_000, 157_800),
    ("SO16", "SOUTHAMPTON", ("NURSLING", "BASSETT", "SHIRLEY"), "E", 1760, "TEST VALLEY", 437_300, 115_500),
    ("PO4", "SOUTHSEA", ("MILTON",), "E", 1775, "PORTSMOUTH", 466_500, 99_500),
    ("BS5", "BRISTOL", ("EASTON", "ST GEORGE"), "E", 116, "CITY OF BRISTOL", 361_000, 174_000),
    ("BS9", "BRISTOL", ("WESTBURY-ON-TRYM", "STOKE BISHOP"), "E", 116, "CITY OF BRISTOL", 356_300, 175_800),
    ("EX4", "EXETER", ("ST DAVIDS", "PENNSYLVANIA"), "E", 1110, "EXETER", 291_500, 93_500),
    ("PL4", "PLYMOUTH", ("MUTLEY",), "E", 1160, "PLYMOUTH", 248_500, 55_500),
    ("CW8", "NORTHWICH", ("HARTFORD", "WEAVERHAM"), "E", 665, "CHESHIRE WEST AND CHESTER", 361_800, 371_500),
    ("CF24", "CARDIFF", ("ROATH", "SPLOTT", "ADAMSDOWN"), "W", 6815, "CARDIFF", 320_000, 177_000),
    ("SA1", "SWANSEA", ("ST THOMAS", "MOUNT PLEASANT"), "W", 6855, "SWANSEA", 265_500, 193_500),
    ("LL57", "BANGOR", ("UPPER BANGOR",), "W", 6810, "GWYNEDD", 258_000, 371_800),
    ("NP20", "NEWPORT", ("MAINDEE",), "W", 6935, "NEWPORT", 331_000, 188_000),
    ("EH6", "EDINBURGH", ("LEITH",), "S", 9064, "CITY OF EDINBURGH", 327_000, 676_000),
    ("EH11", "EDINBURGH", ("GORGIE", "DALRY"), "S", 9064, "CITY OF EDINBURGH", 322_500, 672_000),
    ("G31", "GLASGOW", ("DENNISTOUN",), "S", 9067, "GLASGOW CITY", 261_500, 665_500),
    ("AB24", "ABERDEEN", ("OLD ABERDEEN",), "S", 9051, "ABERDEEN CITY", 393_500, 808_000),
    ("DD4", "DUNDEE", ("STOBSWELL",), "S", 9058, "DUNDEE CITY", 341_500, 731_500),
    ("IV2", "INVERNESS", ("CULLODEN",), "S", 9070, "HIGHLAND", 269_000, 844_500),
)  # fmt: skip

DISTRICTS: tuple[District, ...] = tuple(District(*row) for row in _ROWS)
