from dataclasses import replace
from datetime import date

import pytest

from dwp.citizen import domain
from dwp.citizen.domain import ContactPreferences, Nino

TODAY = date(2026, 11, 24)


def registration(**overrides: object) -> domain.Citizen:
    values: dict = {
        "citizen_id": "c-1",
        "given_name": " Ada ",
        "family_name": "Lovelace",
        "date_of_birth": date(1990, 1, 1),
        "national_insurance_number": "ab 12 34 56 c",
        "email": "Ada@Example.com",
        "phone": "020 7946 0123",
        "address_reference": "100023336956",
        "preferred_language": "cy",
        "contact_channels": ("email", "sms"),
    }
    if "contact" in overrides:
        contact = overrides.pop("contact")
        assert isinstance(contact, ContactPreferences)
        values["contact_channels"] = contact.channels
        values["welsh_letters"] = contact.welsh_letters
    values.update(overrides)
    return domain.register(domain.RegisterCitizen(**values), today=TODAY)


class TestNino:
    @pytest.mark.parametrize(
        "raw", ["AB123456C", "ab 12 34 56 c", "JG103759A", "CE123456D", " hx 00 00 00 b "]
    )
    def test_accepts_valid_numbers_and_normalises(self, raw: str) -> None:
        parsed = Nino.parse(raw)
        assert parsed.value == raw.replace(" ", "").upper()

    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            ("DA123456A", "D is never a first letter"),
            ("FA123456A", "F is never a first letter"),
            ("IA123456A", "I is never a first letter"),
            ("QQ123456C", "Q is never a first letter"),
            ("UA123456A", "U is never a first letter"),
            ("VA123456A", "V is never a first letter"),
            ("AD123456A", "D is never a second letter"),
            ("AO123456A", "O is never a second letter"),
            ("AQ123456A", "Q is never a second letter"),
            ("BG123456A", "BG is not allocated"),
            ("GB123456A", "GB is not allocated"),
            ("NK123456A", "NK is not allocated"),
            ("KN123456A", "KN is not allocated"),
            ("TN123456A", "TN is not allocated"),
            ("NT123456A", "NT is not allocated"),
            ("ZZ123456A", "ZZ is not allocated"),
        ],
    )
    def test_refuses_prefixes_hmrc_never_uses(self, raw: str, reason: str) -> None:
        with pytest.raises(domain.InvalidNino, match="prefix"):
            Nino.parse(raw)

    @pytest.mark.parametrize(
        "raw", ["AB123456E", "AB123456", "AB1234567", "AB12345C", "A1234567C", "AB12345XC", ""]
    )
    def test_refuses_bad_suffix_or_length_or_shape(self, raw: str) -> None:
        with pytest.raises(domain.InvalidNino):
            Nino.parse(raw)

    def test_masks_all_but_prefix_and_suffix(self) -> None:
        assert Nino.parse("AB123456C").masked() == "AB ** ** ** C"


class TestDateOfBirth:
    def test_future_date_refused(self) -> None:
        with pytest.raises(domain.InvalidDateOfBirth, match="past"):
            domain.check_date_of_birth(date(2027, 1, 1), TODAY)

    def test_today_refused(self) -> None:
        with pytest.raises(domain.InvalidDateOfBirth, match="past"):
            domain.check_date_of_birth(TODAY, TODAY)

    def test_under_16_refused_on_the_day_before_the_birthday(self) -> None:
        with pytest.raises(domain.InvalidDateOfBirth, match="16 or over"):
            domain.check_date_of_birth(date(2010, 11, 25), TODAY)

    def test_16_on_the_birthday_accepted(self) -> None:
        assert domain.check_date_of_birth(date(2010, 11, 24), TODAY) == date(2010, 11, 24)

    def test_leap_day_birthday_counts_from_1_march_in_other_years(self) -> None:
        assert domain.age_on(date(2008, 2, 29), date(2024, 2, 28)) == 15
        assert domain.age_on(date(2008, 2, 29), date(2024, 2, 29)) == 16


class TestRegistration:
    def test_normalises_contact_details(self) -> None:
        citizen = registration()
        assert citizen.given_name == "Ada"
        assert citizen.email == "Ada@example.com"
        assert citizen.phone == "+442079460123"
        assert citizen.nino.value == "AB123456C"

    def test_invalid_email_refused(self) -> None:
        with pytest.raises(domain.InvalidContactDetail, match="Email"):
            registration(email="not-an-email")

    def test_invalid_phone_refused(self) -> None:
        with pytest.raises(domain.InvalidContactDetail, match="Phone"):
            registration(phone="12345")

    def test_text_messages_need_a_phone_number(self) -> None:
        with pytest.raises(domain.InvalidContactDetail, match="phone number"):
            registration(phone=None)

    def test_post_needs_an_address(self) -> None:
        with pytest.raises(domain.InvalidContactDetail, match="address"):
            registration(contact=ContactPreferences(channels=("post",)), address_reference=None)

    def test_no_channel_refused(self) -> None:
        with pytest.raises(domain.InvalidContactDetail):
            ContactPreferences(channels=())


class TestProfileChanges:
    def test_change_bumps_version_and_names_changed_fields(self) -> None:
        citizen = registration()
        updated, changed = domain.change_profile(
            citizen, {"email": "new@example.com", "family_name": "Lovelace"}, expected_version=1
        )
        assert changed == ["email"]
        assert updated.version == 2
        assert updated.email == "new@example.com"

    def test_nothing_changed_keeps_version(self) -> None:
        citizen = registration()
        updated, changed = domain.change_profile(citizen, {"family_name": "Lovelace"}, expected_version=1)
        assert changed == []
        assert updated.version == 1

    def test_stale_version_refused(self) -> None:
        citizen = replace(registration(), version=3)
        with pytest.raises(domain.StaleVersion):
            domain.change_profile(citizen, {"family_name": "Byron"}, expected_version=2)

    def test_missing_version_refused(self) -> None:
        with pytest.raises(domain.VersionRequired):
            domain.change_profile(registration(), {"family_name": "Byron"}, expected_version=None)

    def test_nino_and_date_of_birth_are_locked(self) -> None:
        with pytest.raises(domain.ProfileFieldLocked):
            domain.change_profile(registration(), {"nino": "AB654321A"}, expected_version=1)

    def test_contact_preferences_change(self) -> None:
        citizen = registration()
        updated, changed = domain.change_contact_preferences(
            citizen, ContactPreferences(channels=("sms",), welsh_letters=True), expected_version=1
        )
        assert changed == ["contact"]
        assert updated.contact.welsh_letters is True
        assert updated.version == 2
