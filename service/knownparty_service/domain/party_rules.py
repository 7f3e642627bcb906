"""Validation and normalisation of party fields, reporting every bad field at once."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from knownparty_service.domain.contact import normalize_country, normalize_email, normalize_phone
from knownparty_service.domain.errors import ViolationCollector
from knownparty_service.domain.identifiers import IssuingCountryError, normalize_identifier
from knownparty_service.domain.parties import (
    VERIFIABLE_FIELDS,
    Address,
    FieldVerification,
    Identifier,
    PartyFields,
)

MAX_NAME = 300
MAX_ALIASES = 50
MAX_ADDRESSES = 20
MAX_ADDRESS_LINES = 5
MAX_ADDRESS_LINE = 200
MAX_CITY = 100
MAX_POSTAL_CODE = 20
MAX_IDENTIFIERS = 50
MAX_VERIFICATIONS = 100
MAX_SOURCE_REFERENCE = 500
MAX_REQUEST_ID = 128
# Verification times from a caller whose clock runs a little fast are still accepted.
CLOCK_SKEW = timedelta(minutes=5)

_PARTY_ID = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")


def clean_text(value: str, path: str, limit: int, errors: ViolationCollector, *, required: bool = False) -> str:
    """NFC-normalised and trimmed; refuses control characters and over-long values."""
    if value.isascii():
        # Most values are: skip the Unicode work (ASCII is already NFC).
        text = value.strip()
        if text and len(text) <= limit and text.isprintable():
            return text
    else:
        value = unicodedata.normalize("NFC", value)
    text = value.strip()
    if not text:
        if required:
            errors.add(path, "is required and must not be blank")
        return ""
    if len(text) > limit:
        errors.add(path, f"is {len(text)} characters long; at most {limit} are allowed")
        return text[:limit]
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        errors.add(path, "must not contain control characters")
    return text


def _too_many(items, path: str, limit: int, errors: ViolationCollector) -> bool:
    if len(items) > limit:
        errors.add(path, f"has {len(items)} entries; at most {limit} are allowed")
        return True
    return False


def _address(address: Address, path: str, errors: ViolationCollector) -> Address:
    if _too_many(address.lines, f"{path}.lines", MAX_ADDRESS_LINES, errors):
        return address
    lines = tuple(
        line
        for i, raw in enumerate(address.lines)
        if (line := clean_text(raw, f"{path}.lines[{i}]", MAX_ADDRESS_LINE, errors))
    )
    country = ""
    if not address.country.strip():
        errors.add(f"{path}.country", "is required (ISO 3166-1 alpha-2, like US)")
    else:
        try:
            country = normalize_country(address.country.strip())
        except ValueError as exc:
            errors.add(f"{path}.country", str(exc))
    return Address(
        lines=lines,
        city=clean_text(address.city, f"{path}.city", MAX_CITY, errors),
        region=clean_text(address.region, f"{path}.region", MAX_CITY, errors),
        postal_code=clean_text(address.postal_code, f"{path}.postal_code", MAX_POSTAL_CODE, errors),
        country=country,
    )


def _identifiers(identifiers: tuple[Identifier, ...], errors: ViolationCollector) -> tuple[Identifier, ...]:
    if _too_many(identifiers, "identifiers", MAX_IDENTIFIERS, errors):
        return identifiers
    result: list[Identifier] = []
    seen: set[tuple] = set()
    for i, identifier in enumerate(identifiers):
        path = f"identifiers[{i}]"
        if identifier.type is None:
            errors.add(f"{path}.type", "is required")
            continue
        if not identifier.value.strip():
            errors.add(f"{path}.value", "is required")
            continue
        try:
            value, country = normalize_identifier(identifier.type, identifier.value, identifier.issuing_country.strip())
        except IssuingCountryError as exc:
            errors.add(f"{path}.issuing_country", str(exc))
            continue
        except ValueError as exc:
            errors.add(f"{path}.value", str(exc))
            continue
        key = (identifier.type, value, country)
        if key in seen:
            errors.add(path, "repeats an identifier already given")
            continue
        seen.add(key)
        result.append(Identifier(identifier.type, value, country))
    return tuple(result)


def _verifications(fields: PartyFields, now: datetime, errors: ViolationCollector) -> tuple[FieldVerification, ...]:
    if _too_many(fields.verifications, "verifications", MAX_VERIFICATIONS, errors):
        return fields.verifications
    result = []
    for i, verification in enumerate(fields.verifications):
        path = f"verifications[{i}]"
        if verification.field not in VERIFIABLE_FIELDS:
            errors.add(f"{path}.field", f"must be one of {', '.join(VERIFIABLE_FIELDS)}")
        elif not getattr(fields, verification.field):
            errors.add(f"{path}.field", f"the party has no {verification.field} to verify")
        if verification.method is None:
            errors.add(f"{path}.method", "is required")
        if verification.verify_time is None:
            errors.add(f"{path}.verify_time", "is required")
        elif verification.verify_time > now + CLOCK_SKEW:
            errors.add(f"{path}.verify_time", "is in the future")
        reference = clean_text(verification.source_reference, f"{path}.source_reference", MAX_SOURCE_REFERENCE, errors)
        result.append(FieldVerification(verification.field, verification.method, reference, verification.verify_time))
    return tuple(result)


def normalize_party_fields(fields: PartyFields, now: datetime) -> PartyFields:
    """Returns the fields in their stored form, or raises ValidationError naming every bad field."""
    errors = ViolationCollector()
    if fields.kind is None:
        errors.add("kind", "is required")
    legal_name = clean_text(fields.legal_name, "legal_name", MAX_NAME, errors, required=True)

    aliases: list[str] = []
    if not _too_many(fields.aliases, "aliases", MAX_ALIASES, errors):
        for i, raw in enumerate(fields.aliases):
            alias = clean_text(raw, f"aliases[{i}]", MAX_NAME, errors, required=True)
            if alias and alias not in aliases:
                aliases.append(alias)

    addresses = fields.addresses
    if not _too_many(fields.addresses, "addresses", MAX_ADDRESSES, errors):
        addresses = tuple(_address(a, f"addresses[{i}]", errors) for i, a in enumerate(fields.addresses))

    email = phone = ""
    if fields.email.strip():
        try:
            email = normalize_email(fields.email.strip())
        except ValueError as exc:
            errors.add("email", str(exc))
    if fields.phone.strip():
        try:
            phone = normalize_phone(fields.phone.strip())
        except ValueError as exc:
            errors.add("phone", str(exc))

    normalized = PartyFields(
        kind=fields.kind,
        legal_name=legal_name,
        aliases=tuple(aliases),
        addresses=addresses,
        identifiers=_identifiers(fields.identifiers, errors),
        email=email,
        phone=phone,
        verifications=fields.verifications,
    )
    normalized = PartyFields(**{**normalized.__dict__, "verifications": _verifications(normalized, now, errors)})
    errors.raise_if_any()
    return normalized


def check_party_id(party_id: str, errors: ViolationCollector, path: str = "party_id") -> None:
    if not _PARTY_ID.fullmatch(party_id):
        errors.add(
            path,
            "must be 1 to 63 characters of lower-case letters, digits and hyphens, "
            "starting with a letter and not ending with a hyphen",
        )


def check_request_id(request_id: str, errors: ViolationCollector) -> None:
    if len(request_id) > MAX_REQUEST_ID:
        errors.add("request_id", f"is longer than {MAX_REQUEST_ID} characters")
    elif not request_id.isprintable():
        errors.add("request_id", "must be printable characters")
