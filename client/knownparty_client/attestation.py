"""Offline verification of a decision's attestation, with nothing but the published public keys.

A decision is signed over a canonical JSON payload (format "knownparty.decision.v1"). Checking
it takes two steps: the Ed25519 signature over the payload bytes, then that the payload says
exactly what the decision message says, so that neither the signed bytes nor the message around
them can be changed unnoticed.

The time and fraction formatting here must stay identical to the server's
(`knownparty_service.domain.signing`); the client does not import the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from knownparty_client._generated import vetting_pb2

ALGORITHM = "ed25519"
PAYLOAD_FORMAT = "knownparty.decision.v1"

# The payload's fields in the order they are compared, so the first difference named is stable.
PAYLOAD_FIELDS = (
    "format",
    "name",
    "purpose",
    "flag",
    "outcome",
    "trigger",
    "party_revision",
    "policy_version",
    "list_versions",
    "decide_time",
    "valid_until",
    "reasons",
)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class AttestationCheck:
    valid: bool
    # Empty when valid.
    reason: str
    # The key the attestation names (empty when there is no attestation).
    key_id: str


def format_time(dt: datetime) -> str:
    """An aware datetime as UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ" (always six fraction digits)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("format_time needs an aware datetime")
    utc = dt.astimezone(timezone.utc)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def format_fraction(x: float) -> str:
    """A score or ratio as the fixed four-decimal string the payload carries."""
    return f"{x:.4f}"


def _timestamp_text(ts) -> str:
    # Decisions carry microseconds (nanos = us * 1000); arithmetic on the epoch, not
    # ts.ToDatetime(), so that any representable second works.
    return format_time(_EPOCH + timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000))


def _enum_name(enum_type, number: int) -> str | int:
    # A number this client's stubs do not know stays a number rather than failing the check.
    try:
        return enum_type.Name(number)
    except ValueError:
        return number


def _evidence_fields(evidence: vetting_pb2.Evidence) -> dict[str, Any]:
    kind = evidence.WhichOneof("ref")
    if kind is None:
        return {}
    if kind in ("violation", "party_revision", "match_clearance"):
        return {kind: getattr(evidence, kind)}
    if kind == "watchlist_hit":
        hit = evidence.watchlist_hit
        return {
            "watchlist_hit": {
                "entry": hit.entry,
                "list_version": hit.list_version,
                "matched_name": hit.matched_name,
                "queried_name": hit.queried_name,
                "score": format_fraction(hit.score),
            }
        }
    if kind == "payment_standing":
        standing = evidence.payment_standing
        return {
            "payment_standing": {
                "standing": standing.standing,
                "repeat_customer": standing.repeat_customer,
                "reason_codes": list(standing.reason_codes),
                "shipments": standing.shipments,
                "on_time_ratio": format_fraction(standing.on_time_ratio),
                "overdue_lines": standing.overdue_lines,
            }
        }
    raise ValueError(f"evidence kind {kind!r} has no payload encoding")  # a newer proto than this code


def decision_payload_fields(decision: vetting_pb2.Decision) -> dict[str, Any]:
    """The payload a decision's attestation signs, computed from the decision message.

    `canonical_json` of this dict is the byte string the server signs.
    """
    return {
        "format": PAYLOAD_FORMAT,
        "name": decision.name,
        "purpose": _enum_name(vetting_pb2.Purpose, decision.purpose),
        "flag": decision.flag,
        "outcome": _enum_name(vetting_pb2.Outcome, decision.outcome),
        "trigger": _enum_name(vetting_pb2.DecisionTrigger, decision.trigger),
        "party_revision": decision.party_revision,
        "policy_version": decision.policy_version,
        "list_versions": list(decision.list_versions),
        "decide_time": _timestamp_text(decision.decide_time),
        "valid_until": _timestamp_text(decision.valid_until),
        "reasons": [
            {
                "code": reason.code,
                "message": reason.message,
                "effect": _enum_name(vetting_pb2.Outcome, reason.effect),
                "evidence": [_evidence_fields(evidence) for evidence in reason.evidence],
            }
            for reason in decision.reasons
        ],
    }


def _key_map(keys: Iterable[vetting_pb2.SigningKey] | Mapping[str, bytes]) -> dict[str, bytes]:
    if isinstance(keys, Mapping):
        return {str(key_id): bytes(public_key) for key_id, public_key in keys.items()}
    return {
        key.key_id: bytes(key.public_key)
        for key in keys
        # Only Ed25519 keys can check an Ed25519 signature; an unset algorithm means the default.
        if key.algorithm in ("", ALGORITHM)
    }


def _signature_valid(public_key_raw: bytes, payload: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key_raw).verify(signature, payload)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value if value else '""'
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _same(a: Any, b: Any) -> bool:
    # Strict: JSON true must not pass for 1, nor 1 for "1".
    return type(a) is type(b) and a == b


def _first_difference(path: str, signed: Any, actual: Any) -> str | None:
    """The first place where the signed payload and the decision differ, as a reason; None if equal."""
    if isinstance(signed, dict) and isinstance(actual, dict):
        for key in actual:
            if key not in signed:
                return f"{path}.{key}: missing from the signed payload"
        for key in signed:
            if key not in actual:
                return f"{path}.{key}: in the signed payload but not in the decision"
        for key in actual:
            found = _first_difference(f"{path}.{key}", signed[key], actual[key])
            if found:
                return found
        return None
    if isinstance(signed, list) and isinstance(actual, list):
        if len(signed) != len(actual):
            return f"{path}: the signed payload has {len(signed)}, the decision has {len(actual)}"
        for index, (signed_item, actual_item) in enumerate(zip(signed, actual)):
            found = _first_difference(f"{path}[{index}]", signed_item, actual_item)
            if found:
                return found
        return None
    if _same(signed, actual):
        return None
    if type(signed) is not type(actual):
        # Plain text would hide the difference between "4" and 4.
        signed_text = json.dumps(signed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        actual_text = json.dumps(actual, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return f"{path}: the signed payload says {signed_text}, the decision says {actual_text}"
    return f"{path}: the signed payload says {_show(signed)}, the decision says {_show(actual)}"


def verify_attestation(
    decision: vetting_pb2.Decision,
    keys: Iterable[vetting_pb2.SigningKey] | Mapping[str, bytes],
) -> AttestationCheck:
    """Checks a decision's signature and that its signed payload matches the message.

    `keys` is what GetSigningKeys returned (SigningKey messages), or a mapping of key id to raw
    32-byte public key. Pass the retired keys too: old decisions stay signed by them.
    """
    if not decision.HasField("attestation"):
        return AttestationCheck(False, "the decision has no attestation", "")
    attestation = decision.attestation
    key_id = attestation.key_id

    def invalid(reason: str) -> AttestationCheck:
        return AttestationCheck(False, reason, key_id)

    if attestation.algorithm != ALGORITHM:
        return invalid(f"unsupported signature algorithm {_show(attestation.algorithm)} (expected {ALGORITHM})")
    public_keys = _key_map(keys)
    if key_id not in public_keys:
        known = ", ".join(sorted(public_keys)) or "none"
        return invalid(f"unknown signing key {_show(key_id)} (known keys: {known})")
    if not _signature_valid(public_keys[key_id], attestation.payload, attestation.signature):
        return invalid("the signature does not match the payload")

    # Signed by the key holder from here on; what remains is whether it signed *this* decision.
    try:
        signed = json.loads(attestation.payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return invalid("the signed payload is not UTF-8 JSON")
    if not isinstance(signed, dict):
        return invalid("the signed payload is not a JSON object")
    if signed.get("format") != PAYLOAD_FORMAT:
        return invalid(f"the signed payload's format is {_show(signed.get('format'))}, expected {PAYLOAD_FORMAT}")

    try:
        actual = decision_payload_fields(decision)
    except ValueError as exc:
        return invalid(f"the decision cannot be encoded for comparison: {exc}")
    for field in PAYLOAD_FIELDS:
        if field not in signed:
            return invalid(f"{field}: missing from the signed payload")
        difference = _first_difference(field, signed[field], actual[field])
        if difference:
            return invalid(difference)
    extra = sorted(set(signed) - set(PAYLOAD_FIELDS))
    if extra:
        return invalid(f"{extra[0]}: in the signed payload but not in the decision")
    return AttestationCheck(True, "", key_id)
