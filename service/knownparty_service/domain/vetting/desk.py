"""The vetting use cases: decide a flag, keep and sign the decision, answer for it later."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Protocol

from knownparty_service.domain.errors import (
    DomainError,
    FailedPreconditionError,
    FieldViolation,
    NotFoundError,
    ValidationError,
    ViolationCollector,
)
from knownparty_service.domain.paging import decode_page_token, encode_page_token, fingerprint, resolve_page_size
from knownparty_service.domain.parties import VERIFIABLE_FIELDS, Party, PartyKind, PartyState
from knownparty_service.domain.access import current_caller, current_organization
from knownparty_service.domain.ownership import PartyOwners
from knownparty_service.domain.party_registry import parse_party_name, utc_now
from knownparty_service.domain.party_rules import clean_text
from knownparty_service.domain.policy import Policy, parse_policy
from knownparty_service.domain.random_ids import RandomIds
from knownparty_service.domain.signing import DecisionSigner, canonical_json
from knownparty_service.domain.vetting.codec import decision_payload
from knownparty_service.domain.vetting.model import (
    Attestation,
    ClearanceFact,
    Decision,
    DecisionChange,
    HitFact,
    MatchClearance,
    Outcome,
    PartyFacts,
    Purpose,
    StandingFact,
    Trigger,
    VerificationFact,
    VetState,
    VettingInputs,
    ViolationFact,
)
from knownparty_service.domain.vetting.rules import evaluate
from knownparty_service.domain.watchlists.entries import WatchlistEntry

MAX_ANALYST = 200
MAX_CLEARANCE_REASON = 2000
# Names of a party screened per decision: the legal name and its first aliases.
MAX_SCREENED_NAMES = 10
_KINDS = {Purpose.KNOWN_MARKETPLACE_SELLER: PartyKind.SELLER, Purpose.KNOWN_CARRIER_CUSTOMER: PartyKind.SHIPPER}

_DECISION_IDS = RandomIds("d")


def entry_fingerprint(entry: WatchlistEntry) -> str:
    """Of everything a list says about an entry: a clearance holds only while this is unchanged."""
    return hashlib.sha256(json.dumps(asdict(entry), sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


# -- what the desk needs from the rest of the system -------------------------------------------


class DecisionRepository(Protocol):
    def add_many(self, items: list[tuple[Decision, str, Decision | None]], stamps=()) -> None:
        """Stores (decision, inputs digest, the decision it replaces) in one transaction, with the
        stamps to keep (see keep_stamps); records a change for each that replaced a decision with
        another outcome."""

    def get(self, party_id: str, decision_id: str) -> Decision | None: ...

    def in_force(self, party_id: str, purpose: Purpose, at: datetime) -> tuple[Decision, str] | None:
        """The newest decision decided at or before `at`, with its inputs digest."""

    def list(
        self, party_id: str, purpose: Purpose | None, outcome: Outcome | None, after: int, limit: int, organization: str | None
    ) -> tuple[list[Decision], int | None]: ...

    def changes(self, after: int, limit: int, organization: str | None) -> list[DecisionChange]: ...

    def last_change_cursor(self) -> int: ...

    def decided_parties(self, party_ids: set[str] | None = None) -> list[tuple[str, Purpose, bool]]:
        """(party id, purpose, high_volume of its latest decision) of the parties decided so far:
        all of them, or those of `party_ids`."""

    def add_clearance(self, clearance: MatchClearance, request_id: str) -> MatchClearance: ...

    def clearances(self, party_id: str, include_revoked: bool, after: int, limit: int) -> tuple[list[MatchClearance], int | None]: ...

    def revoke_clearance(self, party_id: str, clearance_id: str, analyst: str, now: datetime) -> MatchClearance | None: ...

    def active_clearances(self, party_id: str) -> list[MatchClearance]: ...

    def active_clearances_of_parties(self, party_ids) -> dict[str, list[MatchClearance]]: ...

    def in_force_of_parties(self, party_ids, at: datetime) -> dict[tuple[str, Purpose], tuple[Decision, str]]: ...

    def vet_state(self, party_id: str, purpose: Purpose) -> VetState | None: ...

    def vet_states(self, keys) -> dict[tuple[str, Purpose], VetState]:
        """vet_state of each (party id, purpose) that exists."""

    def decision_by_seq(self, seq: int) -> Decision | None: ...

    def keep_decoded(self, written: list[tuple[int, Decision]]) -> None:
        """Decisions another process wrote, (seq, decision): kept as if written here."""

    def read_mark(self):
        """Opaque; taken before another process reads vetting states for this one."""

    def keep_states(self, states, mark, decided) -> None:
        """The vetting states another process read after `mark` and left, and the (party id,
        purpose) of the decisions it wrote."""

    def keep_stamps(self, stamps: list) -> None:
        """(party id, purpose, stamp, valid until, decision id) of decisions confirmed unchanged."""

    def keep_policy(self, version: str, text: str) -> None:
        """Keeps the policy text of a version; refuses (PolicyConflict) another text for a known version."""

    def policy_text(self, version: str) -> str | None: ...


class PartySource(Protocol):
    def get(self, party_id: str) -> Party | None: ...

    def get_many(self, party_ids) -> dict[str, Party]: ...


class ViolationSource(Protocol):
    def facts_of_party(self, party_id: str) -> list[ViolationFact]:
        """Every violation of the party (any status, any age): the rules choose what counts."""

    def facts_of_parties(self, party_ids) -> dict[str, list[ViolationFact]]: ...


class StandingSource(Protocol):
    def standing_and_expiry(self, name: str, now: datetime | None = None):
        """(standing, now, the moment until which it holds unless the ledger changes)."""


@dataclass(frozen=True)
class PartyScreen:
    hits: tuple[HitFact, ...]
    list_versions: tuple[str, ...]


class PartyScreener(Protocol):
    def screen_party(self, names: list[str], countries: tuple[str, ...]) -> PartyScreen: ...

    def list_versions(self) -> tuple[str, ...]:
        """`watchlists/{list}/versions/{n}` of the index screened on now."""


@dataclass(frozen=True)
class _Records:
    """The records of several parties, read in bulk, by party id ((party id, purpose) for the
    decisions in force)."""

    violations: dict[str, list[ViolationFact]]
    clearances: dict[str, list[MatchClearance]]
    in_force: dict[tuple[str, Purpose], tuple[Decision, str]]


@dataclass(frozen=True)
class Replay:
    decision: Decision
    outcome: Outcome
    reasons: tuple
    same: bool
    differences: tuple[str, ...]


class VettingDesk:
    def __init__(
        self,
        *,
        parties: PartySource,
        violations: ViolationSource,
        standings: StandingSource,
        screener: PartyScreener,
        decisions: DecisionRepository,
        signer: DecisionSigner,
        policy: Policy,
        owners: PartyOwners,
        clock: Callable[[], datetime] = utc_now,
    ):
        self._parties = parties
        # Whose parties the caller may see.
        self._owners = owners
        self._violations = violations
        self._standings = standings
        self._screener = screener
        self._decisions = decisions
        self._signer = signer
        self._policy = policy
        self._clock = clock
        # One writer per party and purpose at a time, so that two concurrent vettings of the same
        # party do not both replace the decision in force.
        self._locks = [threading.Lock() for _ in range(64)]
        decisions.keep_policy(policy.version, policy.text)

    @property
    def policy(self) -> Policy:
        return self._policy

    # -- deciding ---------------------------------------------------------------------------------

    def vet(self, party_name: str, purpose: Purpose, *, high_volume: bool = False, path: str = "party") -> Decision:
        """Decides the flag for a party (a request): the decision in force when nothing changed."""
        party_id = parse_party_name(party_name, path)
        self._owners.require(party_id, f"parties/{party_id}")
        state = self._decisions.vet_state(party_id, purpose)
        kept = self._kept_decision(state, purpose, high_volume)
        if kept is not None:
            return kept
        party = self._admit(party_name, purpose, path)
        with self._locks[self._lock_of(party.id, purpose)]:
            decision, write, stamp = self._decide(party, purpose, high_volume, Trigger.REQUEST, {}, state)
            self._store([write] if write else [], [stamp] if stamp else [])
        return decision

    def _kept_decision(self, state: VetState | None, purpose: Purpose, high_volume: bool) -> Decision | None:
        """The decision in force when the stamp says nothing it rests on changed since it was
        confirmed (one indexed read instead of reading every record again); else None."""
        if state is None or state.stamp is None or state.stamp != self._stamp(state, high_volume):
            return None
        if state.state == PartyState.ARCHIVED.value or state.kind != _KINDS[purpose].value:
            return None  # refused on the full path, with its error
        if self._clock() >= state.stamp_valid_until:
            return None
        return self._decisions.decision_by_seq(state.decision_seq)

    def _stamp(self, state: VetState, high_volume: bool) -> str:
        return "|".join(
            (
                str(state.revision),
                str(state.records_version),
                str(state.ledger_version),
                "hv" if high_volume else "",
                self._policy.version,
                ",".join(self._screener.list_versions()),
            )
        )

    def _store(self, writes, stamps) -> None:
        if writes:
            self._decisions.add_many(writes, stamps)
        elif stamps:
            self._decisions.keep_stamps(stamps)

    def vet_many(self, requests: list[tuple[str, Purpose, bool, str]]) -> list[Decision | DomainError]:
        """vet() of each (party name, purpose, high_volume, field path), the records of all of
        them read in a few bulk reads and the new decisions stored in one transaction; a refused
        request gets its error in its place."""
        ids = set()
        for party_name, _, _, path in requests:
            try:
                ids.add(parse_party_name(party_name, path))
            except ValidationError:
                pass  # refused below, with its error
        known = self._parties.get_many(ids)
        admitted: list[Party | DomainError] = []
        for party_name, purpose, _, path in requests:
            try:
                admitted.append(self._admit(party_name, purpose, path, known))
            except DomainError as exc:
                admitted.append(exc)
        keys = [(p.id, r[1]) for p, r in zip(admitted, requests) if not isinstance(p, DomainError)]
        locks = sorted({self._lock_of(party_id, purpose) for party_id, purpose in keys})
        results: list[Decision | DomainError] = []
        writes, stamps = [], []
        decided: dict = {}  # (party, purpose) -> (decision, digest) decided earlier in this batch
        for index in locks:  # in order: two batches never wait on each other in a cycle
            self._locks[index].acquire()
        try:
            # The states first, then the records (see _decide).
            states = self._decisions.vet_states(keys)
            records = self._bulk_records({party_id for party_id, _ in keys})
            for party, (_, purpose, high_volume, _) in zip(admitted, requests):
                if isinstance(party, DomainError):
                    results.append(party)
                    continue
                state = states.get((party.id, purpose))
                decision, write, stamp = self._decide(party, purpose, high_volume, Trigger.REQUEST, decided, state, records)
                if write is not None:
                    writes.append(write)
                if stamp is not None:
                    stamps.append(stamp)
                results.append(decision)
            self._store(writes, stamps)
        finally:
            for index in locks:
                self._locks[index].release()
        return results

    def read_mark(self):
        """Taken before another process (the bulk-vetting helper) reads records for this one."""
        return self._decisions.read_mark()

    def adopt(self, written: tuple, mark) -> None:
        """What the bulk-vetting helper process wrote for a round sent after `mark` was taken:
        its decisions (seq, decision), their parties' owners and the vetting states it left,
        kept as this desk's own, so vetting those parties here reads none of them back."""
        decisions, owners, states = written
        self._decisions.keep_decoded(decisions)
        self._decisions.keep_states(states, mark, [(d.party_id, d.purpose) for _, d in decisions])
        for party_id, owner in owners.items():
            if owner is not None:
                self._owners.remember(party_id, owner)

    def _bulk_records(self, party_ids: set[str]) -> _Records:
        return _Records(
            self._violations.facts_of_parties(party_ids),
            self._decisions.active_clearances_of_parties(party_ids),
            self._decisions.in_force_of_parties(party_ids, self._clock()),
        )

    def _admit(self, party_name: str, purpose: Purpose, path: str, known: dict[str, Party] | None = None) -> Party:
        """The party to vet, or the error refusing it; `known` holds the parties read in bulk."""
        party_id = parse_party_name(party_name, path)
        party = self._parties.get(party_id) if known is None else known.get(party_id)
        if party is None or not self._owners.visible_party(party_id, party.organization):
            raise NotFoundError(f"parties/{party_id} does not exist", metadata={"name": f"parties/{party_id}"})
        if party.state is PartyState.ARCHIVED:
            raise FailedPreconditionError(f"parties/{party_id} is archived", reason="PARTY_ARCHIVED")
        wanted = _KINDS[purpose]
        if party.fields.kind is not wanted:
            raise FailedPreconditionError(
                f"parties/{party_id} is a {party.fields.kind.value}; {purpose.value} applies to a {wanted.value}",
                reason="WRONG_PARTY_KIND",
            )
        return party

    def _lock_of(self, party_id: str, purpose: Purpose) -> int:
        return hash((party_id, purpose)) % len(self._locks)

    def reevaluate(self, party_id: str, purpose: Purpose, high_volume: bool) -> Decision | None:
        """Re-decides a party after something it rests on changed; stores a decision only when the
        outcome (or the policy) differs from the one in force. Returns that new decision, else None."""
        party = self._parties.get(party_id)
        if party is None or party.fields.kind is not _KINDS[purpose]:
            return None
        with self._locks[self._lock_of(party.id, purpose)]:
            # No stamp: the next request confirms the decision and stamps it (one read fewer here,
            # where every decided party is read after a list import).
            decision, write, stamp = self._decide(party, purpose, high_volume, Trigger.REEVALUATION, {}, None)
            self._store([write] if write else [], [stamp] if stamp else [])
            if write is None:
                return None
        return decision if write[2] is None or write[2].outcome is not decision.outcome else None

    def reevaluate_many(self, targets: list[tuple[str, Purpose, bool]]) -> list[Decision]:
        """reevaluate() of each (party id, purpose, high_volume), with the records of all of them
        read in a few bulk reads. Most outcomes stay as they were and nothing is written; a party
        whose outcome would change goes through reevaluate(), which reads its records again
        under its lock, so what is stored never rests on a bulk read that a write overtook.
        Returns the decisions whose outcome changed."""
        now = self._clock()
        ids = {party_id for party_id, _, _ in targets}
        parties = self._parties.get_many(ids)
        records = self._bulk_records(ids)
        changed = []
        for party_id, purpose, high_volume in targets:
            party = parties.get(party_id)
            if party is None or party.fields.kind is not _KINDS[purpose]:
                continue
            current = records.in_force.get((party_id, purpose))
            if current is not None and current[0].policy_version == self._policy.version:
                inputs, _ = self._gather(party, purpose, high_volume, now, records)
                outcome, _ = evaluate(inputs, self._policy)
                if outcome is current[0].outcome:
                    continue
            decision = self.reevaluate(party_id, purpose, high_volume)
            if decision is not None:
                changed.append(decision)
        return changed

    def _decide(
        self,
        party: Party,
        purpose: Purpose,
        high_volume: bool,
        trigger: Trigger,
        decided: dict,
        state: VetState | None,
        records: _Records | None = None,
    ):
        """(decision, what to store or None, the stamp to keep or None). The caller holds the
        party's lock, so that decisions of one party and purpose are stored in the order of their
        decide times. `state` was read before the records: a change after it makes the stamp
        stale, never the other way round. `records` were read in bulk under the lock; without
        them the party's records are read here."""
        now = self._clock()
        inputs, facts_hold_until = self._gather(party, purpose, high_volume, now, records)
        digest = inputs.digest()
        found = decided.get((party.id, purpose))
        if found is None:
            if records is not None:
                found = records.in_force.get((party.id, purpose))
            else:
                found = self._decisions.in_force(party.id, purpose, now)
        current = found[0] if found else None

        def stamped(decision: Decision):
            if state is None or state.revision != party.revision:
                return None
            until = min(decision.valid_until, facts_hold_until)
            return (party.id, purpose, self._stamp(state, high_volume), until, decision.id)

        outcome, reasons = evaluate(inputs, self._policy)
        if current is not None and current.policy_version == self._policy.version:
            # The same facts, and time has not changed what they mean (an age, a look-back).
            unchanged = (
                inputs.same_facts(found[1])
                and now < current.valid_until
                and outcome is current.outcome
                and [r.code for r in reasons] == [r.code for r in current.reasons]
            )
            if trigger is Trigger.REQUEST and unchanged:
                return current, None, stamped(current)
        if (
            trigger is Trigger.REEVALUATION
            and current is not None
            and current.outcome is outcome
            and current.policy_version == self._policy.version
        ):
            return current, None, None
        decision = self._signed(
            Decision(
                id=_DECISION_IDS.next(),
                party_id=party.id,
                purpose=purpose,
                outcome=outcome,
                reasons=reasons,
                policy_version=self._policy.version,
                list_versions=inputs.list_versions,
                decide_time=now,
                valid_until=now + timedelta(days=self._policy.decisions.valid_for_days),
                trigger=trigger,
                party_revision=party.revision,
                inputs=inputs,
                requested_by=_requester() if trigger is Trigger.REQUEST else "",
            )
        )
        decided[(party.id, purpose)] = (decision, digest)
        return decision, (decision, digest, current), stamped(decision)

    def _signed(self, decision: Decision) -> Decision:
        payload = canonical_json(decision_payload(decision))
        attestation = Attestation(self._signer.key_id, self._signer.algorithm, payload, self._signer.sign(payload))
        return dataclasses.replace(decision, attestation=attestation)

    def _gather(
        self,
        party: Party,
        purpose: Purpose,
        high_volume: bool,
        now: datetime,
        records: _Records | None = None,
    ) -> tuple[VettingInputs, datetime]:
        """The inputs of a decision, and the moment until which they hold unless a record changes.
        The party's violations and active clearances are read here unless `records` has them."""
        fields = party.fields
        present = tuple(f for f in VERIFIABLE_FIELDS if getattr(fields, f))
        facts = PartyFacts(
            party_id=party.id,
            kind=fields.kind.value,
            state=party.state.value,
            revision=party.revision,
            present_fields=present,
            verifications=tuple(
                VerificationFact(v.field, v.method.value, v.verify_time) for v in fields.verifications if v.verify_time
            ),
        )
        if records is None:
            violations = tuple(self._violations.facts_of_party(party.id))
            active = self._decisions.active_clearances(party.id)
        else:
            violations = tuple(records.violations[party.id])
            active = records.clearances[party.id]
        standing = None
        holds_until = now + timedelta(days=self._policy.decisions.valid_for_days)
        if purpose is Purpose.KNOWN_CARRIER_CUSTOMER:
            s, _, standing_holds = self._standings.standing_and_expiry(f"parties/{party.id}", now)
            holds_until = min(holds_until, standing_holds)
            standing = StandingFact(
                s.repeat_customer,
                tuple(r.code for r in s.reasons),
                s.shipments,
                round(s.on_time_ratio, 4),
                s.overdue_lines,
            )
        screen = self._screen(party)
        keys = {(h.list_id, h.source_id) for h in screen.hits}
        clearances = tuple(
            ClearanceFact(c.name, c.list_id, c.source_id, c.fingerprint)
            for c in active
            if (c.list_id, c.source_id) in keys
        )
        inputs = VettingInputs(
            purpose=purpose,
            now=now,
            party=facts,
            high_volume=high_volume and purpose is Purpose.KNOWN_MARKETPLACE_SELLER,
            violations=violations,
            standing=standing,
            hits=screen.hits,
            clearances=clearances,
            list_versions=screen.list_versions,
        )
        return inputs, min(holds_until, self._time_changes(inputs, now))

    def _time_changes(self, inputs: VettingInputs, now: datetime) -> datetime:
        """The first moment after `now` at which the passing of time alone could change the
        outcome: a verification or self-certification growing too old, a violation leaving the
        look-back window."""
        seller, violations = self._policy.seller, self._policy.violations
        ages = {seller.verification_max_age_days, seller.high_volume_verification_max_age_days, seller.recertification_max_age_days}
        moments = [v.verify_time + timedelta(days=d) for v in inputs.party.verifications for d in ages]
        moments += [v.occur_time + timedelta(days=violations.look_back_days) for v in inputs.violations]
        return min((m for m in moments if m > now), default=now + timedelta(days=self._policy.decisions.valid_for_days))

    def _screen(self, party: Party) -> PartyScreen:
        """The party's legal name and first aliases, screened with its address countries."""
        fields = party.fields
        names = [n for n in (fields.legal_name, *fields.aliases)[:MAX_SCREENED_NAMES] if n]
        return self._screener.screen_party(names, tuple(sorted({a.country for a in fields.addresses if a.country})))

    # -- reading ----------------------------------------------------------------------------------

    def get(self, name: str) -> Decision:
        party_id, decision_id = parse_decision_name(name)
        self._owners.require(party_id, name)
        decision = self._decisions.get(party_id, decision_id)
        if decision is None:
            raise NotFoundError(f"{name} does not exist", metadata={"name": name})
        return decision

    def list(self, parent: str, purpose: Purpose | None, outcome: Outcome | None, page_size: int, page_token: str):
        party_id = _parse_parent(parent)
        limit = resolve_page_size(page_size)
        organization = current_organization()
        query_key = fingerprint("decisions", party_id, purpose, outcome, organization)
        after = decode_page_token(page_token, query_key)
        if party_id:
            self._owners.require(party_id, parent)
        items, cursor = self._decisions.list(party_id, purpose, outcome, after, limit, organization)
        return items, (encode_page_token(cursor, query_key) if cursor is not None else "")

    def in_force(self, party_name: str, purpose: Purpose | None, at: datetime | None) -> Decision:
        errors = ViolationCollector()
        party_id = ""
        try:
            party_id = parse_party_name(party_name, "party")
        except ValidationError as exc:
            errors.violations.extend(exc.violations)
        if purpose is None:
            errors.add("purpose", "is required")
        errors.raise_if_any()
        when = at or self._clock()
        # Another organisation's party reads as one without a decision.
        found = self._decisions.in_force(party_id, purpose, when) if self._owners.visible(party_id) else None
        if found is None:
            raise NotFoundError(
                f"no {purpose.value} decision for parties/{party_id} at {when.isoformat()}",
                metadata={"name": f"parties/{party_id}"},
            )
        return found[0]

    def replay(self, name: str) -> Replay:
        decision = self.get(name)
        text = self._decisions.policy_text(decision.policy_version)
        if text is None:
            raise FailedPreconditionError(
                f"the text of policy {decision.policy_version} is not kept; it cannot be replayed", reason="POLICY_UNKNOWN"
            )
        outcome, reasons = evaluate(decision.inputs, parse_policy(text, f"policy {decision.policy_version}"))
        differences = []
        if outcome is not decision.outcome:
            differences.append(f"outcome: stored {decision.outcome.value}, replayed {outcome.value}")
        stored_codes = [r.code for r in decision.reasons]
        replayed_codes = [r.code for r in reasons]
        if stored_codes != replayed_codes:
            differences.append(f"reasons: stored {stored_codes}, replayed {replayed_codes}")
        return Replay(decision, outcome, reasons, not differences, tuple(differences))

    def changes(self, cursor: int, limit: int) -> list[DecisionChange]:
        """Changes after `cursor`, of the caller's organisation's parties only."""
        return self._decisions.changes(cursor, limit, current_organization())

    def last_change_cursor(self) -> int:
        return self._decisions.last_change_cursor()

    # -- match review -----------------------------------------------------------------------------

    def clear_match(self, parent: str, entry_name: str, analyst: str, reason: str, request_id: str = "") -> MatchClearance:
        errors = ViolationCollector()
        party_id = ""
        try:
            party_id = parse_party_name(parent, "parent")
        except ValidationError as exc:
            errors.violations.extend(exc.violations)
        entry = _parse_entry_name(entry_name, errors)
        analyst = clean_text(analyst, "clearance.analyst", MAX_ANALYST, errors, required=True)
        reason = clean_text(reason, "clearance.reason", MAX_CLEARANCE_REASON, errors, required=True)
        errors.raise_if_any()
        party = self._parties.get(party_id)
        if party is None or not self._owners.visible(party_id):
            raise NotFoundError(f"{parent} does not exist", metadata={"name": parent})
        list_id, _, source_id = entry
        hit = next((h for h in self._screen(party).hits if (h.list_id, h.source_id) == (list_id, source_id)), None)
        if hit is None or hit.score < self._policy.screening.alert_threshold:
            raise FailedPreconditionError(
                f"{entry_name} does not match {parent} on the current lists; there is nothing to clear",
                reason="NOT_A_MATCH",
            )
        clearance = MatchClearance(
            id="c" + secrets.token_hex(10),
            party_id=party_id,
            list_id=list_id,
            list_version=hit.list_version,
            source_id=source_id,
            fingerprint=hit.fingerprint,
            analyst=analyst,
            reason=reason,
            create_time=self._clock(),
        )
        return self._decisions.add_clearance(clearance, request_id)

    def list_clearances(self, parent: str, show_revoked: bool, page_size: int, page_token: str):
        party_id = parse_party_name(parent, "parent")
        if self._parties.get(party_id) is None or not self._owners.visible(party_id):
            raise NotFoundError(f"{parent} does not exist", metadata={"name": parent})
        limit = resolve_page_size(page_size)
        query_key = fingerprint("clearances", party_id, show_revoked)
        after = decode_page_token(page_token, query_key)
        items, cursor = self._decisions.clearances(party_id, show_revoked, after, limit)
        return items, (encode_page_token(cursor, query_key) if cursor is not None else "")

    def revoke_clearance(self, name: str, analyst: str) -> MatchClearance:
        errors = ViolationCollector()
        parts = name.split("/")
        if len(parts) != 4 or parts[0] != "parties" or parts[2] != "matchClearances" or not parts[1] or not parts[3]:
            errors.add("name", "must look like parties/{party}/matchClearances/{clearance}")
        analyst = clean_text(analyst, "analyst", MAX_ANALYST, errors, required=True)
        errors.raise_if_any()
        self._owners.require(parts[1], name)
        revoked = self._decisions.revoke_clearance(parts[1], parts[3], analyst, self._clock())
        if revoked is None:
            raise NotFoundError(f"{name} does not exist", metadata={"name": name})
        return revoked


def _requester() -> str:
    caller = current_caller()
    return f"apiKeys/{caller.key_id}" if caller is not None else ""


def parse_decision_name(name: str, path: str = "name") -> tuple[str, str]:
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "parties" or parts[2] != "decisions" or not parts[1] or not parts[3]:
        raise ValidationError([FieldViolation(path, "must look like parties/{party}/decisions/{decision}")])
    return parts[1], parts[3]


def _parse_parent(parent: str) -> str:
    if parent == "parties/-":
        return ""
    return parse_party_name(parent, "parent")


def _parse_entry_name(name: str, errors: ViolationCollector) -> tuple[str, str, str]:
    parts = name.split("/")
    if (
        len(parts) != 6
        or parts[0] != "watchlists"
        or parts[2] != "versions"
        or parts[4] != "entries"
        or not all(parts[i] for i in (1, 3, 5))
    ):
        errors.add("clearance.entry", "must look like watchlists/{list}/versions/{version}/entries/{entry}")
        return "", "", ""
    return parts[1], parts[3], parts[5]
