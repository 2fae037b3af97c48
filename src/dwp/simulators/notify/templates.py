"""The templates the simulated Notify service holds: the platform's, in English and Welsh.

Bodies use Notify's `((placeholder))` syntax; a send that leaves one out is refused as Notify refuses
it ("Missing personalisation: ..."). Letters also need the address lines Notify asks of every letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dwp.contracts import notify as keys

PLACEHOLDER = re.compile(r"\(\(([^()]+)\)\)")
LETTER_ADDRESS_REQUIRED = ("address_line_1", "address_line_2")
"""Notify needs at least two address lines before the postcode (`address_line_1`, `_2`, and `postcode`
or the last line)."""


@dataclass(frozen=True)
class Template:
    id: str
    key: str
    type: keys.NotifyChannel
    name: str
    subject: str | None
    body: str
    version: int = 1

    @property
    def placeholders(self) -> tuple[str, ...]:
        found = PLACEHOLDER.findall(f"{self.subject or ''} {self.body}")
        return tuple(dict.fromkeys(name.strip() for name in found))

    def render(self, personalisation: dict[str, str]) -> tuple[str | None, str]:
        values = {k.lower(): str(v) for k, v in personalisation.items()}

        def fill(text: str) -> str:
            return PLACEHOLDER.sub(lambda m: values.get(m.group(1).strip().lower(), m.group(0)), text)

        return (fill(self.subject) if self.subject is not None else None), fill(self.body)


_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    # event: language: (subject, body)
    keys.CITIZEN_REGISTERED: {
        "en": (
            "You have registered with DWP",
            "Dear ((first_name)),\n\nYou have registered for DWP's online services. "
            "Sign in to make a claim or see what you need to do next.",
        ),
        "cy": (
            "Rydych wedi cofrestru gyda'r DWP",
            "Annwyl ((first_name)),\n\nRydych wedi cofrestru ar gyfer gwasanaethau ar-lein y DWP. "
            "Mewngofnodwch i wneud cais neu i weld beth sydd angen i chi ei wneud nesaf.",
        ),
    },
    keys.CLAIM_SUBMITTED: {
        "en": (
            "We have received your claim for ((benefit))",
            "Dear ((first_name)),\n\nWe have received your claim for ((benefit)). "
            "We will tell you if we need anything else from you.",
        ),
        "cy": (
            "Rydym wedi cael eich cais am ((benefit))",
            "Annwyl ((first_name)),\n\nRydym wedi cael eich cais am ((benefit)). "
            "Byddwn yn dweud wrthych os oes angen unrhyw beth arall arnom.",
        ),
    },
    keys.CLAIM_TODO_ADDED: {
        "en": (
            "You need to do something for your ((benefit)) claim",
            "Dear ((first_name)),\n\nYou need to ((todo)) for your ((benefit)) claim. "
            "Sign in to your account to do this.",
        ),
        "cy": (
            "Mae angen i chi wneud rhywbeth ar gyfer eich cais am ((benefit))",
            "Annwyl ((first_name)),\n\nMae angen i chi ((todo)) ar gyfer eich cais am ((benefit)). "
            "Mewngofnodwch i'ch cyfrif i wneud hyn.",
        ),
    },
    keys.CLAIM_DECISION_MADE: {
        "en": (
            "We have made a decision on your ((benefit)) claim",
            "Dear ((first_name)),\n\nWe have made a decision on your claim for ((benefit)). "
            "Sign in to read it, and how to ask us to look at it again if you disagree.",
        ),
        "cy": (
            "Rydym wedi gwneud penderfyniad ar eich cais am ((benefit))",
            "Annwyl ((first_name)),\n\nRydym wedi gwneud penderfyniad ar eich cais am ((benefit)). "
            "Mewngofnodwch i'w ddarllen, ac i weld sut i ofyn i ni edrych arno eto os ydych yn anghytuno.",
        ),
    },
    keys.CLAIM_MESSAGE_POSTED: {
        "en": (
            "You have a new message about your ((benefit)) claim",
            "Dear ((first_name)),\n\nWe have sent you a message about your claim for ((benefit)). "
            "Sign in to your account to read it and reply.",
        ),
        "cy": (
            "Mae gennych neges newydd am eich cais am ((benefit))",
            "Annwyl ((first_name)),\n\nRydym wedi anfon neges atoch am eich cais am ((benefit)). "
            "Mewngofnodwch i'ch cyfrif i'w darllen ac i ateb.",
        ),
    },
    keys.CLAIM_STATEMENT_READY: {
        "en": (
            "Your ((benefit)) statement is ready",
            "Dear ((first_name)),\n\nYour ((benefit)) statement for the assessment period ending "
            "((period_end)) is ready. Sign in to see it.",
        ),
        "cy": (
            "Mae eich datganiad ((benefit)) yn barod",
            "Annwyl ((first_name)),\n\nMae eich datganiad ((benefit)) ar gyfer y cyfnod asesu sy'n dod i ben "
            "((period_end)) yn barod. Mewngofnodwch i'w weld.",
        ),
    },
    keys.PAYMENT_RETURNED: {
        "en": (
            "We could not pay you",
            "Dear ((first_name)),\n\nA payment to you could not be made into your account. Sign in to check "
            "your bank details. We will pay you once they are right.",
        ),
        "cy": (
            "Nid oeddem yn gallu eich talu",
            "Annwyl ((first_name)),\n\nNid oedd modd gwneud taliad i'ch cyfrif. Mewngofnodwch i wirio eich "
            "manylion banc. Byddwn yn eich talu pan fyddant yn gywir.",
        ),
    },
    keys.BANK_DETAILS_CHANGED: {
        "en": (
            "Your bank details for DWP payments have been ((what))",
            "Dear ((first_name)),\n\nYour bank details for DWP payments have been ((what)). If you did not "
            "do this, contact us straight away: do not reply to this message.",
        ),
        "cy": (
            "Mae eich manylion banc ar gyfer taliadau DWP ((what))",
            "Annwyl ((first_name)),\n\nMae eich manylion banc ar gyfer taliadau DWP ((what)). Os na "
            "wnaethoch chi hyn, cysylltwch â ni ar unwaith: peidiwch ag ateb y neges hon.",
        ),
    },
    keys.PAYMENT_HELD: {
        "en": (
            "We are checking a change to your bank details",
            "Dear ((first_name)),\n\nWe are checking a recent change to your bank details before we make "
            "your next payment. We will tell you when we have checked it.",
        ),
        "cy": (
            "Rydym yn gwirio newid i'ch manylion banc",
            "Annwyl ((first_name)),\n\nRydym yn gwirio newid diweddar i'ch manylion banc cyn i ni wneud "
            "eich taliad nesaf. Byddwn yn dweud wrthych pan fyddwn wedi'i wirio.",
        ),
    },
    keys.HOLD_DECIDED: {
        "en": ("We have checked the change to your bank details", "Dear ((first_name)),\n\n((outcome))"),
        "cy": ("Rydym wedi gwirio'r newid i'ch manylion banc", "Annwyl ((first_name)),\n\n((outcome))"),
    },
}


def _template(event: str, channel: keys.NotifyChannel, language: keys.TemplateLanguage) -> Template:
    key = keys.template_key(event, channel, language)
    words, body = _WORDS[event][language]
    subject: str | None = words
    if channel == "sms":  # a text message has no subject: its first line says what it is about
        subject, body = None, f"DWP: {words}\n\n{body}"
    return Template(
        id=keys.local_template_id(key),
        key=key,
        type=channel,
        name=key,
        subject=subject,
        body=body,
    )


def local_templates() -> dict[str, Template]:
    """Every template of the platform's Notify service, by id."""
    found = [
        _template(e, c, lang) for e in keys.PLACEHOLDERS for c in keys.CHANNELS for lang in keys.LANGUAGES
    ]
    return {t.id: t for t in found}
