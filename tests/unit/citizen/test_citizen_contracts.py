"""The `dwp.contracts.citizens` models that callers use stay the same as the citizen service's own
request and response models, so a caller's body is never refused for its shape."""

from __future__ import annotations

from datetime import date

from dwp.citizen.api import CitizenView, RegistrationRequest
from dwp.contracts.citizens import CitizenRecord, CitizenRegistration


def test_the_registration_contract_has_exactly_the_citizen_services_fields() -> None:
    assert set(CitizenRegistration.model_fields) == set(RegistrationRequest.model_fields)
    required = {name for name, f in CitizenRegistration.model_fields.items() if f.is_required()}
    assert required == {name for name, f in RegistrationRequest.model_fields.items() if f.is_required()}


def test_a_registration_built_from_the_contract_is_accepted_by_the_citizen_services_model() -> None:
    body = CitizenRegistration(
        given_name="Mohammed",
        family_name="Khan",
        date_of_birth=date(1979, 11, 3),
        national_insurance_number="JG103759A",
        address_reference="72000000002",
    )
    parsed = RegistrationRequest.model_validate(body.model_dump(mode="json", exclude_none=True))
    assert parsed.national_insurance_number == "JG103759A"
    assert parsed.preferred_language == "en"  # the citizen service's default, not the caller's


def test_the_record_contract_reads_only_what_the_citizen_service_answers() -> None:
    assert set(CitizenRecord.model_fields) <= set(CitizenView.model_fields)
    view = CitizenView(
        id="c1", given_name="A", family_name="B", date_of_birth=date(1990, 1, 1),
        national_insurance_number="JG103759A", email=None, phone=None, address_reference=None,
        preferred_language="cy", contact_preferences={"channels": ["post"], "welsh_letters": True},  # type: ignore[arg-type]
        version=2, created_at=None, updated_at=None, links={"self": "/v1/citizens/c1"},
    )  # fmt: skip
    record = CitizenRecord.model_validate_json(view.model_dump_json())
    assert (record.id, record.preferred_language, record.version) == ("c1", "cy", 2)
    assert record.contact_preferences.channels == ["post"]


def test_the_contact_contract_is_exactly_what_the_contact_read_answers() -> None:
    from dwp.citizen.api import ContactDetails
    from dwp.contracts.citizens import CitizenContact

    assert set(CitizenContact.model_fields) == set(ContactDetails.model_fields)
    view = ContactDetails(
        id="c1", given_name="Gwen", email="gwen@example.com", phone=None, address_reference=None,
        preferred_language="cy", contact_preferences={"channels": ["email"], "welsh_letters": False},  # type: ignore[arg-type]
    )  # fmt: skip
    contact = CitizenContact.model_validate_json(view.model_dump_json())
    assert (contact.given_name, contact.preferred_language) == ("Gwen", "cy")
