"""Unit tests for knownparty_service.domain.contact."""

from __future__ import annotations

import pytest

from knownparty_service.domain.contact import normalize_country, normalize_email, normalize_phone


@pytest.mark.parametrize(
    ("value", "expected"),
    [("US", "US"), ("us", "US"), ("uS", "US"), ("de", "DE"), ("GB", "GB"), ("cn", "CN")],
)
def test_normalize_country_accepts_alpha_2_in_any_case(value, expected):
    assert normalize_country(value) == expected


@pytest.mark.parametrize("value", ["usa", "USA", "U", "", "1A", "U1", " US", "U.", "ÜS", "United States"])
def test_normalize_country_rejects_wrong_shape(value):
    with pytest.raises(ValueError, match="ISO 3166-1 alpha-2") as info:
        normalize_country(value)
    assert "two letters" in str(info.value)


@pytest.mark.parametrize("value", ["XX", "xx", "ZZ", "EU", "UK", "EL", "XI"])
def test_normalize_country_rejects_unknown_codes(value):
    with pytest.raises(ValueError, match=f"unknown country code '{value.upper()}'"):
        normalize_country(value)


def test_normalize_country_rejection_is_repeatable_with_cache():
    # The lookup is cached; a cached negative must still raise, and a cached positive still return.
    for _ in range(3):
        with pytest.raises(ValueError):
            normalize_country("XX")
        assert normalize_country("fr") == "FR"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("alice@example.com", "alice@example.com"),
        ("Alice@Example.COM", "Alice@example.com"),
        ("  bob@example.org  ", "bob@example.org"),
        ("User@BÜCHER.de", "User@bücher.de"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ],
)
def test_normalize_email_returns_normalized_form(value, expected):
    assert normalize_email(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "@-sign"),
        ("not-an-email", "@-sign"),
        ("a@b", "period"),
        ("two@@example.com", "@-sign"),
        ("a b@example.com", "invalid characters"),
        ("alice@", "something after the @-sign"),
    ],
)
def test_normalize_email_rejects_bad_addresses_with_library_message(value, problem):
    with pytest.raises(ValueError, match=problem):
        normalize_email(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+14155550100", "+14155550100"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("  +1 415 555 0100 ", "+14155550100"),
        ("+44 20 8366 1177", "+442083661177"),
        ("+61 2 9876 5432", "+61298765432"),
        ("+49 30 123456", "+4930123456"),
    ],
)
def test_normalize_phone_returns_e164(value, expected):
    assert normalize_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("4155550100", "must start with \\+"),
        ("(415) 555-0100", "must start with \\+"),
        ("", "must start with \\+"),
        ("+", "does not look like a phone number"),
        ("+abc", "does not look like a phone number"),
        ("+999 1234567", "unknown country calling code"),
        ("+1234567890123456789012", "too long"),
        ("+1415555", "not a valid phone number: use E.164"),
        ("+14155550100 ext. 12", "extensions are not supported"),
    ],
)
def test_normalize_phone_rejects_bad_numbers(value, problem):
    with pytest.raises(ValueError, match=problem) as info:
        normalize_phone(value)
    assert "+14155550100" in str(info.value)  # every message shows the expected form
