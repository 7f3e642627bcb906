"""How a VetParties round is shared with the helper process: a party's requests stay in order
whatever the share, and the share moves toward the process that is waiting."""

from __future__ import annotations

from knownparty_client._generated import vetting_pb2 as pb
from knownparty_service.api import vetting_servicer as module
from knownparty_service.domain.errors import NotFoundError


class Desk:
    """Answers every party NOT_FOUND (the messages are what these tests look at)."""

    def __init__(self):
        self.decided: list[str] = []
        self.adopted: list = []

    def vet_many(self, requests):
        self.decided.extend(party for party, *_ in requests)
        return [NotFoundError(f"{party} not found") for party, *_ in requests]

    def read_mark(self):
        return len(self.adopted)

    def adopt(self, written, mark):
        self.adopted.append(written)


class Lane:
    def __init__(self, ready: bool):
        self.ready = ready
        self.sent: list[pb.VetPartiesRequest] = []

    def send(self, message, caller):
        self.sent.append(message)

    def answer_ready(self) -> bool:
        return self.ready

    def receive(self):
        message = self.sent.pop(0)
        answers = pb.VetPartiesResponse(answers=[pb.VetPartyAnswer(tag=f"helper:{r.tag}") for r in message.requests])
        return answers, ([], {}, [])


def vet(party: str, tag: str) -> pb.VetPartyRequest:
    return pb.VetPartyRequest(tag=tag, vet_seller=pb.VetSellerRequest(party=party))


def test_a_party_still_to_be_decided_here_is_not_sent_to_the_helper_in_the_next_round():
    servicer = module.VettingServicer(Desk(), keys=None)
    servicer._helper_share = module._SHARE_STEPS  # everything would go to the helper
    lane = Lane(ready=True)
    unfinished = module._Round([vet("parties/a", "1")], [], {"parties/a"})
    started = servicer._start_round([vet("parties/a", "2"), vet("parties/b", "3"), vet("parties/c", "4")], lane, unfinished)
    assert started.theirs == [1, 2] and started.here == {"parties/a"}
    assert [r.vet_seller.party for r in lane.sent[0].requests] == ["parties/b", "parties/c"]
    # With nothing unfinished the whole round would go: it is decided here instead, as one.
    lane.sent.clear()
    alone = servicer._start_round([vet("parties/a", "5"), vet("parties/a", "6")], lane, None)
    assert alone.theirs == [] and alone.here == {"parties/a"} and lane.sent == []


def test_the_share_moves_toward_the_waiting_process_within_its_bounds():
    low, high = module._HELPER_SHARE_RANGE
    desk = Desk()
    servicer = module.VettingServicer(desk, keys=None)
    requests = [vet(f"parties/p{n}", str(n)) for n in range(200)]
    lane = Lane(ready=True)  # the helper's answers are back before this process is done: it waits
    shares = []
    for _ in range(2 * module._SHARE_STEPS):
        response = servicer._finish_round(servicer._start_round(requests, lane, None), lane)
        shares.append(servicer._helper_share)
        # Every request answered once, in order, by whichever process decided it.
        assert [a.tag.removeprefix("helper:") for a in response.answers] == [r.tag for r in requests]
        helped = sum(a.tag.startswith("helper:") for a in response.answers)
        assert 0 < helped < len(requests)
        assert all(a.error.code == "NOT_FOUND" for a in response.answers if not a.tag.startswith("helper:"))
    assert shares[0] == module._FIRST_HELPER_SHARE + 1 and shares[-1] == high
    lane.ready = False  # now this process waits for the helper: it takes more of each round
    for _ in range(2 * module._SHARE_STEPS):
        servicer._finish_round(servicer._start_round(requests, lane, None), lane)
    assert servicer._helper_share == low
    assert len(desk.adopted) == 4 * module._SHARE_STEPS
