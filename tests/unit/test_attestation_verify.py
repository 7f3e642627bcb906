"""Offline attestation checks: a decision signed the way the server signs it verifies, and any
change to the message, the payload or the signature, or a key the caller does not know, is
refused with a reason that says what is wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from knownparty_client._generated import vetting_pb2
from knownparty_client.attestation import AttestationCheck, decision_payload_fields, verify_attestation
from knownparty_service.domain.signing import DecisionSigner, canonical_json

OLD_SIGNER = DecisionSigner(bytes(range(32)))
NEW_SIGNER = DecisionSigner(bytes(range(50, 82)))
FORGER = DecisionSigner(bytes(range(200, 232)))

DECIDE = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
VALID_UNTIL = datetime(2026, 3, 31, 9, 30, 15, 123456, tzinfo=timezone.utc)


def _timestamp(moment: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts


def _unsigned_decision() -> vetting_pb2.Decision:
    return vetting_pb2.Decision(
        name="parties/harbour/decisions/d-0001",
        purpose=vetting_pb2.PURPOSE_KNOWN_CARRIER_CUSTOMER,
        flag=False,
        outcome=vetting_pb2.OUTCOME_NEEDS_REVIEW,
        policy_version="2026.03.1",
        list_versions=["watchlists/ofac-sdn/versions/7", "watchlists/un/versions/3"],
        decide_time=_timestamp(DECIDE),
        valid_until=_timestamp(VALID_UNTIL),
        trigger=vetting_pb2.DECISION_TRIGGER_REQUEST,
        party_revision=4,
        reasons=[
            vetting_pb2.DecisionReason(
                code="IDENTITY_VERIFIED",
                message="The identity record was read.",
                effect=vetting_pb2.OUTCOME_KNOWN,
                evidence=[vetting_pb2.Evidence(party_revision="parties/harbour/revisions/4")],
            ),
            vetting_pb2.DecisionReason(
                code="VIOLATION_UNCONFIRMED",
                message="A reported violation awaits confirmation.",
                effect=vetting_pb2.OUTCOME_NEEDS_REVIEW,
                evidence=[vetting_pb2.Evidence(violation="parties/harbour/violations/jfk-handbags")],
            ),
            vetting_pb2.DecisionReason(
                code="WATCHLIST_ALERT",
                message="Name matches a sanctions list entry; one other hit was cleared.",
                effect=vetting_pb2.OUTCOME_NEEDS_REVIEW,
                evidence=[
                    vetting_pb2.Evidence(
                        watchlist_hit=vetting_pb2.WatchlistHit(
                            entry="watchlists/ofac-sdn/versions/7/entries/12345",
                            list_version="watchlists/ofac-sdn/versions/7",
                            matched_name="HARBOUR FREIGHT TRADING",
                            queried_name="Harbour Freight LLC",
                            score=0.91234,
                        )
                    ),
                    vetting_pb2.Evidence(match_clearance="parties/harbour/matchClearances/c-1"),
                ],
            ),
            vetting_pb2.DecisionReason(
                code="REPEAT_CUSTOMER",
                message="Paid every fee on time.",
                effect=vetting_pb2.OUTCOME_KNOWN,
                evidence=[
                    vetting_pb2.Evidence(
                        payment_standing=vetting_pb2.PaymentStandingEvidence(
                            standing="parties/harbour/paymentStanding",
                            repeat_customer=True,
                            reason_codes=["ENOUGH_SHIPMENTS", "NO_OVERDUE_FEES"],
                            shipments=12,
                            on_time_ratio=0.9166666,
                            overdue_lines=0,
                        )
                    )
                ],
            ),
        ],
    )


def _sign(decision: vetting_pb2.Decision, signer: DecisionSigner) -> vetting_pb2.Decision:
    """Attaches an attestation the way the server makes one."""
    payload = canonical_json(decision_payload_fields(decision))
    signed = vetting_pb2.Decision()
    signed.CopyFrom(decision)
    signed.attestation.CopyFrom(
        vetting_pb2.Attestation(
            key_id=signer.key_id, algorithm=signer.algorithm, payload=payload, signature=signer.sign(payload)
        )
    )
    return signed


def _keys(*signers: DecisionSigner) -> dict[str, bytes]:
    return {signer.key_id: signer.public_key for signer in signers}


def _altered(decision: vetting_pb2.Decision, change: Callable[[vetting_pb2.Decision], None]) -> vetting_pb2.Decision:
    copy = vetting_pb2.Decision()
    copy.CopyFrom(decision)
    change(copy)
    return copy


@pytest.fixture
def signed_decision() -> vetting_pb2.Decision:
    return _sign(_unsigned_decision(), NEW_SIGNER)


# -- the payload ------------------------------------------------------------------------------------


def test_payload_fields_follow_the_spec() -> None:
    fields = decision_payload_fields(_unsigned_decision())
    assert fields["format"] == "knownparty.decision.v1"
    assert fields["purpose"] == "PURPOSE_KNOWN_CARRIER_CUSTOMER"
    assert fields["outcome"] == "OUTCOME_NEEDS_REVIEW"
    assert fields["trigger"] == "DECISION_TRIGGER_REQUEST"
    assert fields["flag"] is False
    assert fields["party_revision"] == 4
    assert fields["list_versions"] == ["watchlists/ofac-sdn/versions/7", "watchlists/un/versions/3"]
    assert fields["decide_time"] == "2026-03-01T09:30:15.123456Z"
    assert fields["valid_until"] == "2026-03-31T09:30:15.123456Z"
    evidence = [item for reason in fields["reasons"] for item in reason["evidence"]]
    assert evidence == [
        {"party_revision": "parties/harbour/revisions/4"},
        {"violation": "parties/harbour/violations/jfk-handbags"},
        {
            "watchlist_hit": {
                "entry": "watchlists/ofac-sdn/versions/7/entries/12345",
                "list_version": "watchlists/ofac-sdn/versions/7",
                "matched_name": "HARBOUR FREIGHT TRADING",
                "queried_name": "Harbour Freight LLC",
                "score": "0.9123",
            }
        },
        {"match_clearance": "parties/harbour/matchClearances/c-1"},
        {
            "payment_standing": {
                "standing": "parties/harbour/paymentStanding",
                "repeat_customer": True,
                "reason_codes": ["ENOUGH_SHIPMENTS", "NO_OVERDUE_FEES"],
                "shipments": 12,
                "on_time_ratio": "0.9167",
                "overdue_lines": 0,
            }
        },
    ]
    assert [reason["effect"] for reason in fields["reasons"]] == [
        "OUTCOME_KNOWN",
        "OUTCOME_NEEDS_REVIEW",
        "OUTCOME_NEEDS_REVIEW",
        "OUTCOME_KNOWN",
    ]


def test_payload_has_no_floats_so_it_encodes_canonically() -> None:
    payload = canonical_json(decision_payload_fields(_unsigned_decision()))
    assert payload.startswith(b'{"decide_time":"2026-03-01T09:30:15.123456Z","flag":false,"format":')
    # The same decision always gives the same bytes (a message round trip included).
    again = vetting_pb2.Decision.FromString(_unsigned_decision().SerializeToString())
    assert canonical_json(decision_payload_fields(again)) == payload


def test_payload_ignores_the_attestation_itself(signed_decision: vetting_pb2.Decision) -> None:
    assert decision_payload_fields(signed_decision) == decision_payload_fields(_unsigned_decision())


# -- valid ------------------------------------------------------------------------------------------


def test_signed_decision_verifies(signed_decision: vetting_pb2.Decision) -> None:
    check = verify_attestation(signed_decision, _keys(NEW_SIGNER))
    assert check == AttestationCheck(valid=True, reason="", key_id=NEW_SIGNER.key_id)


def test_decision_verifies_after_a_wire_round_trip(signed_decision: vetting_pb2.Decision) -> None:
    received = vetting_pb2.Decision.FromString(signed_decision.SerializeToString())
    assert verify_attestation(received, _keys(NEW_SIGNER)).valid


def test_keys_as_signing_key_messages(signed_decision: vetting_pb2.Decision) -> None:
    published = vetting_pb2.GetSigningKeysResponse(
        keys=[
            vetting_pb2.SigningKey(key_id=OLD_SIGNER.key_id, algorithm="ed25519", public_key=OLD_SIGNER.public_key),
            vetting_pb2.SigningKey(
                key_id=NEW_SIGNER.key_id, algorithm="ed25519", public_key=NEW_SIGNER.public_key, current=True
            ),
        ]
    )
    check = verify_attestation(signed_decision, published.keys)
    assert check.valid, check.reason
    assert check.key_id == NEW_SIGNER.key_id
    # A generator works too: keys is any iterable.
    assert verify_attestation(signed_decision, (key for key in published.keys)).valid


def test_signing_key_message_of_another_algorithm_is_not_used(signed_decision: vetting_pb2.Decision) -> None:
    keys = [vetting_pb2.SigningKey(key_id=NEW_SIGNER.key_id, algorithm="rsa", public_key=NEW_SIGNER.public_key)]
    check = verify_attestation(signed_decision, keys)
    assert not check.valid
    assert check.reason.startswith("unknown signing key")


def test_rotation_old_decisions_still_verify_with_both_keys() -> None:
    old_decision = _sign(_unsigned_decision(), OLD_SIGNER)
    new_decision = _sign(_unsigned_decision(), NEW_SIGNER)
    both = _keys(OLD_SIGNER, NEW_SIGNER)
    assert verify_attestation(old_decision, both) == AttestationCheck(True, "", OLD_SIGNER.key_id)
    assert verify_attestation(new_decision, both) == AttestationCheck(True, "", NEW_SIGNER.key_id)
    # Without the retired key the old decision cannot be checked: it is not silently valid.
    only_new = verify_attestation(old_decision, _keys(NEW_SIGNER))
    assert not only_new.valid
    assert OLD_SIGNER.key_id in only_new.reason


# -- altered message ---------------------------------------------------------------------------------


def _set_outcome(d: vetting_pb2.Decision) -> None:
    d.outcome = vetting_pb2.OUTCOME_KNOWN


def _set_flag(d: vetting_pb2.Decision) -> None:
    d.flag = True


def _set_reason_message(d: vetting_pb2.Decision) -> None:
    d.reasons[2].message = "Nothing to see."


def _set_score(d: vetting_pb2.Decision) -> None:
    d.reasons[2].evidence[0].watchlist_hit.score = 0.5


def _set_decide_time(d: vetting_pb2.Decision) -> None:
    d.decide_time.nanos += 1000  # one microsecond later


def _drop_reason(d: vetting_pb2.Decision) -> None:
    del d.reasons[1]


def _swap_evidence_kind(d: vetting_pb2.Decision) -> None:
    d.reasons[1].evidence[0].party_revision = "parties/harbour/revisions/4"


def _add_list_version(d: vetting_pb2.Decision) -> None:
    d.list_versions.append("watchlists/eu/versions/1")


def _set_on_time_ratio(d: vetting_pb2.Decision) -> None:
    d.reasons[3].evidence[0].payment_standing.on_time_ratio = 1.0


@pytest.mark.parametrize(
    ("change", "expected_reason"),
    [
        (_set_outcome, "outcome: the signed payload says OUTCOME_NEEDS_REVIEW, the decision says OUTCOME_KNOWN"),
        (_set_flag, "flag: the signed payload says false, the decision says true"),
        (
            _set_reason_message,
            "reasons[2].message: the signed payload says Name matches a sanctions list entry; one other hit "
            "was cleared., the decision says Nothing to see.",
        ),
        (
            _set_score,
            "reasons[2].evidence[0].watchlist_hit.score: the signed payload says 0.9123, the decision says 0.5000",
        ),
        (
            _set_decide_time,
            "decide_time: the signed payload says 2026-03-01T09:30:15.123456Z, "
            "the decision says 2026-03-01T09:30:15.123457Z",
        ),
        (_drop_reason, "reasons: the signed payload has 4, the decision has 3"),
        (
            _swap_evidence_kind,
            "reasons[1].evidence[0].party_revision: missing from the signed payload",
        ),
        (_add_list_version, "list_versions: the signed payload has 2, the decision has 3"),
        (
            _set_on_time_ratio,
            "reasons[3].evidence[0].payment_standing.on_time_ratio: the signed payload says 0.9167, "
            "the decision says 1.0000",
        ),
    ],
)
def test_altered_decision_is_invalid_and_names_the_field(
    signed_decision: vetting_pb2.Decision,
    change: Callable[[vetting_pb2.Decision], None],
    expected_reason: str,
) -> None:
    check = verify_attestation(_altered(signed_decision, change), _keys(NEW_SIGNER))
    assert check == AttestationCheck(valid=False, reason=expected_reason, key_id=NEW_SIGNER.key_id)


def test_a_change_below_payload_precision_is_not_a_difference(signed_decision: vetting_pb2.Decision) -> None:
    # The payload carries four decimals: the score is attested to that precision, no finer.
    def nudge(d: vetting_pb2.Decision) -> None:
        d.reasons[2].evidence[0].watchlist_hit.score = 0.91231

    assert verify_attestation(_altered(signed_decision, nudge), _keys(NEW_SIGNER)).valid


# -- altered or forged attestation -------------------------------------------------------------------


def test_altered_payload_bytes_fail_the_signature(signed_decision: vetting_pb2.Decision) -> None:
    def edit_payload(d: vetting_pb2.Decision) -> None:
        d.attestation.payload = d.attestation.payload.replace(b"OUTCOME_NEEDS_REVIEW", b"OUTCOME_KNOWN")

    altered = _altered(signed_decision, edit_payload)
    assert altered.attestation.payload != signed_decision.attestation.payload
    check = verify_attestation(altered, _keys(NEW_SIGNER))
    assert check == AttestationCheck(False, "the signature does not match the payload", NEW_SIGNER.key_id)


def test_message_and_payload_altered_together_still_fail(signed_decision: vetting_pb2.Decision) -> None:
    # A consistent edit of both still lacks a signature from the real key.
    def edit_both(d: vetting_pb2.Decision) -> None:
        d.outcome = vetting_pb2.OUTCOME_KNOWN
        d.flag = True
        d.attestation.payload = canonical_json(decision_payload_fields(d))

    check = verify_attestation(_altered(signed_decision, edit_both), _keys(NEW_SIGNER))
    assert not check.valid
    assert check.reason == "the signature does not match the payload"


def test_forged_signature_under_the_real_key_id_is_invalid() -> None:
    forged = _sign(_unsigned_decision(), FORGER)
    forged.attestation.key_id = NEW_SIGNER.key_id  # claims to be the service's key
    check = verify_attestation(forged, _keys(OLD_SIGNER, NEW_SIGNER))
    assert check == AttestationCheck(False, "the signature does not match the payload", NEW_SIGNER.key_id)


def test_truncated_signature_is_invalid(signed_decision: vetting_pb2.Decision) -> None:
    def truncate(d: vetting_pb2.Decision) -> None:
        d.attestation.signature = d.attestation.signature[:10]

    check = verify_attestation(_altered(signed_decision, truncate), _keys(NEW_SIGNER))
    assert not check.valid
    assert check.reason == "the signature does not match the payload"


def test_unknown_key_id_is_invalid() -> None:
    decision = _sign(_unsigned_decision(), FORGER)
    check = verify_attestation(decision, _keys(OLD_SIGNER, NEW_SIGNER))
    assert not check.valid
    assert check.key_id == FORGER.key_id
    assert check.reason.startswith(f"unknown signing key {FORGER.key_id}")
    assert OLD_SIGNER.key_id in check.reason and NEW_SIGNER.key_id in check.reason


def test_no_keys_at_all_is_unknown_key(signed_decision: vetting_pb2.Decision) -> None:
    check = verify_attestation(signed_decision, {})
    assert not check.valid
    assert check.reason == f"unknown signing key {NEW_SIGNER.key_id} (known keys: none)"


def test_missing_attestation_is_invalid() -> None:
    check = verify_attestation(_unsigned_decision(), _keys(NEW_SIGNER))
    assert check == AttestationCheck(False, "the decision has no attestation", "")


def test_other_algorithm_is_invalid(signed_decision: vetting_pb2.Decision) -> None:
    def change_algorithm(d: vetting_pb2.Decision) -> None:
        d.attestation.algorithm = "rsa-pss"

    check = verify_attestation(_altered(signed_decision, change_algorithm), _keys(NEW_SIGNER))
    assert not check.valid
    assert check.reason == "unsupported signature algorithm rsa-pss (expected ed25519)"


def _signed_payload(payload: bytes, signer: DecisionSigner = NEW_SIGNER) -> vetting_pb2.Decision:
    decision = _unsigned_decision()
    decision.attestation.CopyFrom(
        vetting_pb2.Attestation(
            key_id=signer.key_id, algorithm="ed25519", payload=payload, signature=signer.sign(payload)
        )
    )
    return decision


@pytest.mark.parametrize(
    ("payload", "expected_reason"),
    [
        (b"\xff\xfe", "the signed payload is not UTF-8 JSON"),
        (b"{not json", "the signed payload is not UTF-8 JSON"),
        (b"[1,2]", "the signed payload is not a JSON object"),
        (
            b'{"format":"knownparty.decision.v0"}',
            "the signed payload's format is knownparty.decision.v0, expected knownparty.decision.v1",
        ),
        (b'{"name":"x"}', 'the signed payload\'s format is null, expected knownparty.decision.v1'),
    ],
)
def test_validly_signed_but_malformed_payload_is_invalid(payload: bytes, expected_reason: str) -> None:
    check = verify_attestation(_signed_payload(payload), _keys(NEW_SIGNER))
    assert check == AttestationCheck(False, expected_reason, NEW_SIGNER.key_id)


def test_signed_payload_missing_or_adding_a_field_is_invalid() -> None:
    fields = decision_payload_fields(_unsigned_decision())
    without_trigger = {key: value for key, value in fields.items() if key != "trigger"}
    check = verify_attestation(_signed_payload(canonical_json(without_trigger)), _keys(NEW_SIGNER))
    assert check.reason == "trigger: missing from the signed payload"

    with_extra = dict(fields, approved_by="someone")
    check = verify_attestation(_signed_payload(canonical_json(with_extra)), _keys(NEW_SIGNER))
    assert check.reason == "approved_by: in the signed payload but not in the decision"


def test_signed_payload_types_are_compared_strictly() -> None:
    # JSON 1 is not true, and "4" is not 4, even though Python's == would say so for the first.
    fields = decision_payload_fields(_unsigned_decision())
    as_number = json.dumps(dict(fields, flag=0), sort_keys=True, separators=(",", ":")).encode()
    check = verify_attestation(_signed_payload(as_number), _keys(NEW_SIGNER))
    assert check.reason == "flag: the signed payload says 0, the decision says false"

    as_text = canonical_json(dict(fields, party_revision="4"))
    check = verify_attestation(_signed_payload(as_text), _keys(NEW_SIGNER))
    assert check.reason == 'party_revision: the signed payload says "4", the decision says 4'
