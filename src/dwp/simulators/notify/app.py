"""GOV.UK Notify simulator: the v2 API at its real paths, so `notifications-python-client` runs against it.

It follows Notify's API documentation (the Python client's DOCUMENTATION.md, "Send a message", "Get the
status of one message", "Get the status of multiple messages", "API keys", "API rate limits"):

- An API key is `{key_name}-{service_id}-{secret}` (both UUIDs). Every request carries
  `Authorization: Bearer <JWT>`, an HS256 JWT signed with the secret, `iss` the service id and `iat`
  the time in epoch seconds; a token more than 30 seconds off is refused ("Error: Your system clock
  must be accurate to within 30 seconds").
- `POST /v2/notifications/email`, `/sms`, `/letter` send; `GET /v2/notifications/{id}` reads one;
  `GET /v2/notifications` lists the newest first, 250 a page, filtered by `template_type`, `status`,
  `reference` and `older_than` (a notification id: those sent before it).
- Errors are `{"status_code": N, "errors": [{"error": "<Kind>", "message": "..."}]}`: BadRequestError
  and ValidationError (400), AuthError (401/403), NoResultFound (404), RateLimitError (429, over 3,000
  requests in 60 seconds per key) and TooManyRequestsError (429, over the service's daily limit).
- Notify does not deduplicate by `reference`; neither does the simulator.

Tests read what was sent at `GET /_simulator/notifications` (and clear it with DELETE), and make Notify
slow, failing or rate-limiting with the shared control at `/_simulator/control`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["LOCAL_API_KEY", "LOCAL_SECRET", "LOCAL_SERVICE_ID", "create_app"]

from dwp.contracts.notify import LOCAL_API_KEY, LOCAL_SECRET, LOCAL_SERVICE_ID
from dwp.simulators.control import json_error_body, mount_control
from dwp.simulators.notify.templates import LETTER_ADDRESS_REQUIRED, Template, local_templates

CLOCK_SKEW_SECONDS = 30
RATE_LIMIT_PER_MINUTE = 3000
PER_MINUTE_SETTING = "DWP_NOTIFY_SIMULATOR_PER_MINUTE"
"""Lifts (or lowers) the simulated limit: benchmarks/notifications.py measures the sending path above it."""
DAILY_LIMIT = 250_000
PAGE_SIZE = 250
EMAIL_SMS_STATUSES = ("created", "sending", "delivered", "permanent-failure", "temporary-failure",
                      "technical-failure", "pending", "sent", "failed")  # fmt: skip
LETTER_STATUSES = ("accepted", "received", "cancelled", "pending-virus-check", "virus-scan-failed",
                   "validation-failed", "technical-failure", "returned-letter")  # fmt: skip
TYPES = ("sms", "email", "letter")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class NotifyError(Exception):
    def __init__(self, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.headers = status, kind, message, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(_error_document(self.status, self.kind, self.message), self.status, self.headers)


class BufferedBody:
    """Read the whole request body first, then hand it to the app as if it had just arrived."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _error_document(status: int, kind: str, message: str) -> dict[str, Any]:
    return {"status_code": status, "errors": [{"error": kind, "message": message}]}


def _fault(status: int) -> dict[str, Any]:
    if status == 429:
        return _error_document(429, "RateLimitError", _rate_message("LIVE"))
    return _error_document(status, "Exception", "Internal server error")


def _rate_message(key_type: str, per_minute: int = RATE_LIMIT_PER_MINUTE) -> str:
    return f"Exceeded rate limit for key type {key_type} of {per_minute} requests per 60 seconds"


@dataclass(frozen=True)
class ApiKey:
    name: str
    service_id: str
    secret: str
    key_type: str = "live"  # Notify's key types: live, team, test

    @classmethod
    def parse(cls, text: str, key_type: str = "live") -> ApiKey:
        if len(text) < 74 or not UUID_RE.match(text[-73:-37]) or not UUID_RE.match(text[-36:]):
            raise ValueError("a Notify API key is key_name-service_id-secret, both UUIDs")
        return cls(name=text[:-74], service_id=text[-73:-37], secret=text[-36:], key_type=key_type)


@dataclass
class Sent:
    """One notification the simulated service accepted."""

    id: str
    type: str
    template: Template
    recipient: dict[str, str | None]
    personalisation: dict[str, str]
    reference: str | None
    subject: str | None
    body: str
    status: str
    created_at: datetime
    service_id: str
    extra: dict[str, Any] = field(default_factory=dict)

    def document(self, base_url: str) -> dict[str, Any]:
        """The notification as `GET /v2/notifications/{id}` gives it."""
        stamp = self.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        done = self.status in ("delivered", "received")
        return {
            "id": self.id,
            "reference": self.reference,
            "email_address": self.recipient.get("email_address"),
            "phone_number": self.recipient.get("phone_number"),
            **{f"line_{i}": self.personalisation.get(f"address_line_{i}") for i in range(1, 8)},
            "postage": self.extra.get("postage"),
            "postcode": self.personalisation.get("postcode"),
            "type": self.type,
            "status": self.status,
            "template": {
                "id": self.template.id,
                "version": self.template.version,
                "uri": f"{base_url}/v2/template/{self.template.id}",
            },
            "body": self.body,
            "subject": self.subject,
            "created_at": stamp,
            "created_by_name": None,
            "sent_at": stamp,
            "completed_at": stamp if done else None,
            "scheduled_for": None,
            "one_click_unsubscribe": None,
            "is_cost_data_ready": False,
            "cost_in_pounds": None,
            "cost_details": {},
        }


class NotifyService:
    """The simulated service's keys, templates and what it has sent (thread-safe)."""

    def __init__(
        self,
        keys: list[ApiKey],
        templates: dict[str, Template],
        daily_limit: int,
        per_minute: int = RATE_LIMIT_PER_MINUTE,
    ) -> None:
        self.keys, self.templates, self.daily_limit = keys, templates, daily_limit
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_minute = RateLimitItemPerMinute(per_minute)

    def authenticate(self, authorization: str | None, now: float) -> ApiKey:
        if not authorization:
            raise NotifyError(401, "AuthError", "Unauthorized: authentication token must be provided")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotifyError(401, "AuthError", "Unauthorized: authentication bearer scheme must be used")
        try:
            issuer = json.loads(_b64(token.split(".")[1])).get("iss")
        except (ValueError, IndexError, AttributeError):
            raise NotifyError(403, "AuthError", "Invalid token: signature, api token not found") from None
        if not issuer:
            raise NotifyError(403, "AuthError", "Invalid token: iss field not provided")
        if not isinstance(issuer, str) or not UUID_RE.match(issuer):
            raise NotifyError(403, "AuthError", "Invalid token: service id is not the right data type")
        candidates = [k for k in self.keys if k.service_id == issuer.lower()]
        if not candidates:
            raise NotifyError(403, "AuthError", "Invalid token: service not found")
        for key in candidates:  # Notify tries each of the service's keys in turn
            try:
                claims = jwt.decode(token, OctKey.import_key(key.secret), algorithms=["HS256"]).claims
            except (JoseError, ValueError):
                continue
            iat = claims.get("iat")
            if not isinstance(iat, int | float):
                raise NotifyError(403, "AuthError", "Invalid token: iat field not provided")
            if abs(now - float(iat)) > CLOCK_SKEW_SECONDS:
                raise NotifyError(
                    403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
                )
            return key
        raise NotifyError(403, "AuthError", "Invalid token: signature, api token not found")

    def admit(self, key: ApiKey) -> None:
        """Count a request against the key's limit of 3,000 a minute."""
        if not self._limiter.hit(self._per_minute, key.service_id, key.name):
            raise NotifyError(
                429, "RateLimitError", _rate_message(key.key_type.upper(), self._per_minute.amount)
            )

    def record(self, sent: Sent) -> None:
        with self._lock:
            today = sent.created_at.date()
            if sum(1 for s in self.sent if s.created_at.date() == today) >= self.daily_limit:
                raise NotifyError(
                    429, "TooManyRequestsError", f"Exceeded send limits ({self.daily_limit}) for today"
                )
            self.sent.append(sent)

    def find(self, notification_id: str) -> Sent | None:
        with self._lock:
            return next((s for s in self.sent if s.id == notification_id), None)

    def snapshot(self) -> list[Sent]:
        with self._lock:
            return list(self.sent)


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _configured_keys() -> list[ApiKey]:
    raw = os.environ.get("DWP_NOTIFY_API_KEYS")
    texts = [t.strip() for t in raw.split(",") if t.strip()] if raw else [LOCAL_API_KEY]
    return [ApiKey.parse(t) for t in texts]


def create_app(
    *,
    api_keys: list[str] | None = None,
    templates: dict[str, Template] | None = None,
    daily_limit: int = DAILY_LIMIT,
    clock: Any = time.time,
    per_minute: int | None = None,
) -> FastAPI:
    keys = [ApiKey.parse(k) for k in api_keys] if api_keys else _configured_keys()
    limit = per_minute or int(os.environ.get(PER_MINUTE_SETTING, RATE_LIMIT_PER_MINUTE))
    service = NotifyService(keys, templates or local_templates(), daily_limit, limit)
    app = FastAPI(title="GOV.UK Notify simulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.notify = service
    mount_control(app, error_body=json_error_body(_fault))
    # Outermost, so the body is taken before a fault holds the request: as with Notify behind its load
    # balancer, a client that gives up waiting does not stop the message being sent (an unknown outcome).
    app.add_middleware(BufferedBody)

    async def guarded(request: Request, answer: Any) -> JSONResponse:
        try:
            key = service.authenticate(request.headers.get("authorization"), clock())
            service.admit(key)
            return await answer(key)
        except NotifyError as exc:
            return exc.response()

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            raise NotifyError(400, "BadRequestError", "Invalid JSON supplied in POST data") from None
        if not isinstance(body, dict):
            raise NotifyError(400, "ValidationError", "POST data must be a JSON object")
        return body

    def send(notification_type: str, request: Request) -> Any:
        async def answer(key: ApiKey) -> JSONResponse:
            body = await body_of(request)
            sent = _validated(notification_type, body, service, key)
            service.record(sent)
            base = str(request.base_url).rstrip("/")
            content: dict[str, Any] = {"body": sent.body}
            if notification_type == "email":
                content |= {"subject": sent.subject, "from_email": "dwp.local@notifications.service.gov.uk"}
            elif notification_type == "sms":
                content |= {"from_number": "DWP"}
            else:
                content |= {"subject": sent.subject}
            document: dict[str, Any] = {
                "id": sent.id,
                "reference": sent.reference,
                "content": content,
                "uri": f"{base}/v2/notifications/{sent.id}",
                "template": {
                    "id": sent.template.id,
                    "version": sent.template.version,
                    "uri": f"{base}/v2/template/{sent.template.id}",
                },
                "scheduled_for": None,
            }
            if notification_type == "letter":
                document["postage"] = sent.extra["postage"]
            return JSONResponse(document, status_code=201)

        return answer

    @app.post("/v2/notifications/email")
    async def send_email(request: Request) -> JSONResponse:
        return await guarded(request, send("email", request))

    @app.post("/v2/notifications/sms")
    async def send_sms(request: Request) -> JSONResponse:
        return await guarded(request, send("sms", request))

    @app.post("/v2/notifications/letter")
    async def send_letter(request: Request) -> JSONResponse:
        return await guarded(request, send("letter", request))

    @app.get("/v2/notifications/{notification_id}")
    async def read_one(notification_id: str, request: Request) -> JSONResponse:
        async def answer(key: ApiKey) -> JSONResponse:
            if not UUID_RE.match(notification_id):
                raise NotifyError(400, "ValidationError", "notification_id is not a valid UUID")
            found = service.find(notification_id.lower())
            if found is None or found.service_id != key.service_id:
                raise NotifyError(404, "NoResultFound", "No result found")
            return JSONResponse(found.document(str(request.base_url).rstrip("/")))

        return await guarded(request, answer)

    @app.get("/v2/notifications")
    async def read_many(request: Request) -> JSONResponse:
        async def answer(key: ApiKey) -> JSONResponse:
            params = request.query_params
            chosen = _filters(params)
            found = [s for s in reversed(service.snapshot()) if s.service_id == key.service_id]
            if (older_than := params.get("older_than")) is not None:
                position = next((i for i, s in enumerate(found) if s.id == older_than.lower()), None)
                found = found[position + 1 :] if position is not None else []
            found = [s for s in found if all(test(s) for test in chosen)]
            page = found[:PAGE_SIZE]
            base = str(request.base_url).rstrip("/")
            current = str(request.url)
            links: dict[str, str] = {"current": current}
            if len(found) > PAGE_SIZE:
                kept = {k: v for k, v in params.items() if k != "older_than"}
                query = "&".join(f"{k}={v}" for k, v in [*kept.items(), ("older_than", page[-1].id)])
                links["next"] = f"{base}/v2/notifications?{query}"
            return JSONResponse({"notifications": [s.document(base) for s in page], "links": links})

        return await guarded(request, answer)

    @app.get("/_simulator/notifications", include_in_schema=False)
    async def what_was_sent(request: Request) -> JSONResponse:
        """For tests and people: everything sent, oldest first, with the rendered text."""
        params = request.query_params
        found = service.snapshot()
        for name in ("reference", "type", "email_address", "phone_number"):
            if (wanted := params.get(name)) is not None:
                found = [s for s in found if (s.reference if name == "reference" else
                         s.type if name == "type" else s.recipient.get(name)) == wanted]  # fmt: skip
        base = str(request.base_url).rstrip("/")
        items = [{**s.document(base), "template_key": s.template.key,
                  "personalisation": s.personalisation} for s in found]  # fmt: skip
        return JSONResponse({"count": len(items), "notifications": items})

    @app.delete("/_simulator/notifications", include_in_schema=False)
    async def forget(request: Request) -> JSONResponse:
        with service._lock:
            cleared = len(service.sent)
            service.sent.clear()
        return JSONResponse({"cleared": cleared})

    @app.get("/health/live")
    @app.get("/health/ready")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _filters(params: Any) -> list[Any]:
    tests: list[Any] = []
    if (kind := params.get("template_type")) is not None:
        if kind not in TYPES:
            raise NotifyError(
                400, "ValidationError", f"template_type {kind} is not one of [sms, email, letter]"
            )
        tests.append(lambda s: s.type == kind)
    statuses = params.getlist("status")
    if statuses:
        allowed = dict.fromkeys(EMAIL_SMS_STATUSES + LETTER_STATUSES)
        for status in statuses:
            if status not in allowed:
                raise NotifyError(
                    400, "ValidationError", f"status {status} is not one of [{', '.join(allowed)}]"
                )
        wanted = set(statuses)
        # Notify's "failed" stands for every failure status.
        if "failed" in wanted:
            wanted |= {"permanent-failure", "temporary-failure", "technical-failure"}
        tests.append(lambda s: s.status in wanted)
    if (reference := params.get("reference")) is not None:
        tests.append(lambda s: s.reference == reference)
    if (older_than := params.get("older_than")) is not None and not UUID_RE.match(older_than):
        raise NotifyError(400, "ValidationError", "older_than is not a valid UUID")
    return tests


def _validated(kind: str, body: dict[str, Any], service: NotifyService, key: ApiKey) -> Sent:
    recipient_field = {"email": "email_address", "sms": "phone_number", "letter": None}[kind]
    required = ["template_id"] + ([recipient_field] if recipient_field else ["personalisation"])
    for name in required:
        if body.get(name) in (None, ""):
            raise NotifyError(400, "ValidationError", f"{name} is a required property")
    template_id = body["template_id"]
    if not isinstance(template_id, str) or not UUID_RE.match(template_id):
        raise NotifyError(400, "ValidationError", "template_id is not a valid UUID")
    personalisation = body.get("personalisation") or {}
    if not isinstance(personalisation, dict):
        raise NotifyError(400, "ValidationError", "personalisation is not of type object")
    reference = body.get("reference")
    if reference is not None and not isinstance(reference, str):
        raise NotifyError(400, "ValidationError", "reference is not of type string")
    recipient: dict[str, str | None] = {}
    if kind == "email":
        try:
            address = validate_email(str(body["email_address"]), check_deliverability=False).normalized
        except EmailNotValidError:
            raise NotifyError(400, "ValidationError", "email_address Not a valid email address") from None
        recipient["email_address"] = address
    elif kind == "sms":
        recipient["phone_number"] = _phone(str(body["phone_number"]))
    template = service.templates.get(template_id.lower())
    if template is None:
        raise NotifyError(400, "BadRequestError", "Template not found")
    if template.type != kind:
        raise NotifyError(
            400, "BadRequestError", f"{template.type} template is not suitable for {kind} notification"
        )
    values = {str(k).lower(): str(v) for k, v in personalisation.items()}
    extra: dict[str, Any] = {}
    if kind == "letter":
        for line in LETTER_ADDRESS_REQUIRED:
            if not values.get(line):
                raise NotifyError(400, "ValidationError", f"personalisation {line} is a required property")
        extra["postage"] = body.get("postage", "second")
        if extra["postage"] not in ("first", "second", "economy", "europe", "rest-of-world"):
            raise NotifyError(
                400, "ValidationError", "postage invalid. It must be either first, second or economy."
            )
    missing = [p for p in template.placeholders if p.lower() not in values]
    if missing:
        raise NotifyError(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
    subject, text = template.render(values)
    return Sent(
        id=str(uuid.uuid4()),
        type=kind,
        template=template,
        recipient=recipient,
        personalisation=values,
        reference=reference,
        subject=subject,
        body=text,
        status="accepted" if kind == "letter" else ("delivered" if key.key_type == "test" else "sending"),
        created_at=datetime.now(UTC),
        service_id=key.service_id,
        extra=extra,
    )


def _phone(raw: str) -> str:
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        raise NotifyError(400, "ValidationError", "phone_number Not a valid phone number") from None
    if not phonenumbers.is_possible_number(number):  # Notify checks the form, not that it is in use
        raise NotifyError(400, "ValidationError", "phone_number Not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
