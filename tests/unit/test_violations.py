"""Violation rules without a server: the status table, field validation, enum mapping, the
command line's amount parsing and the client's request building."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from knownparty_client import _requests, types
from knownparty_client._retry import RETRYABLE_METHODS, VIOLATION_SERVICE
from knownparty_client.cli.violations import currency_exponent, format_money, parse_amount
from knownparty_service.api import violation_messages
from knownparty_service.domain.errors import ValidationError
from knownparty_service.domain.money import Money
from knownparty_service.domain.violation_registry import normalize_violation_fields, parse_violation_name
from knownparty_service.domain.violations import (
    INITIAL_STATUSES,
    TRANSITIONS,
    Category,
    Source,
    Status,
    ViolationFields,
    can_transition,
    is_final,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)

# -- the status table -----------------------------------------------------------------------------


def test_transition_table_is_exactly_the_documented_one():
    legal = {(a, b) for a in Status for b in Status if can_transition(a, b)}
    assert legal == {
        (Status.REPORTED, Status.CONFIRMED),
        (Status.REPORTED, Status.DISMISSED),
        (Status.CONFIRMED, Status.UNDER_APPEAL),
        (Status.CONFIRMED, Status.RESOLVED),
        (Status.UNDER_APPEAL, Status.CONFIRMED),
        (Status.UNDER_APPEAL, Status.DISMISSED),
    }
    assert set(TRANSITIONS) == set(Status)


def test_final_statuses_and_no_self_transitions():
    assert {s for s in Status if is_final(s)} == {Status.RESOLVED, Status.DISMISSED}
    assert not any(can_transition(s, s) for s in Status)
    assert INITIAL_STATUSES == (Status.REPORTED, Status.CONFIRMED)


def test_every_status_is_reachable_from_a_new_violation():
    reached, frontier = set(INITIAL_STATUSES), list(INITIAL_STATUSES)
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    assert reached == set(Status)


# -- field rules ----------------------------------------------------------------------------------


def fields(**extra) -> ViolationFields:
    base = {
        "category": Category.COUNTERFEIT_TRADEMARK,
        "source": Source.CBP_SEIZURE,
        "reference_number": "SZ-1",
        "occur_time": NOW - timedelta(days=3),
    }
    base.update(extra)
    return ViolationFields(**base)


def bad_fields(candidate: ViolationFields) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        normalize_violation_fields(candidate, NOW)
    return {v.field for v in caught.value.violations}


def test_report_time_defaults_to_now_or_occur_time_within_skew():
    assert normalize_violation_fields(fields(), NOW).report_time == NOW
    soon = NOW + timedelta(minutes=4)
    normalized = normalize_violation_fields(fields(occur_time=soon), NOW)
    assert normalized.occur_time == soon and normalized.report_time == soon


def test_clock_skew_is_five_minutes():
    assert bad_fields(fields(occur_time=NOW + timedelta(minutes=5, seconds=1))) == {"occur_time"}
    assert bad_fields(fields(report_time=NOW + timedelta(minutes=6))) == {"report_time"}
    normalize_violation_fields(fields(report_time=NOW + timedelta(minutes=5)), NOW)


def test_report_time_equal_to_occur_time_is_fine_earlier_is_not():
    occurred = NOW - timedelta(days=1)
    assert normalize_violation_fields(fields(occur_time=occurred, report_time=occurred), NOW).report_time == occurred
    assert bad_fields(fields(occur_time=occurred, report_time=occurred - timedelta(seconds=1))) == {"report_time"}


def test_value_rules():
    assert normalize_violation_fields(fields(value=Money("KWD", 0)), NOW).value == Money("KWD", 0)
    assert normalize_violation_fields(fields(value=Money("USD", 10**15)), NOW).value == Money("USD", 10**15)
    assert bad_fields(fields(value=Money("USD", 10**15 + 1))) == {"value.amount_minor"}
    assert bad_fields(fields(value=Money("usd", -1))) == {"value.currency_code", "value.amount_minor"}
    assert bad_fields(fields(value=Money("", 5))) == {"value.currency_code"}


def test_every_bad_field_is_collected():
    candidate = ViolationFields(category=None, source=None, reference_number="x" * 101, quantity=-1, note="a\tb")
    assert bad_fields(candidate) == {"category", "source", "reference_number", "occur_time", "quantity", "note"}


def test_text_is_trimmed_and_nfc_normalised():
    normalized = normalize_violation_fields(fields(reference_number="  Cafe\u0301-1 ", note=" e\u0301 "), NOW)
    assert normalized.reference_number == "Caf\u00e9-1" and normalized.note == "\u00e9"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("parties/acme/violations/v1", ("acme", "v1")), ("parties/a-b/violations/x-9", ("a-b", "x-9"))],
)
def test_violation_names(name, expected):
    assert parse_violation_name(name) == expected


@pytest.mark.parametrize(
    "name", ["", "parties/acme", "parties/acme/violations", "parties/acme/violations/V1", "parties/-/violations/v1",
             "sellers/acme/violations/v1", "parties/acme/violations/v1/extra"]
)
def test_bad_violation_names(name):
    with pytest.raises(ValidationError) as caught:
        parse_violation_name(name)
    assert [v.field for v in caught.value.violations] == ["name"]


# -- proto <-> domain -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mapping", "wrapper"),
    [
        (violation_messages.CATEGORIES, types.ViolationCategory),
        (violation_messages.SOURCES, types.ViolationSource),
        (violation_messages.PRODUCT_CATEGORIES, types.ProductCategory),
        (violation_messages.STATUSES, types.ViolationStatus),
    ],
)
def test_every_proto_enum_value_maps_to_a_domain_value_of_the_same_name(mapping, wrapper):
    assert set(mapping) == {n for n in wrapper.values() if n != 0}
    for number, member in mapping.items():
        assert wrapper.Name(number).endswith("_" + member.name)


# -- command-line amounts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1234.56", "USD", 123456),
        ("1234", "USD", 123400),
        ("0.5", "EUR", 50),
        (".5", "EUR", 50),
        ("12.", "GBP", 1200),
        ("+3.10", "usd", 310),
        ("-1.00", "USD", -100),  # the server says a negative value is refused
        ("1500", "JPY", 1500),
        ("1500.00", "JPY", 1500),  # trailing zeros carry no precision
        ("1500", "KRW", 1500),
        ("1.234", "KWD", 1234),
        ("2.5", "BHD", 2500),
        ("1.2345", "CLF", 12345),
        ("10.01", "XYZ", 1001),  # unknown to the client: two decimals, the server checks the code
        (" 7 ", "CHF", 700),
        ("9223372036854775.807", "KWD", 2**63 - 1),
    ],
)
def test_parse_amount(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12.345", "USD", "USD amounts have at most 2 decimal places"),
        ("12.5", "JPY", "JPY amounts have no decimal places"),
        ("1.2345", "KWD", "at most 3 decimal places"),
        ("1,234.56", "USD", "not a decimal amount"),
        ("1e3", "USD", "not a decimal amount"),
        ("", "USD", "not a decimal amount"),
        (".", "USD", "not a decimal amount"),
        ("abc", "USD", "not a decimal amount"),
        ("12.3.4", "USD", "not a decimal amount"),
        ("92233720368547758.08", "USD", "too large"),
    ],
)
def test_parse_amount_refuses(text, currency, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(text, currency)


def test_exponents_and_formatting():
    assert [currency_exponent(c) for c in ("USD", "jpy", "VND", "XOF", "OMR", "TND", "IQD", "LYD", "JOD")] == [
        2, 0, 0, 0, 3, 3, 3, 3, 3,
    ]
    assert format_money(types.Money(currency_code="USD", amount_minor=123456)) == "1234.56 USD"
    assert format_money(types.Money(currency_code="USD", amount_minor=5)) == "0.05 USD"
    assert format_money(types.Money(currency_code="JPY", amount_minor=1500)) == "1500 JPY"
    assert format_money(types.Money(currency_code="KWD", amount_minor=1234)) == "1.234 KWD"
    for text, currency in (("1234.56", "USD"), ("1500", "JPY"), ("0.001", "BHD")):
        assert format_money(types.Money(currency_code=currency, amount_minor=parse_amount(text, currency))) == (
            f"{text} {currency}"
        )


# -- client requests ------------------------------------------------------------------------------


def test_client_requests():
    created = _requests.create_violation("acme", types.Violation(reference_number="R"), "", None, None)
    assert created.parent == "parties/acme" and created.request_id and created.initial_status == 0
    assert _requests.create_violation("parties/acme", types.Violation(), "v", "key", 2).request_id == "key"
    assert _requests.get_violation("acme/v1").name == "parties/acme/violations/v1"
    assert _requests.get_violation("parties/acme/violations/v1").name == "parties/acme/violations/v1"
    listed = _requests.list_violations(
        "-", page_size=5, category=None, status=2, source=None,
        occur_after=datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))), occur_before=None,
    )
    assert listed.parent == "parties/-" and listed.status == 2 and listed.page_size == 5
    assert listed.occur_after.ToDatetime(tzinfo=timezone.utc) == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert not listed.HasField("occur_before")
    with pytest.raises(ValueError, match="aware"):
        _requests.list_violations("-", page_size=0, category=None, status=None, source=None,
                                  occur_after=None, occur_before=datetime(2026, 1, 1))


def test_only_reads_and_idempotent_creates_are_retried():
    retried = {method for service, method in RETRYABLE_METHODS if service == VIOLATION_SERVICE}
    assert retried == {"GetViolation", "ListViolations", "CreateViolation"}
