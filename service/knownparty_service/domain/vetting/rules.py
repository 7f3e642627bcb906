"""The rules of the two flags, as a pure function of the recorded inputs and the policy: the
same inputs and policy always give the same outcome and reasons (that is what replay checks)."""

from __future__ import annotations

from datetime import timedelta

from knownparty_service.domain.policy import Policy
from knownparty_service.domain.vetting.model import (
    SEVERITY,
    ClearanceEvidence,
    HitEvidence,
    Outcome,
    PartyRevisionEvidence,
    Purpose,
    Reason,
    StandingEvidence,
    VettingInputs,
    ViolationEvidence,
)

SELF_CERTIFICATION = "self_certification"


def evaluate(inputs: VettingInputs, policy: Policy) -> tuple[Outcome, tuple[Reason, ...]]:
    reasons = [_party_state(inputs)]
    if inputs.purpose is Purpose.KNOWN_MARKETPLACE_SELLER:
        reasons += _seller_identity(inputs, policy)
    else:
        reasons.append(_repeat_customer(inputs, policy))
    reasons += _violations(inputs, policy)
    reasons += _watchlists(inputs, policy)
    # Worst first; the order within one severity is the order the rules ran in.
    ordered = tuple(sorted(reasons, key=lambda r: SEVERITY[r.effect]))
    return ordered[0].effect, ordered


def _party_ref(inputs: VettingInputs) -> PartyRevisionEvidence:
    return PartyRevisionEvidence(f"parties/{inputs.party.party_id}/revisions/{inputs.party.revision}")


def _party_state(inputs: VettingInputs) -> Reason:
    if inputs.party.state != "active":
        return Reason("PARTY_NOT_ACTIVE", f"the party is {inputs.party.state}", Outcome.NOT_KNOWN, (_party_ref(inputs),))
    return Reason("PARTY_ACTIVE", "the party is active", Outcome.KNOWN, (_party_ref(inputs),))


def _seller_identity(inputs: VettingInputs, policy: Policy) -> list[Reason]:
    rules = policy.seller
    party = inputs.party
    evidence = (_party_ref(inputs),)
    required = list(rules.required_fields)
    verified = {f: rules.verification_max_age_days for f in rules.verified_fields}
    if inputs.high_volume:
        required += [f for f in rules.high_volume_required_fields if f not in required]
        for f in rules.high_volume_required_fields:
            verified[f] = min(verified.get(f, rules.high_volume_verification_max_age_days), rules.high_volume_verification_max_age_days)
    reasons = []
    missing = [f for f in required if f not in party.present_fields]
    if missing:
        reasons.append(
            Reason(
                "IDENTITY_INCOMPLETE",
                f"missing {', '.join(missing)}" + (" (required of a high-volume seller)" if inputs.high_volume else ""),
                Outcome.NOT_KNOWN,
                evidence,
            )
        )
    latest = {}
    for v in party.verifications:
        if v.field not in latest or v.verify_time > latest[v.field]:
            latest[v.field] = v.verify_time
    unverified, stale = [], []
    for field_name, max_age in verified.items():
        if field_name in missing:
            continue
        when = latest.get(field_name)
        if when is None:
            unverified.append(field_name)
        elif when < inputs.now - timedelta(days=max_age):
            stale.append(f"{field_name} (verified {when.date().isoformat()}, older than {max_age} days)")
    if unverified or stale:
        parts = ([f"not verified: {', '.join(unverified)}"] if unverified else []) + (
            [f"verification too old: {', '.join(stale)}"] if stale else []
        )
        reasons.append(Reason("IDENTITY_NOT_VERIFIED", "; ".join(parts), Outcome.NOT_KNOWN, evidence))
    if inputs.high_volume:
        certified = [v.verify_time for v in party.verifications if v.method == SELF_CERTIFICATION]
        limit = inputs.now - timedelta(days=rules.recertification_max_age_days)
        if not certified or max(certified) < limit:
            last = f"last on {max(certified).date().isoformat()}" if certified else "never"
            reasons.append(
                Reason(
                    "RECERTIFICATION_OVERDUE",
                    f"a high-volume seller must self-certify every {rules.recertification_max_age_days} days; {last}",
                    Outcome.NOT_KNOWN,
                    evidence,
                )
            )
    if not reasons:
        checked = ", ".join(sorted(verified)) or "none required"
        reasons.append(Reason("IDENTITY_VERIFIED", f"required identity present and verified ({checked})", Outcome.KNOWN, evidence))
    return reasons


def _repeat_customer(inputs: VettingInputs, policy: Policy) -> Reason:
    standing = inputs.standing
    if standing is None:  # only when the policy does not look at the ledger
        return Reason("REPEAT_CUSTOMER_NOT_REQUIRED", "the policy does not require repeat-customer standing", Outcome.KNOWN)
    evidence = (
        StandingEvidence(
            f"parties/{inputs.party.party_id}/paymentStanding",
            standing.repeat_customer,
            standing.reason_codes,
            standing.shipments,
            standing.on_time_ratio,
            standing.overdue_lines,
        ),
    )
    if not policy.shipper.require_repeat_customer:
        return Reason("REPEAT_CUSTOMER_NOT_REQUIRED", "the policy does not require repeat-customer standing", Outcome.KNOWN, evidence)
    if standing.repeat_customer:
        return Reason(
            "REPEAT_CUSTOMER",
            f"{standing.shipments} shipments, {standing.on_time_ratio:.1%} of fees paid on time, nothing overdue",
            Outcome.KNOWN,
            evidence,
        )
    return Reason(
        "NOT_REPEAT_CUSTOMER",
        f"the payment standing does not hold: {', '.join(standing.reason_codes)}",
        Outcome.NOT_KNOWN,
        evidence,
    )


def _violations(inputs: VettingInputs, policy: Policy) -> list[Reason]:
    rules = policy.violations
    since = inputs.now - timedelta(days=rules.look_back_days)
    counting, open_questions = [], []
    for v in inputs.violations:
        if v.category not in rules.counting_categories or v.occur_time < since:
            continue
        if v.status in rules.counting_statuses:
            counting.append(v)
        elif v.status in rules.review_statuses:
            open_questions.append(v)
    reasons = []
    if counting:
        reasons.append(
            Reason(
                "KNOWN_VIOLATIONS",
                f"{len(counting)} trade violation(s) count under the policy: "
                + ", ".join(f"{v.category} ({v.status})" for v in counting),
                Outcome.NOT_KNOWN,
                tuple(ViolationEvidence(v.name) for v in counting),
            )
        )
    if open_questions:
        reasons.append(
            Reason(
                "VIOLATION_UNDER_REVIEW",
                f"{len(open_questions)} reported violation(s) are not yet confirmed or dismissed: "
                + ", ".join(v.category for v in open_questions),
                Outcome.NEEDS_REVIEW,
                tuple(ViolationEvidence(v.name) for v in open_questions),
            )
        )
    if not reasons:
        reasons.append(
            Reason("NO_KNOWN_VIOLATIONS", f"no counting violation in the last {rules.look_back_days} days", Outcome.KNOWN)
        )
    return reasons


def _watchlists(inputs: VettingInputs, policy: Policy) -> list[Reason]:
    cleared = {(c.list_id, c.source_id, c.fingerprint): c for c in inputs.clearances}
    alert, match = policy.screening.alert_threshold, policy.decisions.match_threshold
    matches, alerts, cleared_hits = [], [], []
    for hit in inputs.hits:
        if hit.score < alert:
            continue
        clearance = cleared.get((hit.list_id, hit.source_id, hit.fingerprint))
        if clearance is not None:
            cleared_hits.append((hit, clearance))
        elif hit.score >= match:
            matches.append(hit)
        else:
            alerts.append(hit)

    def hits_evidence(hits):
        return tuple(HitEvidence(h.entry, f"watchlists/{h.list_id}/versions/{h.list_version}", h.matched_name, h.queried_name, h.score) for h in hits)

    reasons = []
    if matches:
        reasons.append(
            Reason(
                "WATCHLIST_MATCH",
                "matches " + "; ".join(f"{h.matched_name!r} on {h.list_id} ({h.score:.2f})" for h in matches),
                Outcome.NOT_KNOWN,
                hits_evidence(matches),
            )
        )
    if alerts:
        reasons.append(
            Reason(
                "WATCHLIST_ALERT",
                "alerts awaiting review: " + "; ".join(f"{h.matched_name!r} on {h.list_id} ({h.score:.2f})" for h in alerts),
                Outcome.NEEDS_REVIEW,
                hits_evidence(alerts),
            )
        )
    if cleared_hits:
        reasons.append(
            Reason(
                "WATCHLIST_HITS_CLEARED",
                f"{len(cleared_hits)} hit(s) cleared by an analyst as false positives",
                Outcome.KNOWN,
                tuple(ClearanceEvidence(c.name) for _, c in cleared_hits),
            )
        )
    if not inputs.list_versions:
        reasons.append(
            Reason("NO_WATCHLISTS", "no watchlist has been imported, so the party could not be screened", Outcome.NEEDS_REVIEW)
        )
    elif not matches and not alerts:
        reasons.append(Reason("NO_WATCHLIST_ALERT", f"no uncleared alert on {', '.join(inputs.list_versions)}", Outcome.KNOWN))
    return reasons
