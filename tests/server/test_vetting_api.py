"""VettingService over a real gRPC server on SQLite and PostgreSQL: decisions, reasons, signed
attestations, decisions in force, replay, match clearances, bulk vetting and decision changes."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from knownparty_client import errors, types
from knownparty_client.attestation import verify_attestation

NOW = datetime.now(timezone.utc)
WATCHLIST = (
    "id,name,type,countries\n"
    "W1,Ivan Petrovich Sidorov,individual,RU\n"
    "W2,Global Shadow Trading LLC,entity,AE\n"
).encode()


def import_watchlist(client, content: bytes = WATCHLIST):
    return client.import_watchlist("in-house", types.LIST_FORMAT_GENERIC_CSV, [("entries", "list.csv", content)])


def seller(client, name: str = "Harbor Lane Goods Inc", *, verified_days_ago: int = 10, **extra):
    verify_time = types.Timestamp()
    verify_time.FromDatetime(NOW - timedelta(days=verified_days_ago))
    party = types.Party(
        kind=types.PARTY_KIND_SELLER,
        legal_name=name,
        addresses=[types.Address(lines=["1 Main St"], city="Austin", country="US")],
        verifications=[
            types.FieldVerification(field="legal_name", method=types.VERIFICATION_METHOD_GOVERNMENT_REGISTRY, verify_time=verify_time)
        ],
        **extra,
    )
    return client.create_party(party)


def shipper(client, name: str = "Blue Parcel Exports Ltd"):
    return client.create_party(
        types.Party(
            kind=types.PARTY_KIND_SHIPPER,
            legal_name=name,
            addresses=[types.Address(lines=["9 Dock Rd"], city="Shenzhen", country="CN")],
        )
    )


def add_violation(client, party: str, category, source, reference: str, *, days_ago: int, status=None):
    violation = types.Violation(
        category=category, source=source, reference_number=reference, occur_time=_ts(NOW - timedelta(days=days_ago))
    )
    return client.create_violation(party, violation, initial_status=status)


def codes(decision) -> list[str]:
    return [r.code for r in decision.reasons]


def test_a_verified_seller_is_known_and_the_decision_is_signed(client):
    import_watchlist(client)
    party = seller(client)
    decision = client.vet_seller(party.name)
    assert decision.outcome == types.OUTCOME_KNOWN and decision.flag
    assert decision.purpose == types.PURPOSE_KNOWN_MARKETPLACE_SELLER
    assert decision.name.startswith(party.name + "/decisions/")
    assert {"PARTY_ACTIVE", "IDENTITY_VERIFIED", "NO_KNOWN_VIOLATIONS", "NO_WATCHLIST_ALERT"} <= set(codes(decision))
    assert decision.policy_version and list(decision.list_versions) == ["watchlists/in-house/versions/1"]
    assert decision.valid_until.ToDatetime() > decision.decide_time.ToDatetime()
    # Verified offline with the published keys, and by the service.
    keys = client.get_signing_keys()
    assert len(keys) == 1 and keys[0].current and keys[0].key_id == decision.attestation.key_id
    assert verify_attestation(decision, keys).valid
    assert client.verify_attestation(decision).valid
    assert client.verify_attestation_remotely(decision).valid
    # Read back, it is the same signed record.
    stored = client.get_decision(decision.name)
    assert stored == decision


def test_vetting_again_with_nothing_changed_returns_the_decision_in_force(client):
    import_watchlist(client)
    party = seller(client)
    first = client.vet_seller(party.name)
    assert client.vet_seller(party.name).name == first.name
    # A change to what the decision rests on makes a new one.
    add_violation(
        client, party.name,
        types.VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK,
        types.VIOLATION_SOURCE_CBP_SEIZURE,
        "CBP-1",
        days_ago=30,
        status=types.VIOLATION_STATUS_CONFIRMED,
    )
    second = client.vet_seller(party.name)
    assert second.name != first.name and second.outcome == types.OUTCOME_NOT_KNOWN and not second.flag
    counting = next(r for r in second.reasons if r.code == "KNOWN_VIOLATIONS")
    assert counting.effect == types.OUTCOME_NOT_KNOWN and counting.evidence[0].violation.startswith(party.name + "/violations/")
    assert [d.name for d in client.list_decisions(party.name)] == [second.name, first.name]


def _ts(moment: datetime) -> types.Timestamp:
    stamp = types.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def test_a_reported_violation_needs_review_never_a_silent_yes(client):
    import_watchlist(client)
    party = seller(client)
    add_violation(
        client, party.name,
        types.VIOLATION_CATEGORY_UNDERVALUATION,
        types.VIOLATION_SOURCE_MARKETPLACE_TAKEDOWN,
        "T-9",
        days_ago=3,
    )
    decision = client.vet_seller(party.name)
    assert decision.outcome == types.OUTCOME_NEEDS_REVIEW and not decision.flag
    assert codes(decision)[0] == "VIOLATION_UNDER_REVIEW"


def test_seller_identity_rules_and_inform_fields_for_high_volume(client):
    import_watchlist(client)
    stale = seller(client, "Stale Verify Shop", verified_days_ago=800)
    decision = client.vet_seller(stale.name)
    assert decision.outcome == types.OUTCOME_NOT_KNOWN and "IDENTITY_NOT_VERIFIED" in codes(decision)
    fresh = seller(client, "Fresh Verify Shop")
    assert client.vet_seller(fresh.name).outcome == types.OUTCOME_KNOWN
    # The same seller as a high-volume seller lacks the INFORM fields and a recertification.
    high = client.vet_seller(fresh.name, high_volume=True)
    assert high.outcome == types.OUTCOME_NOT_KNOWN
    assert {"IDENTITY_INCOMPLETE", "RECERTIFICATION_OVERDUE"} <= set(codes(high))


def test_a_watchlist_alert_needs_review_until_an_analyst_clears_it(client):
    import_watchlist(client)
    party = seller(client, "Global Shadow Trading")
    decision = client.vet_seller(party.name)
    assert decision.outcome in (types.OUTCOME_NEEDS_REVIEW, types.OUTCOME_NOT_KNOWN)
    hit_reason = next(r for r in decision.reasons if r.code in ("WATCHLIST_ALERT", "WATCHLIST_MATCH"))
    hit = hit_reason.evidence[0].watchlist_hit
    assert hit.entry == "watchlists/in-house/versions/1/entries/W2" and hit.queried_name == "Global Shadow Trading"

    clearance = client.clear_watchlist_match(party.name, hit.entry, analyst="ana@example.com", reason="different company, other country")
    assert clearance.name.startswith(party.name + "/matchClearances/") and clearance.entry_fingerprint
    cleared = client.vet_seller(party.name)
    assert cleared.outcome == types.OUTCOME_KNOWN
    assert "WATCHLIST_HITS_CLEARED" in codes(cleared)
    assert [c.name for c in client.list_match_clearances(party.name)] == [clearance.name]

    # A changed entry alerts again, although the clearance stands.
    import_watchlist(client, WATCHLIST.replace(b"Global Shadow Trading LLC,entity,AE", b"Global Shadow Trading LLC,entity,AE;IR"))
    _wait_for_version(client, 2)
    again = client.vet_seller(party.name)
    assert again.outcome != types.OUTCOME_KNOWN and "WATCHLIST_HITS_CLEARED" not in codes(again)

    revoked = client.revoke_match_clearance(clearance.name, analyst="lead@example.com")
    assert revoked.revoked_by == "lead@example.com" and revoked.HasField("revoke_time")
    assert list(client.list_match_clearances(party.name)) == []
    assert len(list(client.list_match_clearances(party.name, show_revoked=True))) == 1
    with pytest.raises(errors.FailedPrecondition):
        client.revoke_match_clearance(clearance.name, analyst="lead@example.com")


def _wait_for_version(client, version: int, timeout: float = 10.0) -> None:
    # The import returns once this process's index includes the new version.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get_watchlist_version("in-house").name.endswith(f"/{version}"):
            return
        time.sleep(0.1)
    raise AssertionError(f"version {version} never became active")


def test_a_clearance_for_an_entry_that_never_matched_is_refused(client):
    import_watchlist(client)
    party = seller(client, "Quiet Honest Crafts")
    with pytest.raises(errors.FailedPrecondition) as caught:
        client.clear_watchlist_match(
            party.name, "watchlists/in-house/versions/1/entries/W1", analyst="ana@example.com", reason="not him"
        )
    assert caught.value.reason == "NOT_A_MATCH"
    assert list(client.list_match_clearances(party.name, show_revoked=True)) == []
    with pytest.raises(errors.InvalidArgument) as bad:
        client.clear_watchlist_match(party.name, "not-an-entry", analyst="", reason="")
    assert {"clearance.entry", "clearance.analyst", "clearance.reason"} <= {v.field for v in bad.value.field_violations}


def test_shipper_standing_decides_the_carrier_flag(client):
    import_watchlist(client)
    party = shipper(client)
    decision = client.check_shipper(party.name)
    assert decision.outcome == types.OUTCOME_NOT_KNOWN and decision.purpose == types.PURPOSE_KNOWN_CARRIER_CUSTOMER
    reason = next(r for r in decision.reasons if r.code == "NOT_REPEAT_CUSTOMER")
    standing = reason.evidence[0].payment_standing
    assert standing.standing == party.name + "/paymentStanding" and not standing.repeat_customer
    assert "TOO_FEW_SHIPMENTS" in standing.reason_codes

    # Four paid shipments over two months make a repeat customer.
    for n, days_ago in enumerate((70, 50, 30, 10)):
        shipped = NOW - timedelta(days=days_ago)
        client.record_fee(
            party.name,
            types.FeeLine(
                carrier="UPS",
                shipment_reference=f"S-{n}",
                fee_type=types.FEE_TYPE_DUTY,
                shipment_time=_ts(shipped),
                billed=types.Money(currency_code="USD", amount_minor=1500),
                bill_time=_ts(shipped),
                due_time=_ts(shipped + timedelta(days=5)),
            ),
        )
        client.record_payment(
            party.name,
            carrier="UPS",
            shipment_reference=f"S-{n}",
            fee_type=types.FEE_TYPE_DUTY,
            payment=types.Payment(
                payment_reference=f"P-{n}",
                amount=types.Money(currency_code="USD", amount_minor=1500),
                paid_time=_ts(shipped + timedelta(days=1)),
            ),
        )
    known = client.check_shipper(party.name)
    assert known.outcome == types.OUTCOME_KNOWN and "REPEAT_CUSTOMER" in codes(known)


def test_wrong_party_kind_unknown_and_archived_parties(client):
    import_watchlist(client)
    ship = shipper(client)
    with pytest.raises(errors.FailedPrecondition) as wrong:
        client.vet_seller(ship.name)
    assert wrong.value.reason == "WRONG_PARTY_KIND"
    with pytest.raises(errors.NotFound):
        client.vet_seller("parties/nobody-here")
    with pytest.raises(errors.InvalidArgument) as bad:
        client.check_shipper("sellers/x")
    assert [v.field for v in bad.value.field_violations] == ["party"]
    archived = seller(client, "Closed Shop")
    client.delete_party(archived.name, etag=archived.etag)
    with pytest.raises(errors.FailedPrecondition) as gone:
        client.vet_seller(archived.name)
    assert gone.value.reason == "PARTY_ARCHIVED"
    assert list(client.list_decisions()) == []


def test_decision_in_force_at_a_past_time(client):
    import_watchlist(client)
    party = seller(client)
    first = client.vet_seller(party.name)
    between = datetime.now(timezone.utc)
    time.sleep(0.01)
    add_violation(
        client, party.name,
        types.VIOLATION_CATEGORY_NARCOTICS,
        types.VIOLATION_SOURCE_CBP_SEIZURE,
        "N-1",
        days_ago=1,
        status=types.VIOLATION_STATUS_CONFIRMED,
    )
    second = client.vet_seller(party.name)
    purpose = types.PURPOSE_KNOWN_MARKETPLACE_SELLER
    assert client.get_decision_in_force(party.name, purpose, at_time=between).name == first.name
    assert client.get_decision_in_force(party.name, purpose).name == second.name
    with pytest.raises(errors.NotFound):
        client.get_decision_in_force(party.name, purpose, at_time=NOW - timedelta(days=365))
    with pytest.raises(errors.InvalidArgument) as bad:
        client.get_decision_in_force(party.name, 0)
    assert [v.field for v in bad.value.field_violations] == ["purpose"]


def test_replay_agrees_even_after_the_records_changed(client):
    import_watchlist(client)
    party = seller(client)
    decision = client.vet_seller(party.name)
    # The records change after the fact: a confirmed violation, a new list version.
    add_violation(
        client, party.name,
        types.VIOLATION_CATEGORY_FORCED_LABOR,
        types.VIOLATION_SOURCE_COURT_OR_AGENCY_PENALTY,
        "WRO-7",
        days_ago=2,
        status=types.VIOLATION_STATUS_CONFIRMED,
    )
    import_watchlist(client, WATCHLIST + b"W3,Harbor Lane Goods Incorporated,entity,US\n")
    replay = client.replay_decision(decision.name)
    assert replay.same and list(replay.differences) == []
    assert replay.replayed_outcome == decision.outcome == types.OUTCOME_KNOWN
    assert [r.code for r in replay.replayed_reasons] == codes(decision)
    with pytest.raises(errors.InvalidArgument):
        client.replay_decision("parties/x/violations/y")
    with pytest.raises(errors.NotFound):
        client.replay_decision(party.name + "/decisions/d0000")


def test_forged_or_altered_attestations_verify_false_with_the_reason(client):
    import_watchlist(client)
    party = seller(client)
    decision = client.vet_seller(party.name)
    altered = types.Decision()
    altered.CopyFrom(decision)
    altered.outcome = types.OUTCOME_NEEDS_REVIEW
    check = client.verify_attestation_remotely(altered)
    assert not check.valid and check.reason.startswith("outcome:")
    tampered = types.Decision()
    tampered.CopyFrom(decision)
    tampered.attestation.payload = decision.attestation.payload.replace(b"OUTCOME_KNOWN", b"OUTCOME_NOT_KNOWN")
    check = client.verify_attestation_remotely(tampered)
    assert not check.valid and "signature" in check.reason
    unsigned = types.Decision()
    unsigned.CopyFrom(decision)
    unsigned.ClearField("attestation")
    assert not client.verify_attestation(unsigned).valid


def test_bulk_vetting_answers_in_order_with_errors_in_place(client):
    import_watchlist(client)
    sellers = [seller(client, f"Bulk Seller {n}") for n in range(3)]
    ship = shipper(client)
    requests = [types.VetPartyRequest(tag=f"s{n}", vet_seller=types.VetSellerRequest(party=p.name)) for n, p in enumerate(sellers)]
    requests.insert(1, types.VetPartyRequest(tag="wrong", vet_seller=types.VetSellerRequest(party=ship.name)))
    requests.append(types.VetPartyRequest(tag="ship", check_shipper=types.CheckShipperRequest(party=ship.name)))
    requests.append(types.VetPartyRequest(tag="empty"))
    answers = list(client.vet_parties(requests))
    assert [a.tag for a in answers] == ["s0", "wrong", "s1", "s2", "ship", "empty"]
    assert answers[1].error.code == "FAILED_PRECONDITION" and not answers[1].HasField("decision")
    assert answers[5].error.code == "INVALID_ARGUMENT" and answers[5].error.field_violations[0].field == "request"
    assert all(answers[i].decision.outcome == types.OUTCOME_KNOWN for i in (0, 2, 3))
    assert answers[4].decision.purpose == types.PURPOSE_KNOWN_CARRIER_CUSTOMER


def test_bulk_vetting_answers_whatever_the_message_sizes(client, target, admin_metadata):
    """Requests may come many or one to a message (or none); answers keep their order, in
    rounds that need not line up with the request messages."""
    import grpc

    from knownparty_client._generated import vetting_pb2_grpc

    import_watchlist(client)
    sellers = [seller(client, f"Sized Seller {n}") for n in range(3)]
    items = [
        types.VetPartyRequest(tag=str(n), vet_seller=types.VetSellerRequest(party=sellers[n % 3].name)) for n in range(700)
    ]
    messages = [
        types.VetPartiesRequest(requests=items[:1]),
        types.VetPartiesRequest(),
        types.VetPartiesRequest(requests=items[1:601]),
        types.VetPartiesRequest(requests=items[601:]),
    ]
    def sent_slowly():
        # Each message on its own: the server must wait for requests after an empty message.
        for message in messages:
            yield message
            time.sleep(0.2)

    with grpc.insecure_channel(target) as channel:
        stub = vetting_pb2_grpc.VettingServiceStub(channel)
        responses = list(stub.VetParties(iter(messages), metadata=admin_metadata, timeout=60))
        slowly = list(stub.VetParties(sent_slowly(), metadata=admin_metadata, timeout=60))
    assert [a.tag for r in slowly for a in r.answers] == [str(n) for n in range(700)]
    answers = [a for r in responses for a in r.answers]
    assert [a.tag for a in answers] == [str(n) for n in range(700)]
    assert all(a.HasField("decision") and a.decision.outcome == types.OUTCOME_KNOWN for a in answers)
    assert max(len(r.answers) for r in responses) > 1  # answered in rounds, not one message each
    # The same party vetted again in one stream keeps its one decision in force.
    assert len({a.decision.name for a in answers}) == 3
    # And through the client, one request a message.
    again = list(client.vet_parties(items[:5], batch_size=1))
    assert [a.decision.name for a in again] == [a.decision.name for a in answers[:5]]
    with pytest.raises(ValueError):
        list(client.vet_parties(items[:5], batch_size=0))


def test_bulk_vetting_shares_rounds_with_its_helper_process(client, server, monkeypatch):
    """Once the helper process is up, half of each round's parties are decided there: stored,
    signed and answered exactly as the server's own, and kept by the server afterwards."""
    import_watchlist(client)
    sellers = [seller(client, f"Helped Seller {n}") for n in range(40)]
    sellers.append(seller(client, "Global Shadow Trading LLC"))  # a listed name: not known or needs review
    helper = server.vetting_helper
    assert helper is not None
    list(client.vet_parties([types.VetPartyRequest(tag="start", vet_seller=types.VetSellerRequest(party=sellers[0].name))]))
    assert helper.wait_ready(120), "the helper process did not come up"
    requests = [types.VetPartyRequest(tag=str(n), vet_seller=types.VetSellerRequest(party=p.name)) for n, p in enumerate(sellers)]
    requests.append(types.VetPartyRequest(tag="missing", vet_seller=types.VetSellerRequest(party="parties/no-such-seller")))
    before = helper.rounds_answered
    answers = list(client.vet_parties(requests))
    assert helper.rounds_answered > before
    assert [a.tag for a in answers] == [str(n) for n in range(len(sellers))] + ["missing"]
    assert answers[-1].error.code == "NOT_FOUND"
    assert [a.decision.outcome for a in answers[:-2]] == [types.OUTCOME_KNOWN] * (len(sellers) - 1)
    assert answers[-2].decision.outcome in (types.OUTCOME_NEEDS_REVIEW, types.OUTCOME_NOT_KNOWN)
    state_reads = count_state_reads(server, monkeypatch)
    for answer in answers[:-1]:
        assert client.verify_attestation(answer.decision).valid
        # Stored, and the decision in force: the same one comes back from a unary call.
        assert client.vet_seller(answer.decision.name.split("/decisions/")[0]).name == answer.decision.name
        assert client.get_decision(answer.decision.name) == answer.decision
    # A server alone on its SQLite file kept the states the round left, the helper's included.
    assert len(state_reads) == (0 if server.database.sole_writer else len(answers) - 1)
    # Rounds too large for the pipe to hold ahead (long names) wait for the answers before them
    # (the pipe is widened to 1 MiB where the system allows: taken as the default 64 KiB here).
    assert helper._request_pipe_size >= 64 * 1024
    helper._request_pipe_size = 64 * 1024
    long_names = [
        types.VetPartyRequest(tag=f"L{n}", vet_seller=types.VetSellerRequest(party=f"parties/{'x' * 900}{n}")) for n in range(600)
    ]
    mixed = [*long_names[:300], *requests[:10], *long_names[300:]]
    answers = list(client.vet_parties(mixed))
    assert [a.tag for a in answers] == [r.tag for r in mixed]
    assert all(a.HasField("error") for a in answers if a.tag.startswith("L"))
    assert all(a.HasField("decision") for a in answers if not a.tag.startswith("L"))


def count_state_reads(server, monkeypatch) -> list:
    """The vetting-state reads (DecisionRepository.vet_state) the server makes from now on."""
    reads: list = []
    read = server.database.fetch_one

    def counted(query, values):
        if set(values) == {"party_id", "purpose"}:
            reads.append(values["party_id"])
        return read(query, values)

    monkeypatch.setattr(server.database, "fetch_one", counted)
    return reads


def test_a_repeated_vetting_reads_nothing_until_something_is_written(client, server, monkeypatch):
    """A server alone on its SQLite file keeps what a repeated vetting reads (a read would queue
    its RPC thread behind the others for the GIL) until it writes anything. PostgreSQL may have
    other writers: there each vetting reads."""
    import_watchlist(client)
    party = seller(client)
    first = client.vet_seller(party.name)
    state_reads = count_state_reads(server, monkeypatch)
    for _ in range(3):
        assert client.vet_seller(party.name).name == first.name
    assert len(state_reads) == (0 if server.database.sole_writer else 3)
    assert server.database.sole_writer == server.database.is_sqlite
    # What a decision rests on changes: the next vetting sees it, then keeps the new state.
    client.update_party(types.Party(name=party.name, legal_name="Global Shadow Trading LLC"), ["legal_name"])
    assert server.reevaluator.wait_idle(30)
    second = client.vet_seller(party.name)
    assert second.name != first.name and second.outcome != types.OUTCOME_KNOWN
    reads_before = len(state_reads)
    assert client.vet_seller(party.name).name == second.name
    assert len(state_reads) == reads_before + (0 if server.database.sole_writer else 1)
    client.delete_party(party.name)
    with pytest.raises(errors.FailedPrecondition) as gone:
        client.vet_seller(party.name)
    assert gone.value.reason == "PARTY_ARCHIVED"


def test_changes_after_a_violation_are_published_and_resumable(client, server):
    import_watchlist(client)
    party = seller(client)
    client.vet_seller(party.name)
    start = list(client.list_decision_changes())
    add_violation(
        client, party.name,
        types.VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK,
        types.VIOLATION_SOURCE_CBP_SEIZURE,
        "CBP-77",
        days_ago=5,
        status=types.VIOLATION_STATUS_CONFIRMED,
    )
    assert server.reevaluator.wait_idle(30)
    changes = list(client.list_decision_changes())
    assert len(changes) == len(start) + 1
    change = changes[-1]
    assert change.previous_outcome == types.OUTCOME_KNOWN
    assert change.decision.outcome == types.OUTCOME_NOT_KNOWN
    assert change.decision.trigger == types.DECISION_TRIGGER_REEVALUATION
    assert client.verify_attestation(change.decision).valid
    # A watcher resuming from before the change gets it first.
    watched = next(iter(client.watch_decision_changes(cursor=start[-1].cursor if start else "", from_beginning=True, timeout=5)))
    assert watched.decision.name == change.decision.name
    with pytest.raises(errors.InvalidArgument):
        list(client.list_decision_changes(cursor="not-a-cursor"))


def test_a_changed_policy_under_a_recorded_version_is_refused_at_start(database_url, tmp_path):
    from knownparty_service.api.server import create_server
    from knownparty_service.domain.policy import PolicyError
    from knownparty_service.settings import DEFAULT_POLICY_FILE, Settings

    first = create_server(Settings(database_url=database_url, listen="127.0.0.1:0"))
    first.stop(grace=0)
    changed = tmp_path / "policy.toml"
    changed.write_text(DEFAULT_POLICY_FILE.read_text().replace("valid_for_days = 30", "valid_for_days = 7"))
    with pytest.raises(PolicyError) as caught:
        create_server(Settings(database_url=database_url, listen="127.0.0.1:0", policy_file=changed))
    assert "already recorded with other values" in str(caught.value) and str(changed) in str(caught.value)


def test_old_keys_keep_verifying_after_a_key_rotation(database_url, tmp_path, admin_key):
    from knownparty_client import KnownPartyClient
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import Settings

    def start(key_file):
        return create_server(Settings(database_url=database_url, listen="127.0.0.1:0", signing_key_file=key_file))

    first = start(tmp_path / "old.key")
    token = admin_key(first)
    try:
        with KnownPartyClient(f"127.0.0.1:{first.port}", api_key=token) as client:
            import_watchlist(client)
            decision = client.vet_seller(seller(client).name)
    finally:
        first.stop(grace=0)
    second = start(tmp_path / "new.key")
    try:
        with KnownPartyClient(f"127.0.0.1:{second.port}", api_key=token) as client:
            keys = client.get_signing_keys()
            assert len(keys) == 2 and keys[0].current and not keys[1].current
            assert keys[1].key_id == decision.attestation.key_id
            assert client.verify_attestation(client.get_decision(decision.name)).valid
            assert client.verify_attestation_remotely(decision).valid
            newer = client.vet_seller(seller(client, "Second Shop LLC").name)
            assert newer.attestation.key_id == keys[0].key_id != decision.attestation.key_id
    finally:
        second.stop(grace=0)


def test_a_policy_change_re_decides_and_publishes_what_changed(database_url, tmp_path, admin_key):
    from knownparty_client import KnownPartyClient
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import DEFAULT_POLICY_FILE, Settings

    first = create_server(Settings(database_url=database_url, listen="127.0.0.1:0"))
    token = admin_key(first)
    try:
        with KnownPartyClient(f"127.0.0.1:{first.port}", api_key=token) as client:
            import_watchlist(client)
            decision = client.vet_seller(seller(client, verified_days_ago=10).name)
            assert decision.outcome == types.OUTCOME_KNOWN
    finally:
        first.stop(grace=0)
    stricter = tmp_path / "policy.toml"
    text = re.sub(r'(?m)^version = ".*"$', 'version = "2026-12-05.1"', DEFAULT_POLICY_FILE.read_text())
    stricter.write_text(text.replace("verification_max_age_days = 730", "verification_max_age_days = 5"))
    second = create_server(Settings(database_url=database_url, listen="127.0.0.1:0", policy_file=stricter))
    try:
        assert second.reevaluator.wait_idle(30)
        with KnownPartyClient(f"127.0.0.1:{second.port}", api_key=token) as client:
            (change,) = list(client.list_decision_changes())
            assert change.previous_outcome == types.OUTCOME_KNOWN
            assert change.decision.outcome == types.OUTCOME_NOT_KNOWN
            assert change.decision.policy_version == "2026-12-05.1"
            assert "IDENTITY_NOT_VERIFIED" in codes(change.decision)
            # The old decision still replays under its own policy version.
            assert client.replay_decision(decision.name).same
    finally:
        second.stop(grace=0)


def test_a_kept_decision_expires_when_time_alone_changes_the_outcome(client, server):
    import_watchlist(client)
    party = seller(client, "Ageing Proof Shop", verified_days_ago=725)
    first = client.vet_seller(party.name)
    assert first.outcome == types.OUTCOME_KNOWN
    assert client.vet_seller(party.name).name == first.name  # nothing changed: the kept decision
    desk = server.reevaluator._desk
    real_clock = desk._clock
    desk._clock = lambda: real_clock() + timedelta(days=6)  # the verification is now 731 days old
    try:
        later = client.vet_seller(party.name)
    finally:
        desk._clock = real_clock
    assert later.name != first.name and later.outcome == types.OUTCOME_NOT_KNOWN
    assert "IDENTITY_NOT_VERIFIED" in codes(later)


def test_background_passes_reuse_their_database_connections(client, server):
    """Each re-evaluation pass used to start threads of its own, each opening a read connection
    that outlived it: a busy ledger ran PostgreSQL out of connections."""
    import_watchlist(client)
    party = shipper(client).name
    client.check_shipper(party)
    for n in range(30):
        client.record_fee(
            party,
            types.FeeLine(
                carrier="UPS",
                shipment_reference=f"S{n}",
                fee_type=types.FEE_TYPE_DUTY,
                shipment_time=_ts(NOW - timedelta(days=10)),
                billed=types.Money(currency_code="USD", amount_minor=100),
                bill_time=_ts(NOW - timedelta(days=10)),
                due_time=_ts(NOW + timedelta(days=5)),
            ),
        )
        assert server.reevaluator.wait_idle(30)
    # 8 RPC threads, 4 re-evaluation threads, the index keeper and the health watch.
    assert server.database.read_connection_count <= 14


def test_re_evaluation_reads_records_in_bulk_exactly_as_one_party_at_a_time(client, server):
    """A pass re-evaluates parties a few hundred at a time from bulk reads: each bulk read must
    give what the single-party read gives, for parties with and without records."""
    from knownparty_service.domain.vetting.model import Purpose

    import_watchlist(client)
    cleared = seller(client, "Global Shadow Trading")
    hit = next(r for r in client.vet_seller(cleared.name).reasons if r.code in ("WATCHLIST_ALERT", "WATCHLIST_MATCH"))
    client.clear_watchlist_match(cleared.name, hit.evidence[0].watchlist_hit.entry, analyst="ana@example.com", reason="other firm")
    with_violation = seller(client, "Second Harbor Shop")
    add_violation(
        client, with_violation.name,
        types.VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK, types.VIOLATION_SOURCE_CBP_SEIZURE, "CBP-9", days_ago=3,
    )
    plain = seller(client, "Third Harbor Shop")
    ship = shipper(client)
    for party in (cleared, with_violation, plain):
        client.vet_seller(party.name)
    client.check_shipper(ship.name)
    never_vetted = seller(client, "Fourth Harbor Shop")
    assert server.reevaluator.wait_idle(30)

    desk = server.reevaluator._desk
    ids = [p.name.split("/")[1] for p in (cleared, with_violation, plain, ship, never_vetted)] + ["no-such-party"]
    now = datetime.now(timezone.utc)
    assert desk._parties.get_many(ids) == {i: desk._parties.get(i) for i in ids[:-1]}
    facts = desk._violations.facts_of_parties(ids)
    assert facts == {i: desk._violations.facts_of_party(i) for i in ids} and len(facts[ids[1]]) == 1
    clearances = desk._decisions.active_clearances_of_parties(ids)
    assert clearances == {i: desk._decisions.active_clearances(i) for i in ids} and len(clearances[ids[0]]) == 1
    expected = {}
    for i in ids:
        for purpose in Purpose:
            found = desk._decisions.in_force(i, purpose, now)
            if found is not None:
                expected[(i, purpose)] = found
    in_force = desk._decisions.in_force_of_parties(ids, now)
    assert in_force == expected and len(in_force) == 4

    # Nothing changed since the decisions: a bulk pass changes nothing. A list naming the plain
    # seller then changes its outcome alone.
    targets = desk._decisions.decided_parties(None)
    assert len(targets) == 4 and desk.reevaluate_many(targets) == []
    before = list(client.list_decision_changes())
    import_watchlist(client, WATCHLIST + b"W3,Third Harbor Shop,entity,US\n")
    assert server.reevaluator.wait_idle(30)
    after = list(client.list_decision_changes())
    assert [c.decision.name.split("/decisions/")[0] for c in after[len(before):]] == [plain.name]
    assert after[-1].decision.outcome != types.OUTCOME_KNOWN


@pytest.mark.parametrize("name", ["Global Shadow Trading", "Harbor Lane Goods Inc"])
def test_a_stored_decision_reads_back_equal_to_the_decision_made(client, server, name):
    """The store keeps the decisions it writes as decoded (so that the next vetting need not
    decode them): that is only right if decoding the stored row gives the very same decision."""
    from knownparty_service.domain.vetting.model import Purpose

    import_watchlist(client)
    party = seller(client, name)
    add_violation(
        client, party.name,
        types.VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK, types.VIOLATION_SOURCE_CBP_SEIZURE, "CBP-1", days_ago=3,
    )
    desk = server.reevaluator._desk
    decided = desk.vet(party.name, Purpose.KNOWN_MARKETPLACE_SELLER)
    assert decided.reasons and decided.inputs.violations
    store = desk._decisions
    store._decoded.clear()
    store._newest.clear()
    assert store.get(party.name.split("/")[1], decided.id) == decided


def test_one_party_failing_its_re_evaluation_does_not_hold_back_the_others(client, server, monkeypatch):
    import_watchlist(client)
    broken, fine = seller(client, "Broken Record Shop"), seller(client, "Fine Record Shop")
    for party in (broken, fine):
        client.vet_seller(party.name)
    assert server.reevaluator.wait_idle(30)
    desk = server.reevaluator._desk
    real_gather = desk._gather

    def gather(party, *args, **kwargs):
        if party.fields.legal_name == "Broken Record Shop":
            raise RuntimeError("a record that does not decode")
        return real_gather(party, *args, **kwargs)

    monkeypatch.setattr(desk, "_gather", gather)
    before = list(client.list_decision_changes())
    import_watchlist(client, WATCHLIST + b"W3,Broken Record Shop,entity,US\nW4,Fine Record Shop,entity,US\n")
    assert server.reevaluator.wait_idle(30)
    changed = [c.decision.name.split("/decisions/")[0] for c in list(client.list_decision_changes())[len(before):]]
    assert changed == [fine.name]
