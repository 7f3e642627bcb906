"""Decisions and their inputs as plain JSON-able dicts: the signed payload, and what storage keeps.

The payload layout is the one `knownparty_client.attestation` checks a decision message against
(see the README, "Attestations"); scores and ratios are text with 4 decimals, times RFC 3339 UTC
with microseconds, so that the signed bytes never depend on float formatting.
"""

from __future__ import annotations

from datetime import datetime

from knownparty_service.domain.signing import format_fraction, format_time
from knownparty_service.domain.vetting.model import (
    ClearanceEvidence,
    ClearanceFact,
    Decision,
    HitEvidence,
    HitFact,
    Outcome,
    PartyFacts,
    PartyRevisionEvidence,
    Purpose,
    Reason,
    StandingEvidence,
    StandingFact,
    Trigger,
    VerificationFact,
    VettingInputs,
    ViolationEvidence,
    ViolationFact,
)

PAYLOAD_FORMAT = "knownparty.decision.v1"

# Domain values <-> the proto enum names the payload carries.
PURPOSE_NAMES = {
    Purpose.KNOWN_MARKETPLACE_SELLER: "PURPOSE_KNOWN_MARKETPLACE_SELLER",
    Purpose.KNOWN_CARRIER_CUSTOMER: "PURPOSE_KNOWN_CARRIER_CUSTOMER",
}
OUTCOME_NAMES = {
    Outcome.KNOWN: "OUTCOME_KNOWN",
    Outcome.NOT_KNOWN: "OUTCOME_NOT_KNOWN",
    Outcome.NEEDS_REVIEW: "OUTCOME_NEEDS_REVIEW",
}
TRIGGER_NAMES = {Trigger.REQUEST: "DECISION_TRIGGER_REQUEST", Trigger.REEVALUATION: "DECISION_TRIGGER_REEVALUATION"}
_PURPOSES = {v: k for k, v in PURPOSE_NAMES.items()}
_OUTCOMES = {v: k for k, v in OUTCOME_NAMES.items()}
_TRIGGERS = {v: k for k, v in TRIGGER_NAMES.items()}


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- the signed payload ---------------------------------------------------------------------------


def _evidence_to_dict(evidence) -> dict:
    if isinstance(evidence, ViolationEvidence):
        return {"violation": evidence.violation}
    if isinstance(evidence, PartyRevisionEvidence):
        return {"party_revision": evidence.party_revision}
    if isinstance(evidence, ClearanceEvidence):
        return {"match_clearance": evidence.match_clearance}
    if isinstance(evidence, HitEvidence):
        return {
            "watchlist_hit": {
                "entry": evidence.entry,
                "list_version": evidence.list_version,
                "matched_name": evidence.matched_name,
                "queried_name": evidence.queried_name,
                "score": format_fraction(evidence.score),
            }
        }
    if isinstance(evidence, StandingEvidence):
        return {
            "payment_standing": {
                "standing": evidence.standing,
                "repeat_customer": evidence.repeat_customer,
                "reason_codes": list(evidence.reason_codes),
                "shipments": evidence.shipments,
                "on_time_ratio": format_fraction(evidence.on_time_ratio),
                "overdue_lines": evidence.overdue_lines,
            }
        }
    raise TypeError(f"unknown evidence {evidence!r}")


def _evidence_from_dict(data: dict):
    (kind, value), = data.items()
    if kind == "violation":
        return ViolationEvidence(value)
    if kind == "party_revision":
        return PartyRevisionEvidence(value)
    if kind == "match_clearance":
        return ClearanceEvidence(value)
    if kind == "watchlist_hit":
        return HitEvidence(value["entry"], value["list_version"], value["matched_name"], value["queried_name"], float(value["score"]))
    if kind == "payment_standing":
        return StandingEvidence(
            value["standing"],
            value["repeat_customer"],
            tuple(value["reason_codes"]),
            value["shipments"],
            float(value["on_time_ratio"]),
            value["overdue_lines"],
        )
    raise ValueError(f"unknown evidence kind {kind!r}")


def decision_payload(decision: Decision) -> dict:
    """What is signed: everything the decision message says, in the client's layout."""
    return {
        "format": PAYLOAD_FORMAT,
        "name": decision.name,
        "purpose": PURPOSE_NAMES[decision.purpose],
        "flag": decision.flag,
        "outcome": OUTCOME_NAMES[decision.outcome],
        "trigger": TRIGGER_NAMES[decision.trigger],
        "party_revision": decision.party_revision,
        "policy_version": decision.policy_version,
        "list_versions": list(decision.list_versions),
        "decide_time": format_time(decision.decide_time),
        "valid_until": format_time(decision.valid_until),
        "reasons": [
            {
                "code": r.code,
                "message": r.message,
                "effect": OUTCOME_NAMES[r.effect],
                "evidence": [_evidence_to_dict(e) for e in r.evidence],
            }
            for r in decision.reasons
        ],
    }


def decision_from_payload(payload: dict, inputs: VettingInputs, attestation) -> Decision:
    """The stored decision back from its payload (storage keeps the signed bytes as the record)."""
    _, party_id, _, decision_id = payload["name"].split("/")
    return Decision(
        id=decision_id,
        party_id=party_id,
        purpose=_PURPOSES[payload["purpose"]],
        outcome=_OUTCOMES[payload["outcome"]],
        reasons=tuple(
            Reason(r["code"], r["message"], _OUTCOMES[r["effect"]], tuple(_evidence_from_dict(e) for e in r["evidence"]))
            for r in payload["reasons"]
        ),
        policy_version=payload["policy_version"],
        list_versions=tuple(payload["list_versions"]),
        decide_time=parse_time(payload["decide_time"]),
        valid_until=parse_time(payload["valid_until"]),
        trigger=_TRIGGERS[payload["trigger"]],
        party_revision=payload["party_revision"],
        inputs=inputs,
        attestation=attestation,
    )


# -- the recorded inputs --------------------------------------------------------------------------


def inputs_to_dict(inputs: VettingInputs) -> dict:
    party = inputs.party
    return {
        "purpose": inputs.purpose.value,
        "now": format_time(inputs.now),
        "high_volume": inputs.high_volume,
        "party": {
            "party_id": party.party_id,
            "kind": party.kind,
            "state": party.state,
            "revision": party.revision,
            "present_fields": list(party.present_fields),
            "verifications": [[v.field, v.method, format_time(v.verify_time)] for v in party.verifications],
        },
        "violations": [[v.name, v.category, v.status, format_time(v.occur_time)] for v in inputs.violations],
        "standing": None
        if inputs.standing is None
        else {
            "repeat_customer": inputs.standing.repeat_customer,
            "reason_codes": list(inputs.standing.reason_codes),
            "shipments": inputs.standing.shipments,
            "on_time_ratio": format_fraction(inputs.standing.on_time_ratio),
            "overdue_lines": inputs.standing.overdue_lines,
        },
        "hits": [
            [h.list_id, h.list_version, h.source_id, h.matched_name, h.queried_name, format_fraction(h.score), h.fingerprint]
            for h in inputs.hits
        ],
        "clearances": [[c.name, c.list_id, c.source_id, c.fingerprint] for c in inputs.clearances],
        "list_versions": list(inputs.list_versions),
    }


def inputs_from_dict(data: dict) -> VettingInputs:
    party = data["party"]
    standing = data["standing"]
    return VettingInputs(
        purpose=Purpose(data["purpose"]),
        now=parse_time(data["now"]),
        high_volume=data["high_volume"],
        party=PartyFacts(
            party_id=party["party_id"],
            kind=party["kind"],
            state=party["state"],
            revision=party["revision"],
            present_fields=tuple(party["present_fields"]),
            verifications=tuple(VerificationFact(f, m, parse_time(t)) for f, m, t in party["verifications"]),
        ),
        violations=tuple(ViolationFact(n, c, s, parse_time(t)) for n, c, s, t in data["violations"]),
        standing=None
        if standing is None
        else StandingFact(
            standing["repeat_customer"],
            tuple(standing["reason_codes"]),
            standing["shipments"],
            float(standing["on_time_ratio"]),
            standing["overdue_lines"],
        ),
        hits=tuple(HitFact(l, v, s, m, q, float(score), fp) for l, v, s, m, q, score, fp in data["hits"]),
        clearances=tuple(ClearanceFact(n, l, s, fp) for n, l, s, fp in data["clearances"]),
        list_versions=tuple(data["list_versions"]),
    )
