"""Normalising contact details: country codes, email addresses and phone numbers.

Each function returns the canonical form of a valid value and raises `ValueError` with a
description that reads well after a field path (for example `email: ...`). Nothing here
touches the network.
"""

from __future__ import annotations

from functools import lru_cache

import email_validator
import phonenumbers
import pycountry

__all__ = ["normalize_country", "normalize_email", "normalize_phone"]


@lru_cache(maxsize=1024)
def _known_alpha_2(code: str) -> bool:
    """Whether `code` (two upper-case ASCII letters) is an ISO 3166-1 alpha-2 code pycountry knows."""
    return pycountry.countries.get(alpha_2=code) is not None


def normalize_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code in any letter case, returned upper case ("us" -> "US")."""
    # Check the shape first: pycountry's lookups are lenient (alpha-3, names, ...).
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise ValueError("not a valid country code: use an ISO 3166-1 alpha-2 code of two letters, like US")
    code = value.upper()
    if not _known_alpha_2(code):
        raise ValueError(f"unknown country code {code!r}: use an ISO 3166-1 alpha-2 code, like US")
    return code


def normalize_email(value: str) -> str:
    """The normalised form of an email address (domain lower-cased, Unicode normalised).

    Surrounding whitespace is ignored. Deliverability (DNS) is never checked.
    """
    try:
        result = email_validator.validate_email(value.strip(), check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    return result.normalized


_PHONE_HINT = "use E.164, like +14155550100"

_PARSE_PROBLEMS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country calling code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "it does not look like a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


def normalize_phone(value: str) -> str:
    """A phone number given in international form with a leading "+", returned as E.164."""
    text = value.strip()
    if not text.startswith("+"):
        raise ValueError(f"not a valid phone number: it must start with + and the country code; {_PHONE_HINT}")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        problem = _PARSE_PROBLEMS.get(exc.error_type, "it could not be parsed")
        raise ValueError(f"not a valid phone number: {problem}; {_PHONE_HINT}") from exc
    if number.extension:
        raise ValueError(f"not a valid phone number: extensions are not supported; {_PHONE_HINT}")
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number: {_PHONE_HINT}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
