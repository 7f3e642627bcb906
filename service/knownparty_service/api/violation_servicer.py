"""ViolationService: validates and translates messages; the registry does the work."""

from __future__ import annotations

from knownparty_client._generated import violation_pb2 as pb
from knownparty_client._generated import violation_pb2_grpc
from knownparty_service.api.party_messages import enum_in
from knownparty_service.api.violation_messages import (
    STATUSES,
    fields_from_message,
    query_from_request,
    violation_to_message,
)
from knownparty_service.domain.errors import ViolationCollector
from knownparty_service.domain.violation_registry import ViolationRegistry


class ViolationServicer(violation_pb2_grpc.ViolationServiceServicer):
    def __init__(self, registry: ViolationRegistry):
        self._registry = registry

    def CreateViolation(self, request: pb.CreateViolationRequest, context) -> pb.Violation:
        errors = ViolationCollector()
        if not request.HasField("violation"):
            errors.add("violation", "is required")
        fields = fields_from_message(request.violation, errors)
        initial_status = enum_in(STATUSES, request.initial_status, "initial_status", errors)
        errors.raise_if_any()
        violation = self._registry.create(
            request.parent,
            fields,
            violation_id=request.violation_id,
            request_id=request.request_id,
            initial_status=initial_status,
        )
        return violation_to_message(violation)

    def GetViolation(self, request: pb.GetViolationRequest, context) -> pb.Violation:
        return violation_to_message(self._registry.get(request.name))

    def ListViolations(self, request: pb.ListViolationsRequest, context) -> pb.ListViolationsResponse:
        errors = ViolationCollector()
        query = query_from_request(request, errors)
        errors.raise_if_any()
        page = self._registry.list(request.parent, query, request.page_size, request.page_token)
        response = pb.ListViolationsResponse(next_page_token=page.next_page_token)
        for violation in page.items:
            violation_to_message(violation, response.violations.add())
        return response

    def UpdateViolationStatus(self, request: pb.UpdateViolationStatusRequest, context) -> pb.Violation:
        errors = ViolationCollector()
        status = enum_in(STATUSES, request.status, "status", errors)
        errors.raise_if_any()
        violation = self._registry.update_status(request.name, status, note=request.note, etag=request.etag)
        return violation_to_message(violation)
