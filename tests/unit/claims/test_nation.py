"""The nation whose bank holidays move a person's payments, from the home postcode on their claim."""

from __future__ import annotations

import pytest

from dwp.claims.nation import nation_of


@pytest.mark.parametrize(
    ("postcode", "nation"),
    [
        ("EH1 1YZ", "scotland"),  # Edinburgh
        ("g2 1du", "scotland"),  # Glasgow: the one-letter area G, in any case and spacing
        ("GL1 1AA", "england-and-wales"),  # Gloucester: GL, not G
        ("AB10 1AB", "scotland"),
        ("ZE1 0AA", "scotland"),  # Shetland
        ("HS1 2AA", "scotland"),  # the Western Isles
        ("DG16 5AA", "scotland"),  # Gretna, on the border
        ("CA6 5AA", "england-and-wales"),  # the English side of it
        ("TD1 1AA", "scotland"),  # Galashiels
        ("TD15 2AA", "england-and-wales"),  # Berwick-upon-Tweed
        ("TD15 1XX", "scotland"),  # Paxton and Foulden: partly Scottish, so Scotland (paid no later)
        ("CF10 1AA", "england-and-wales"),  # Cardiff: Wales shares England's list
        ("SW1A 1AA", "england-and-wales"),
        ("BT1 1AA", "northern-ireland"),  # never on a claim (refused at the edge), but Belfast's holidays
        ("JE2 3AA", "england-and-wales"),  # not claimable: nothing of its own here
        ("BFPO 1234", "england-and-wales"),
        (None, "england-and-wales"),  # no home postcode on the claim (asked for a private rent only)
        ("", "england-and-wales"),
        ("not a postcode", "england-and-wales"),
    ],
)
def test_the_nation_of_a_home_postcode(postcode: str | None, nation: str) -> None:
    assert nation_of(postcode) == nation
