"""The vetting rules as a pure function of recorded inputs and the policy, and the policy file's
vetting sections."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone

import pytest

from knownparty_service.domain.policy import PolicyError, load_policy, parse_policy
from knownparty_service.domain.vetting.codec import inputs_from_dict, inputs_to_dict
from knownparty_service.domain.vetting.model import (
    ClearanceFact,
    HitFact,
    Outcome,
    PartyFacts,
    Purpose,
    StandingFact,
    VerificationFact,
    VettingInputs,
    ViolationFact,
)
from knownparty_service.domain.vetting.rules import evaluate
from knownparty_service.settings import DEFAULT_POLICY_FILE

POLICY = load_policy(DEFAULT_POLICY_FILE)
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
LISTS = ("watchlists/ofac-sdn/versions/3",)


def seller_inputs(**changes) -> VettingInputs:
    base = VettingInputs(
        purpose=Purpose.KNOWN_MARKETPLACE_SELLER,
        now=NOW,
        party=PartyFacts(
            "acme", "seller", "active", 3, ("legal_name", "addresses"),
            (VerificationFact("legal_name", "government_registry", NOW - timedelta(days=30)),),
        ),
        list_versions=LISTS,
    )
    return dataclasses.replace(base, **changes)


def violation(status: str, days_ago: int = 10, category: str = "counterfeit_trademark") -> ViolationFact:
    return ViolationFact(f"parties/acme/violations/v{days_ago}{status}", category, status, NOW - timedelta(days=days_ago))


def hit(score: float, fingerprint: str = "fp1") -> HitFact:
    return HitFact("ofac-sdn", "3", "123", "ACME TRADING", "Acme Trading", score, fingerprint)


def test_a_clean_verified_seller_is_known():
    outcome, reasons = evaluate(seller_inputs(), POLICY)
    assert outcome is Outcome.KNOWN
    assert [r.code for r in reasons] == ["PARTY_ACTIVE", "IDENTITY_VERIFIED", "NO_KNOWN_VIOLATIONS", "NO_WATCHLIST_ALERT"]


@pytest.mark.parametrize(
    ("found", "expected", "code"),
    [
        (violation("confirmed"), Outcome.NOT_KNOWN, "KNOWN_VIOLATIONS"),
        (violation("under_appeal"), Outcome.NOT_KNOWN, "KNOWN_VIOLATIONS"),
        (violation("reported"), Outcome.NEEDS_REVIEW, "VIOLATION_UNDER_REVIEW"),
        (violation("dismissed"), Outcome.KNOWN, "NO_KNOWN_VIOLATIONS"),
        # Older than the 1825-day look-back: does not count.
        (violation("confirmed", days_ago=2000), Outcome.KNOWN, "NO_KNOWN_VIOLATIONS"),
    ],
)
def test_which_violations_count(found, expected, code):
    outcome, reasons = evaluate(seller_inputs(violations=(found,)), POLICY)
    assert outcome is expected
    assert code in [r.code for r in reasons]


def test_a_category_the_policy_leaves_out_does_not_count():
    policy = dataclasses.replace(
        POLICY, violations=dataclasses.replace(POLICY.violations, counting_categories=("narcotics",))
    )
    outcome, _ = evaluate(seller_inputs(violations=(violation("confirmed"),)), policy)
    assert outcome is Outcome.KNOWN


def test_a_counting_violation_outweighs_an_open_question():
    outcome, reasons = evaluate(seller_inputs(violations=(violation("reported"), violation("confirmed", 20))), POLICY)
    assert outcome is Outcome.NOT_KNOWN
    assert [r.effect for r in reasons][:2] == [Outcome.NOT_KNOWN, Outcome.NEEDS_REVIEW]


def test_stale_or_missing_verification_and_inform_fields():
    stale = seller_inputs(
        party=PartyFacts("acme", "seller", "active", 3, ("legal_name", "addresses"),
                         (VerificationFact("legal_name", "document", NOW - timedelta(days=800)),))
    )
    outcome, reasons = evaluate(stale, POLICY)
    assert outcome is Outcome.NOT_KNOWN and "older than 730 days" in reasons[0].message
    high = dataclasses.replace(seller_inputs(), high_volume=True)
    outcome, reasons = evaluate(high, POLICY)
    codes = [r.code for r in reasons]
    assert outcome is Outcome.NOT_KNOWN and {"IDENTITY_INCOMPLETE", "RECERTIFICATION_OVERDUE"} <= set(codes)
    complete = dataclasses.replace(
        high,
        party=PartyFacts(
            "acme", "seller", "active", 4, ("legal_name", "addresses", "identifiers", "email", "phone"),
            tuple(VerificationFact(f, "self_certification", NOW - timedelta(days=5))
                  for f in ("legal_name", "addresses", "identifiers", "email", "phone")),
        ),
    )
    assert evaluate(complete, POLICY)[0] is Outcome.KNOWN


def test_watchlist_alert_match_and_clearance_while_the_entry_is_unchanged():
    assert evaluate(seller_inputs(hits=(hit(0.80),)), POLICY)[0] is Outcome.NEEDS_REVIEW
    assert evaluate(seller_inputs(hits=(hit(0.97),)), POLICY)[0] is Outcome.NOT_KNOWN
    assert evaluate(seller_inputs(hits=(hit(0.70),)), POLICY)[0] is Outcome.KNOWN  # below the alert threshold
    cleared = ClearanceFact("parties/acme/matchClearances/c1", "ofac-sdn", "123", "fp1")
    outcome, reasons = evaluate(seller_inputs(hits=(hit(0.97),), clearances=(cleared,)), POLICY)
    assert outcome is Outcome.KNOWN and "WATCHLIST_HITS_CLEARED" in [r.code for r in reasons]
    changed = seller_inputs(hits=(hit(0.97, fingerprint="fp2"),), clearances=(cleared,))
    assert evaluate(changed, POLICY)[0] is Outcome.NOT_KNOWN


def test_no_lists_imported_needs_review():
    outcome, reasons = evaluate(seller_inputs(list_versions=()), POLICY)
    assert outcome is Outcome.NEEDS_REVIEW and reasons[0].code == "NO_WATCHLISTS"


def test_shipper_needs_repeat_customer_standing():
    shipper = VettingInputs(
        purpose=Purpose.KNOWN_CARRIER_CUSTOMER,
        now=NOW,
        party=PartyFacts("ship", "shipper", "active", 1, ("legal_name",)),
        standing=StandingFact(False, ("OVERDUE_BALANCE",), 12, 0.8, 2),
        list_versions=LISTS,
    )
    outcome, reasons = evaluate(shipper, POLICY)
    assert outcome is Outcome.NOT_KNOWN and reasons[0].code == "NOT_REPEAT_CUSTOMER"
    good = dataclasses.replace(shipper, standing=StandingFact(True, ("REPEAT_CUSTOMER",), 12, 1.0, 0))
    assert evaluate(good, POLICY)[0] is Outcome.KNOWN


def test_inputs_survive_their_json_form_and_digest_ignores_the_time():
    inputs = seller_inputs(violations=(violation("reported"),), hits=(hit(0.8123),))
    assert inputs_from_dict(inputs_to_dict(inputs)) == inputs
    assert dataclasses.replace(inputs, now=NOW + timedelta(hours=1)).digest() == inputs.digest()
    assert seller_inputs().digest() != inputs.digest()


def test_digests_compare_with_both_stored_forms():
    # A hit whose names carry the very text of a time member must not fool the digest.
    tricky = hit(0.9)
    tricky = dataclasses.replace(tricky, matched_name='x "now":"2026-01-01T00:00:00.000000Z", y')
    inputs = seller_inputs(hits=(tricky,))
    later = dataclasses.replace(inputs, now=NOW + timedelta(days=2))
    assert inputs.digest().startswith("v") and len(inputs.digest()) == 64
    assert later.same_facts(inputs.digest())
    # Decisions stored before the "v" digests: compared with the digest they were stored with.
    assert len(inputs.legacy_digest()) == 64 and not inputs.legacy_digest().startswith("v")
    assert later.same_facts(inputs.legacy_digest())
    other = seller_inputs(hits=(hit(0.8),))
    assert not other.same_facts(inputs.digest()) and not other.same_facts(inputs.legacy_digest())
    # The stored JSON is the record: it reads back as the inputs.
    assert inputs_from_dict(json.loads(inputs.stored_json())) == inputs


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("look_back_days = 1825", "look_back_days = -1", "violations.look_back_days = -1 is outside"),
        ('review_statuses = ["reported"]', 'review_statuses = ["reported", "confirmed"]', "both name confirmed"),
        ('verified_fields = ["legal_name"]', 'verified_fields = ["legal_nam"]', "unknown value 'legal_nam'"),
        ("require_repeat_customer = true", "require_repeat_customer = 1", "must be true or false"),
        ("valid_for_days = 30", "valid_for_days = 30\nvalid_for_weeks = 4", "unknown key decisions.valid_for_weeks"),
        ("match_threshold = 0.95", "match_threshold = 0.5", "must not be below screening.alert_threshold"),
    ],
)
def test_bad_vetting_policy_values_are_refused_with_the_line(old, new, message):
    text = DEFAULT_POLICY_FILE.read_text()
    assert old in text
    bad = text.replace(old, new)
    with pytest.raises(PolicyError) as caught:
        parse_policy(bad, "policy.toml")
    assert message in str(caught.value)
    line = next(n for n, t in enumerate(bad.splitlines(), 1) if t.strip().startswith(new.splitlines()[-1].split("=")[0].strip()) and n > 20)
    assert f"policy.toml:{line}:" in str(caught.value)
