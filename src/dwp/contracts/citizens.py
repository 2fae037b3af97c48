"""Bodies of the citizen service's API as its callers (identity, claims, the BFF) send and read them.

Shapes only: the citizen service checks its own rules (a NINO's format, an age) and answers a 422
problem when one fails. A caller's body refuses fields the citizen service does not know; what a
caller reads ignores fields it does not know, so the citizen service can add fields without breaking
anyone. A test checks these stay the same as the citizen service's own request and response models.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dwp.platform.models import UtcDateTime

Language = Literal["en", "cy"]
Channel = Literal["email", "sms", "post"]


class ContactPreferences(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    channels: list[Channel] = Field(min_length=1, max_length=3)
    welsh_letters: bool = False


class CitizenRegistration(BaseModel):
    """`POST /v1/internal/citizens` (the identity service's token, the citizen's own in `On-Behalf-Of`,
    and an `Idempotency-Key`). Fields left None are not sent, so the citizen service applies its
    defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    given_name: str
    family_name: str
    date_of_birth: date
    national_insurance_number: str
    email: str | None = None
    phone: str | None = None
    address_reference: str | None = None
    preferred_language: Language | None = None
    contact_preferences: ContactPreferences | None = None


class CitizenRecord(BaseModel):
    """`GET /v1/citizens/{id}` and the answer to a registration."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    given_name: str
    family_name: str
    date_of_birth: date
    national_insurance_number: str
    email: str | None = None
    phone: str | None = None
    address_reference: str | None = None
    preferred_language: Language
    contact_preferences: ContactPreferences
    version: int
    created_at: UtcDateTime | None = None
    updated_at: UtcDateTime | None = None


class CitizenIdentity(BaseModel):
    """`GET /v1/internal/citizens/{id}/identity` (the claims service and the workers only): the facts of
    a proven identity that an HMRC look-up and an assessment need. Never logged, never stored in clear."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    given_name: str
    family_name: str
    date_of_birth: date
    national_insurance_number: str


class CitizenContact(BaseModel):
    """`GET /v1/internal/citizens/{id}/contact-details` (the claims service and the workers only, each
    read audited): how to reach them."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    given_name: str
    email: str | None = None
    phone: str | None = None
    address_reference: str | None = None
    preferred_language: Language
    contact_preferences: ContactPreferences


class RegistrationPending(BaseModel):
    """The 202 answer to a registration held for a caseworker: the same whatever the reason."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    status: Literal["pending"]
    reference: str
    detail: str
