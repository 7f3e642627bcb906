"""API keys, roles, organisations and the audit log, over the wire."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from knownparty_client import KnownPartyClient, errors, types
from knownparty_client._generated import (
    access_pb2,
    diagnostics_pb2,
    party_pb2,
    payment_pb2,
    screening_pb2,
    vetting_pb2,
    violation_pb2,
    watchlist_pb2,
)
from knownparty_service.api import permissions

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(timezone.utc)
SERVICE_MODULES = (party_pb2, violation_pb2, payment_pb2, watchlist_pb2, screening_pb2, vetting_pb2, access_pb2, diagnostics_pb2)
ROLES = ("admin", "marketplace", "carrier", "auditor")
WATCHLIST = b"id,name,type,countries\nW1,Global Shadow Trading LLC,entity,AE\n"


def every_method():
    for module in SERVICE_MODULES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                yield f"/{service.full_name}/{method.name}", method


def _stamp(moment: datetime) -> types.Timestamp:
    ts = types.Timestamp()
    ts.FromDatetime(moment)
    return ts


def _seller(client, name="Harbor Lane Goods Inc", **extra):
    verify = types.FieldVerification(
        field="legal_name", method=types.VERIFICATION_METHOD_GOVERNMENT_REGISTRY, verify_time=_stamp(NOW - timedelta(days=3))
    )
    party = types.Party(
        kind=types.PARTY_KIND_SELLER,
        legal_name=name,
        addresses=[types.Address(lines=["1 Main St"], city="Austin", country="US")],
        verifications=[verify],
        **extra,
    )
    return client.create_party(party)


def _fee(shipment: str, carrier: str = "UPS") -> types.FeeLine:
    shipped = NOW - timedelta(days=20)
    return types.FeeLine(
        carrier=carrier,
        shipment_reference=shipment,
        fee_type=types.FEE_TYPE_DUTY,
        shipment_time=_stamp(shipped),
        billed=types.Money(currency_code="USD", amount_minor=1000),
        bill_time=_stamp(shipped + timedelta(hours=1)),
        due_time=_stamp(shipped + timedelta(days=15)),
    )


def _error(call):
    with pytest.raises(errors.KnownPartyError) as caught:
        result = call()
        if hasattr(result, "__next__"):
            list(result)
    return caught.value


# -- authentication ------------------------------------------------------------------------------


def test_calls_without_a_valid_key_are_unauthenticated(server, issue_key):
    target = f"127.0.0.1:{server.port}"
    with KnownPartyClient(target, timeout=5, api_key="") as anonymous:
        missing = _error(lambda: anonymous.list_parties())
    assert isinstance(missing, errors.Unauthenticated) and missing.reason == "API_KEY_MISSING"
    good = issue_key("marketplace")
    key_id, secret = good.split("_")[1], good.split("_")[2]
    wrong_secret = f"kp_{key_id}_{'A' * 43}"
    unknown = f"kp_{'z' * 12}_{secret}"
    refusals = set()
    for token in (wrong_secret, unknown, "kp_short", "not-a-key", good + "x"):
        with KnownPartyClient(target, timeout=5, api_key=token) as client:
            refused = _error(lambda: client.list_parties())
        assert isinstance(refused, errors.Unauthenticated), token
        refusals.add(refused.message)
    # A guess learns nothing: every bad key is refused in the same words.
    assert len(refusals) == 1
    with KnownPartyClient(target, timeout=5, metadata=[("authorization", f"Basic {good}")], api_key="") as client:
        assert isinstance(_error(lambda: client.list_parties()), errors.Unauthenticated)
    with KnownPartyClient(target, timeout=5, api_key=good) as client:
        assert list(client.list_parties()) == []


def test_health_and_reflection_stay_open_without_a_key(server):
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        replies = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
        )
        services = {s.name for r in replies for s in r.list_services_response.service}
    assert "knownparty.v1.AccessService" in services


def test_expired_and_revoked_keys_are_refused(server, client):
    target = f"127.0.0.1:{server.port}"
    made = client.create_api_key("acme", types.ROLE_MARKETPLACE, expire_time=datetime.now(timezone.utc) + timedelta(seconds=2))
    with KnownPartyClient(target, timeout=5, api_key=made.token) as acme:
        assert list(acme.list_parties()) == []
        time.sleep(2.1)
        assert isinstance(_error(lambda: acme.list_parties()), errors.Unauthenticated)
    other = client.create_api_key("acme", types.ROLE_MARKETPLACE, display_name="to revoke")
    with KnownPartyClient(target, timeout=5, api_key=other.token) as acme:
        assert list(acme.list_parties()) == []
        revoked = client.revoke_api_key(other.api_key.name)
        assert revoked.HasField("revoke_time")
        # Refused at once by the process that revoked it.
        assert isinstance(_error(lambda: acme.list_parties()), errors.Unauthenticated)
    # Revoking again keeps the first revoke time.
    assert client.revoke_api_key(other.api_key.name).revoke_time == revoked.revoke_time


def test_key_management_is_for_admins_and_checks_its_input(server, client, issue_key):
    made = client.create_api_key("acme", types.ROLE_CARRIER, display_name="acme carrier")
    assert made.token.startswith("kp_") and made.api_key.organization == "acme"
    assert made.api_key.created_by.startswith("apiKeys/")
    listed = list(client.list_api_keys(organization="acme"))
    assert [k.name for k in listed] == [made.api_key.name]
    assert made.token not in str(listed)
    bad = [
        (dict(organization="Not An Org", role=types.ROLE_ADMIN), "api_key.organization"),
        (dict(organization="acme", role=types.ROLE_UNSPECIFIED), "api_key.role"),
        (dict(organization="acme", role=99), "api_key.role"),
        (dict(organization="acme", role=types.ROLE_ADMIN, expire_time=NOW - timedelta(days=1)), "api_key.expire_time"),
    ]
    before = len(list(client.list_api_keys()))
    for fields, path in bad:
        extra = {"expire_time": fields.pop("expire_time")} if "expire_time" in fields else {}
        refused = _error(lambda: client.create_api_key(fields["organization"], fields["role"], **extra))
        assert isinstance(refused, errors.InvalidArgument) and path in {v.field for v in refused.field_violations}
    assert len(list(client.list_api_keys())) == before
    assert isinstance(_error(lambda: client.revoke_api_key("apiKeys/nosuchkey123")), errors.NotFound)
    assert isinstance(_error(lambda: client.revoke_api_key("keys/x")), errors.InvalidArgument)
    with KnownPartyClient(f"127.0.0.1:{server.port}", timeout=5, api_key=issue_key("marketplace")) as marketplace:
        denied = _error(lambda: marketplace.create_api_key("evil", types.ROLE_ADMIN))
        assert isinstance(denied, errors.PermissionDenied) and denied.reason == "ROLE_NOT_ALLOWED"
        assert isinstance(_error(lambda: list(marketplace.list_api_keys())), errors.PermissionDenied)


# -- the role table ------------------------------------------------------------------------------


def test_the_table_names_every_method_of_every_service():
    methods = {path for path, _ in every_method()}
    assert methods == set(permissions.METHODS)


def test_the_readme_shows_the_table_the_server_enforces():
    readme = (ROOT / "README.md").read_text()
    for path, (roles, _) in permissions.METHODS.items():
        service, method = path.strip("/").split("/")
        marks = " | ".join("yes" if permissions.Role(r) in roles else "-" for r in ROLES)
        row = f"| {service.split('.')[-1]} | {method} | {marks} |"
        assert row in readme, row


def _empty_call(channel, path: str, method, metadata):
    """Calls `path` with an empty request (or stream); returns the status code."""
    pool = descriptor_pool.Default()
    request_class = message_factory.GetMessageClass(pool.FindMessageTypeByName(method.input_type.full_name))
    response_class = message_factory.GetMessageClass(pool.FindMessageTypeByName(method.output_type.full_name))
    kwargs = dict(request_serializer=request_class.SerializeToString, response_deserializer=response_class.FromString)
    try:
        if method.client_streaming and method.server_streaming:
            list(channel.stream_stream(path, **kwargs)(iter([]), timeout=3, metadata=metadata))
        elif method.client_streaming:
            channel.stream_unary(path, **kwargs)(iter([]), timeout=3, metadata=metadata)
        elif method.server_streaming:
            for _ in channel.unary_stream(path, **kwargs)(request_class(), timeout=1, metadata=metadata):
                break
        else:
            channel.unary_unary(path, **kwargs)(request_class(), timeout=5, metadata=metadata)
    except grpc.RpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


def test_every_role_may_call_exactly_what_the_table_says(server, issue_key):
    tokens = {role: issue_key(role) for role in ROLES}
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        for path, method in every_method():
            allowed = permissions.roles_for(path)
            for role in ROLES:
                code = _empty_call(channel, path, method, (("authorization", f"Bearer {tokens[role]}"),))
                if permissions.Role(role) in allowed:
                    assert code not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED), (path, role)
                    assert code not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), (path, role, code)
                else:
                    assert code == grpc.StatusCode.PERMISSION_DENIED, (path, role, code)
            assert _empty_call(channel, path, method, ()) == grpc.StatusCode.UNAUTHENTICATED, path


# -- organisations -------------------------------------------------------------------------------


@pytest.fixture
def two_marketplaces(server, client, issue_key):
    """(acme, globex): marketplace clients of two organisations, on lists the admin imported."""
    client.import_watchlist("in-house", types.LIST_FORMAT_GENERIC_CSV, [("entries", "list.csv", WATCHLIST)])
    target = f"127.0.0.1:{server.port}"
    acme = KnownPartyClient(target, timeout=10, api_key=issue_key("marketplace", "acme"))
    globex = KnownPartyClient(target, timeout=10, api_key=issue_key("marketplace", "globex"))
    yield acme, globex
    acme.close()
    globex.close()


def _same_refusal(foreign_call, missing_call):
    """Another organisation's resource is refused exactly as a missing one is."""
    foreign, missing = _error(foreign_call), _error(missing_call)
    assert isinstance(foreign, errors.NotFound), foreign
    assert (type(foreign), foreign.reason) == (type(missing), missing.reason)
    return foreign, missing


def test_another_organisations_records_answer_not_found_as_missing_ones_do(two_marketplaces):
    acme, globex = two_marketplaces
    party = _seller(acme, identifiers=[types.Identifier(type=types.IDENTIFIER_TYPE_EIN, value="12-3456789", issuing_country="US")])
    shady = _seller(acme, "Global Shadow Trading LLC")
    violation = acme.create_violation(
        party.name,
        types.Violation(
            category=types.VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK,
            source=types.VIOLATION_SOURCE_CBP_SEIZURE,
            reference_number="2026-1",
            occur_time=_stamp(NOW - timedelta(days=30)),
        ),
    )
    decision = acme.vet_seller(party.name)
    alert = acme.vet_seller(shady.name)
    acme.update_violation_status(violation.name, types.VIOLATION_STATUS_CONFIRMED)
    entry = next(e.watchlist_hit.entry for r in alert.reasons for e in r.evidence if e.HasField("watchlist_hit"))
    clearance = acme.clear_watchlist_match(shady.name, entry, analyst="ana", reason="another company")
    missing = "parties/nobody"

    def foreign_and_missing(call):
        name_foreign, name_missing = call(party.name), call(missing)
        return _same_refusal(lambda: name_foreign(globex), lambda: name_missing(globex))

    f, m = foreign_and_missing(lambda n: lambda c: c.get_party(n))
    assert f.message.replace(party.name, "X") == m.message.replace(missing, "X")
    foreign_and_missing(lambda n: lambda c: c.update_party(types.Party(name=n, legal_name="Mine Now"), ["legal_name"]))
    foreign_and_missing(lambda n: lambda c: c.delete_party(n))
    foreign_and_missing(lambda n: lambda c: list(c.list_party_revisions(n)))
    foreign_and_missing(lambda n: lambda c: c.create_violation(n, types.Violation(
        category=types.VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK, source=types.VIOLATION_SOURCE_CBP_SEIZURE,
        reference_number="x", occur_time=_stamp(NOW - timedelta(days=1)))))
    foreign_and_missing(lambda n: lambda c: list(c.list_violations(n)))
    foreign_and_missing(lambda n: lambda c: c.vet_seller(n))
    foreign_and_missing(lambda n: lambda c: list(c.list_decisions(n)))
    foreign_and_missing(lambda n: lambda c: list(c.list_match_clearances(n)))
    foreign_and_missing(lambda n: lambda c: c.get_decision_in_force(n, types.PURPOSE_KNOWN_MARKETPLACE_SELLER))
    foreign_and_missing(lambda n: lambda c: c.clear_watchlist_match(n, entry, analyst="eve", reason="mine"))
    for name, other in (
        (violation.name, missing + "/violations/v1"),
        (decision.name, missing + "/decisions/d1"),
    ):
        getter = globex.get_violation if "/violations/" in name else globex.get_decision
        f, m = _same_refusal(lambda: getter(name), lambda: getter(other))
        assert f.message.replace(name, "X") == m.message.replace(other, "X")
    _same_refusal(lambda: globex.replay_decision(decision.name), lambda: globex.replay_decision(missing + "/decisions/d1"))
    _same_refusal(
        lambda: globex.update_violation_status(violation.name, types.VIOLATION_STATUS_CONFIRMED),
        lambda: globex.update_violation_status(missing + "/violations/v1", types.VIOLATION_STATUS_CONFIRMED),
    )
    _same_refusal(
        lambda: globex.revoke_match_clearance(clearance.name, analyst="eve"),
        lambda: globex.revoke_match_clearance(missing + "/matchClearances/c1", analyst="eve"),
    )
    # Lists across parties, filters and streams show only the caller's own.
    assert list(globex.list_parties()) == []
    assert list(globex.list_parties(identifier_type=types.IDENTIFIER_TYPE_EIN, identifier_value="12-3456789")) == []
    assert list(globex.list_violations()) == [] and list(globex.list_decisions()) == []
    # The violation above re-decided acme's seller in the background: a change acme sees, globex not.
    deadline = time.monotonic() + 20
    while not list(acme.list_decision_changes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [c.decision.name.split("/decisions/")[0] for c in acme.list_decision_changes()] == [party.name]
    assert list(globex.list_decision_changes()) == []
    watched = []
    with pytest.raises(errors.DeadlineExceeded):
        for change in globex.watch_decision_changes(from_beginning=True, timeout=1.5):
            watched.append(change)
    assert watched == []
    answers = list(globex.vet_parties([types.VetPartyRequest(tag="1", vet_seller=types.VetSellerRequest(party=party.name))]))
    assert answers[0].error.code == "NOT_FOUND"
    # A page token of one organisation's list is not another's.
    _seller(acme, "Second Shop LLC")
    token = acme.list_parties(page_size=1).next_page_token
    assert token
    with grpc.insecure_channel(globex.target) as channel:
        stub = party_pb2_grpc_stub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.ListParties(types.ListPartiesRequest(page_size=1, page_token=token), metadata=globex._metadata)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # The owner still sees everything unchanged.
    assert acme.get_party(party.name) == party
    assert acme.get_violation(violation.name).status == types.VIOLATION_STATUS_CONFIRMED


def party_pb2_grpc_stub(channel):
    from knownparty_client._generated import party_pb2_grpc

    return party_pb2_grpc.PartyServiceStub(channel)


def test_organisations_hold_their_own_identifiers_and_request_ids(two_marketplaces):
    acme, globex = two_marketplaces
    ein = [types.Identifier(type=types.IDENTIFIER_TYPE_EIN, value="12-3456789", issuing_country="US")]
    first = acme.create_party(
        types.Party(kind=types.PARTY_KIND_SELLER, legal_name="Dual Seller LLC", addresses=[types.Address(country="US")], identifiers=ein),
        request_id="same-request",
    )
    # The same seller on another marketplace, with the same caller-chosen request id.
    second = globex.create_party(
        types.Party(kind=types.PARTY_KIND_SELLER, legal_name="Dual Seller LLC", addresses=[types.Address(country="US")], identifiers=ein),
        request_id="same-request",
    )
    assert first.name != second.name
    assert [p.name for p in acme.list_parties()] == [first.name]
    assert [p.name for p in globex.list_parties()] == [second.name]
    duplicate = _error(lambda: acme.create_party(
        types.Party(kind=types.PARTY_KIND_SELLER, legal_name="Copy LLC", addresses=[types.Address(country="US")], identifiers=ein)
    ))
    assert isinstance(duplicate, errors.AlreadyExists)


def test_carriers_keep_their_own_shippers_and_fee_lines(server, client, issue_key):
    target = f"127.0.0.1:{server.port}"
    ups = KnownPartyClient(target, timeout=10, api_key=issue_key("carrier", "ups-inc"))
    dhl = KnownPartyClient(target, timeout=10, api_key=issue_key("carrier", "dhl-inc"))
    try:
        shipper = ups.create_party(
            types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Harbour Freight LLC", addresses=[types.Address(country="US")])
        )
        line = ups.record_fee(shipper.name, _fee("S1"))
        assert line.carrier == "UPS"
        missing = "parties/nobody"
        _same_refusal(lambda: dhl.record_fee(shipper.name, _fee("S2", "DHL")), lambda: dhl.record_fee(missing, _fee("S2", "DHL")))
        _same_refusal(lambda: dhl.get_payment_standing(shipper.name), lambda: dhl.get_payment_standing(missing))
        _same_refusal(lambda: list(dhl.list_fee_lines(shipper.name)), lambda: list(dhl.list_fee_lines(missing)))
        _same_refusal(lambda: dhl.check_shipper(shipper.name), lambda: dhl.check_shipper(missing))
        # A carrier code is kept by the organisation that recorded its fee lines first.
        own = dhl.create_party(
            types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Dock Street Co", addresses=[types.Address(country="US")])
        )
        taken = _error(lambda: dhl.record_fee(own.name, _fee("S3", "UPS")))
        assert isinstance(taken, errors.PermissionDenied) and taken.reason == "CARRIER_OF_ANOTHER_ORGANIZATION"
        assert isinstance(_error(lambda: dhl.import_payments("UPS", [])), errors.PermissionDenied)
        rows = [
            types.ImportPaymentsRow(line=1, shipper=shipper.name, fee_line=_fee("S4", "DHL")),
            types.ImportPaymentsRow(line=2, shipper=own.name, fee_line=_fee("S5", "DHL")),
        ]
        report = dhl.import_payments("DHL", rows)
        assert (report.rows_received, report.rows_rejected) == (2, 1)
        assert report.errors[0].line == 1 and report.errors[0].reason == f"{shipper.name} does not exist"
        assert [l.shipment_reference for l in ups.list_fee_lines(shipper.name)] == ["S1"]
    finally:
        ups.close()
        dhl.close()


# -- audit ---------------------------------------------------------------------------------------


def test_writes_are_audited_and_auditors_read_only_their_own(server, client, issue_key, two_marketplaces):
    acme, globex = two_marketplaces
    party = _seller(acme)
    refused = _error(lambda: globex.get_party(party.name))
    assert isinstance(refused, errors.NotFound)
    failed = _error(lambda: acme.create_party(types.Party(kind=types.PARTY_KIND_SELLER, legal_name="")))
    assert isinstance(failed, errors.InvalidArgument)
    decision = acme.vet_seller(party.name)
    events = list(client.list_audit_events(organization="acme"))
    created = [e for e in events if e.method == "/knownparty.v1.PartyService/CreateParty"]
    assert [e.code for e in created] == ["INVALID_ARGUMENT", "OK"]
    assert created[1].resource == party.name and created[1].request_id and created[1].api_key.startswith("apiKeys/")
    assert all(e.organization == "acme" for e in events)
    # Reads are not audited; decisions record the key that asked for them.
    assert not any(e.method.endswith("/GetParty") for e in client.list_audit_events())
    acme_key = f"apiKeys/{acme._metadata[-1][1].split('_')[1]}"
    assert decision.requested_by == acme_key
    assert acme.get_decision(decision.name).requested_by == acme_key
    assert [d.requested_by for d in acme.list_decisions()] == [acme_key]
    target = f"127.0.0.1:{server.port}"
    with KnownPartyClient(target, timeout=5, api_key=issue_key("auditor", "globex")) as auditor:
        assert list(auditor.list_audit_events()) == []
        denied = _error(lambda: list(auditor.list_audit_events(organization="acme")))
        assert isinstance(denied, errors.PermissionDenied)
        assert isinstance(_error(lambda: _seller(auditor)), errors.PermissionDenied)
    with KnownPartyClient(target, timeout=5, api_key=issue_key("auditor", "acme")) as auditor:
        assert [e.method for e in auditor.list_audit_events()] == [e.method for e in events]
        # An auditor sees protected numbers masked.
        assert auditor.get_party(party.name).name == party.name


# -- streams -------------------------------------------------------------------------------------


def test_concurrent_streams_per_key_are_limited(database_url, admin_key):
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import Settings

    running = create_server(Settings(database_url=database_url, listen="127.0.0.1:0", max_streams_per_key=2))
    target = f"127.0.0.1:{running.port}"
    token, other = admin_key(running), admin_key(running)
    try:
        with KnownPartyClient(target, timeout=5, api_key=token) as client, KnownPartyClient(
            target, timeout=5, api_key=other
        ) as second:
            open_streams = [client._vetting.WatchDecisionChanges(types.WatchDecisionChangesRequest(), metadata=client._metadata) for _ in range(2)]
            time.sleep(0.5)
            third = _error(lambda: client.watch_decision_changes(timeout=2))
            assert isinstance(third, errors.ResourceExhausted) and third.reason == "TOO_MANY_STREAMS"
            # Another key has its own allowance.
            assert isinstance(_error(lambda: second.watch_decision_changes(timeout=1)), errors.DeadlineExceeded)
            open_streams[0].cancel()
            deadline = time.monotonic() + 10
            while True:
                error = _error(lambda: client.watch_decision_changes(timeout=1))
                if isinstance(error, errors.DeadlineExceeded) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert isinstance(error, errors.DeadlineExceeded)
            open_streams[1].cancel()
    finally:
        running.stop(grace=0)
