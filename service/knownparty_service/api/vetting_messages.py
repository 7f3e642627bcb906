"""Translation between knownparty.v1 vetting messages and the vetting domain."""

from __future__ import annotations

from knownparty_client._generated import vetting_pb2 as pb
from knownparty_service.api.party_messages import time_out
from knownparty_service.domain.vetting.model import (
    ClearanceEvidence,
    Decision,
    DecisionChange,
    HitEvidence,
    MatchClearance,
    Outcome,
    PartyRevisionEvidence,
    Purpose,
    StandingEvidence,
    Trigger,
    ViolationEvidence,
)

PURPOSES = {
    pb.PURPOSE_KNOWN_MARKETPLACE_SELLER: Purpose.KNOWN_MARKETPLACE_SELLER,
    pb.PURPOSE_KNOWN_CARRIER_CUSTOMER: Purpose.KNOWN_CARRIER_CUSTOMER,
}
OUTCOMES = {
    pb.OUTCOME_KNOWN: Outcome.KNOWN,
    pb.OUTCOME_NOT_KNOWN: Outcome.NOT_KNOWN,
    pb.OUTCOME_NEEDS_REVIEW: Outcome.NEEDS_REVIEW,
}
TRIGGERS = {pb.DECISION_TRIGGER_REQUEST: Trigger.REQUEST, pb.DECISION_TRIGGER_REEVALUATION: Trigger.REEVALUATION}
PURPOSES_OUT = {v: k for k, v in PURPOSES.items()}
OUTCOMES_OUT = {v: k for k, v in OUTCOMES.items()}
TRIGGERS_OUT = {v: k for k, v in TRIGGERS.items()}


def _evidence_to_message(evidence, out: pb.Evidence) -> None:
    if isinstance(evidence, ViolationEvidence):
        out.violation = evidence.violation
    elif isinstance(evidence, PartyRevisionEvidence):
        out.party_revision = evidence.party_revision
    elif isinstance(evidence, ClearanceEvidence):
        out.match_clearance = evidence.match_clearance
    elif isinstance(evidence, HitEvidence):
        hit = out.watchlist_hit
        hit.entry, hit.list_version = evidence.entry, evidence.list_version
        hit.matched_name, hit.queried_name, hit.score = evidence.matched_name, evidence.queried_name, evidence.score
    elif isinstance(evidence, StandingEvidence):
        s = out.payment_standing
        s.standing, s.repeat_customer = evidence.standing, evidence.repeat_customer
        s.reason_codes.extend(evidence.reason_codes)
        s.shipments, s.on_time_ratio, s.overdue_lines = evidence.shipments, evidence.on_time_ratio, evidence.overdue_lines


def reasons_to_messages(reasons, target) -> None:
    for reason in reasons:
        out = target.add(code=reason.code, message=reason.message, effect=OUTCOMES_OUT[reason.effect])
        for evidence in reason.evidence:
            _evidence_to_message(evidence, out.evidence.add())


def decision_to_message(decision: Decision, message: pb.Decision | None = None) -> pb.Decision:
    message = message if message is not None else pb.Decision()
    message.name = decision.name
    message.purpose = PURPOSES_OUT[decision.purpose]
    message.flag = decision.flag
    message.outcome = OUTCOMES_OUT[decision.outcome]
    reasons_to_messages(decision.reasons, message.reasons)
    message.policy_version = decision.policy_version
    message.list_versions.extend(decision.list_versions)
    time_out(decision.decide_time, message.decide_time)
    time_out(decision.valid_until, message.valid_until)
    message.trigger = TRIGGERS_OUT[decision.trigger]
    message.party_revision = decision.party_revision
    message.requested_by = decision.requested_by
    if decision.attestation is not None:
        a = decision.attestation
        message.attestation.key_id, message.attestation.algorithm = a.key_id, a.algorithm
        message.attestation.payload, message.attestation.signature = a.payload, a.signature
    return message


def change_to_message(change: DecisionChange) -> pb.DecisionChange:
    message = pb.DecisionChange(cursor=str(change.cursor))
    decision_to_message(change.decision, message.decision)
    if change.previous_outcome is not None:
        message.previous_outcome = OUTCOMES_OUT[change.previous_outcome]
    time_out(change.change_time, message.change_time)
    return message


def clearance_to_message(clearance: MatchClearance, message: pb.MatchClearance | None = None) -> pb.MatchClearance:
    message = message if message is not None else pb.MatchClearance()
    message.name = clearance.name
    message.entry = clearance.entry
    message.analyst = clearance.analyst
    message.reason = clearance.reason
    message.entry_fingerprint = clearance.fingerprint
    time_out(clearance.create_time, message.create_time)
    if clearance.revoke_time is not None:
        time_out(clearance.revoke_time, message.revoke_time)
        message.revoked_by = clearance.revoked_by
    return message
