"""Scenarios for bench/harness.py: module-level factories, so workers can import them by name.

Each factory takes a channel (a grpc.aio one or a plain one: the generated stubs work with both)
and returns a callable that makes one call with the given deadline. Everything a scenario needs
(names to read, say) is prepared beforehand and passed in as a keyword argument.
"""

from __future__ import annotations

import random
import uuid

import harness  # noqa: F401  (sets up the import paths of client/ and service/)
from knownparty_client._generated import diagnostics_pb2, diagnostics_pb2_grpc, party_pb2, party_pb2_grpc


def echo(channel, *, timeout: float, payload: str = "ping"):
    """DiagnosticsService.Echo: the storage-free baseline on the same server stack."""
    method = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel).Echo
    request = diagnostics_pb2.EchoRequest(payload=payload)

    def call():
        return method(request, timeout=timeout)

    return call


def get_party(channel, *, timeout: float, names: list[str]):
    """PartyService.GetParty of a random name from `names` (parties seeded beforehand)."""
    if not names:
        raise ValueError("get_party needs a non-empty list of party names")
    method = party_pb2_grpc.PartyServiceStub(channel).GetParty
    requests = [party_pb2.GetPartyRequest(name=n) for n in names]
    choice = random.choice

    def call():
        return method(choice(requests), timeout=timeout)

    return call


def fetch_party_names(target: str, limit: int = 1000) -> dict:
    """Reads up to `limit` existing names from a running server (for the harness command line)."""
    import grpc

    with grpc.insecure_channel(target) as channel:
        stub = party_pb2_grpc.PartyServiceStub(harness.keyed(channel))
        names: list[str] = []
        token = ""
        while len(names) < limit:
            page = stub.ListParties(party_pb2.ListPartiesRequest(page_size=min(1000, limit), page_token=token), timeout=30)
            names.extend(p.name for p in page.parties)
            token = page.next_page_token
            if not token:
                break
    return {"names": names[:limit]}


get_party.prepare = fetch_party_names


def new_party_request(legal_name: str, request_id: str = "") -> party_pb2.CreatePartyRequest:
    return party_pb2.CreatePartyRequest(
        party=party_pb2.Party(
            kind=party_pb2.PARTY_KIND_SELLER,
            legal_name=legal_name,
            addresses=[party_pb2.Address(lines=["1 Main St"], city="Springfield", country="US")],
        ),
        request_id=request_id,
    )


def create_party(channel, *, timeout: float, name_prefix: str = "Bench Seller"):
    """PartyService.CreateParty: every call a new party with a unique legal name and request_id."""
    method = party_pb2_grpc.PartyServiceStub(channel).CreateParty

    def call():
        unique = uuid.uuid4().hex
        return method(new_party_request(f"{name_prefix} {unique}", request_id=unique), timeout=timeout)

    return call


def list_parties(channel, *, timeout: float, page_size: int = 20):
    """PartyService.ListParties: the first page of `page_size` parties, no filter."""
    method = party_pb2_grpc.PartyServiceStub(channel).ListParties
    request = party_pb2.ListPartiesRequest(page_size=page_size)

    def call():
        return method(request, timeout=timeout)

    return call
