"""PartyService: validates and translates messages; the registry does the work."""

from __future__ import annotations

from knownparty_client._generated import party_pb2 as pb
from knownparty_client._generated import party_pb2_grpc
from knownparty_service.api.party_messages import (
    STATES,
    enum_in,
    fields_from_message,
    party_to_message,
    query_from_request,
    revision_to_message,
    shows_protected,
)
from knownparty_service.domain.bounded_cache import BoundedCache
from knownparty_service.domain.errors import ViolationCollector
from knownparty_service.domain.party_registry import PartyRegistry


_ENCODED_CACHE_SIZE = 200_000


class PartyServicer(party_pb2_grpc.PartyServiceServicer):
    def __init__(self, registry: PartyRegistry):
        self._registry = registry
        # Encoded messages by (party id, revision), the hot read's translation done once per
        # revision; each call gets its own copy, parsed from the bytes.
        self._encoded: BoundedCache = BoundedCache(_ENCODED_CACHE_SIZE)

    def _message(self, party) -> pb.Party:
        key = (party.id, party.revision, shows_protected())
        encoded = self._encoded.get(key)
        if encoded is None:
            message = party_to_message(party)
            self._encoded.put(key, message.SerializeToString())
            return message
        return pb.Party.FromString(encoded)

    def CreateParty(self, request: pb.CreatePartyRequest, context) -> pb.Party:
        errors = ViolationCollector()
        if not request.HasField("party"):
            errors.add("party", "is required")
        fields = fields_from_message(request.party, errors)
        errors.raise_if_any()
        party = self._registry.create(fields, party_id=request.party_id, request_id=request.request_id)
        return party_to_message(party)

    def GetParty(self, request: pb.GetPartyRequest, context) -> pb.Party:
        return self._message(self._registry.get(request.name))

    def ListParties(self, request: pb.ListPartiesRequest, context) -> pb.ListPartiesResponse:
        errors = ViolationCollector()
        query = query_from_request(request, errors)
        errors.raise_if_any()
        page = self._registry.list(query, request.page_size, request.page_token)
        response = pb.ListPartiesResponse(next_page_token=page.next_page_token)
        for party in page.items:
            party_to_message(party, response.parties.add())
        return response

    def UpdateParty(self, request: pb.UpdatePartyRequest, context) -> pb.Party:
        errors = ViolationCollector()
        if not request.HasField("party"):
            errors.add("party", "is required")
        fields = fields_from_message(request.party, errors)
        state = enum_in(STATES, request.party.state, "party.state", errors)
        errors.raise_if_any()
        party = self._registry.update(
            request.party.name, fields, state, list(request.update_mask.paths), request.party.etag
        )
        return party_to_message(party)

    def DeleteParty(self, request: pb.DeletePartyRequest, context) -> pb.Party:
        return party_to_message(self._registry.archive(request.name, request.etag))

    def ListPartyRevisions(self, request: pb.ListPartyRevisionsRequest, context) -> pb.ListPartyRevisionsResponse:
        page = self._registry.revisions(request.name, request.page_size, request.page_token)
        return pb.ListPartyRevisionsResponse(
            revisions=[revision_to_message(r) for r in page.items], next_page_token=page.next_page_token
        )
