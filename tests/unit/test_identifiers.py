"""Unit tests for knownparty_service.domain.identifiers.

Valid numbers come from python-stdnum's documented examples (or are checked against its
validators), so they have correct check digits.
"""

from __future__ import annotations

import importlib

import pytest

from knownparty_service.domain import identifiers
from knownparty_service.domain.identifiers import (
    MAX_IDENTIFIER_LENGTH,
    IssuingCountryError,
    normalize_identifier,
)
from knownparty_service.domain.parties import IdentifierType as T


@pytest.mark.parametrize(
    ("id_type", "value", "country", "expected"),
    [
        # EIN: compacted, issuing country defaults to (and must be) US.
        (T.EIN, "91-1144442", "", ("911144442", "US")),
        (T.EIN, "911144442", "us", ("911144442", "US")),
        (T.EIN, " 04 2103594 ", "US", ("042103594", "US")),
        (T.EIN, "911-14-4442", "", ("911144442", "US")),  # dashes anywhere are separators
        # VAT, EU member states: returned with the VIES country prefix.
        (T.VAT, "DE 136 695 976", "de", ("DE136695976", "DE")),
        (T.VAT, "136695976", "DE", ("DE136695976", "DE")),
        (T.VAT, "de136695976", "DE", ("DE136695976", "DE")),
        (T.VAT, "ATU 57194903", "AT", ("ATU57194903", "AT")),
        (T.VAT, "BE697449992", "BE", ("BE0697449992", "BE")),
        (T.VAT, "FR 61 954 506 077", "FR", ("FR61954506077", "FR")),
        (T.VAT, "004495445B01", "NL", ("NL004495445B01", "NL")),
        (T.VAT, "IT 00743110157", "IT", ("IT00743110157", "IT")),
        (T.VAT, "B64717838", "ES", ("ESB64717838", "ES")),
        (T.VAT, "IE 6433435F", "IE", ("IE6433435F", "IE")),
        (T.VAT, "094259216", "GR", ("EL094259216", "GR")),  # Greece uses EL
        (T.VAT, "EL 094259216", "GR", ("EL094259216", "GR")),
        (T.VAT, "GR094259216", "GR", ("EL094259216", "GR")),
        (T.VAT, "XI 980 7806 84", "GB", ("XI980780684", "GB")),  # Northern Ireland
        # VAT, other countries: the national module's compact form.
        (T.VAT, "GB 980 7806 84", "GB", ("980780684", "GB")),
        (T.VAT, "980780684", "gb", ("980780684", "GB")),
        (T.VAT, "CHE-107.787.577 IVA", "CH", ("CHE107787577IVA", "CH")),
        (T.VAT, "NO 995 525 828 MVA", "NO", ("995525828MVA", "NO")),
        (T.VAT, "16.727.230/0001-97", "BR", ("16727230000197", "BR")),
        (T.VAT, "83 914 571 673", "AU", ("83914571673", "AU")),
        # VAT where python-stdnum has no scheme: a compact code.
        (T.VAT, "ab-12 34", "HK", ("AB1234", "HK")),
        # TAX_ID: any tax number scheme of the issuing country.
        (T.TAX_ID, "04-2103594", "US", ("042103594", "US")),  # EIN
        (T.TAX_ID, "536-90-4399", "US", ("536904399", "US")),  # SSN
        (T.TAX_ID, "181/815/0815 5", "DE", ("18181508155", "DE")),  # Steuernummer
        (T.TAX_ID, "36 574 261 809", "DE", ("36574261809", "DE")),  # IdNr
        (T.TAX_ID, "DE136695976", "DE", ("136695976", "DE")),  # USt-IdNr
        (T.TAX_ID, "1955839661", "GB", ("1955839661", "GB")),  # UTR
        (T.TAX_ID, "acupa7085r", "IN", ("ACUPA7085R", "IN")),  # PAN
        (T.TAX_ID, "91110000600037341L", "CN", ("91110000600037341L", "CN")),  # USCC
        (T.TAX_ID, "MAB-930714-8T4", "MX", ("MAB9307148T4", "MX")),  # RFC
        (T.TAX_ID, "390.533.447-05", "BR", ("39053344705", "BR")),  # CPF
        (T.TAX_ID, "12302 6635", "CA", ("123026635", "CA")),  # BN
        (T.TAX_ID, "5-8356-7825-6246", "JP", ("5835678256246", "JP")),  # corporate number
        (T.TAX_ID, "3023217600053", "FR", ("3023217600053", "FR")),  # numéro fiscal
        (T.TAX_ID, " 12-34.56 ab ", "HK", ("123456AB", "HK")),  # no scheme: compact form
        # EORI: prefix + up to 15 letters/digits; the prefix gives the country.
        (T.EORI, "DE 1234567890123", "", ("DE1234567890123", "DE")),
        (T.EORI, "gb123456789000", "GB", ("GB123456789000", "GB")),
        (T.EORI, "XI123456789000", "", ("XI123456789000", "GB")),
        (T.EORI, "FR123456789012345", "fr", ("FR123456789012345", "FR")),
        # DUNS: 9 digits.
        (T.DUNS, "15-048-3782", "", ("150483782", "")),
        (T.DUNS, "150483782", "us", ("150483782", "US")),
        # LEI: ISO 17442 with its MOD 97-10 check.
        (T.LEI, "213800KUD8LAJWSQ9D15", "", ("213800KUD8LAJWSQ9D15", "")),
        (T.LEI, "5493 001K JTII GC8Y 1R12", "", ("5493001KJTIIGC8Y1R12", "")),
        (T.LEI, "213800kud8lajwsq9d15", "GB", ("213800KUD8LAJWSQ9D15", "GB")),
        # MID: shape only; the prefix gives the country (Canadian MIDs use a province code).
        (T.MID, "CNACMWID1234SHA", "", ("CNACMWID1234SHA", "CN")),
        (T.MID, "cnacmwid1234sha", "CN", ("CNACMWID1234SHA", "CN")),
        (T.MID, "VNHOAPHU12HAN", "", ("VNHOAPHU12HAN", "VN")),
        (T.MID, "XOMAPLAS1234TOR", "ca", ("XOMAPLAS1234TOR", "CA")),
        (T.MID, "DEABCDEF", "", ("DEABCDEF", "DE")),  # minimum length 8
        # Free-form: trimmed, case preserved.
        (T.BUSINESS_REGISTRATION, "  HRB 12345 B ", "de", ("HRB 12345 B", "DE")),
        (T.MARKETPLACE_SELLER_ACCOUNT, "A2bC-3dEf/xY", "", ("A2bC-3dEf/xY", "")),
        (T.MARKETPLACE_SELLER_ACCOUNT, "shop: Café Ünïcode", "", ("shop: Café Ünïcode", "")),
        (T.CARRIER_ACCOUNT, "ups 12-ab ", "US", ("ups 12-ab", "US")),
        (T.CARRIER_ACCOUNT, "x" * MAX_IDENTIFIER_LENGTH, "", ("x" * MAX_IDENTIFIER_LENGTH, "")),
    ],
)
def test_valid_identifiers_are_normalised(id_type, value, country, expected):
    assert normalize_identifier(id_type, value, country) == expected


def test_accepts_plain_string_type():
    assert normalize_identifier("ein", "12-3456789", "") == ("123456789", "US")


def test_same_ein_written_differently_normalises_identically():
    forms = {normalize_identifier(T.EIN, v, c) for v, c in [("12-3456789", ""), ("123456789", "US"), ("12 345 6789", "us")]}
    assert forms == {("123456789", "US")}


@pytest.mark.parametrize(
    ("id_type", "value", "country", "message"),
    [
        # checksums
        (T.VAT, "DE136695977", "DE", "not a valid VAT number: invalid checksum"),
        (T.VAT, "ATU13585626", "AT", "not a valid VAT number: invalid checksum"),
        (T.VAT, "802311781", "GB", "not a valid VAT number for GB: invalid checksum"),
        (T.VAT, "CHE-107.787.578 IVA", "CH", "not a valid VAT number for CH: invalid checksum"),
        (T.LEI, "213800KUD8LXJWSQ9D15", "", "not a valid LEI: invalid checksum"),
        (T.TAX_ID, "00743110158", "IT", "not a valid tax ID for IT: invalid checksum"),
        (T.TAX_ID, "231.002.999-00", "BR", "not a valid tax ID for BR: invalid checksum"),
        (T.TAX_ID, "2955839661", "GB", "not a valid tax ID for GB: invalid checksum"),
        # lengths and formats
        (T.VAT, "DE12345", "DE", "not a valid VAT number: wrong length"),
        (T.VAT, "DEABCDEFGHI", "DE", "not a valid VAT number: wrong format"),
        (T.LEI, "213800KUD8", "", "not a valid LEI: it must be 18 letters or digits followed by 2 check digits"),
        (T.LEI, "213800KUD8LAJWSQ9D1X", "", "not a valid LEI: it must be 18 letters or digits"),
        (T.LEI, "ABC12392", "", "not a valid LEI: it must be 18 letters or digits"),  # passes MOD 97-10 alone
        (T.EIN, "9111444421", "", "not a valid EIN: it must be 9 digits"),
        (T.EIN, "91114444A", "", "not a valid EIN: it must be 9 digits"),
        (T.EIN, "07-1144442", "", "not a valid EIN: a part of it (such as a prefix"),
        (T.TAX_ID, "12#3", "HK", "not a valid tax ID: use only letters and digits"),
        (T.VAT, "AB_12", "HK", "not a valid VAT number: use only letters and digits"),
        (T.TAX_ID, "X", "DE", "not a valid tax ID for DE: wrong "),
        (T.DUNS, "1234", "", "not a valid DUNS number: it must be exactly 9 digits"),
        (T.DUNS, "12345678A", "", "not a valid DUNS number: it must be exactly 9 digits"),
        (T.DUNS, "1234567890", "", "not a valid DUNS number: it must be exactly 9 digits"),
        (T.EORI, "D1234", "", "not a valid EORI number: use a 2-letter country code"),
        (T.EORI, "DE", "", "not a valid EORI number: use a 2-letter country code"),
        (T.EORI, "DE1234567890123456", "", "not a valid EORI number: use a 2-letter country code"),
        (T.EORI, "DE12_34", "", "not a valid EORI number: use a 2-letter country code"),
        (T.EORI, "ZZ123456", "", "not a valid EORI number: it must start with a country code, and ZZ is not one"),
        (T.MID, "CNABC12", "", "not a valid MID: use 8 to 15 letters or digits"),
        (T.MID, "CNACMWID1234SHAX", "", "not a valid MID: use 8 to 15 letters or digits"),
        (T.MID, "1NACMWID1234SHA", "", "not a valid MID: use 8 to 15 letters or digits"),
        (T.MID, "CNACMW#D1234SHA", "", "not a valid MID: use 8 to 15 letters or digits"),
        (T.MID, "ZZACMWID1234SHA", "", "not a valid MID: it must start with a country code, and ZZ is not one"),
        (T.CARRIER_ACCOUNT, "ab\tcd", "", "not a valid carrier account: it contains a control"),
        (T.MARKETPLACE_SELLER_ACCOUNT, "ab\x00cd", "", "not a valid marketplace seller account: it contains a control"),
        (T.BUSINESS_REGISTRATION, "HRB\n123", "DE", "not a valid business registration number: it contains a control"),
        # empty and too long
        (T.LEI, "", "", "the LEI must not be empty"),
        (T.CARRIER_ACCOUNT, "   ", "", "the carrier account must not be empty"),
        (T.CARRIER_ACCOUNT, "x" * (MAX_IDENTIFIER_LENGTH + 1), "", "must be at most 64 characters"),
        (T.TAX_ID, "1" * 65, "HK", "the tax ID must be at most 64 characters"),
    ],
)
def test_invalid_values_raise_described_value_error(id_type, value, country, message):
    with pytest.raises(ValueError) as info:
        normalize_identifier(id_type, value, country)
    assert not isinstance(info.value, IssuingCountryError)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("id_type", "value", "country", "message"),
    [
        (T.TAX_ID, "123456789", "", "an issuing country is required for a tax ID"),
        (T.VAT, "DE136695976", "", "an issuing country is required for a VAT number"),
        (T.BUSINESS_REGISTRATION, "HRB 1234", "", "an issuing country is required for a business registration number"),
        (T.EIN, "91-1144442", "CA", "an EIN is issued by the US, not CA"),
        (T.EIN, "91-1144442", "USA", "ISO 3166-1 alpha-2"),
        (T.DUNS, "150483782", "XX", "unknown country code 'XX'"),
        (T.LEI, "213800KUD8LAJWSQ9D15", "1A", "ISO 3166-1 alpha-2"),
        (T.VAT, "FR61954506077", "DE", "the VAT number starts with FR, which does not match issuing country DE"),
        (T.VAT, "DE136695976", "GB", "the VAT number starts with DE, which does not match issuing country GB"),
        (T.EORI, "DE1234567", "FR", "issuing country FR does not match the EORI number, which is from DE"),
        (T.MID, "XOMAPLAS1234TOR", "US", "issuing country US does not match the MID, which is from CA"),
    ],
)
def test_issuing_country_problems_raise_issuing_country_error(id_type, value, country, message):
    with pytest.raises(IssuingCountryError) as info:
        normalize_identifier(id_type, value, country)
    assert isinstance(info.value, ValueError)  # callers catching ValueError still see it
    assert message in str(info.value)


def test_every_identifier_type_has_a_scheme():
    assert set(identifiers._SCHEMES) == set(T)


def test_extra_tax_id_schemes_all_exist_and_validate():
    for country, paths in identifiers._EXTRA_TAX_ID_SCHEMES.items():
        for path in paths:
            module = importlib.import_module(f"stdnum.{path}")
            assert callable(module.validate), f"{country}: stdnum.{path}"
        assert identifiers._tax_id_schemes(country), country
