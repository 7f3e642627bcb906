"""ViolationService over the wire: a real server on a free port, through the Python client."""

from __future__ import annotations

import asyncio
import concurrent.futures
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import create_engine, inspect

from knownparty_client import AsyncKnownPartyClient, errors, types
from knownparty_client._generated import violation_pb2_grpc

COUNTERFEIT = types.VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK
NARCOTICS = types.VIOLATION_CATEGORY_NARCOTICS
CBP = types.VIOLATION_SOURCE_CBP_SEIZURE
TAKEDOWN = types.VIOLATION_SOURCE_MARKETPLACE_TAKEDOWN

REPORTED = types.VIOLATION_STATUS_REPORTED
CONFIRMED = types.VIOLATION_STATUS_CONFIRMED
DISMISSED = types.VIOLATION_STATUS_DISMISSED
RESOLVED = types.VIOLATION_STATUS_RESOLVED
UNDER_APPEAL = types.VIOLATION_STATUS_UNDER_APPEAL
STATUSES = (REPORTED, CONFIRMED, DISMISSED, RESOLVED, UNDER_APPEAL)
LEGAL = {
    (REPORTED, CONFIRMED),
    (REPORTED, DISMISSED),
    (CONFIRMED, UNDER_APPEAL),
    (CONFIRMED, RESOLVED),
    (UNDER_APPEAL, CONFIRMED),
    (UNDER_APPEAL, DISMISSED),
}
# How to reach each status from a new violation (created REPORTED, or CONFIRMED where it starts so).
PATHS = {
    REPORTED: (REPORTED, []),
    CONFIRMED: (CONFIRMED, []),
    DISMISSED: (REPORTED, [DISMISSED]),
    RESOLVED: (CONFIRMED, [RESOLVED]),
    UNDER_APPEAL: (CONFIRMED, [UNDER_APPEAL]),
}


def stamp(value: datetime) -> types.Timestamp:
    ts = types.Timestamp()
    ts.FromDatetime(value)
    return ts


def days_ago(days: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)


def violation(reference: str = "SZ-2026-0001", **extra) -> types.Violation:
    fields = {"category": COUNTERFEIT, "source": CBP, "reference_number": reference, "occur_time": stamp(days_ago(30))}
    fields.update(extra)
    return types.Violation(**fields)


def usd(amount_minor: int, currency: str = "USD") -> types.Money:
    return types.Money(currency_code=currency, amount_minor=amount_minor)


def names(pager) -> list[str]:
    return [v.reference_number for v in pager]


def count(client, parent: str = "parties/-", **filters) -> int:
    return sum(1 for _ in client.list_violations(parent, **filters))


def violation_fields(exc: errors.KnownPartyError) -> set[str]:
    return {v.field for v in exc.field_violations}


def make_party(client, party_id: str = "acme") -> types.Party:
    return client.create_party(
        types.Party(
            kind=types.PARTY_KIND_SELLER,
            legal_name=f"{party_id.title()} Trading Ltd",
            addresses=[types.Address(country="CN")],
        ),
        party_id=party_id,
    )


@pytest.fixture
def party(client) -> types.Party:
    return make_party(client)


def reach(client, status: int, reference: str) -> types.Violation:
    start, steps = PATHS[status]
    current = client.create_violation("acme", violation(reference), initial_status=start)
    for step in steps:
        current = client.update_violation_status(current.name, step, note=f"to {step}")
    assert current.status == status
    return current


# -- create and get -------------------------------------------------------------------------------


def test_create_and_get_round_trip(client, party):
    occurred = datetime(2026, 1, 31, 8, 30, tzinfo=timezone.utc)
    reported = datetime(2026, 2, 2, 9, 0, 0, 250000, tzinfo=timezone.utc)
    created = client.create_violation(
        party.name,
        types.Violation(
            category=COUNTERFEIT,
            source=CBP,
            reference_number="  2026-5301-000123  ",
            occur_time=stamp(occurred),
            report_time=stamp(reported),
            product_category=types.PRODUCT_CATEGORY_HANDBAGS_WALLETS,
            quantity=240,
            value=usd(1_234_56),
            note="Seized at JFK; 240 handbags bearing counterfeit marks.",
        ),
        violation_id="jfk-seizure",
    )
    assert created.name == "parties/acme/violations/jfk-seizure"
    assert created.reference_number == "2026-5301-000123"
    assert created.occur_time.ToDatetime(tzinfo=timezone.utc) == occurred
    assert created.report_time.ToDatetime(tzinfo=timezone.utc) == reported
    assert created.product_category == types.PRODUCT_CATEGORY_HANDBAGS_WALLETS
    assert created.quantity == 240
    assert (created.value.currency_code, created.value.amount_minor) == ("USD", 123456)
    assert created.status == REPORTED
    assert [(h.status, h.note) for h in created.status_history] == [(REPORTED, "")]
    assert created.status_history[0].change_time == created.create_time == created.update_time
    assert created.etag

    assert client.get_violation(created.name) == created
    assert client.get_violation("acme/jfk-seizure") == created


def test_optional_fields_stay_empty_and_report_time_defaults_to_now(client, party):
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    created = client.create_violation("acme", violation(), request_id=None)
    after = datetime.now(timezone.utc) + timedelta(seconds=1)
    assert created.name.startswith("parties/acme/violations/v")
    assert before <= created.report_time.ToDatetime(tzinfo=timezone.utc) <= after
    assert not created.HasField("value")
    assert created.product_category == types.PRODUCT_CATEGORY_UNSPECIFIED
    assert created.quantity == 0 and created.note == ""


def test_zero_value_and_occur_time_within_clock_skew_are_accepted(client, party):
    soon = datetime.now(timezone.utc) + timedelta(minutes=2)
    created = client.create_violation("acme", violation(occur_time=stamp(soon), value=usd(0, "JPY")))
    assert created.value.amount_minor == 0 and created.value.currency_code == "JPY"
    # report_time defaults to no earlier than occur_time.
    assert created.report_time.ToDatetime(tzinfo=timezone.utc) >= soon


def test_violation_may_start_confirmed_but_not_otherwise(client, party):
    confirmed = client.create_violation("acme", violation("A"), initial_status=CONFIRMED)
    assert confirmed.status == CONFIRMED
    assert [h.status for h in confirmed.status_history] == [CONFIRMED]
    for status, field in ((DISMISSED, "initial_status"), (RESOLVED, "initial_status"), (42, "initial_status")):
        with pytest.raises(errors.InvalidArgument) as caught:
            client.create_violation("acme", violation("B"), initial_status=status)
        assert violation_fields(caught.value) == {field}
    assert count(client) == 1


def test_violation_on_suspended_party_is_recorded(client, party):
    client.update_party(types.Party(name=party.name, state=types.PARTY_STATE_SUSPENDED), ["state"])
    assert client.create_violation("acme", violation()).status == REPORTED


def test_get_unknown_or_malformed(client, party):
    with pytest.raises(errors.NotFound) as caught:
        client.get_violation("parties/acme/violations/nothing")
    assert caught.value.reason == "NOT_FOUND"
    with pytest.raises(errors.NotFound):
        client.get_violation("parties/ghost/violations/nothing")
    for bad in ("parties/acme", "parties/acme/violations/Bad_Id", "parties/acme/payments/x", "acme"):
        with pytest.raises(errors.InvalidArgument) as caught:
            client.get_violation(bad)
        assert violation_fields(caught.value) == {"name"}, bad


def test_duplicate_id_or_reference_already_exists(client, party):
    make_party(client, "other")
    client.create_violation("acme", violation("REF-1"), violation_id="first")
    with pytest.raises(errors.AlreadyExists) as caught:
        client.create_violation("acme", violation("REF-2"), violation_id="first")
    assert caught.value.reason == "ALREADY_EXISTS"
    with pytest.raises(errors.AlreadyExists) as caught:
        client.create_violation("acme", violation("  REF-1 "))
    assert caught.value.reason == "REFERENCE_NUMBER_IN_USE"
    assert "violation.reference_number" in caught.value.message
    assert count(client) == 1
    # The same number from another source, or against another party, is another violation.
    client.create_violation("acme", violation("REF-1", source=TAKEDOWN))
    client.create_violation("other", violation("REF-1"), violation_id="first")
    assert count(client) == 3


def test_request_id_replay_returns_first_result_and_other_body_is_refused(client, party):
    make_party(client, "other")
    body = violation()
    first = client.create_violation("acme", body, request_id="req-1")
    client.update_violation_status(first.name, CONFIRMED, note="checked")
    again = client.create_violation("parties/acme", body, request_id="req-1")
    assert again == first
    later = types.Violation()
    later.CopyFrom(body)
    later.occur_time.seconds += 1
    for parent, other, kwargs in (
        ("acme", violation(quantity=3, occur_time=body.occur_time), {}),
        ("acme", later, {}),
        ("other", body, {}),
        ("acme", body, {"initial_status": CONFIRMED}),
        ("acme", body, {"violation_id": "named"}),
    ):
        with pytest.raises(errors.InvalidArgument) as caught:
            client.create_violation(parent, other, request_id="req-1", **kwargs)
        assert violation_fields(caught.value) == {"request_id"}
    assert count(client) == 1
    assert client.get_violation(first.name).status == CONFIRMED


def test_concurrent_creates_with_one_request_id_create_one_violation(client, party):
    body = violation()

    def attempt(_):
        return client.create_violation("acme", body, request_id="same-request").name

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        created = set(pool.map(attempt, range(6)))
    assert len(created) == 1
    assert count(client) == 1


# -- bad input ------------------------------------------------------------------------------------


BAD_INPUT_IDS = [
    "negative-quantity",
    "amount-over-1e15",
    "amount-int64-max",
    "negative-amount",
    "currency-ABC",
    "currency-lower-usd",
    "currency-missing",
    "currency-XXX",
    "occur-future",
    "occur-missing",
    "occur-out-of-range",
    "report-before-occur",
    "report-future",
    "category-missing",
    "category-unknown",
    "source-missing",
    "source-unknown",
    "product-category-unknown",
    "reference-empty",
    "reference-blank",
    "reference-too-long",
    "reference-control-char",
    "note-too-long",
    "note-control-char",
]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (violation(quantity=-1), "violation.quantity"),
        (violation(value=usd(10**15 + 1)), "violation.value.amount_minor"),
        (violation(value=usd(2**63 - 1)), "violation.value.amount_minor"),
        (violation(value=usd(-1)), "violation.value.amount_minor"),
        (violation(value=usd(100, "ABC")), "violation.value.currency_code"),
        (violation(value=usd(100, "usd")), "violation.value.currency_code"),
        (violation(value=usd(100, "")), "violation.value.currency_code"),
        (violation(value=usd(100, "XXX")), "violation.value.currency_code"),
        (violation(occur_time=stamp(days_ago(-1))), "violation.occur_time"),
        (violation(occur_time=None), "violation.occur_time"),
        (violation(occur_time=types.Timestamp(seconds=10**12)), "violation.occur_time"),
        (violation(occur_time=stamp(days_ago(3)), report_time=stamp(days_ago(4))), "violation.report_time"),
        (violation(report_time=stamp(days_ago(-1))), "violation.report_time"),
        (violation(category=0), "violation.category"),
        (violation(category=99), "violation.category"),
        (violation(source=0), "violation.source"),
        (violation(source=77), "violation.source"),
        (violation(product_category=55), "violation.product_category"),
        (violation(reference=""), "violation.reference_number"),
        (violation(reference="   "), "violation.reference_number"),
        (violation(reference="x" * 101), "violation.reference_number"),
        (violation(reference="SZ\x001"), "violation.reference_number"),
        (violation(note="n" * 2001), "violation.note"),
        (violation(note="bell\x07"), "violation.note"),
    ],
    ids=BAD_INPUT_IDS,
)
def test_bad_violation_is_refused_and_writes_nothing(client, party, body, field):
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_violation("acme", body)
    assert field in violation_fields(caught.value)
    assert caught.value.reason == "INVALID_FIELDS"
    assert all(v.description for v in caught.value.field_violations)
    assert field in caught.value.message
    assert count(client) == 0


def test_every_bad_field_is_reported_at_once(client, party):
    body = violation(
        reference="",
        quantity=-5,
        occur_time=stamp(days_ago(1)),
        report_time=stamp(days_ago(2)),
        value=usd(10**16, "ABC"),
        note="\x1b[31m",
    )
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_violation("acme", body, violation_id="Bad_Id")
    assert violation_fields(caught.value) == {
        "violation_id",
        "violation.reference_number",
        "violation.quantity",
        "violation.report_time",
        "violation.value.currency_code",
        "violation.value.amount_minor",
        "violation.note",
    }
    assert count(client) == 0


def test_missing_violation_and_bad_parent_are_refused(client, party, admin_metadata):
    with grpc.insecure_channel(client.target) as channel:
        stub = violation_pb2_grpc.ViolationServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.CreateViolation(types.CreateViolationRequest(parent="parties/acme"), metadata=admin_metadata)
        assert {v.field for v in errors.from_rpc_error(caught.value).field_violations} == {"violation"}
    for parent in ("parties/-", "sellers/acme", "parties/Bad_Id", ""):
        with pytest.raises(errors.InvalidArgument) as caught:
            client.create_violation(parent, violation())
        assert violation_fields(caught.value) == {"parent"}, parent
    assert count(client) == 0


def test_violation_on_archived_party_is_failed_precondition(client, party):
    kept = client.create_violation("acme", violation("BEFORE"))
    client.archive_party(party.name)
    with pytest.raises(errors.FailedPrecondition) as caught:
        client.create_violation("acme", violation("AFTER"))
    assert caught.value.reason == "PARTY_ARCHIVED"
    assert "parties/acme" in caught.value.message
    # The history stays readable, and can still move on.
    assert names(client.list_violations("acme")) == ["BEFORE"]
    assert client.update_violation_status(kept.name, DISMISSED).status == DISMISSED


def test_violation_on_unknown_party_is_not_found(client, party):
    with pytest.raises(errors.NotFound) as caught:
        client.create_violation("parties/ghost", violation())
    assert caught.value.reason == "NOT_FOUND"
    assert "parties/ghost" in caught.value.message
    with pytest.raises(errors.NotFound):
        list(client.list_violations("ghost"))
    assert count(client) == 0


# -- list -----------------------------------------------------------------------------------------


@pytest.fixture
def recorded(client, party):
    """Five violations over two parties, in this recording order."""
    make_party(client, "other")
    jan, feb, mar = (datetime(2026, m, 10, tzinfo=timezone.utc) for m in (1, 2, 3))
    client.create_violation("acme", violation("A1", occur_time=stamp(jan)))
    client.create_violation("other", violation("O1", category=NARCOTICS, occur_time=stamp(feb)))
    a2 = client.create_violation("acme", violation("A2", source=TAKEDOWN, occur_time=stamp(mar)))
    client.create_violation("other", violation("O2", source=TAKEDOWN, occur_time=stamp(jan)), initial_status=CONFIRMED)
    client.create_violation("acme", violation("A3", category=NARCOTICS, occur_time=stamp(feb)))
    client.update_violation_status(a2.name, DISMISSED)
    return jan, feb, mar


def test_list_per_party_and_across_parties(client, recorded):
    assert names(client.list_violations()) == ["A1", "O1", "A2", "O2", "A3"]
    assert names(client.list_violations("parties/-")) == ["A1", "O1", "A2", "O2", "A3"]
    assert names(client.list_violations("acme")) == ["A1", "A2", "A3"]
    assert names(client.list_violations("parties/other")) == ["O1", "O2"]
    listed = next(iter(client.list_violations("other")))
    assert listed == client.get_violation(listed.name)


def test_list_filters(client, recorded):
    jan, feb, mar = recorded
    assert names(client.list_violations(category=NARCOTICS)) == ["O1", "A3"]
    assert names(client.list_violations("acme", category=NARCOTICS)) == ["A3"]
    assert names(client.list_violations(source=TAKEDOWN)) == ["A2", "O2"]
    assert names(client.list_violations(status=DISMISSED)) == ["A2"]
    assert names(client.list_violations(status=CONFIRMED)) == ["O2"]
    assert names(client.list_violations(status=REPORTED)) == ["A1", "O1", "A3"]
    assert names(client.list_violations(occur_after=feb)) == ["O1", "A2", "A3"]
    assert names(client.list_violations(occur_before=feb)) == ["A1", "O2"]
    assert names(client.list_violations(occur_after=feb, occur_before=mar)) == ["O1", "A3"]
    assert names(client.list_violations("acme", source=CBP, occur_after=jan, occur_before=mar)) == ["A1", "A3"]
    assert names(client.list_violations(category=NARCOTICS, status=DISMISSED)) == []


def test_list_paging_is_stable_and_tokens_are_bound_to_their_query(client, recorded, admin_metadata):
    pager = client.list_violations(page_size=2)
    pages = [[v.reference_number for v in page.violations] for page in pager.pages]
    assert pages == [["A1", "O1"], ["A2", "O2"], ["A3"]]
    assert [v.reference_number for p in client.list_violations("acme", page_size=1).pages for v in p.violations] == [
        "A1",
        "A2",
        "A3",
    ]

    token = client.list_violations(page_size=1, source=CBP).next_page_token
    assert token
    with grpc.insecure_channel(client.target) as channel:
        stub = violation_pb2_grpc.ViolationServiceStub(channel)

        def list_raw(**fields):
            try:
                return stub.ListViolations(types.ListViolationsRequest(**fields), metadata=admin_metadata)
            except grpc.RpcError as exc:
                raise errors.from_rpc_error(exc) from None

        # The token continues its own query...
        page = list_raw(parent="parties/-", page_size=1, source=CBP, page_token=token)
        assert [v.reference_number for v in page.violations] == ["O1"]
        # ...but not another query's (other filters, other parent), and garbage is refused.
        for other in ({"parent": "parties/-", "source": TAKEDOWN}, {"parent": "parties/acme", "source": CBP}):
            with pytest.raises(errors.InvalidArgument) as caught:
                list_raw(page_size=1, page_token=token, **other)
            assert violation_fields(caught.value) == {"page_token"}
        with pytest.raises(errors.InvalidArgument) as caught:
            list_raw(parent="parties/-", page_token="not-a-token")
        assert violation_fields(caught.value) == {"page_token"}


def test_list_bad_input(client, recorded):
    jan, feb, _ = recorded
    cases = [
        ({"page_size": -1}, "page_size"),
        ({"category": 99}, "category"),
        ({"status": 42}, "status"),
        ({"source": 9}, "source"),
        ({"occur_after": feb, "occur_before": jan}, "occur_before"),
        ({"occur_after": feb, "occur_before": feb}, "occur_before"),
    ]
    for filters, field in cases:
        with pytest.raises(errors.InvalidArgument) as caught:
            list(client.list_violations(**filters))
        assert violation_fields(caught.value) == {field}, filters
    with pytest.raises(errors.InvalidArgument) as caught:
        list(client.list_violations("parties/Bad_Id"))
    assert violation_fields(caught.value) == {"parent"}
    with pytest.raises(ValueError):
        client.list_violations(occur_after=datetime(2026, 1, 1))  # naive: refused by the client


# -- status ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", STATUSES)
def test_status_transitions_follow_the_table(client, party, start):
    for target in STATUSES:
        current = reach(client, start, reference=f"{start}-{target}")
        if (start, target) in LEGAL:
            moved = client.update_violation_status(current.name, target, note="legal", etag=current.etag)
            assert moved.status == target
            assert moved.status_history[-1].status == target and moved.status_history[-1].note == "legal"
            assert len(moved.status_history) == len(current.status_history) + 1
            assert moved.etag != current.etag
            assert client.get_violation(current.name) == moved
        else:
            with pytest.raises(errors.FailedPrecondition) as caught:
                client.update_violation_status(current.name, target, note="illegal")
            assert caught.value.reason == "ILLEGAL_TRANSITION", (start, target)
            assert client.get_violation(current.name) == current


def test_status_history_keeps_every_change_with_its_note(client, party):
    created = client.create_violation("acme", violation())
    steps = [
        (CONFIRMED, "CBP seizure notice received"),
        (UNDER_APPEAL, "petition filed with FP&F"),
        (CONFIRMED, "petition denied"),
        (RESOLVED, "penalty paid"),
    ]
    current = created
    for status, note in steps:
        current = client.update_violation_status(current.name, status, note=note, etag=current.etag)
    fetched = client.get_violation(created.name)
    assert fetched == current
    assert [(h.status, h.note) for h in fetched.status_history] == [(REPORTED, ""), *steps]
    times = [h.change_time.ToDatetime() for h in fetched.status_history]
    assert times == sorted(times)
    assert fetched.update_time == fetched.status_history[-1].change_time
    assert fetched.create_time == created.create_time
    # Everything but the status, history, etag and update time is as recorded.
    for field in ("name", "category", "source", "reference_number", "occur_time", "report_time", "quantity", "note"):
        assert getattr(fetched, field) == getattr(created, field)


def test_stale_etag_is_aborted_and_changes_nothing(client, party):
    created = client.create_violation("acme", violation())
    confirmed = client.update_violation_status(created.name, CONFIRMED, etag=created.etag)
    with pytest.raises(errors.Aborted) as caught:
        client.update_violation_status(created.name, RESOLVED, etag=created.etag)
    assert caught.value.reason == "ETAG_MISMATCH"
    assert client.get_violation(created.name) == confirmed


def test_bad_status_update_is_refused(client, party):
    created = client.create_violation("acme", violation())
    for status, note, field in ((0, "", "status"), (42, "", "status"), (CONFIRMED, "x" * 2001, "note"),
                                (CONFIRMED, "a\x00b", "note")):
        with pytest.raises(errors.InvalidArgument) as caught:
            client.update_violation_status(created.name, status, note=note)
        assert violation_fields(caught.value) == {field}
    with pytest.raises(errors.InvalidArgument) as caught:
        client.update_violation_status("parties/acme/violations/", CONFIRMED)
    assert violation_fields(caught.value) == {"name"}
    with pytest.raises(errors.NotFound):
        client.update_violation_status("parties/acme/violations/ghost", CONFIRMED)
    assert client.get_violation(created.name) == created


def test_concurrent_status_updates_with_one_etag_let_exactly_one_win(client, party):
    created = client.create_violation("acme", violation())

    def attempt(target: int):
        try:
            client.update_violation_status(created.name, target, etag=created.etag)
            return "ok"
        except errors.Aborted:
            return "aborted"

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, [CONFIRMED, DISMISSED] * 4))
    assert outcomes.count("ok") == 1 and outcomes.count("aborted") == 7
    assert len(client.get_violation(created.name).status_history) == 2


# -- plumbing -------------------------------------------------------------------------------------


def test_async_client_round_trip(target, party):
    async def run():
        async with AsyncKnownPartyClient(target, timeout=15) as aclient:
            created = await aclient.create_violation("acme", violation())
            moved = await aclient.update_violation_status(created.name, CONFIRMED, note="async")
            listed = [v async for v in await aclient.list_violations("acme", status=CONFIRMED)]
            return created, moved, listed, await aclient.get_violation(created.name)

    created, moved, listed, fetched = asyncio.run(run())
    assert moved.status == CONFIRMED and listed == [moved] and fetched == moved
    assert created.status == REPORTED


def test_health_covers_the_service_and_schema_has_its_tables(target, database_url):
    with grpc.insecure_channel(target) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="knownparty.v1.ViolationService"), timeout=5
        )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    engine = create_engine(database_url)
    try:
        inspector = inspect(engine)
        assert {"violations", "violation_status_changes"} <= set(inspector.get_table_names())
        indexes = {i["name"] for i in inspector.get_indexes("violations")}
    finally:
        engine.dispose()
    assert {"ix_violations_party_seq", "ix_violations_status", "ix_violations_category", "ix_violations_occur_time",
            "uq_violations_reference"} <= indexes
