"""A subject access export (UK GDPR Art 15; decision 0011), as the services exchange it: the claims
service assembles the archive and asks the citizen and payments services for their parts, each behind
`POST /v1/internal/<service>/.../subject-access-exports` (claims' service token, the team leader's own
token in `On-Behalf-Of`, this request as the body).

A part is JSON as the service that holds the records writes it: the reader keeps it whole (the archive
shows a person what each service holds, in that service's words), so the shapes below name only what
every part has. Each service audits the export on the person's records under `export_audit_id`, so a
retried request writes one entry, not two.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

EXPORT_NAMESPACE = uuid.UUID("6f1d7c3e-2a4b-4f0e-9c1d-5b7a8e9f0a11")
"""The namespace of the audit entries' ids (uuid5): one entry per export, service and record."""


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    export_id: str = Field(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="The export's id (claims makes it): the same in every service's audit entry",
    )
    reference: str = Field(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9 ./_-]+$", description="The request's reference"
    )


class CitizenPart(BaseModel):
    """The citizen service's part: the record (in full), held registrations, the record's audit."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    citizen_id: str
    record: dict[str, Any]
    registration_holds: list[dict[str, Any]] = Field(default_factory=list)
    audit: list[dict[str, Any]] = Field(default_factory=list)


class PaymentsPart(BaseModel):
    """The payments service's part: bank details (in full), devices trusted for a change of them,
    payment holds, awards and each payment instruction, and the audit of the bank details."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    citizen_id: str
    bank_details: dict[str, Any] | None = None
    known_devices: list[dict[str, Any]] = Field(default_factory=list)
    payment_holds: list[dict[str, Any]] = Field(default_factory=list)
    awards: list[dict[str, Any]] = Field(default_factory=list)
    instructions: list[dict[str, Any]] = Field(default_factory=list)
    audit: list[dict[str, Any]] = Field(default_factory=list)


def export_audit_id(export_id: str, service: str, record_id: str) -> str:
    """The id of the audit entry that records `export_id` on one record of `service`."""
    return str(uuid.uuid5(EXPORT_NAMESPACE, f"{export_id}:{service}:{record_id}"))
