"""HTTP for the citizen service: request and response shapes, and routes that call the use cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from dwp.citizen import domain, service
from dwp.citizen.domain import (
    Actor,
    AlreadyRegistered,
    Channel,
    Citizen,
    CitizenNotFound,
    ContactPreferences,
    Language,
)
from dwp.citizen.service import CitizenContext
from dwp.platform.auth import (
    CASEWORKER,
    TEAM_LEADER,
    Principal,
    current_principal,
    require_citizen,
    require_role,
)
from dwp.platform.problems import Problem

router = APIRouter(prefix="/v1/citizens", tags=["citizens"])
caseworker = require_role(CASEWORKER, TEAM_LEADER)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactPreferencesBody(Strict):
    channels: list[Channel] = Field(
        default_factory=lambda: list[Channel](["email"]), min_length=1, max_length=3
    )
    welsh_letters: bool = False


def _domain_rule(parse: Any) -> AfterValidator:
    """Run a domain rule as a field validator, so its message lands on the field in the 422 problem."""

    def validate(value: Any) -> Any:
        try:
            result = parse(value)
        except domain.CitizenError as exc:
            raise ValueError(str(exc)) from exc
        return result

    return AfterValidator(validate)


def _uk_today() -> date:
    return datetime.now(service.UK).date()


NinoText = Annotated[
    str, Field(min_length=1, max_length=16), _domain_rule(lambda v: domain.Nino.parse(v).value)
]
EmailText = Annotated[str, Field(max_length=320), _domain_rule(domain.normalise_email)]
PhoneText = Annotated[str, Field(max_length=32), _domain_rule(domain.normalise_phone)]
DateOfBirth = Annotated[date, _domain_rule(lambda d: domain.check_date_of_birth(d, _uk_today()))]
Uprn = Annotated[str, Field(pattern=r"^\d{1,12}$", description="Unique Property Reference Number")]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class RegistrationRequest(Strict):
    given_name: Name
    family_name: Name
    date_of_birth: DateOfBirth
    national_insurance_number: NinoText
    email: EmailText | None = None
    phone: PhoneText | None = None
    address_reference: Uprn | None = None
    preferred_language: Language = "en"
    contact_preferences: ContactPreferencesBody = Field(default_factory=ContactPreferencesBody)


class ProfileChanges(Strict):
    given_name: Name | None = None
    family_name: Name | None = None
    email: EmailText | None = None
    phone: PhoneText | None = None
    address_reference: Uprn | None = None
    preferred_language: Language | None = None


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
    created_at: datetime | None
    updated_at: datetime | None
    links: dict[str, str]


class ContactView(BaseModel):
    """How to reach a citizen, for services that send messages (`contracts.citizens.CitizenContact`)."""

    id: str
    given_name: str
    email: str | None
    phone: str | None
    address_reference: str | None
    preferred_language: Language
    contact_preferences: ContactPreferencesBody


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
    return f'"{citizen.version}"'


def _expected_version(if_match: str | None, current: Citizen | None = None) -> int | None:
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if tag == "*" and current is not None:
        return current.version
    try:
        return int(tag)
    except ValueError as exc:
        raise Problem(412, "Precondition failed", "If-Match must be an ETag from this service") from exc


def _ctx(request: Request) -> CitizenContext:
    return request.app.state.citizen_context


def _actor(request: Request, principal: Principal) -> Actor:
    return Actor(subject=principal.subject, kind=principal.kind, request_id=request.state.request_id)


def _own(principal: Principal, citizen_id: str) -> None:
    # Another citizen's record does not exist as far as this caller can tell: 404, never 403.
    if principal.citizen_id != citizen_id:
        raise CitizenNotFound("No citizen with that id")


Ctx = Annotated[CitizenContext, Depends(_ctx)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CitizenView, summary="Register yourself")
async def register(
    body: RegistrationRequest,
    request: Request,
    response: Response,
    ctx: Ctx,
    principal: Principal = Depends(require_citizen),
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> CitizenView:
    assert principal.citizen_id is not None
    try:
        citizen, created = await service.register_citizen(
            ctx,
            citizen_id=principal.citizen_id,
            details=body.model_dump(),
            actor=_actor(request, principal),
            idempotency_key=idempotency_key,
        )
    except AlreadyRegistered as exc:
        owner = exc.existing_id == principal.citizen_id
        extra: dict[str, Any] = {"existing": f"/v1/citizens/{exc.existing_id}"} if owner else {}
        raise Problem(409, "Already registered", str(exc), type_="already-registered", **extra) from exc
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/v1/citizens/{citizen.id}"
    response.headers["ETag"] = _etag(citizen)
    return _view(citizen)


@router.get(
    "/{citizen_id}", response_model=CitizenView, summary="Read a profile (your own, or as a caseworker)"
)
async def read(
    citizen_id: str,
    request: Request,
    response: Response,
    ctx: Ctx,
    principal: Principal = Depends(current_principal),
) -> CitizenView:
    if principal.kind == "caseworker" and principal.roles & {CASEWORKER, TEAM_LEADER}:
        citizen = await service.view_citizen_as_caseworker(
            ctx, citizen_id=citizen_id, actor=_actor(request, principal)
        )
    elif principal.kind == "citizen":
        _own(principal, citizen_id)
        citizen = await service.get_citizen(ctx, citizen_id=citizen_id)
    else:
        raise Problem(
            403, "Forbidden", "Only the citizen or a caseworker can read a profile", type_="forbidden"
        )
    response.headers["ETag"] = _etag(citizen)
    return _view(citizen)


@router.patch("/{citizen_id}", response_model=CitizenView, summary="Change your own profile")
async def change(
    citizen_id: str,
    body: ProfileChanges,
    request: Request,
    response: Response,
    ctx: Ctx,
    if_match: IfMatch = None,
    principal: Principal = Depends(require_citizen),
) -> CitizenView:
    _own(principal, citizen_id)
    citizen = await service.update_profile(
        ctx,
        citizen_id=citizen_id,
        changes=body.model_dump(exclude_unset=True),
        expected_version=_expected_version(if_match),
        actor=_actor(request, principal),
    )
    response.headers["ETag"] = _etag(citizen)
    return _view(citizen)


@router.get("/{citizen_id}/contact-preferences", response_model=ContactPreferencesBody)
async def read_contact_preferences(
    citizen_id: str, response: Response, ctx: Ctx, principal: Principal = Depends(require_citizen)
) -> ContactPreferencesBody:
    _own(principal, citizen_id)
    citizen = await service.get_citizen(ctx, citizen_id=citizen_id)
    response.headers["ETag"] = _etag(citizen)
    return _view(citizen).contact_preferences


@router.get(
    "/{citizen_id}/contact",
    response_model=ContactView,
    summary="How to reach a citizen (services that send messages, with their service token)",
)
async def read_contact(
    citizen_id: str, request: Request, ctx: Ctx, principal: Principal = Depends(current_principal)
) -> ContactView:
    if principal.kind != "service" or principal.subject not in service.CONTACT_READERS:
        raise Problem(403, "Forbidden", "Only a service that sends messages can read this", type_="forbidden")
    citizen = await service.contact_for_service(ctx, citizen_id=citizen_id, actor=_actor(request, principal))
    view = _view(citizen)
    return ContactView(
        id=view.id,
        given_name=view.given_name,
        email=view.email,
        phone=view.phone,
        address_reference=view.address_reference,
        preferred_language=view.preferred_language,
        contact_preferences=view.contact_preferences,
    )


@router.put("/{citizen_id}/contact-preferences", response_model=ContactPreferencesBody)
async def change_contact_preferences(
    citizen_id: str,
    body: ContactPreferencesBody,
    request: Request,
    response: Response,
    ctx: Ctx,
    if_match: IfMatch = None,
    principal: Principal = Depends(require_citizen),
) -> ContactPreferencesBody:
    _own(principal, citizen_id)
    try:
        preferences = ContactPreferences(channels=tuple(body.channels), welsh_letters=body.welsh_letters)
    except domain.InvalidContactDetail as exc:
        raise Problem(422, "Your request has invalid fields", str(exc), type_="validation") from exc
    citizen = await service.update_contact_preferences(
        ctx,
        citizen_id=citizen_id,
        preferences=preferences,
        expected_version=_expected_version(if_match),
        actor=_actor(request, principal),
    )
    response.headers["ETag"] = _etag(citizen)
    return _view(citizen).contact_preferences


@router.post("/search", response_model=CitizenPage, summary="Find a citizen by National Insurance number")
async def search(
    body: NinoSearch, request: Request, ctx: Ctx, principal: Principal = Depends(caseworker)
) -> CitizenPage:
    # POST, not GET: a NINO must never appear in a URL, where proxies and logs would keep it.
    found = await service.search_by_nino(
        ctx, nino=body.national_insurance_number, actor=_actor(request, principal)
    )
    return CitizenPage(items=[_view(c) for c in found])


@router.get("/{citizen_id}/audit", response_model=AuditPage, summary="Every change to a citizen's record")
async def audit(
    citizen_id: str,
    ctx: Ctx,
    cursor: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    principal: Principal = Depends(caseworker),
) -> AuditPage:
    items = await service.audit_trail(ctx, citizen_id=citizen_id, cursor=cursor, limit=limit)
    return AuditPage(items=items, next_cursor=items[-1]["id"] if len(items) == limit else None)
