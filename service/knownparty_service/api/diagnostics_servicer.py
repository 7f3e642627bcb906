"""DiagnosticsService: the storage-free baseline every benchmark is measured against."""

from __future__ import annotations

from knownparty_client._generated import diagnostics_pb2 as pb
from knownparty_client._generated import diagnostics_pb2_grpc


class DiagnosticsServicer(diagnostics_pb2_grpc.DiagnosticsServiceServicer):
    def Echo(self, request: pb.EchoRequest, context) -> pb.EchoResponse:
        return pb.EchoResponse(payload=request.payload)
