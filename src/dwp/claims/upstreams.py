"""The claims service's calls to other services: benefits (the award), integrations (HMRC earnings, NHS
fit notes) and citizen (the proven identity, contact details). Each is a `dwp.platform.http`
`ResilientClient` with this service's own token (`ServiceTokens`), so timeouts, retries of what is safe,
a circuit breaker per upstream and the one `Upstream*` error hierarchy come with every call. Bodies are
`dwp.contracts` shapes; nothing here imports another service's code.

Use cases catch `UpstreamUnavailable`/`UpstreamTimeout`/`UpstreamBadResponse` (the service is down, slow
or broken: the claim waits with a work item) apart from `UpstreamRejected` (it said no: a domain error).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from dwp.contracts.benefits import ContributoryPayload, ESAPayload, UCCircumstancesPayload
from dwp.contracts.citizens import CitizenContact, CitizenIdentity
from dwp.contracts.integrations import (
    Earnings,
    EarningsRequest,
    FitNotes,
    FitNotesRequest,
    NiRecord,
    NiRecordRequest,
)
from dwp.platform.http import ResilientClient, RetryPolicy, ServiceTokens, UpstreamBadResponse, UpstreamError
from dwp.platform.settings import Settings

SERVICE = "claims"
BENEFITS = "benefits"
INTEGRATIONS = "integrations"
CITIZEN = "citizen"

# A caseworker waits on these calls: short enough that a slow upstream turns into a work item while
# they are still looking, long enough for the benefits engine on a busy day.
CASEWORK_POLICY = RetryPolicy(attempts=3, total_seconds=8.0, attempt_seconds=5.0, connect_seconds=1.0)


class RtiPayment(BaseModel):
    """One HMRC payment as the benefits assessment takes it (`hmrc_earnings`), for adult 0 or 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    adult: int = 0
    paid_on: str
    gross: int
    income_tax: int = 0
    national_insurance: int = 0
    pension: int = 0


class UcAssessment(BaseModel):
    """The benefits service's answer to `POST /v1/assessments` (what claims reads of it)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    claim_id: str
    benefit: str
    assessment_period_start: str
    assessment_period_end: str
    tax_year: str
    award_pence: int
    amounts: dict[str, Any] = {}
    explanation: list[dict[str, Any]] = []
    carried_state: dict[str, Any] = Field(
        default_factory=dict, validation_alias=AliasChoices("carried_state", "carried")
    )
    """What the law carries to the next period (surplus earnings, the cap's grace), when the benefits
    service states it (`carried_state`, as the monthly run reads it too); claims keeps it verbatim with
    the period's award and sends it with the next."""


class WeeklyAward(BaseModel):
    """A New Style JSA or ESA estimate for one benefit week (`POST /v1/estimates`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    tax_year: str
    weekly_amount_pence: int
    contribution_conditions_met: bool
    contribution_tax_years: list[str] = []
    days_remaining: int | None = None
    explanation: list[dict[str, Any]] = []


class _Estimates(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    new_style_jsa: WeeklyAward | None = None
    new_style_esa: WeeklyAward | None = None


class Upstreams(Protocol):
    """What the casework use cases need from other services (tests give a fake or real clients)."""

    async def citizen_identity(self, citizen_id: str) -> CitizenIdentity: ...

    async def citizen_contact(self, citizen_id: str) -> CitizenContact: ...

    async def earnings(self, body: EarningsRequest) -> Earnings: ...

    async def fit_notes(self, body: FitNotesRequest) -> FitNotes: ...

    async def ni_record(self, body: NiRecordRequest) -> NiRecord: ...

    async def assess_uc(
        self,
        *,
        claim_id: str,
        circumstances: UCCircumstancesPayload,
        hmrc_earnings: list[RtiPayment] | None,
        idempotency_key: str,
    ) -> UcAssessment: ...

    async def assess_contributory(
        self, benefit: Literal["new_style_jsa", "new_style_esa"], body: ContributoryPayload | ESAPayload
    ) -> WeeklyAward: ...


@dataclass
class HttpUpstreams:
    """`Upstreams` over HTTP, one resilient client per service (made once per process, in the lifespan)."""

    benefits: ResilientClient
    integrations: ResilientClient
    citizen: ResilientClient

    @classmethod
    def from_settings(cls, settings: Settings, **client_options: Any) -> HttpUpstreams:
        """Clients for the services the settings name, with this service's own token."""
        tokens = ServiceTokens.for_service(SERVICE, settings, **client_options)
        options = {"tokens": tokens, "policy": CASEWORK_POLICY, **client_options}
        return cls(
            benefits=ResilientClient.for_service(BENEFITS, settings, **options),
            integrations=ResilientClient.for_service(INTEGRATIONS, settings, **options),
            citizen=ResilientClient.for_service(CITIZEN, settings, **options),
        )

    async def aclose(self) -> None:
        for client in (self.benefits, self.integrations, self.citizen):
            await client.aclose()

    async def citizen_identity(self, citizen_id: str) -> CitizenIdentity:
        return await self.citizen.get_model(f"/v1/internal/citizens/{citizen_id}/identity", CitizenIdentity)

    async def citizen_contact(self, citizen_id: str) -> CitizenContact:
        return await self.citizen.get_model(
            f"/v1/internal/citizens/{citizen_id}/contact-details", CitizenContact
        )

    async def earnings(self, body: EarningsRequest) -> Earnings:
        # A look-up changes nothing at HMRC (integrations records each access), so it may be retried.
        return await self.integrations.post_model("/v1/earnings", body, Earnings, idempotent=True)

    async def ni_record(self, body: NiRecordRequest) -> NiRecord:
        # A look-up is safe to repeat, as for earnings.
        return await self.integrations.post_model(
            "/v1/national-insurance-record", body, NiRecord, idempotent=True
        )

    async def fit_notes(self, body: FitNotesRequest) -> FitNotes:
        return await self.integrations.post_model("/v1/fit-notes", body, FitNotes, idempotent=True)

    async def assess_uc(
        self,
        *,
        claim_id: str,
        circumstances: UCCircumstancesPayload,
        hmrc_earnings: list[RtiPayment] | None,
        idempotency_key: str,
    ) -> UcAssessment:
        body: dict[str, Any] = {"claim_id": claim_id, "circumstances": circumstances}
        if hmrc_earnings is not None:
            body["hmrc_earnings"] = [p.model_dump() for p in hmrc_earnings]
        # The assessment is stored by benefits: the Idempotency-Key makes a retry give the same one.
        response = await self.benefits.request(
            "POST", "/v1/assessments", json=body, idempotency_key=idempotency_key
        )
        return _parsed(UcAssessment, response.content, self.benefits, "/v1/assessments")

    async def assess_contributory(
        self, benefit: Literal["new_style_jsa", "new_style_esa"], body: ContributoryPayload | ESAPayload
    ) -> WeeklyAward:
        # An estimate stores nothing, so it is safe to send again.
        response = await self.benefits.request("POST", "/v1/estimates", json={benefit: body}, idempotent=True)
        answer = _parsed(_Estimates, response.content, self.benefits, "/v1/estimates")
        award = getattr(answer, benefit)
        if award is None:
            raise _bad(self.benefits, "/v1/estimates", f"the answer has no {benefit}")
        return award


def _bad(client: ResilientClient, path: str, detail: str) -> UpstreamError:
    return UpstreamBadResponse(detail, upstream=client.upstream, method="POST", path=path)


def _parsed(model: type[BaseModel], content: bytes, client: ResilientClient, path: str) -> Any:
    try:
        return model.model_validate_json(content)
    except ValidationError as exc:
        raise _bad(
            client, path, f"the answer is not a {model.__name__} ({exc.error_count()} errors)"
        ) from None
