"""What a vetting decision is: purpose, outcome, reasons with their evidence, and the inputs it
was decided from (recorded, so that a replay needs nothing but the decision and its policy)."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Purpose(StrEnum):
    KNOWN_MARKETPLACE_SELLER = "known_marketplace_seller"
    KNOWN_CARRIER_CUSTOMER = "known_carrier_customer"


class Outcome(StrEnum):
    KNOWN = "known"
    NOT_KNOWN = "not_known"
    NEEDS_REVIEW = "needs_review"


# Worst first: the outcome of a decision is that of its worst reason.
SEVERITY = {Outcome.NOT_KNOWN: 0, Outcome.NEEDS_REVIEW: 1, Outcome.KNOWN: 2}


class Trigger(StrEnum):
    REQUEST = "request"
    REEVALUATION = "reevaluation"


# -- evidence: references to the records a reason rests on ------------------------------------


@dataclass(frozen=True)
class ViolationEvidence:
    violation: str  # parties/{party}/violations/{violation}


@dataclass(frozen=True)
class HitEvidence:
    entry: str  # watchlists/{list}/versions/{version}/entries/{entry}
    list_version: str
    matched_name: str
    queried_name: str
    score: float  # rounded to 4 places: it is signed as text


@dataclass(frozen=True)
class StandingEvidence:
    standing: str  # parties/{party}/paymentStanding
    repeat_customer: bool
    reason_codes: tuple[str, ...]
    shipments: int
    on_time_ratio: float
    overdue_lines: int


@dataclass(frozen=True)
class PartyRevisionEvidence:
    party_revision: str  # parties/{party}/revisions/{revision}


@dataclass(frozen=True)
class ClearanceEvidence:
    match_clearance: str  # parties/{party}/matchClearances/{clearance}


Evidence = ViolationEvidence | HitEvidence | StandingEvidence | PartyRevisionEvidence | ClearanceEvidence


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    effect: Outcome
    evidence: tuple[Evidence, ...] = ()


# -- inputs: the facts a decision was made from -----------------------------------------------


@dataclass(frozen=True)
class VerificationFact:
    field: str
    method: str
    verify_time: datetime


@dataclass(frozen=True)
class PartyFacts:
    party_id: str
    kind: str
    state: str
    revision: int
    present_fields: tuple[str, ...]
    verifications: tuple[VerificationFact, ...] = ()


@dataclass(frozen=True)
class ViolationFact:
    name: str
    category: str
    status: str
    occur_time: datetime


@dataclass(frozen=True)
class StandingFact:
    repeat_customer: bool
    reason_codes: tuple[str, ...]
    shipments: int
    on_time_ratio: float
    overdue_lines: int


@dataclass(frozen=True)
class HitFact:
    list_id: str
    list_version: str
    source_id: str
    matched_name: str
    queried_name: str
    score: float
    fingerprint: str  # of the entry's content: a clearance holds only while it is unchanged

    @property
    def entry(self) -> str:
        return f"watchlists/{self.list_id}/versions/{self.list_version}/entries/{self.source_id}"


@dataclass(frozen=True)
class ClearanceFact:
    name: str
    list_id: str
    source_id: str
    fingerprint: str


@dataclass(frozen=True)
class VettingInputs:
    purpose: Purpose
    now: datetime
    party: PartyFacts
    high_volume: bool = False
    violations: tuple[ViolationFact, ...] = ()
    standing: StandingFact | None = None
    hits: tuple[HitFact, ...] = ()
    clearances: tuple[ClearanceFact, ...] = ()
    list_versions: tuple[str, ...] = ()

    @functools.cached_property
    def _stored(self) -> tuple[str, str]:
        """(the stored JSON, its "now" member): worked out once, for the record and the digest."""
        from knownparty_service.domain.signing import canonical_json_text
        from knownparty_service.domain.vetting.codec import inputs_to_dict

        facts = inputs_to_dict(self)
        text = canonical_json_text(facts)
        return text, '"now":' + json.dumps(facts["now"]) + ","

    def digest(self) -> str:
        """Of everything but the time: equal digests mean the same facts. "v" and 63 hex digits
        of the SHA-256 of the stored JSON without its time (a top-level member: keys are sorted,
        and a quote inside a string is escaped, so the text cannot occur anywhere else)."""
        text, now_member = self._stored
        return "v" + hashlib.sha256(text.replace(now_member, "", 1).encode()).hexdigest()[:63]

    def legacy_digest(self) -> str:
        """The digest decisions stored before the "v" digests carry (64 hex digits): compared
        only with theirs, so an upgrade does not make every party's decision look stale."""
        from knownparty_service.domain.vetting.codec import inputs_to_dict

        facts = inputs_to_dict(self)
        facts.pop("now")
        return hashlib.sha256(json.dumps(facts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def same_facts(self, stored_digest: str) -> bool:
        """Whether a stored decision's inputs digest is of these facts."""
        if stored_digest.startswith("v"):
            return stored_digest == self.digest()
        return stored_digest == self.legacy_digest()

    def stored_json(self) -> str:
        """The inputs as stored with their decision, for replay (canonical JSON)."""
        return self._stored[0]


# -- the decision -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Attestation:
    key_id: str
    algorithm: str
    payload: bytes
    signature: bytes


@dataclass(frozen=True)
class Decision:
    id: str
    party_id: str
    purpose: Purpose
    outcome: Outcome
    reasons: tuple[Reason, ...]
    policy_version: str
    list_versions: tuple[str, ...]
    decide_time: datetime
    valid_until: datetime
    trigger: Trigger
    party_revision: int
    inputs: VettingInputs
    attestation: Attestation | None = field(default=None, compare=False)
    # `apiKeys/{key}` of the call that asked for it; "" for the server's own re-evaluation. Not signed.
    requested_by: str = field(default="", compare=False)

    @property
    def flag(self) -> bool:
        return self.outcome is Outcome.KNOWN

    @property
    def name(self) -> str:
        return f"parties/{self.party_id}/decisions/{self.id}"


@dataclass(frozen=True)
class VetState:
    """What one read tells about a party before vetting it: enough to recognise that nothing a
    decision rests on changed since it was last confirmed (`stamp`)."""

    kind: str
    state: str
    revision: int
    records_version: int  # violations and clearances
    ledger_version: int
    stamp: str | None
    stamp_valid_until: datetime | None
    decision_seq: int | None


@dataclass(frozen=True)
class DecisionChange:
    cursor: int
    decision: Decision
    previous_outcome: Outcome | None
    change_time: datetime


@dataclass(frozen=True)
class MatchClearance:
    id: str
    party_id: str
    list_id: str
    list_version: str
    source_id: str
    fingerprint: str
    analyst: str
    reason: str
    create_time: datetime
    revoke_time: datetime | None = None
    revoked_by: str = ""

    @property
    def name(self) -> str:
        return f"parties/{self.party_id}/matchClearances/{self.id}"

    @property
    def entry(self) -> str:
        return f"watchlists/{self.list_id}/versions/{self.list_version}/entries/{self.source_id}"
