"""HTTP for the citizen service: request and response shapes, and routes that call the use cases."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from dwp.citizen import domain, service
from dwp.citizen.domain import (
    ChangeContactPreferences,
    ChangeProfile,
    Channel,
    Citizen,
    CitizenNotFound,
    Language,
    RectifyRecord,
    RegisterCitizen,
    RegistrationHeld,
)
from dwp.citizen.service import CitizenContext, Registration
from dwp.platform.auth import (
    Actor,
    Authenticated,
    Caseworker,
    CitizenPrincipal,
    Forbidden,
    Principal,
    allow_callers,
    check_confidence,
    require_confidence,
    verify_token,
)
from dwp.platform.etag import make_etag, version_from_if_match
from dwp.platform.idempotency import Claim, Remember, StoredResponse, idempotent, request_fingerprint
from dwp.platform.models import EdgeModel, IsoDate, UtcDateTime
from dwp.platform.openapi import created_link

router = APIRouter(prefix="/v1/citizens", tags=["citizens"])
internal = APIRouter(prefix="/v1/internal/citizens", tags=["internal"])
"""Routes for other services only (each names its callers); the gateway never forwards `/v1/internal`."""

ProvenCitizen = Annotated[Principal, require_confidence("P2")]
"""A citizen whose identity One Login proved (P2): changing an address needs it."""
IdentityService = Annotated[Principal, allow_callers("identity")]
"""Only the identity service creates records online (it holds the verified name and date of birth)."""
ContactReader = Annotated[Principal, allow_callers("claims", "workers")]
"""The services that write to a citizen (claims, and the workers that send notifications)."""


class Strict(EdgeModel):
    model_config = ConfigDict(str_strip_whitespace=True)


class ContactPreferencesBody(Strict):
    channels: list[Channel] = Field(
        default_factory=lambda: list[Channel](["email"]), min_length=1, max_length=3
    )
    welsh_letters: bool = False


# Shapes only: the rules (a NINO's prefixes, an email address, a date of birth in the past) run once, in
# the domain, with the service's clock; their errors name the field, as pydantic's do.
NinoText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=16,
        description="National Insurance number, like QQ 12 34 56 C (HMRC NIM39110's rules)",
        json_schema_extra={"format": "national-insurance-number"},
    ),
]
EmailText = Annotated[str, Field(max_length=320, json_schema_extra={"format": "email"})]
PhoneText = Annotated[str, Field(max_length=32, description="UK or international phone number")]
# `[0-9]`, not `\d`: Pydantic's patterns are Unicode-aware, and a UPRN is ASCII digits.
Uprn = Annotated[str, Field(pattern=r"^[0-9]{1,12}$", description="Unique Property Reference Number")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
# A string that the domain checks, so that a bad language is reported with the other bad fields.
LanguageText = Annotated[str, Field(max_length=2, json_schema_extra={"enum": ["en", "cy"]})]


PENDING_DETAIL = (
    "We need to check some details before we can create your record. We will contact you; "
    "you do not need to do anything now."
)


class RegistrationRequest(Strict):
    given_name: Name
    family_name: Name
    date_of_birth: IsoDate
    national_insurance_number: NinoText
    email: EmailText | None = None
    phone: PhoneText | None = None
    address_reference: Uprn | None = None
    preferred_language: LanguageText = "en"
    contact_preferences: ContactPreferencesBody = Field(default_factory=ContactPreferencesBody)


Document = Literal[
    "passport", "driving-licence", "biometric-residence-permit", "birth-certificate", "utility-bill",
    "bank-statement",
]  # fmt: skip


class InPersonCheck(Strict):
    """How a caseworker proved the person's identity: the documents they saw, in person."""

    method: Literal["documents-in-person"] = "documents-in-person"
    documents: list[Document] = Field(min_length=1, max_length=6)


class InPersonRegistration(RegistrationRequest):
    """A caseworker registers a person whose documents they checked at a Jobcentre."""

    citizen_id: str = Field(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="The citizen id that identity linked to the person's One Login account",
    )
    identity_check: InPersonCheck


class RegistrationPending(BaseModel):
    """The answer to a registration that is being checked, the same whatever the reason."""

    status: Literal["pending"] = "pending"
    reference: str = Field(description="Quote this if you contact us; it says nothing about why")
    detail: str = PENDING_DETAIL


class ContactDetails(BaseModel):
    """What a service needs to write to a citizen (no NINO or date of birth):
    `contracts.citizens.CitizenContact`."""

    id: str
    given_name: str
    email: str | None
    phone: str | None
    address_reference: str | None
    preferred_language: Language
    contact_preferences: ContactPreferencesBody


class RectifiedFields(Strict):
    given_name: Name | None = None
    family_name: Name | None = None
    date_of_birth: IsoDate | None = None
    national_insurance_number: NinoText | None = None
    email: EmailText | None = None
    phone: PhoneText | None = None
    address_reference: Uprn | None = None
    preferred_language: LanguageText | None = None


class ProfileChanges(Strict):
    given_name: Name | None = None
    family_name: Name | None = None
    email: EmailText | None = None
    phone: PhoneText | None = None
    address_reference: Uprn | None = None
    preferred_language: LanguageText | None = None


class Rectification(Strict):
    """A caseworker's correction of a record (UK GDPR Art 16): the fields to correct, and why."""

    changes: RectifiedFields
    reason: str = Field(
        min_length=1,
        max_length=1000,
        description="Why the record is corrected, and on what evidence (kept in the audit record)",
    )


class NinoSearch(Strict):
    national_insurance_number: NinoText


class CitizenView(BaseModel):
    id: str
    given_name: str
    family_name: str
    date_of_birth: date
    national_insurance_number: str
    email: str | None
    phone: str | None
    address_reference: str | None
    preferred_language: Language
    contact_preferences: ContactPreferencesBody
    version: int
    created_at: UtcDateTime | None
    updated_at: UtcDateTime | None
    links: dict[str, str]


class CitizenPage(BaseModel):
    items: list[CitizenView]
    next_cursor: str | None = None


class AuditPage(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


def _view(citizen: Citizen) -> CitizenView:
    return CitizenView(
        id=citizen.id,
        given_name=citizen.given_name,
        family_name=citizen.family_name,
        date_of_birth=citizen.date_of_birth,
        national_insurance_number=citizen.nino.value,
        email=citizen.email,
        phone=citizen.phone,
        address_reference=citizen.address_reference,
        preferred_language=citizen.preferred_language,
        contact_preferences=ContactPreferencesBody(
            channels=list(citizen.contact.channels), welsh_letters=citizen.contact.welsh_letters
        ),
        version=citizen.version,
        created_at=citizen.created_at,
        updated_at=citizen.updated_at,
        links={"self": f"/v1/citizens/{citizen.id}"},
    )


def _etag(citizen: Citizen) -> str:
    return make_etag(citizen.version)


def _created(citizen: Citizen) -> StoredResponse:
    """The answer to a registration, as sent and as an Idempotency-Key replays it."""
    return StoredResponse(
        status=status.HTTP_201_CREATED,
        body=_view(citizen).model_dump(mode="json"),
        headers={"Location": f"/v1/citizens/{citizen.id}", "ETag": _etag(citizen)},
    )


async def _ctx(request: Request) -> CitizenContext:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop on every request.
    return request.app.state.citizen_context


def _own(principal: Principal, citizen_id: str) -> None:
    # Another citizen's record does not exist as far as this caller can tell: 404, never 403.
    if principal.citizen_id != citizen_id:
        raise CitizenNotFound("No citizen with that id")


Ctx = Annotated[CitizenContext, Depends(_ctx)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def _answer(result: Registration) -> StoredResponse:
    """A record (201) or a hold (202, the same body whatever the reason), as sent and as replayed."""
    if isinstance(result, RegistrationHeld):
        return StoredResponse(
            status=status.HTTP_202_ACCEPTED,
            body=RegistrationPending(reference=result.id).model_dump(mode="json"),
            headers={},
        )
    return _created(result)


_REGISTRATION_ANSWERS: dict[int | str, dict[str, Any]] = {
    202: {"model": RegistrationPending, "description": "Being checked (held for a caseworker)"},
    **created_link("GetCitizen", "/v1/citizens/{citizen_id}", "citizen_id"),
}


async def _register(
    request: Request,
    ctx: CitizenContext,
    body: RegistrationRequest,
    *,
    citizen_id: str,
    principal: Principal,
    proof: str,
    idempotency_key: str | None,
) -> Response:
    assert ctx.idempotency is not None
    contact = body.contact_preferences
    command = RegisterCitizen(
        citizen_id=citizen_id,
        given_name=body.given_name,
        family_name=body.family_name,
        date_of_birth=body.date_of_birth,
        national_insurance_number=body.national_insurance_number,
        email=body.email,
        phone=body.phone,
        address_reference=body.address_reference,
        preferred_language=body.preferred_language,
        contact_channels=tuple(contact.channels),
        welsh_letters=contact.welsh_letters,
    )
    actor = Actor.of(principal, request)

    async def run(claim: Claim | None) -> StoredResponse:
        remember = Remember(claim, _answer) if claim else None
        return _answer(
            await service.register_citizen(ctx, command, actor=actor, proof=proof, remember=remember)
        )

    answer = await idempotent(
        ctx.idempotency,
        principal=principal.subject,
        key=idempotency_key,
        request_hash=request_fingerprint("POST", request.url.path, body.model_dump(mode="json")),
        run=run,
    )
    return answer.as_response()


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


@internal.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CitizenView,
    responses=_REGISTRATION_ANSWERS,
    summary="Create a record for a citizen proven online (the identity service only)",
)
async def register_online(
    body: RegistrationRequest,
    request: Request,
    ctx: Ctx,
    caller: IdentityService,
    on_behalf_of: Annotated[
        str,
        Header(
            alias="On-Behalf-Of",
            max_length=8192,
            description="The citizen's own token: whose record this is, and that it is proven to P2",
        ),
    ],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    # The record is the person's whose token identity forwards, never one named in the body; and
    # the rule (P2) is checked here, by the service that owns records, not only by identity.
    person = check_confidence(await verify_token(request, on_behalf_of), "P2")
    assert person.citizen_id is not None
    return await _register(
        request,
        ctx,
        body,
        citizen_id=person.citizen_id,
        principal=person,
        proof=f"online: GOV.UK One Login {person.level_of_confidence}, sent by {caller.subject}",
        idempotency_key=idempotency_key,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CitizenView,
    responses=_REGISTRATION_ANSWERS,
    summary="Register a person whose documents a caseworker checked in person",
)
async def register_in_person(
    body: InPersonRegistration,
    request: Request,
    ctx: Ctx,
    principal: Caseworker,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    # Who (the caseworker, in the audit entry's actor), when (its time) and how (this) are recorded.
    check = body.identity_check
    return await _register(
        request,
        ctx,
        body,
        citizen_id=body.citizen_id,
        principal=principal,
        proof=f"{check.method}: {', '.join(check.documents)}",
        idempotency_key=idempotency_key,
    )


@internal.get(
    "/{citizen_id}/contact-details",
    response_model=ContactDetails,
    summary="How to contact a citizen (claims and workers only; each read is audited)",
)
async def contact_details(
    citizen_id: str, request: Request, ctx: Ctx, caller: ContactReader
) -> ContactDetails:
    citizen = await service.contact_for_service(ctx, citizen_id=citizen_id, actor=Actor.of(caller, request))
    view = _view(citizen)
    return ContactDetails.model_validate(view.model_dump(include=set(ContactDetails.model_fields)))


class IdentityDetails(BaseModel):
    """The proven identity's facts a look-up needs (`contracts.citizens.CitizenIdentity`)."""

    id: str
    given_name: str
    family_name: str
    date_of_birth: date
    national_insurance_number: str


@internal.get(
    "/{citizen_id}/identity",
    response_model=IdentityDetails,
    summary="The proven name, date of birth and NINO (claims and workers only, for HMRC and assessments)",
)
async def identity_details(citizen_id: str, ctx: Ctx, caller: ContactReader) -> IdentityDetails:
    citizen = await service.get_citizen(ctx, citizen_id=citizen_id)
    return IdentityDetails.model_validate(
        _view(citizen).model_dump(include=set(IdentityDetails.model_fields))
    )


@router.get(
    "/{citizen_id}", response_model=CitizenView, summary="Read a profile (your own, or as a caseworker)"
)
async def read(
    citizen_id: str,
    request: Request,
    response: Response,
    ctx: Ctx,
    principal: Authenticated,
) -> CitizenView:
    if principal.is_staff:
        citizen = await service.view_citizen_as_caseworker(
            ctx, citizen_id=citizen_id, actor=Actor.of(principal, request)
        )
    elif principal.kind == "citizen":
        _own(principal, citizen_id)
        citizen = await service.get_citizen(ctx, citizen_id=citizen_id)
    else:
        raise Forbidden("Only the citizen or a caseworker can read a profile")
    response.headers["ETag"] = _etag(citizen)
    return _view(citizen)


@router.patch("/{citizen_id}", response_model=CitizenView, summary="Change your own profile")
async def change(
    citizen_id: str,
    body: ProfileChanges,
    request: Request,
    response: Response,
    ctx: Ctx,
    principal: ProvenCitizen,
    if_match: IfMatch = None,
) -> CitizenView:
    _own(principal, citizen_id)
    command = ChangeProfile(
        citizen_id=citizen_id,
        changes=body.model_dump(exclude_unset=True),
        expected_version=version_from_if_match(if_match),
    )
    citizen = await service.update_profile(ctx, command, actor=Actor.of(principal, request))
    response.headers["ETag"] = _etag(citizen)
    return _view(citizen)


@router.post(
    "/{citizen_id}/rectifications",
    response_model=CitizenView,
    summary="Correct a person's record, with the reason (a caseworker; audited before and after)",
)
async def rectify(
    citizen_id: str,
    body: Rectification,
    request: Request,
    response: Response,
    ctx: Ctx,
    principal: Caseworker,
    if_match: IfMatch = None,
) -> CitizenView:
    changes = body.changes.model_dump(exclude_unset=True)
    if not changes:
        raise domain.CitizenError("Name at least one field to correct", field="changes")
    command = RectifyRecord(
        citizen_id=citizen_id,
        changes=changes,
        reason=body.reason,
        expected_version=version_from_if_match(if_match),
    )
    citizen = await service.rectify_record(ctx, command, actor=Actor.of(principal, request))
    response.headers["ETag"] = _etag(citizen)
    return _view(citizen)


@router.get("/{citizen_id}/contact-preferences", response_model=ContactPreferencesBody)
async def read_contact_preferences(
    citizen_id: str, response: Response, ctx: Ctx, principal: CitizenPrincipal
) -> ContactPreferencesBody:
    _own(principal, citizen_id)
    citizen = await service.get_citizen(ctx, citizen_id=citizen_id)
    response.headers["ETag"] = _etag(citizen)
    return _view(citizen).contact_preferences


@router.put("/{citizen_id}/contact-preferences", response_model=ContactPreferencesBody)
async def change_contact_preferences(
    citizen_id: str,
    body: ContactPreferencesBody,
    request: Request,
    response: Response,
    ctx: Ctx,
    principal: CitizenPrincipal,
    if_match: IfMatch = None,
) -> ContactPreferencesBody:
    _own(principal, citizen_id)
    command = ChangeContactPreferences(
        citizen_id=citizen_id,
        channels=tuple(body.channels),
        welsh_letters=body.welsh_letters,
        expected_version=version_from_if_match(if_match),
    )
    citizen = await service.update_contact_preferences(ctx, command, actor=Actor.of(principal, request))
    response.headers["ETag"] = _etag(citizen)
    return _view(citizen).contact_preferences


@router.post("/search", response_model=CitizenPage, summary="Find a citizen by National Insurance number")
async def search(body: NinoSearch, request: Request, ctx: Ctx, principal: Caseworker) -> CitizenPage:
    # POST, not GET: a NINO must never appear in a URL, where proxies and logs would keep it.
    found = await service.search_by_nino(
        ctx, nino=body.national_insurance_number, actor=Actor.of(principal, request)
    )
    return CitizenPage(items=[_view(c) for c in found])


@router.get("/{citizen_id}/audit", response_model=AuditPage, summary="Every change to a citizen's record")
async def audit(
    citizen_id: str,
    ctx: Ctx,
    principal: Caseworker,
    cursor: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> AuditPage:
    items = await service.audit_trail(ctx, citizen_id=citizen_id, cursor=cursor, limit=limit)
    return AuditPage(items=items, next_cursor=items[-1]["id"] if len(items) == limit else None)
