"""Validating and normalising party identifiers (tax numbers, VAT, EORI, DUNS, LEI, MID, ...).

`normalize_identifier` returns the canonical (value, issuing country) pair for an identifier or
raises `ValueError` whose message reads well after a field path, e.g. "not a valid EIN: invalid
checksum". Problems with the issuing country raise `IssuingCountryError` (a `ValueError`), so a
caller can point the violation at the `issuing_country` field instead of the value.

Schemes with a check digit are validated with python-stdnum, offline. Their values are compacted:
whitespace, dashes and dots are removed and letters upper-cased, so "12-3456789" and "123456789"
are the same EIN. Free-form identifiers (accounts, business registrations) keep their case.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

from stdnum import exceptions as stdnum_errors
from stdnum import iban as stdnum_iban
from stdnum import lei as stdnum_lei
from stdnum.eu import vat as eu_vat
from stdnum.us import ein as us_ein
from stdnum.util import get_cc_module

from knownparty_service.domain.contact import normalize_country
from knownparty_service.domain.parties import IdentifierType

__all__ = ["MAX_IDENTIFIER_LENGTH", "PROTECTED_IDENTIFIER_TYPES", "IssuingCountryError", "normalize_identifier"]

MAX_IDENTIFIER_LENGTH = 64

# Personal or financial data (INFORM Act, DSA Art. 30): encrypted at rest, masked for roles that do
# not collect it, never echoed in messages. VAT, EORI, DUNS and LEI numbers are published in public
# registries (VIES, the EORI validation service, D&B, GLEIF) and stay plain and searchable.
PROTECTED_IDENTIFIER_TYPES = frozenset(
    {IdentifierType.TAX_ID, IdentifierType.EIN, IdentifierType.BANK_ACCOUNT, IdentifierType.ID_DOCUMENT}
)


class IssuingCountryError(ValueError):
    """The issuing country is missing, unknown, or does not match the identifier."""


# --- helpers -----------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-./]+")
_ALNUM = re.compile(r"[A-Z0-9]+")


def _compact(value: str) -> str:
    """Drop whitespace, dashes, dots and slashes; upper-case the rest."""
    return _SEPARATORS.sub("", value).upper()


def _describe(exc: stdnum_errors.ValidationError) -> str:
    # InvalidLength subclasses InvalidFormat, so it must be tested first.
    if isinstance(exc, stdnum_errors.InvalidChecksum):
        return "invalid checksum"
    if isinstance(exc, stdnum_errors.InvalidLength):
        return "wrong length"
    if isinstance(exc, stdnum_errors.InvalidFormat):
        return "wrong format"
    if isinstance(exc, stdnum_errors.InvalidComponent):
        return "a part of it (such as a prefix, region or date) is invalid or unknown"
    return str(exc) or "invalid"


# The most telling failure wins when several schemes were tried.
_SPECIFICITY = (
    stdnum_errors.InvalidChecksum,
    stdnum_errors.InvalidComponent,
    stdnum_errors.InvalidLength,
    stdnum_errors.InvalidFormat,
)


def _most_specific(errors: list[stdnum_errors.ValidationError]) -> stdnum_errors.ValidationError:
    def rank(exc: stdnum_errors.ValidationError) -> int:
        return next((i for i, cls in enumerate(_SPECIFICITY) if isinstance(exc, cls)), len(_SPECIFICITY))

    return min(errors, key=rank)


def _check(module: ModuleType, value: str, label: str) -> str:
    """`module.validate(value)`, with stdnum's exception turned into a described ValueError."""
    try:
        return module.validate(value)
    except stdnum_errors.ValidationError as exc:
        raise ValueError(f"not a valid {label}: {_describe(exc)}") from exc


def _generic_code(value: str, label: str) -> str:
    """A compact code for schemes python-stdnum does not know: letters and digits only."""
    code = _compact(value)
    if not _ALNUM.fullmatch(code):
        raise ValueError(
            f"not a valid {label}: use only letters and digits (spaces, dashes, dots and slashes are ignored)"
        )
    return code


def _matching_country(label: str, derived: str, given: str) -> str:
    """The country the value itself names, checked against the caller's issuing country."""
    if given and given != derived:
        raise IssuingCountryError(f"issuing country {given} does not match the {label}, which is from {derived}")
    return derived


def _country_of_prefix(prefix: str, label: str, aliases: dict[str, str]) -> str:
    try:
        return normalize_country(aliases.get(prefix, prefix))
    except ValueError:
        raise ValueError(f"not a valid {label}: it must start with a country code, and {prefix} is not one") from None


# --- one normaliser per identifier type --------------------------------------------------------
# Each takes the trimmed value and the normalised issuing country ("" when none was given) and
# returns (normalised value, issuing country).


def _ein(value: str, country: str) -> tuple[str, str]:
    if country and country != "US":
        raise IssuingCountryError(f"an EIN is issued by the US, not {country}")
    number = _compact(value)
    if not (len(number) == 9 and number.isascii() and number.isdigit()):
        raise ValueError("not a valid EIN: it must be 9 digits, like 12-3456789")
    return _check(us_ein, number, "EIN"), "US"


# VAT numbers of EU member states carry a prefix: the ISO code, except EL for Greece. Northern
# Ireland (XI) numbers are UK numbers with issuing country GB.
_EU_VAT_PREFIX = {
    cc.upper(): ("EL" if cc == "gr" else cc.upper()) for cc in eu_vat.MEMBER_STATES if cc != "xi"
}
_VAT_PREFIXES = frozenset(_EU_VAT_PREFIX.values()) | {"GR", "XI", "GB"}


def _vat(value: str, country: str) -> tuple[str, str]:
    """EU numbers are returned with their prefix (as VIES shows them); others in national form."""
    number = _compact(value)
    if country == "GB" and number.startswith("XI"):
        return _check(eu_vat, number, "VAT number"), country
    prefix = _EU_VAT_PREFIX.get(country)
    if prefix:
        if country == "GR" and number.startswith("GR"):
            number = "EL" + number[2:]
        if number.startswith(prefix):
            return _check(eu_vat, number, "VAT number"), country
        try:
            return eu_vat.validate(prefix + number), country
        except stdnum_errors.ValidationError as exc:
            _raise_prefix_mismatch(number, prefix, country)
            raise ValueError(f"not a valid VAT number: {_describe(exc)}") from exc
    module = get_cc_module(country, "vat")
    if module is None:
        return _generic_code(value, "VAT number"), country
    try:
        return module.validate(number), country
    except stdnum_errors.ValidationError as exc:
        _raise_prefix_mismatch(number, country, country)
        raise ValueError(f"not a valid VAT number for {country}: {_describe(exc)}") from exc


def _raise_prefix_mismatch(number: str, expected_prefix: str, country: str) -> None:
    found = number[:2]
    if found in _VAT_PREFIXES and found != expected_prefix:
        raise IssuingCountryError(f"the VAT number starts with {found}, which does not match issuing country {country}")


# Tax numbers python-stdnum knows beyond each country's `tin` and `vat` aliases: personal and
# business tax numbers, so a valid number of any common kind is accepted. Paths are below `stdnum.`.
_EXTRA_TAX_ID_SCHEMES: dict[str, tuple[str, ...]] = {
    "AU": ("au.tfn", "au.abn"),
    "BR": ("br.cpf", "br.cnpj"),
    "CA": ("ca.bn", "ca.sin"),
    "CN": ("cn.uscc", "cn.ric"),
    "DE": ("de.stnr", "de.idnr"),
    "DK": ("dk.cvr", "dk.cpr"),
    "ES": ("es.nif",),
    "FR": ("fr.nif", "fr.siren"),
    "GB": ("gb.utr",),
    "IN": ("in_.pan", "in_.gstin"),
    "IT": ("it.codicefiscale",),
    "JP": ("jp.cn",),
    "KR": ("kr.brn", "kr.rrn"),
    "MX": ("mx.rfc",),
    "NL": ("nl.bsn",),
    "PL": ("pl.nip", "pl.pesel"),
    "RU": ("ru.inn",),
    "SE": ("se.orgnr", "se.personnummer"),
    "TR": ("tr.vkn", "tr.tckimlik"),
    "UA": ("ua.rntrc", "ua.edrpou"),
}


@lru_cache(maxsize=None)
def _tax_id_schemes(country: str) -> tuple[ModuleType, ...]:
    modules = [get_cc_module(country, "tin")]
    modules += [importlib.import_module(f"stdnum.{path}") for path in _EXTRA_TAX_ID_SCHEMES.get(country, ())]
    modules.append(get_cc_module(country, "vat"))
    unique: dict[str, ModuleType] = {}
    for module in modules:
        if module is not None:
            unique.setdefault(module.__name__, module)
    return tuple(unique.values())


def _tax_id(value: str, country: str) -> tuple[str, str]:
    schemes = _tax_id_schemes(country)
    if not schemes:
        return _generic_code(value, "tax ID"), country
    number = _compact(value)
    errors: list[stdnum_errors.ValidationError] = []
    for module in schemes:
        try:
            return module.validate(number), country
        except stdnum_errors.ValidationError as exc:
            errors.append(exc)
    raise ValueError(f"not a valid tax ID for {country}: {_describe(_most_specific(errors))}")


_EORI = re.compile(r"([A-Z]{2})([A-Z0-9]{1,15})")
_EORI_PREFIX_ALIASES = {"XI": "GB", "EL": "GR"}


def _eori(value: str, country: str) -> tuple[str, str]:
    """A country prefix and up to 15 letters or digits; the prefix gives the issuing country."""
    number = _compact(value)
    match = _EORI.fullmatch(number)
    if not match:
        raise ValueError("not a valid EORI number: use a 2-letter country code followed by up to 15 letters or digits")
    derived = _country_of_prefix(match.group(1), "EORI number", _EORI_PREFIX_ALIASES)
    return number, _matching_country("EORI number", derived, country)


def _duns(value: str, country: str) -> tuple[str, str]:
    number = _compact(value)
    if not (len(number) == 9 and number.isascii() and number.isdigit()):
        raise ValueError("not a valid DUNS number: it must be exactly 9 digits")
    return number, country


# stdnum.lei checks only the MOD 97-10 check digits, so the shape is checked here.
_LEI = re.compile(r"[A-Z0-9]{18}[0-9]{2}")


def _lei(value: str, country: str) -> tuple[str, str]:
    number = _compact(value)
    if not _LEI.fullmatch(number):
        raise ValueError("not a valid LEI: it must be 18 letters or digits followed by 2 check digits")
    return _check(stdnum_lei, number, "LEI"), country


# CBP Manufacturer Identification Code: ISO country (for Canada, a province code), the first three
# letters of the first two words of the name, up to four digits of the address, three letters of
# the city. Only the shape is checked.
_MID = re.compile(r"([A-Z]{2})[A-Z0-9]{6,13}")
_MID_CANADIAN_PROVINCES = dict.fromkeys(
    ("XA", "XB", "XC", "XM", "XN", "XO", "XP", "XQ", "XS", "XT", "XV", "XW", "XY"), "CA"
)


def _mid(value: str, country: str) -> tuple[str, str]:
    number = _compact(value)
    match = _MID.fullmatch(number)
    if not match:
        raise ValueError(
            "not a valid MID: use 8 to 15 letters or digits starting with a 2-letter country code, like CNACMWID1234SHA"
        )
    derived = _country_of_prefix(match.group(1), "MID", _MID_CANADIAN_PROVINCES)
    return number, _matching_country("MID", derived, country)


# A country code, two check digits, then the BBAN: anything shaped so is checked as an IBAN.
_IBAN = re.compile(r"([A-Z]{2})[0-9]{2}[A-Z0-9]{11,30}")
_ACCOUNT_NUMBER = re.compile(r"[A-Z0-9]{4,34}")


def _iban_country(number: str) -> str | None:
    match = _IBAN.fullmatch(number)
    if not match:
        return None
    try:
        return normalize_country(match.group(1))
    except ValueError:
        return None


def _bank_account(value: str, country: str) -> tuple[str, str]:
    number = _compact(value)
    derived = _iban_country(number)
    if derived:
        return _check(stdnum_iban, number, "IBAN"), _matching_country("IBAN", derived, country)
    if not _ACCOUNT_NUMBER.fullmatch(number):
        raise ValueError("not a valid bank account: give an IBAN or an account number of 4 to 34 letters or digits")
    return number, country


_ID_DOCUMENT_NUMBER = re.compile(r"[A-Z0-9]{5,20}")


def _id_document(value: str, country: str) -> tuple[str, str]:
    number = _compact(value)
    if not _ID_DOCUMENT_NUMBER.fullmatch(number):
        raise ValueError("not a valid passport or ID card number: it must be 5 to 20 letters or digits")
    return number, country


def _free_form(label: str) -> Callable[[str, str], tuple[str, str]]:
    def normalise(value: str, country: str) -> tuple[str, str]:
        if not value.isprintable():
            raise ValueError(f"not a valid {label}: it contains a control or other non-printable character")
        return value, country

    return normalise


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scheme:
    label: str
    normalise: Callable[[str, str], tuple[str, str]]
    country_required: bool = False


_SCHEMES: dict[IdentifierType, _Scheme] = {
    IdentifierType.TAX_ID: _Scheme("tax ID", _tax_id, country_required=True),
    IdentifierType.EIN: _Scheme("EIN", _ein),
    IdentifierType.VAT: _Scheme("VAT number", _vat, country_required=True),
    IdentifierType.EORI: _Scheme("EORI number", _eori),
    IdentifierType.DUNS: _Scheme("DUNS number", _duns),
    IdentifierType.LEI: _Scheme("LEI", _lei),
    IdentifierType.MID: _Scheme("MID", _mid),
    IdentifierType.BUSINESS_REGISTRATION: _Scheme(
        "business registration number", _free_form("business registration number"), country_required=True
    ),
    IdentifierType.MARKETPLACE_SELLER_ACCOUNT: _Scheme(
        "marketplace seller account", _free_form("marketplace seller account")
    ),
    IdentifierType.CARRIER_ACCOUNT: _Scheme("carrier account", _free_form("carrier account")),
    IdentifierType.BANK_ACCOUNT: _Scheme("bank account", _bank_account, country_required=True),
    IdentifierType.ID_DOCUMENT: _Scheme("passport or ID card number", _id_document, country_required=True),
}


def normalize_identifier(id_type: IdentifierType, value: str, issuing_country: str) -> tuple[str, str]:
    """The normalised (value, issuing country) of an identifier.

    `issuing_country` may be "" unless the type needs one (tax ID, VAT, business registration,
    bank account, ID document).
    EIN defaults it to US; EORI and MID take it from their country prefix.
    """
    scheme = _SCHEMES[IdentifierType(id_type)]
    if issuing_country:
        try:
            country = normalize_country(issuing_country)
        except ValueError as exc:
            raise IssuingCountryError(str(exc)) from None
    elif scheme.country_required:
        raise IssuingCountryError(f"an issuing country is required for a {scheme.label}")
    else:
        country = ""
    text = value.strip()
    if not text:
        raise ValueError(f"the {scheme.label} must not be empty")
    if len(text) > MAX_IDENTIFIER_LENGTH:
        raise ValueError(f"the {scheme.label} must be at most {MAX_IDENTIFIER_LENGTH} characters")
    normalised, country = scheme.normalise(text, country)
    if len(normalised) > MAX_IDENTIFIER_LENGTH:  # a scheme may pad; never store more than the column allows
        raise ValueError(f"the {scheme.label} must be at most {MAX_IDENTIFIER_LENGTH} characters")
    return normalised, country
