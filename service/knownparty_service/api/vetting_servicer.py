"""VettingService: validates and translates messages; the vetting desk does the work."""

from __future__ import annotations

import collections
import dataclasses
import queue
import threading
import time

from google.rpc import code_pb2

from knownparty_client._generated import vetting_pb2 as pb
from knownparty_client._generated import vetting_pb2_grpc
from knownparty_client.attestation import verify_attestation
from knownparty_service.api.party_messages import checked_time_in, enum_in, time_out
from knownparty_service.api.vetting_messages import (
    OUTCOMES,
    OUTCOMES_OUT,
    PURPOSES,
    change_to_message,
    clearance_to_message,
    decision_to_message,
    reasons_to_messages,
)
from knownparty_service.api.errors import status_for
from knownparty_service.app.collector import bulk_work, round_done
from knownparty_service.domain.access import current_caller
from knownparty_service.domain.bounded_cache import BoundedCache
from knownparty_service.domain.errors import DomainError, ValidationError, ViolationCollector
from knownparty_service.domain.vetting.desk import VettingDesk
from knownparty_service.domain.vetting.model import Purpose

MAX_STREAM_REQUESTS = 1_000_000
# Tags are echoed back: bounded, and a refused one is not echoed.
MAX_TAG = 200
# How often a watcher looks for new changes (they may come from another process).
WATCH_POLL_SECONDS = 0.5
_CHANGES_PER_READ = 500
_KEPT_MESSAGES = 200_000
# Requests of a VetParties stream decided and stored together, and answered in one message.
_VET_BATCH = 250
# Of every 40 parties of a round, how many the bulk-vetting helper process decides: learned round
# by round (see _finish_round), starting a little over half, since this process also reads the
# requests and sends the answers; never all, never none.
_SHARE_STEPS = 40
_FIRST_HELPER_SHARE = 22
_HELPER_SHARE_RANGE = (4, 36)


def _cursor(text: str, path: str) -> int:
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise ValidationError.single(path, "is not a cursor this service gave out")
    return int(text)


class VettingServicer(vetting_pb2_grpc.VettingServiceServicer):
    def __init__(self, desk: VettingDesk, keys, helper=None):
        self._desk = desk
        # Decides about half of each VetParties round in a process of its own (app/vetting_helpers.py).
        self._helper = helper
        self._helper_share = _FIRST_HELPER_SHARE  # of _SHARE_STEPS
        self._messages: BoundedCache = BoundedCache(_KEPT_MESSAGES)
        # () -> [(key id, algorithm, public key, create time)], current key first.
        self._keys = keys

    def _message(self, decision) -> pb.Decision:
        message = pb.Decision()
        self._message_into(decision, message)
        return message

    def _message_into(self, decision, target: pb.Decision) -> None:
        # Decisions are immutable: each message is built once, kept serialized (compact), and
        # parsed again for later replies. One a party and purpose: a newer decision replaces it.
        # Written into `target`, which may be a field of a larger message (no copy).
        slot = (decision.party_id, decision.purpose)
        kept = self._messages.get(slot)
        if kept is None or kept[0] != decision.id:
            decision_to_message(decision, target)
            self._messages.put(slot, (decision.id, target.SerializeToString()))
        else:
            target.MergeFromString(kept[1])

    def VetSeller(self, request: pb.VetSellerRequest, context) -> pb.Decision:
        decision = self._desk.vet(request.party, Purpose.KNOWN_MARKETPLACE_SELLER, high_volume=request.high_volume)
        return self._message(decision)

    def CheckShipper(self, request: pb.CheckShipperRequest, context) -> pb.Decision:
        return self._message(self._desk.vet(request.party, Purpose.KNOWN_CARRIER_CUSTOMER))

    def GetDecision(self, request: pb.GetDecisionRequest, context) -> pb.Decision:
        return self._message(self._desk.get(request.name))

    def ListDecisions(self, request: pb.ListDecisionsRequest, context) -> pb.ListDecisionsResponse:
        errors = ViolationCollector()
        purpose = enum_in(PURPOSES, request.purpose, "purpose", errors)
        outcome = enum_in(OUTCOMES, request.outcome, "outcome", errors)
        errors.raise_if_any()
        items, token = self._desk.list(request.parent, purpose, outcome, request.page_size, request.page_token)
        response = pb.ListDecisionsResponse(next_page_token=token)
        for decision in items:
            decision_to_message(decision, response.decisions.add())
        return response

    def GetDecisionInForce(self, request: pb.GetDecisionInForceRequest, context) -> pb.Decision:
        errors = ViolationCollector()
        purpose = enum_in(PURPOSES, request.purpose, "purpose", errors)
        at = checked_time_in(request.at_time, request.HasField("at_time"), "at_time", errors)
        errors.raise_if_any()
        return self._message(self._desk.in_force(request.party, purpose, at))

    def ReplayDecision(self, request: pb.ReplayDecisionRequest, context) -> pb.ReplayDecisionResponse:
        replay = self._desk.replay(request.name)
        response = pb.ReplayDecisionResponse(
            replayed_outcome=OUTCOMES_OUT[replay.outcome],
            same=replay.same,
            differences=list(replay.differences),
        )
        decision_to_message(replay.decision, response.decision)
        reasons_to_messages(replay.reasons, response.replayed_reasons)
        return response

    def GetSigningKeys(self, request: pb.GetSigningKeysRequest, context) -> pb.GetSigningKeysResponse:
        response = pb.GetSigningKeysResponse()
        for index, (key_id, algorithm, public_key, created) in enumerate(self._keys()):
            key = response.keys.add(key_id=key_id, algorithm=algorithm, public_key=public_key, current=index == 0)
            time_out(created, key.create_time)
        return response

    def VerifyAttestation(self, request: pb.VerifyAttestationRequest, context) -> pb.VerifyAttestationResponse:
        if not request.HasField("decision"):
            raise ValidationError.single("decision", "is required")
        keys = {key_id: public_key for key_id, _, public_key, _ in self._keys()}
        check = verify_attestation(request.decision, keys)
        return pb.VerifyAttestationResponse(valid=check.valid, reason=check.reason, key_id=check.key_id)

    def VetParties(self, request_iterator, context):
        # A reader thread takes request messages off the stream as they come; each round vets
        # what has arrived (up to a batch), stores its decisions in one transaction and answers
        # them in one message. A client that waits for each answer gets rounds of one.
        if self._helper is not None:
            self._helper.start()  # once; the first rounds are decided here while it starts
        arrived: queue.Queue = queue.Queue(maxsize=16)
        handler_gone = threading.Event()
        reader = threading.Thread(target=_read_requests, args=(request_iterator, arrived, handler_gone), daemon=True)
        reader.start()
        try:
            yield from self._vet_arrived(arrived)
        finally:
            # Cancelled, failed or done: a reader waiting for room in the queue stops.
            handler_gone.set()

    def _vet_arrived(self, arrived: queue.Queue):
        pending: collections.deque = collections.deque()
        end: _EndOfStream | None = None
        count = 0

        def take(message) -> _EndOfStream | None:
            nonlocal count
            if isinstance(message, _EndOfStream):
                return message
            # Any number a message (the message size limit bounds it); an empty one is no request.
            count += len(message.requests)
            if count > MAX_STREAM_REQUESTS:
                # Refused once the requests before it are answered.
                return _EndOfStream(ValidationError.single("requests", f"a stream carries at most {MAX_STREAM_REQUESTS} requests"))
            pending.extend(message.requests)
            return None

        def next_round(wait: bool) -> list | None:
            """The next round's requests: what has arrived, up to a batch. Waiting, None at the
            end of the stream (raising its error); not waiting, None when nothing has arrived."""
            nonlocal end
            while wait and not pending and end is None:  # an empty message is no request
                end = take(arrived.get())
            while end is None and len(pending) < _VET_BATCH:
                try:
                    end = take(arrived.get_nowait())
                except queue.Empty:
                    break
            if pending:
                return [pending.popleft() for _ in range(min(_VET_BATCH, len(pending)))]
            if wait and end is not None and end.error is not None:
                raise end.error
            return None

        lane = None
        started: collections.deque = collections.deque()
        try:
            with bulk_work():
                while True:
                    if not started:
                        requests = next_round(wait=True)
                        if requests is None:
                            return
                        if lane is None and self._helper is not None:
                            # Only between rounds: a party's earlier requests are all decided by then.
                            lane = self._helper.lease()
                        started.append(self._start_round(requests, lane, None))
                    # The next round's helper share goes out now: it works on it while this one
                    # ends. (Without the helper nothing is gained, and the lane is asked for
                    # between rounds.)
                    if lane is not None and len(started) < 2 and (requests := next_round(wait=False)):
                        started.append(self._start_round(requests, lane, started[0]))
                    response = self._finish_round(started.popleft(), lane)
                    round_done()
                    yield response
        finally:
            if lane is not None:
                lane.release()

    def _start_round(self, requests: list, lane, unfinished: "_Round | None") -> "_Round":
        """Sends the helper its share of a round's parties; this process decides the rest in
        _finish_round. A party's requests are decided in order: within a round they all go the
        same way, and a party this process has yet to decide in the unfinished round before
        stays here (the helper could otherwise decide its later request first)."""
        if lane is None:
            return _Round(requests, [])
        share = self._helper_share
        stays = unfinished.here if unfinished is not None else frozenset()
        parties = [_party_of(r) for r in requests]
        theirs, here = [], set()
        for i, party in enumerate(parties):
            if party not in stays and hash(party) % _SHARE_STEPS < share:
                theirs.append(i)
            else:
                here.add(party)
        if not theirs or not here:  # a round not worth splitting is decided here, as one
            return _Round(requests, [], set(parties))
        mark = self._desk.read_mark()  # before the helper reads anything for this round
        lane.send(pb.VetPartiesRequest(requests=[requests[i] for i in theirs]), current_caller())
        return _Round(requests, theirs, here, mark)

    def _finish_round(self, started: "_Round", lane) -> pb.VetPartiesResponse:
        requests, theirs = started.requests, started.theirs
        if not theirs:
            return self.vet_round(requests)
        helped = set(theirs)
        mine = [i for i in range(len(requests)) if i not in helped]
        answered = self.vet_round([requests[i] for i in mine]).answers
        # Balances the two processes: an answer already back means the helper waited for this
        # process (give it more of the next rounds); none yet, that this process waits for it.
        low, high = _HELPER_SHARE_RANGE
        if lane.answer_ready():
            self._helper_share = min(high, self._helper_share + 1)
        else:
            self._helper_share = max(low, self._helper_share - 1)
        helper_answers, written = lane.receive()
        self._desk.adopt(written, started.mark)
        answers: list = [None] * len(requests)
        for i, answer in zip(mine, answered):
            answers[i] = answer
        for i, answer in zip(theirs, helper_answers.answers):
            answers[i] = answer
        return pb.VetPartiesResponse(answers=answers)

    def vet_round(self, requests) -> pb.VetPartiesResponse:
        """Decides requests (VetPartyRequest) together; their answers, in order."""
        response = pb.VetPartiesResponse()
        answers = [response.answers.add() for _ in requests]
        wanted = []
        for answer, request in zip(answers, requests):
            tag = request.tag
            if len(tag) > MAX_TAG:
                _vet_error(ValidationError.single("tag", f"is longer than {MAX_TAG} characters"), answer.error)
                continue
            answer.tag = tag
            kind = request.WhichOneof("request")
            if kind == "vet_seller":
                wanted.append((answer, (request.vet_seller.party, Purpose.KNOWN_MARKETPLACE_SELLER, request.vet_seller.high_volume, "vet_seller.party")))
            elif kind == "check_shipper":
                wanted.append((answer, (request.check_shipper.party, Purpose.KNOWN_CARRIER_CUSTOMER, False, "check_shipper.party")))
            else:
                # One bad request is answered in place, as its unary call would have failed.
                _vet_error(ValidationError.single("request", "is required: vet_seller or check_shipper"), answer.error)
        results = self._desk.vet_many([w for _, w in wanted]) if wanted else []
        for (answer, _), result in zip(wanted, results):
            if isinstance(result, DomainError):
                _vet_error(result, answer.error)
            else:
                self._message_into(result, answer.decision)
        return response

    def WatchDecisionChanges(self, request: pb.WatchDecisionChangesRequest, context):
        if request.cursor:
            after = _cursor(request.cursor, "cursor")
        else:
            after = 0 if request.from_beginning else self._desk.last_change_cursor()
        while context.is_active():
            changes = self._desk.changes(after, _CHANGES_PER_READ)
            for change in changes:
                yield change_to_message(change)
                after = change.cursor
            if len(changes) < _CHANGES_PER_READ:
                time.sleep(WATCH_POLL_SECONDS)

    def ListDecisionChanges(self, request: pb.ListDecisionChangesRequest, context) -> pb.ListDecisionChangesResponse:
        if request.page_size < 0:
            raise ValidationError.single("page_size", "must not be negative")
        after = _cursor(request.page_token or request.cursor, "page_token" if request.page_token else "cursor")
        limit = min(request.page_size or 100, 1000)
        changes = self._desk.changes(after, limit + 1)
        response = pb.ListDecisionChangesResponse(changes=[change_to_message(c) for c in changes[:limit]])
        if len(changes) > limit:
            response.next_page_token = str(changes[limit - 1].cursor)
        return response

    def ClearWatchlistMatch(self, request: pb.ClearWatchlistMatchRequest, context) -> pb.MatchClearance:
        if not request.HasField("clearance"):
            raise ValidationError.single("clearance", "is required")
        c = request.clearance
        return clearance_to_message(
            self._desk.clear_match(request.parent, c.entry, c.analyst, c.reason, request_id=request.request_id)
        )

    def ListMatchClearances(self, request: pb.ListMatchClearancesRequest, context) -> pb.ListMatchClearancesResponse:
        items, token = self._desk.list_clearances(request.parent, request.show_revoked, request.page_size, request.page_token)
        response = pb.ListMatchClearancesResponse(next_page_token=token)
        for clearance in items:
            clearance_to_message(clearance, response.clearances.add())
        return response

    def RevokeMatchClearance(self, request: pb.RevokeMatchClearanceRequest, context) -> pb.MatchClearance:
        return clearance_to_message(self._desk.revoke_clearance(request.name, request.analyst))


@dataclasses.dataclass
class _Round:
    requests: list
    # Indexes of the requests sent to the helper.
    theirs: list[int]
    # The parties this process decides (with a lane: all of them when the helper has none).
    here: set[str] = dataclasses.field(default_factory=set)
    # The desk's read mark taken before the helper was sent its share (desk.adopt).
    mark: object = None


def _party_of(request: pb.VetPartyRequest) -> str:
    kind = request.WhichOneof("request")
    return getattr(request, kind).party if kind is not None else ""


class _EndOfStream:
    def __init__(self, error: BaseException | None = None):
        self.error = error


def _read_requests(request_iterator, arrived: queue.Queue, handler_gone: threading.Event) -> None:
    def put(item) -> bool:
        # Once the handler is gone nobody takes from the queue: a full one would block forever.
        while not handler_gone.is_set():
            try:
                arrived.put(item, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    try:
        for message in request_iterator:
            if not put(message):
                return
    except Exception as exc:  # noqa: BLE001 - the stream broke (cancelled): the handler ends with it
        put(_EndOfStream(exc))
        return
    put(_EndOfStream())


def _vet_error(error: DomainError, target: pb.VetError) -> None:
    status = status_for(error)
    target.code = code_pb2.Code.Name(status.code)
    target.message = status.message
    if isinstance(error, ValidationError):
        for v in error.violations:
            target.field_violations.add(field=v.field, description=v.description)
