"""Hostile input over the wire: generated, mutated and raw-byte requests to every method.

For every method of every service, hypothesis sends requests built from the message descriptors
(random field values: huge strings, control characters, unicode, extreme integers, unknown enum
numbers, nested messages, repeated fields), valid requests with one field changed, and random or
damaged bytes as the serialized request. Every answer must be a deliberate status (never INTERNAL
or UNKNOWN), a refused call must leave the database as it was, and health must still answer.

`pytest -s` prints how many requests each method was sent.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import grpc
import pytest
from google.protobuf import descriptor as pb_descriptor
from google.protobuf import message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from knownparty_client._generated import diagnostics_pb2, money_pb2, party_pb2, payment_pb2, screening_pb2
from knownparty_client._generated import vetting_pb2, violation_pb2, watchlist_pb2

F = pb_descriptor.FieldDescriptor

SERVICES = {
    "PartyService": party_pb2,
    "ViolationService": violation_pb2,
    "PaymentService": payment_pb2,
    "WatchlistService": watchlist_pb2,
    "ScreeningService": screening_pb2,
    "VettingService": vetting_pb2,
    "DiagnosticsService": diagnostics_pb2,
}
# Per method; streams send several messages an example, the endless watch waits out a deadline.
EXAMPLES = 150
EXAMPLES_STREAM = 80
EXAMPLES_WATCH = 25
WATCH_DEADLINE = 0.3
CALL_TIMEOUT = 20

# Codes a server must never send for a request it was able to read, whatever the request held.
NEVER = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.UNAVAILABLE}

REQUESTS_TRIED: Counter = Counter()


@pytest.fixture
def database_url(tmp_path):
    # SQLite only: the property holds at the API layer; PostgreSQL would double the run time.
    return f"sqlite:///{tmp_path / 'knownparty.db'}"


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    if REQUESTS_TRIED:
        width = max(len(m) for m in REQUESTS_TRIED)
        print("\nfuzzed requests per method (generated / mutated / raw bytes):")
        by_method: dict[str, Counter] = {}
        for (method, kind), count in REQUESTS_TRIED.items():
            by_method.setdefault(method, Counter())[kind] = count
        for method in sorted(by_method):
            c = by_method[method]
            total = sum(c.values())
            print(f"  {method:<{width}} {total:4d}  ({c['generated']} / {c['mutated']} / {c['raw']})")
        print(f"  total {sum(REQUESTS_TRIED.values())}")


# ---------------------------------------------------------------------------------------------
# Values

NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "\t\n\r",
    "\u202e\u200b\ufeff",
    "²",
    "١٢٣",
    "-",
    "*",
    "%s%n{0}",
    "'; DROP TABLE parties; --",
    "../../etc/passwd",
    "parties/",
    "parties/-",
    "parties/seed-seller",
    "parties/seed-shipper",
    "parties/seed-seller/violations/seed-violation",
    "parties/seed-seller/decisions/1",
    "parties/seed-seller/matchClearances/1",
    "watchlists/seed-list",
    "watchlists/seed-list/versions/-",
    "watchlists/seed-list/versions/1",
    "watchlists/seed-list/versions/99999999999999999999999",
    "seed-seller",
    "US",
    "XK",
    "USD",
    "JPY",
    "UPS",
    "99999999999999999999",
    "eyJjIjo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTksInEiOiIifQ",
    "\U0001f600" * 10,
]
HUGE_LENGTHS = [64, 65, 101, 129, 201, 301, 501, 2001, 70_000]


def _strings():
    return st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=30),
        st.sampled_from(NASTY_STRINGS),
        st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.sampled_from(HUGE_LENGTHS)),
    )


_INT_RANGES = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1),
    F.TYPE_SINT32: (-(2**31), 2**31 - 1),
    F.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1),
    F.TYPE_SINT64: (-(2**63), 2**63 - 1),
    F.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1),
    F.TYPE_FIXED32: (0, 2**32 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1),
    F.TYPE_FIXED64: (0, 2**64 - 1),
}


def _ints(field_type: int):
    low, high = _INT_RANGES[field_type]
    edges = [v for v in (low, high, -1, 0, 1, 2, 10**15, 10**15 + 1, 253_402_300_799, 253_402_300_800, -62_135_596_800, -62_135_596_801, 999_999_999) if low <= v <= high]
    return st.one_of(st.integers(low, high), st.sampled_from(edges), st.integers(max(low, -1000), min(high, 1000)))


def _scalar(field: pb_descriptor.FieldDescriptor):
    if field.type == F.TYPE_STRING:
        return _strings()
    if field.type == F.TYPE_BYTES:
        return st.one_of(st.binary(max_size=64), st.builds(lambda n: b"\xff" * n, st.sampled_from([33, 65, 5000])))
    if field.type == F.TYPE_BOOL:
        return st.booleans()
    if field.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return st.floats(allow_nan=True, allow_infinity=True, width=64 if field.type == F.TYPE_DOUBLE else 32)
    if field.type == F.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-3, 40), st.sampled_from([-(2**31), 2**31 - 1]))
    return _ints(field.type)


MAX_DEPTH = 4


@st.composite
def messages(draw, descriptor: pb_descriptor.Descriptor, depth: int = 0):
    """A message of `descriptor` with random fields set (each field set with probability 1/2)."""
    message = message_factory.GetMessageClass(descriptor)()
    chosen_oneof = {o.name: draw(st.sampled_from([None, *o.fields])) for o in descriptor.oneofs if not _synthetic(o)}
    for field in descriptor.fields:
        oneof = field.containing_oneof
        if oneof is not None and not _synthetic(oneof):
            if chosen_oneof[oneof.name] is not field:
                continue
        elif not draw(st.booleans()):
            continue
        _set_random(draw, message, field, depth)
    return message


def _synthetic(oneof) -> bool:
    # proto3 `optional` makes a one-field oneof of its own.
    return len(oneof.fields) == 1 and oneof.name == "_" + oneof.fields[0].name


def _set_random(draw, message, field, depth: int) -> None:
    repeated = field.is_repeated
    if field.type == F.TYPE_MESSAGE:
        if depth >= MAX_DEPTH:
            return
        container = getattr(message, field.name)
        if repeated:
            for child in draw(st.lists(messages(field.message_type, depth + 1), max_size=3)):
                container.add().CopyFrom(child)
            if draw(st.integers(0, 9)) == 0:  # now and then, far more entries than any limit allows
                count = draw(st.sampled_from([21, 51, 101, 1001, 5001]))
                template = draw(messages(field.message_type, MAX_DEPTH))
                for _ in range(count):
                    container.add().CopyFrom(template)
        else:
            container.CopyFrom(draw(messages(field.message_type, depth + 1)))
            container.SetInParent()
        return
    if repeated:
        values = draw(
            st.one_of(
                st.lists(_scalar(field), max_size=4),
                st.builds(lambda v, n: [v] * n, _scalar(field), st.sampled_from([21, 51, 101, 1001])),
            )
        )
        getattr(message, field.name).extend(values)
        return
    setattr(message, field.name, draw(_scalar(field)))


@st.composite
def mutated(draw, valid: list):
    """One of `valid` with one field (possibly nested) replaced, cleared or given extra entries."""
    message = type(base := draw(st.sampled_from(valid)))()
    message.CopyFrom(base)
    target = message
    depth = 0
    while target.DESCRIPTOR.fields:
        field = draw(st.sampled_from(list(target.DESCRIPTOR.fields)))
        repeated = field.is_repeated
        if field.type == F.TYPE_MESSAGE and not repeated and depth < MAX_DEPTH and draw(st.booleans()):
            target = getattr(target, field.name)
            target.SetInParent()
            depth += 1
            continue
        action = draw(st.sampled_from(["replace", "clear"]))
        if action == "clear":
            target.ClearField(field.name)
        else:
            if repeated or field.type != F.TYPE_MESSAGE:
                target.ClearField(field.name)
            _set_random(draw, target, field, depth)
        return message
    return message


@st.composite
def damaged_bytes(draw, valid: list):
    """Random bytes, or a valid request's bytes truncated, bit-flipped or with garbage inserted."""
    data = draw(st.sampled_from(valid)).SerializeToString()
    how = draw(st.sampled_from(["random", "truncate", "flip", "insert"]))
    if how == "random" or not data:
        return draw(st.binary(max_size=200))
    position = draw(st.integers(0, len(data) - 1))
    if how == "truncate":
        return data[:position]
    if how == "flip":
        return data[:position] + bytes([data[position] ^ draw(st.integers(1, 255))]) + data[position + 1 :]
    return data[:position] + draw(st.binary(min_size=1, max_size=20)) + data[position:]


# ---------------------------------------------------------------------------------------------
# The server side: a seeded database, its fingerprint, calls

def _stub_call(channel, method, metadata):
    path = f"/{method.containing_service.full_name}/{method.name}"
    serialize = lambda m: m if isinstance(m, bytes) else m.SerializeToString()  # noqa: E731
    kinds = (method.client_streaming, method.server_streaming)
    factory = {
        (False, False): channel.unary_unary,
        (True, False): channel.stream_unary,
        (False, True): channel.unary_stream,
        (True, True): channel.stream_stream,
    }[kinds]
    callable_ = factory(path, request_serializer=serialize, response_deserializer=None)
    timeout = WATCH_DEADLINE if method.name == "WatchDecisionChanges" else CALL_TIMEOUT

    def call(request):
        """The status code of one call: `request` is a message, bytes, or a list of them (streams)."""
        try:
            if method.client_streaming:
                answer = callable_(iter(request), metadata=metadata, timeout=timeout)
            else:
                answer = callable_(request, metadata=metadata, timeout=timeout)
            if method.server_streaming:
                for _ in answer:
                    pass
            return grpc.StatusCode.OK
        except grpc.RpcError as exc:
            # A status too big for the trailers reaches the client as RESOURCE_EXHAUSTED: a bug.
            assert "metadata" not in (exc.details() or ""), f"{method.name}: {exc.details()}"
            return exc.code()

    return call


def _fingerprint_query(engine) -> tuple[list[str], str]:
    """(labels, one SELECT of every table's row count and latest update_time / revision / status)."""
    labels, parts = [], []
    for table in sorted(inspect(engine).get_table_names()):
        # The audit trail records refused calls too, by design: not state a refusal may not change.
        if table == "alembic_version" or table.startswith("audit"):
            continue
        columns = {c["name"] for c in inspect(engine).get_columns(table)}
        labels.append(f"{table} rows")
        parts.append(f'(SELECT count(*) FROM "{table}")')
        for column in ("update_time", "revision", "status"):
            if column in columns:
                labels.append(f"{table} max {column}")
                parts.append(f'(SELECT max("{column}") FROM "{table}")')
    return labels, "SELECT " + ", ".join(parts)


class Target:
    """A seeded server, and what the fuzz loop needs to call it."""

    def __init__(self, server, metadata):
        self.server = server
        self.metadata = metadata
        self.channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
        self.health = health_pb2_grpc.HealthStub(self.channel)
        self._query = None
        self.names: dict[str, str] = {}

    def fingerprint(self):
        if self.server.reevaluator is not None:
            self.server.reevaluator.wait_idle(10)
        engine = self.server.database.engine
        if self._query is None:
            self._labels, query = _fingerprint_query(engine)
            self._query = text(query)
        with engine.connect() as conn:
            return dict(zip(self._labels, conn.execute(self._query).one()))

    def assert_healthy(self) -> None:
        answer = self.health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING

    def call(self, module, service: str, method: str, request):
        descriptor = module.DESCRIPTOR.services_by_name[service].methods_by_name[method]
        return _stub_call(self.channel, descriptor, self.metadata)(request)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


SEED_LIST = b"id,name,type,countries\nE1,Seed Trading Company,entity,US\nE2,Ivan Fuzzov,individual,RU\n"


def _seed(target: Target) -> None:
    """A seller, a shipper, a violation, a fee line with a payment, a list, decisions, a clearance."""
    ok = grpc.StatusCode.OK
    seller = party_pb2.Party(
        kind=party_pb2.PARTY_KIND_SELLER,
        legal_name="Seed Trading Company",
        addresses=[party_pb2.Address(lines=["1 Main St"], city="Springfield", country="US")],
        email="ops@seed.example",
    )
    shipper = party_pb2.Party(kind=party_pb2.PARTY_KIND_SHIPPER, legal_name="Seed Freight LLC")
    for party_id, party in (("seed-seller", seller), ("seed-shipper", shipper)):
        request = party_pb2.CreatePartyRequest(party=party, party_id=party_id)
        assert target.call(party_pb2, "PartyService", "CreateParty", request) == ok
    violation = violation_pb2.CreateViolationRequest(
        parent="parties/seed-seller",
        violation_id="seed-violation",
        violation=violation_pb2.Violation(
            category=violation_pb2.VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK,
            source=violation_pb2.VIOLATION_SOURCE_CBP_SEIZURE,
            reference_number="2026-0001",
            occur_time={"seconds": 1_767_225_600},
        ),
    )
    assert target.call(violation_pb2, "ViolationService", "CreateViolation", violation) == ok
    for request, method in ((SEED_FEE, "RecordFee"), (SEED_PAYMENT, "RecordPayment")):
        assert target.call(payment_pb2, "PaymentService", method, request) == ok
    assert target.call(watchlist_pb2, "WatchlistService", "ImportWatchlist", seed_import()) == ok
    assert target.call(vetting_pb2, "VettingService", "VetSeller", vetting_pb2.VetSellerRequest(party="parties/seed-seller")) == ok
    assert target.call(vetting_pb2, "VettingService", "CheckShipper", vetting_pb2.CheckShipperRequest(party="parties/seed-shipper")) == ok


SEED_FEE = payment_pb2.RecordFeeRequest(
    parent="parties/seed-shipper",
    fee_line=payment_pb2.FeeLine(
        carrier="UPS",
        shipment_reference="1Z0001",
        fee_type=payment_pb2.FEE_TYPE_DUTY,
        shipment_time={"seconds": 1_767_225_600},
        billed=money_pb2.Money(currency_code="USD", amount_minor=1250),
        bill_time={"seconds": 1_767_225_600},
        due_time={"seconds": 1_768_435_200},
    ),
)
SEED_PAYMENT = payment_pb2.RecordPaymentRequest(
    parent="parties/seed-shipper",
    carrier="UPS",
    shipment_reference="1Z0001",
    fee_type=payment_pb2.FEE_TYPE_DUTY,
    payment=payment_pb2.Payment(
        payment_reference="PAY-1", amount=money_pb2.Money(currency_code="USD", amount_minor=1250), paid_time={"seconds": 1_767_312_000}
    ),
)


def seed_import(data: bytes = SEED_LIST, list_id: str = "seed-list") -> list:
    return [
        watchlist_pb2.ImportWatchlistRequest(
            header=watchlist_pb2.ImportWatchlistHeader(
                list_id=list_id,
                format=watchlist_pb2.LIST_FORMAT_GENERIC_CSV,
                source="fuzz seed",
                files=[watchlist_pb2.ImportedFile(role="entries", file_name="seed.csv", size_bytes=len(data), sha256=_sha(data))],
            )
        ),
        watchlist_pb2.ImportWatchlistRequest(chunk=watchlist_pb2.FileChunk(role="entries", data=data)),
    ]


# ---------------------------------------------------------------------------------------------
# Valid requests to start mutations from (per method; streams: lists of messages)

def _valid_unary() -> dict[str, list]:
    p, v, pay, w, s, vet, d = party_pb2, violation_pb2, payment_pb2, watchlist_pb2, screening_pb2, vetting_pb2, diagnostics_pb2
    new_party = p.Party(
        kind=p.PARTY_KIND_SELLER,
        legal_name="Fuzz Goods Ltd",
        aliases=["Fuzz Goods"],
        addresses=[p.Address(lines=["2 High St"], city="Leeds", postal_code="LS1 1AA", country="GB")],
        identifiers=[p.Identifier(type=p.IDENTIFIER_TYPE_EIN, value="12-3456789")],
        email="a@fuzz.example",
        phone="+14155550100",
        verifications=[
            p.FieldVerification(
                field="legal_name", method=p.VERIFICATION_METHOD_DOCUMENT, source_reference="doc-1", verify_time={"seconds": 1_700_000_000}
            )
        ],
    )
    seed_entry = "watchlists/seed-list/versions/1/entries/E1"
    return {
        "CreateParty": [p.CreatePartyRequest(party=new_party, party_id="fuzz-party", request_id="req-1")],
        "GetParty": [p.GetPartyRequest(name="parties/seed-seller")],
        "ListParties": [p.ListPartiesRequest(page_size=10, kind=p.PARTY_KIND_SELLER, country="US", name_prefix="Seed")],
        "UpdateParty": [
            p.UpdatePartyRequest(
                party=p.Party(name="parties/seed-seller", legal_name="Seed Trading Company", state=p.PARTY_STATE_ACTIVE),
                update_mask={"paths": ["legal_name", "state"]},
            )
        ],
        "DeleteParty": [p.DeletePartyRequest(name="parties/seed-shipper", etag="stale")],
        "ListPartyRevisions": [p.ListPartyRevisionsRequest(name="parties/seed-seller", page_size=5)],
        "CreateViolation": [
            v.CreateViolationRequest(
                parent="parties/seed-seller",
                violation=v.Violation(
                    category=v.VIOLATION_CATEGORY_NARCOTICS,
                    source=v.VIOLATION_SOURCE_MARKETPLACE_TAKEDOWN,
                    reference_number="T-1",
                    occur_time={"seconds": 1_700_000_000},
                    product_category=v.PRODUCT_CATEGORY_TOYS,
                    quantity=3,
                    value=money_pb2.Money(currency_code="USD", amount_minor=100),
                    note="fuzz",
                ),
                initial_status=v.VIOLATION_STATUS_CONFIRMED,
            )
        ],
        "GetViolation": [v.GetViolationRequest(name="parties/seed-seller/violations/seed-violation")],
        "ListViolations": [
            v.ListViolationsRequest(parent="parties/-", page_size=3, status=v.VIOLATION_STATUS_REPORTED, occur_after={"seconds": 0})
        ],
        "UpdateViolationStatus": [
            v.UpdateViolationStatusRequest(
                name="parties/seed-seller/violations/seed-violation", status=v.VIOLATION_STATUS_DISMISSED, note="n", etag="stale"
            )
        ],
        "RecordFee": [SEED_FEE],
        "RecordPayment": [SEED_PAYMENT],
        "ListFeeLines": [pay.ListFeeLinesRequest(parent="parties/seed-shipper", page_size=2, outstanding_only=True)],
        "GetPaymentStanding": [pay.GetPaymentStandingRequest(name="parties/seed-shipper")],
        "ListWatchlists": [w.ListWatchlistsRequest(page_size=5)],
        "GetWatchlistVersion": [w.GetWatchlistVersionRequest(name="watchlists/seed-list/versions/-")],
        "ListWatchlistVersions": [w.ListWatchlistVersionsRequest(parent="watchlists/seed-list", page_size=1)],
        "ListWatchlistEntries": [
            w.ListWatchlistEntriesRequest(parent="watchlists/seed-list/versions/1", page_size=1, type=w.ENTRY_TYPE_ENTITY, country="US")
        ],
        "ScreenName": [
            s.ScreenNameRequest(
                name="Seed Trading Co",
                type=w.ENTRY_TYPE_ENTITY,
                countries=["US"],
                date_of_birth="1971-05",
                identifiers=["X1"],
                lists=["seed-list"],
                min_score=0.5,
                limit=5,
                tag="t",
            )
        ],
        "VetSeller": [vet.VetSellerRequest(party="parties/seed-seller", high_volume=True)],
        "CheckShipper": [vet.CheckShipperRequest(party="parties/seed-shipper")],
        "GetDecision": [vet.GetDecisionRequest(name="parties/seed-seller/decisions/1")],
        "ListDecisions": [vet.ListDecisionsRequest(parent="parties/-", page_size=2, purpose=vet.PURPOSE_KNOWN_MARKETPLACE_SELLER)],
        "GetDecisionInForce": [
            vet.GetDecisionInForceRequest(party="parties/seed-seller", purpose=vet.PURPOSE_KNOWN_MARKETPLACE_SELLER, at_time={"seconds": 1_900_000_000})
        ],
        "ReplayDecision": [vet.ReplayDecisionRequest(name="parties/seed-seller/decisions/1")],
        "GetSigningKeys": [vet.GetSigningKeysRequest()],
        "VerifyAttestation": [vet.VerifyAttestationRequest(decision=vet.Decision(name="parties/seed-seller/decisions/1"))],
        "WatchDecisionChanges": [vet.WatchDecisionChangesRequest(cursor="1"), vet.WatchDecisionChangesRequest(from_beginning=True)],
        "ListDecisionChanges": [vet.ListDecisionChangesRequest(page_size=2, cursor="0")],
        "ClearWatchlistMatch": [
            vet.ClearWatchlistMatchRequest(
                parent="parties/seed-seller",
                clearance=vet.MatchClearance(entry=seed_entry, analyst="analyst@fuzz.example", reason="different company"),
                request_id="clear-1",
            )
        ],
        "ListMatchClearances": [vet.ListMatchClearancesRequest(parent="parties/seed-seller", page_size=2, show_revoked=True)],
        "RevokeMatchClearance": [vet.RevokeMatchClearanceRequest(name="parties/seed-seller/matchClearances/1", analyst="a")],
        "Echo": [d.EchoRequest(payload="hello")],
    }


def _valid_streams() -> dict[str, list[list]]:
    pay, s, vet = payment_pb2, screening_pb2, vetting_pb2
    fee_row = pay.ImportPaymentsRow(line=2, shipper="seed-shipper", fee_line=SEED_FEE.fee_line)
    payment_row = pay.ImportPaymentsRow(
        line=3,
        shipper="parties/seed-shipper",
        payment=pay.ImportedPayment(shipment_reference="1Z0001", fee_type=pay.FEE_TYPE_DUTY, payment=SEED_PAYMENT.payment),
    )
    return {
        "ImportPayments": [
            [
                pay.ImportPaymentsRequest(header=pay.ImportPaymentsHeader(carrier="UPS", source_name="daily.csv")),
                pay.ImportPaymentsRequest(batch=pay.ImportPaymentsBatch(rows=[fee_row, payment_row])),
            ]
        ],
        "ImportWatchlist": [seed_import()],
        "ScreenNames": [
            [s.ScreenNamesRequest(query=s.ScreenNameRequest(name="Ivan Fuzzov", tag="1")), s.ScreenNamesRequest(query=s.ScreenNameRequest(name="x", tag="2"))]
        ],
        "VetParties": [
            [
                vet.VetPartiesRequest(
                    requests=[
                        vet.VetPartyRequest(tag="a", vet_seller=vet.VetSellerRequest(party="parties/seed-seller")),
                        vet.VetPartyRequest(tag="b", check_shipper=vet.CheckShipperRequest(party="seed-shipper")),
                    ]
                ),
                vet.VetPartiesRequest(
                    requests=[vet.VetPartyRequest(tag="c", vet_seller=vet.VetSellerRequest(party="parties/seed-seller"))]
                ),
            ]
        ],
    }


def _refusal_may_keep_earlier_batches(method: str, request) -> bool:
    # Documented: each ImportPayments batch is its own transaction, so batches applied before a
    # refused message stay applied. Only refusals before the first batch must change nothing.
    if method != "ImportPayments" or isinstance(request, bytes):
        return False
    return any(isinstance(m, payment_pb2.ImportPaymentsRequest) and m.HasField("batch") for m in request[1:2])


# ---------------------------------------------------------------------------------------------
# The property

def _fuzz_method(target: Target, service: str, module, method_name: str) -> None:
    method = module.DESCRIPTOR.services_by_name[service].methods_by_name[method_name]
    call = _stub_call(target.channel, method, target.metadata)
    streaming_in = method.client_streaming
    if streaming_in:
        valid = _valid_streams()[method_name]
        flat_valid = [m for stream in valid for m in stream]
        one = st.one_of(messages(method.input_type), mutated(flat_valid))
        requests = st.one_of(
            st.tuples(st.just("generated"), st.lists(messages(method.input_type), max_size=4)),
            # A valid stream with one message changed, dropped, doubled or added.
            st.tuples(st.just("mutated"), st.builds(_mutate_stream, st.sampled_from(valid), st.integers(0, 5), st.sampled_from(["replace", "drop", "double", "append"]), one)),
            st.tuples(st.just("raw"), st.lists(damaged_bytes(flat_valid), min_size=1, max_size=3)),
        )
        examples = EXAMPLES_STREAM
    else:
        valid = _valid_unary()[method_name]
        requests = st.one_of(
            st.tuples(st.just("generated"), messages(method.input_type)),
            st.tuples(st.just("mutated"), mutated(valid)),
            st.tuples(st.just("raw"), damaged_bytes(valid)),
        )
        examples = EXAMPLES_WATCH if method.server_streaming else EXAMPLES
    allowed_deadline = method.name == "WatchDecisionChanges"

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests)
    def check(kind_and_request):
        kind, request = kind_and_request
        REQUESTS_TRIED[(f"{service}.{method_name}", kind)] += 1
        before = target.fingerprint()
        code = call(request)
        assert code not in NEVER, f"{method_name} answered {code} to {kind} request {_show(request)}"
        if code == grpc.StatusCode.DEADLINE_EXCEEDED and allowed_deadline:
            code = grpc.StatusCode.OK
        if code != grpc.StatusCode.OK and not _refusal_may_keep_earlier_batches(method_name, request):
            after = target.fingerprint()
            changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
            assert not changed, f"{method_name} refused ({code}) but changed {changed}: {_show(request)}"
        target.assert_healthy()

    check()


def _mutate_stream(stream: list, position: int, how: str, replacement) -> list:
    stream = list(stream)
    position = min(position, len(stream) - 1)
    if how == "replace":
        stream[position] = replacement
    elif how == "drop":
        del stream[position]
    elif how == "double":
        stream.insert(position, stream[position])
    else:
        stream.append(replacement)
    return stream


def _show(request) -> str:
    text_ = repr(request)
    return text_ if len(text_) < 2000 else text_[:2000] + f"... ({len(text_)} characters)"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_method_survives_hostile_requests(server, admin_metadata, service):
    target = Target(server, admin_metadata)
    try:
        _seed(target)
        module = SERVICES[service]
        for method in module.DESCRIPTOR.services_by_name[service].methods:
            _fuzz_method(target, service, module, method.name)
        target.assert_healthy()
    finally:
        target.channel.close()


def test_oversized_message_is_resource_exhausted(server, admin_metadata):
    from knownparty_service.settings import Settings

    target = Target(server, admin_metadata)
    try:
        before = target.fingerprint()
        limit = Settings().max_message_bytes
        request = party_pb2.CreatePartyRequest(party=party_pb2.Party(legal_name="x" * (limit + 1)))
        assert target.call(party_pb2, "PartyService", "CreateParty", request) == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert target.fingerprint() == before
        target.assert_healthy()
    finally:
        target.channel.close()


def _bad_fields(exc: grpc.RpcError) -> list[str]:
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    fields = []
    for detail in rpc_status.from_call(exc).details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields.extend(v.field for v in bad.field_violations)
    return fields


LIMIT_CASES = [
    ("ListParties", party_pb2.ListPartiesRequest(page_size=-1), "page_size"),
    ("ListParties", party_pb2.ListPartiesRequest(name_prefix="a" * 301), "name_prefix"),
    ("ListParties", party_pb2.ListPartiesRequest(identifier_value="1" * 65), "identifier_value"),
    ("ScreenName", screening_pb2.ScreenNameRequest(name="x", tag="t" * 201), "tag"),
    ("ListDecisionChanges", vetting_pb2.ListDecisionChangesRequest(cursor="²"), "cursor"),
    ("GetWatchlistVersion", watchlist_pb2.GetWatchlistVersionRequest(name="watchlists/a/versions/" + "9" * 5000), "name"),
    ("ImportPayments", [payment_pb2.ImportPaymentsRequest(header=payment_pb2.ImportPaymentsHeader(carrier="UPS", source_name="s" * 501))], "header.source_name"),
    (
        "ImportWatchlist",
        [watchlist_pb2.ImportWatchlistRequest(header=watchlist_pb2.ImportWatchlistHeader(list_id="a", format=6, files=[watchlist_pb2.ImportedFile(role="entries")] * 11))],
        "header.files",
    ),
    ("Echo", b"\xff\xff\xff", "request"),
]


@pytest.mark.parametrize("method, request_, field", LIMIT_CASES, ids=[f"{c[0]}-{c[2]}" for c in LIMIT_CASES])
def test_limits_are_refused_naming_the_field(target, admin_metadata, method, request_, field):
    service = next(s for s, m in SERVICES.items() if method in m.DESCRIPTOR.services_by_name[s].methods_by_name)
    descriptor = SERVICES[service].DESCRIPTOR.services_by_name[service].methods_by_name[method]
    path = f"/{descriptor.containing_service.full_name}/{method}"
    serialize = lambda m: m if isinstance(m, bytes) else m.SerializeToString()  # noqa: E731
    with grpc.insecure_channel(target) as channel:
        factory = channel.stream_unary if descriptor.client_streaming else channel.unary_unary
        call = factory(path, request_serializer=serialize, response_deserializer=None)
        with pytest.raises(grpc.RpcError) as refused:
            call(iter(request_) if descriptor.client_streaming else request_, metadata=admin_metadata, timeout=20)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in _bad_fields(refused.value)
