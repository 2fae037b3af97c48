"""Which nation's bank holidays move a person's payments: from the postcode of the home on their claim.

Not in `domain/`: the postcode type is a contract (pydantic), which the domain does not import; the claims
edge checks postcodes the same way (`edge.py`).

Payments moves a payment day that is a bank holiday earlier (`dwp.payments.domain.calendar`): England
and Wales's holidays for everybody (Bacs does not settle on them), and the person's own nation's too (2
January and St Andrew's Day in Scotland). So claims tells payments the nation with the award
(`AwardForPayment.nation`), from the claim's housing answer's postcode (the home;
`dwp.contracts.postcodes` parses it).

- **Scotland**: the postcode areas wholly in Scotland (Royal Mail's postcode areas; ONS Postcode Directory,
  country of each postcode): AB, DD, DG, EH, FK, G, HS, IV, KA, KW, KY, ML, PA, PH, ZE. The same list the
  benefits service keeps for LHA areas (`dwp.benefits.domain.lha`; services do not import each other).
- **TD** (the Borders) crosses the border: TD1 to TD14 are in Scotland, except part of TD12
  (Cornhill-on-Tweed, Northumberland), and TD15 is Berwick-upon-Tweed, in England, except TD15 1
  (Foulden, Paxton and Mordington, in the Scottish Borders). A district or sector that is partly in
  Scotland is taken as Scotland: a payment that moves for a Scottish holiday arrives a working day
  early, which harms nobody, whereas one that does not move lands on a day the person's bank is
  closed. So TD15 2 to TD15 9 are England and Wales, the rest of TD Scotland.
- **Northern Ireland** (BT): Northern Ireland's UC is its Department for Communities', and the claims edge
  refuses a BT home postcode (`Postcode.claimable`), so a claim never has one; were it given (a claim made
  before that check), its nation's holidays are Northern Ireland's.
- **Everything else**, and a claim with no postcode (a home postcode is asked for a private rent only), is
  England and Wales: that list moves every payment in any case, so a person whose nation is not known is paid
  no later than before.

Worked examples: EH1 1YZ (Edinburgh) is Scotland; TD15 2AA (Berwick) England and Wales; TD15 1XX (Paxton)
Scotland; G2 1DU (Glasgow, a one-letter area) Scotland; GL1 1AA (Gloucester: GL, not G) England and Wales.
"""

from __future__ import annotations

from typing import Literal

from dwp.contracts.postcodes import InvalidPostcode, parse_postcode

Nation = Literal["england-and-wales", "scotland", "northern-ireland"]
"""As `dwp.contracts.payments.Nation`."""
ENGLAND_AND_WALES: Nation = "england-and-wales"
SCOTTISH_AREAS = frozenset(
    {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "ZE"}
)
_ENGLISH_TD_DISTRICT = "TD15"
_SCOTTISH_TD15_SECTOR = "1"


def nation_of(postcode: str | None) -> Nation:
    """The nation whose bank holidays move payments to the home at `postcode` (England and Wales when
    none is known, or it is not a postcode)."""
    if not postcode:
        return ENGLAND_AND_WALES
    try:
        parsed = parse_postcode(postcode)
    except InvalidPostcode:
        return ENGLAND_AND_WALES
    if parsed.kind == "northern-ireland":
        return "northern-ireland"
    if parsed.kind != "great-britain":
        return ENGLAND_AND_WALES
    outward, inward = parsed.value.split(" ")
    area = outward[:2] if outward[1].isalpha() else outward[:1]
    if area in SCOTTISH_AREAS:
        return "scotland"
    if area == "TD":
        if outward == _ENGLISH_TD_DISTRICT and inward[0] != _SCOTTISH_TD15_SECTOR:
            return ENGLAND_AND_WALES
        return "scotland"
    return ENGLAND_AND_WALES
