"""The GOV.UK Notify simulator, driven by Notify's own Python client (`notifications-python-client`).

Quotations are from the client's DOCUMENTATION.md (GOV.UK Notify, "Python client documentation").
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from dwp.contracts import notify as keys
from dwp.simulators.notify.app import LOCAL_API_KEY, LOCAL_SECRET, LOCAL_SERVICE_ID, create_app
from tests.servers import running

WELCOME_EMAIL = keys.local_template_id(keys.template_key(keys.CITIZEN_REGISTERED, "email", "en"))
WELCOME_SMS_CY = keys.local_template_id(keys.template_key(keys.CITIZEN_REGISTERED, "sms", "cy"))
DECISION_LETTER = keys.local_template_id(keys.template_key(keys.CLAIM_DECISION_MADE, "letter", "en"))


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running(create_app(api_keys=[LOCAL_API_KEY], daily_limit=10_000)) as url:
        yield url


@pytest.fixture
def notify(base_url: str) -> NotificationsAPIClient:
    httpx.delete(f"{base_url}/_simulator/notifications")
    httpx.delete(f"{base_url}/_simulator/control")
    return NotificationsAPIClient(LOCAL_API_KEY, base_url=base_url)


def _errors(exc: pytest.ExceptionInfo[HTTPError]) -> list[dict[str, str]]:
    return exc.value.message  # type: ignore[no-any-return]


def test_send_email_answers_as_documented_and_the_test_endpoint_shows_it(
    notify: NotificationsAPIClient, base_url: str
) -> None:
    response = notify.send_email_notification(
        email_address="amala@example.com",
        template_id=WELCOME_EMAIL,
        personalisation={"first_name": "Amala"},
        reference="event-1",
    )
    # "If the request to the client is successful, the client returns a dict" with id, reference,
    # content (subject, body, from_email), uri and template (id, version, uri).
    assert response["reference"] == "event-1"
    assert set(response["content"]) == {"subject", "body", "from_email"}
    assert "Dear Amala" in response["content"]["body"]
    assert response["template"]["id"] == WELCOME_EMAIL
    assert response["uri"].endswith(f"/v2/notifications/{response['id']}")
    sent = httpx.get(f"{base_url}/_simulator/notifications", params={"reference": "event-1"}).json()
    assert sent["count"] == 1
    assert sent["notifications"][0]["email_address"] == "amala@example.com"


def test_status_of_one_and_of_many_with_the_documented_filters(notify: NotificationsAPIClient) -> None:
    first = notify.send_email_notification(
        email_address="a@example.com",
        template_id=WELCOME_EMAIL,
        personalisation={"first_name": "A"},
        reference="r1",
    )
    second = notify.send_sms_notification(
        phone_number="07700900123",
        template_id=WELCOME_SMS_CY,
        personalisation={"first_name": "B"},
        reference="r2",
    )
    one = notify.get_notification_by_id(second["id"])
    assert (one["type"], one["phone_number"], one["reference"]) == ("sms", "+447700900123", "r2")
    assert one["body"].startswith("DWP: Rydych wedi cofrestru")
    every = notify.get_all_notifications()["notifications"]
    assert [n["id"] for n in every] == [second["id"], first["id"]]  # newest first
    assert [n["id"] for n in notify.get_all_notifications(reference="r1")["notifications"]] == [first["id"]]
    assert [n["id"] for n in notify.get_all_notifications(template_type="sms")["notifications"]] == [
        second["id"]
    ]
    older = notify.get_all_notifications(older_than=second["id"])["notifications"]
    assert [n["id"] for n in older] == [first["id"]]
    assert notify.get_all_notifications(status="delivered")["notifications"] == []
    with pytest.raises(HTTPError) as bad:
        notify.get_all_notifications(template_type="pigeon")
    assert bad.value.status_code == 400
    assert _errors(bad)[0]["error"] == "ValidationError"


def test_notify_does_not_deduplicate_by_reference(notify: NotificationsAPIClient) -> None:
    for _ in range(2):
        notify.send_email_notification(
            email_address="a@example.com",
            template_id=WELCOME_EMAIL,
            personalisation={"first_name": "A"},
            reference="same",
        )
    assert len(notify.get_all_notifications(reference="same")["notifications"]) == 2


def test_missing_personalisation_is_a_bad_request(notify: NotificationsAPIClient) -> None:
    with pytest.raises(HTTPError) as refused:
        notify.send_email_notification(email_address="a@example.com", template_id=WELCOME_EMAIL)
    assert refused.value.status_code == 400
    assert _errors(refused) == [
        {"error": "BadRequestError", "message": "Missing personalisation: first_name"}
    ]


def test_unknown_template_wrong_type_and_bad_recipients(notify: NotificationsAPIClient) -> None:
    cases = [
        (lambda: notify.send_email_notification("a@example.com", str(uuid.uuid4())), "Template not found"),
        (
            lambda: notify.send_sms_notification("07700900123", WELCOME_EMAIL, {"first_name": "A"}),
            "email template is not suitable for sms notification",
        ),
        (
            lambda: notify.send_email_notification("not-an-email", WELCOME_EMAIL, {"first_name": "A"}),
            "email_address Not a valid email address",
        ),
        (
            lambda: notify.send_sms_notification("12", WELCOME_SMS_CY, {"first_name": "A"}),
            "phone_number Not a valid phone number",
        ),
    ]
    for call, message in cases:
        with pytest.raises(HTTPError) as refused:
            call()
        assert refused.value.status_code == 400
        assert _errors(refused)[0]["message"] == message


def test_a_letter_needs_its_address_lines(notify: NotificationsAPIClient) -> None:
    # "The personalisation argument always contains the following required parameters for the letter
    # recipient's address: address_line_1, address_line_2, postcode"
    with pytest.raises(HTTPError) as refused:
        notify.send_letter_notification(DECISION_LETTER, {"first_name": "A", "benefit": "Universal Credit"})
    assert _errors(refused) == [
        {"error": "ValidationError", "message": "personalisation address_line_1 is a required property"}
    ]
    sent = notify.send_letter_notification(
        DECISION_LETTER,
        {"first_name": "A", "benefit": "Universal Credit", "address_line_1": "A Person",
         "address_line_2": "1 High Street", "postcode": "SW1A 1AA"},
    )  # fmt: skip
    assert notify.get_notification_by_id(sent["id"])["status"] == "accepted"


def test_unknown_notification_is_404_and_a_bad_id_is_400(notify: NotificationsAPIClient) -> None:
    with pytest.raises(HTTPError) as missing:
        notify.get_notification_by_id(str(uuid.uuid4()))
    assert (missing.value.status_code, _errors(missing)[0]["error"]) == (404, "NoResultFound")
    with pytest.raises(HTTPError) as bad:
        notify.get_notification_by_id("nope")
    assert (bad.value.status_code, _errors(bad)[0]["message"]) == (400, "notification_id is not a valid UUID")


def _token(secret: str, iss: str, iat: float) -> str:
    return jwt.encode(
        {"typ": "JWT", "alg": "HS256"}, {"iss": iss, "iat": int(iat)}, OctKey.import_key(secret)
    )


def test_auth_errors_as_documented(base_url: str) -> None:
    url = f"{base_url}/v2/notifications"
    no_token = httpx.get(url)
    assert no_token.status_code == 401
    assert no_token.json() == {
        "status_code": 401,
        "errors": [{"error": "AuthError", "message": "Unauthorized: authentication token must be provided"}],
    }
    # "Error: Your system clock must be accurate to within 30 seconds"
    stale = httpx.get(
        url, headers={"Authorization": f"Bearer {_token(LOCAL_SECRET, LOCAL_SERVICE_ID, time.time() - 31)}"}
    )
    assert (stale.status_code, stale.json()["errors"][0]["message"]) == (
        403,
        "Error: Your system clock must be accurate to within 30 seconds",
    )
    forged = httpx.get(
        url, headers={"Authorization": f"Bearer {_token(str(uuid.uuid4()), LOCAL_SERVICE_ID, time.time())}"}
    )
    assert (forged.status_code, forged.json()["errors"][0]["message"]) == (
        403,
        "Invalid token: signature, api token not found",
    )
    fresh = httpx.get(
        url, headers={"Authorization": f"Bearer {_token(LOCAL_SECRET, LOCAL_SERVICE_ID, time.time() - 20)}"}
    )
    assert fresh.status_code == 200


def test_a_key_in_the_wrong_format_is_refused_by_the_simulator_config() -> None:
    with pytest.raises(ValueError, match="key_name-service_id-secret"):
        create_app(api_keys=["not-a-key"])


def test_rate_limit_of_3000_a_minute_per_key_answers_429_rate_limit_error() -> None:
    key = f"limited-{uuid.uuid4()}-{uuid.uuid4()}"
    app = create_app(api_keys=[key])
    service = app.state.notify
    client = NotificationsAPIClient(key, base_url="http://unused")
    api_key = service.keys[0]
    for _ in range(3000):
        service.admit(api_key)
    with running(app) as url:
        client.base_url = url
        with pytest.raises(HTTPError) as limited:
            client.get_all_notifications()
    assert limited.value.status_code == 429
    assert _errors(limited) == [
        {
            "error": "RateLimitError",
            "message": "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
        }
    ]


def test_daily_limit_answers_too_many_requests_error() -> None:
    app = create_app(api_keys=[LOCAL_API_KEY], daily_limit=1)
    with running(app) as url:
        client = NotificationsAPIClient(LOCAL_API_KEY, base_url=url)
        client.send_email_notification("a@example.com", WELCOME_EMAIL, {"first_name": "A"})
        with pytest.raises(HTTPError) as limited:
            client.send_email_notification("a@example.com", WELCOME_EMAIL, {"first_name": "A"})
    assert _errors(limited) == [
        {"error": "TooManyRequestsError", "message": "Exceeded send limits (1) for today"}
    ]


def test_the_shared_control_makes_notify_fail_in_its_own_error_shape(
    notify: NotificationsAPIClient, base_url: str
) -> None:
    httpx.put(f"{base_url}/_simulator/control", json={"fault": "error", "status": 500, "times": 1})
    with pytest.raises(HTTPError) as failed:
        notify.get_all_notifications()
    assert _errors(failed) == [{"error": "Exception", "message": "Internal server error"}]
    assert notify.get_all_notifications()["notifications"] == []  # only the next request failed


def test_every_template_key_has_a_template_with_the_agreed_placeholders() -> None:
    service = create_app(api_keys=[LOCAL_API_KEY]).state.notify
    for key in keys.template_keys():
        template = service.templates[keys.local_template_id(key)]
        event = key.split("/")[0]
        assert set(template.placeholders) == set(keys.PLACEHOLDERS[event]), key
