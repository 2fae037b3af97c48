"""The HMRC simulator's test people: invented, each showing one thing an earnings check must handle.

| Person | NINO | What they show |
| --- | --- | --- |
| Amanda Joseph (1960-01-15) | NA000799C | HMRC's own sandbox example; paid monthly on the 25th |
| Sarah Jones (1985-04-12) | AB123456C | One Login's Sarah; monthly, with overtime that varies |
| Bilal Hussain (1990-03-08) | JX482910A | paid four-weekly |
| Chloe Evans (1998-06-19) | ZE273640B | paid weekly, every Friday |
| Mohammed Khan (1979-11-03) | TC904218D | One Login's Mohammed; two employers at once (monthly and weekly) |
| Ewa Kowalska (1987-02-27) | PW615203A | a gap: one job ended 30 June 2025, the next began 6 October 2025 |
| Gwen Evans (1992-08-30) | HJ330598C | One Login's Gwen; October 2025's payment reported late (12 November) |
| Grace O'Neill (1983-12-01) | RK771046B | Sept 2025 first reported 1,200.00, corrected to 1,650.00 on 20 Oct|
| Harry Patel (2001-09-14) | EM508372D | known to HMRC, no PAYE employment at all |
| Sam Demo (1990-04-01) | SM900401A | the citizen `dwp up` seeds (`dwp.seed`); part-time, paid monthly |

Anyone else (for example One Login's Priya Shah, 1988-05-21) has no HMRC record: matching fails.
"""

from __future__ import annotations

from datetime import date

from dwp.simulators.hmrc.payroll import Correction, Employer, Employment, Person

ACME = Employer(
    "ACME Industries Limited",
    "123/AI45678",
    ("Unit 23", "Utilitarian Industrial Park", "Utilitown", "County Durham"),
    "DH4 4YY",
)
NORTHERN_RAIL = Employer(
    "Pennine Freight Services Ltd", "475/PF20931", ("Depot Road", "Stourton", "Leeds"), "LS10 1RX"
)
CITY_COUNCIL = Employer(
    "Riverside City Council", "083/RC11002", ("Civic Centre", "Riverside Way", "Cardiff"), "CF10 4UW"
)
CARE_HOMES = Employer(
    "Meadowbank Care Homes Limited", "612/MC70044", ("Meadowbank House", "High Street", "Bolton"), "BL1 1QS"
)
SUPERMARKET = Employer(
    "Greengate Foodstores plc", "120/GF00761", ("Greengate House", "Station Road", "Bristol"), "BS5 0DE"
)
PUB = Employer(
    "The Kings Arms (Hartford) Ltd",
    "951/KA33120",
    ("The Kings Arms", "Chester Road", "Hartford", "Northwich"),
    "CW8 1QX",
)
WAREHOUSE = Employer(
    "Swift Parcel Logistics Ltd",
    "337/SP90007",
    ("Unit 4", "Brackmills Industrial Estate", "Northampton"),
    "NN4 7PB",
)
CALL_CENTRE = Employer(
    "Northgate Contact Centres Ltd",
    "208/NC44501",
    ("Northgate House", "Quayside", "Newcastle upon Tyne"),
    "NE1 3DX",
)
BAKERY = Employer("Harbour Bakery Limited", "764/HB12003", ("7 Harbour Street", "Plymouth"), "PL4 0AB")

PEOPLE: tuple[Person, ...] = (
    Person(
        "Amanda",
        "Joseph",
        "NA000799C",
        date(1960, 1, 15),
        (Employment(ACME, "M1", date(2019, 1, 1), date(2019, 1, 25), 215_000, payroll_id="AJ0093"),),
    ),
    Person(
        "Sarah",
        "Jones",
        "AB123456C",
        date(1985, 4, 12),
        (
            Employment(
                CITY_COUNCIL,
                "M1",
                date(2021, 9, 1),
                date(2021, 9, 28),
                198_500,
                variation_pence=25_000,
                payroll_id="RCC-44721",
            ),
        ),
        has_partner=True,
    ),
    Person(
        "Bilal",
        "Hussain",
        "JX482910A",
        date(1990, 3, 8),
        (
            Employment(
                NORTHERN_RAIL,
                "W4",
                date(2022, 4, 1),
                date(2022, 4, 22),
                176_000,
                variation_pence=12_000,
                payroll_id="PF-0412",
                hours="40",
            ),
        ),
    ),
    Person(
        "Chloe",
        "Evans",
        "ZE273640B",
        date(1998, 6, 19),
        (
            Employment(
                SUPERMARKET,
                "W1",
                date(2023, 2, 6),
                date(2023, 2, 10),
                41_000,
                variation_pence=6_500,
                payroll_id="GF-88123",
                hours="24",
            ),
        ),
    ),
    Person(
        "Mohammed",
        "Khan",
        "TC904218D",
        date(1979, 11, 3),
        (
            Employment(
                CARE_HOMES,
                "M1",
                date(2020, 5, 1),
                date(2020, 5, 28),
                142_000,
                payroll_id="MCH-2001",
                hours="30",
            ),
            Employment(
                PUB,
                "W1",
                date(2024, 9, 2),
                date(2024, 9, 6),
                9_600,
                variation_pence=4_000,
                payroll_id="KA-17",
                hours="8",
            ),
        ),
        has_partner=True,
    ),
    Person(
        "Ewa",
        "Kowalska",
        "PW615203A",
        date(1987, 2, 27),
        (
            Employment(
                WAREHOUSE,
                "W4",
                date(2023, 7, 3),
                date(2023, 7, 28),
                189_000,
                end=date(2025, 6, 30),
                payroll_id="SPL-5530",
            ),
            Employment(
                CALL_CENTRE, "M1", date(2025, 10, 6), date(2025, 10, 31), 182_000, payroll_id="NCC-9102"
            ),
        ),
    ),
    Person(
        "Gwen",
        "Evans",
        "HJ330598C",
        date(1992, 8, 30),
        (
            Employment(
                BAKERY,
                "M1",
                date(2024, 3, 4),
                date(2024, 3, 31),
                161_000,
                late={date(2025, 10, 31): date(2025, 11, 12)},
                payroll_id="HB-0301",
            ),
        ),
    ),
    Person(
        "Grace",
        "O'Neill",
        "RK771046B",
        date(1983, 12, 1),
        (
            Employment(
                CALL_CENTRE,
                "M1",
                date(2024, 1, 8),
                date(2024, 1, 31),
                165_000,
                corrections={date(2025, 9, 30): Correction(120_000, date(2025, 10, 20))},
                payroll_id="NCC-7719",
            ),
        ),
    ),
    Person("Harry", "Patel", "EM508372D", date(2001, 9, 14)),
    Person(
        "Sam",
        "Demo",
        "SM900401A",
        date(1990, 4, 1),
        (
            Employment(
                SUPERMARKET,
                "M1",
                date(2024, 2, 1),
                date(2024, 2, 28),
                95_000,
                variation_pence=8_000,
                payroll_id="GF-90401",
                hours="16",
            ),
        ),
    ),
)
