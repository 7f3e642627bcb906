"""Servicers driven in-process with grpcio-testing: message translation without a network.

Rich error details need the real wire (tests/server); these check the happy paths and that the
servicers hand domain errors up unchanged for the interceptor to map.
"""

from __future__ import annotations

import grpc
import grpc_testing
import pytest

from knownparty_client._generated import diagnostics_pb2, party_pb2
from knownparty_service.api.diagnostics_servicer import DiagnosticsServicer
from knownparty_service.api.party_servicer import PartyServicer
from knownparty_service.domain.party_registry import PartyRegistry
from knownparty_service.storage.database import Database
from knownparty_service.storage.migrate import upgrade
from knownparty_service.storage.field_cipher import DataKeys, FieldCipher
from knownparty_service.storage.party_repository import SqlPartyRepository

PARTY_SERVICE = party_pb2.DESCRIPTOR.services_by_name["PartyService"]
DIAGNOSTICS_SERVICE = diagnostics_pb2.DESCRIPTOR.services_by_name["DiagnosticsService"]


@pytest.fixture
def test_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'unit.db'}"
    upgrade(url)
    database = Database(url)
    servicers = {
        PARTY_SERVICE: PartyServicer(PartyRegistry(SqlPartyRepository(database, FieldCipher(DataKeys.generate())))),
        DIAGNOSTICS_SERVICE: DiagnosticsServicer(),
    }
    yield grpc_testing.server_from_dictionary(servicers, grpc_testing.strict_real_time())
    database.dispose()


def invoke(test_server, service, method, request):
    rpc = test_server.invoke_unary_unary(service.methods_by_name[method], (), request, None)
    response, _metadata, code, details = rpc.termination()
    return response, code, details


def test_echo_returns_its_payload(test_server):
    response, code, _ = invoke(test_server, DIAGNOSTICS_SERVICE, "Echo", diagnostics_pb2.EchoRequest(payload="héllo"))
    assert code == grpc.StatusCode.OK
    assert response.payload == "héllo"


def test_create_then_get_translates_messages(test_server):
    request = party_pb2.CreatePartyRequest(
        party=party_pb2.Party(
            kind=party_pb2.PARTY_KIND_SHIPPER,
            legal_name="Harbour Freight Co",
            addresses=[party_pb2.Address(lines=["Pier 9"], city="Oakland", country="us")],
            identifiers=[party_pb2.Identifier(type=party_pb2.IDENTIFIER_TYPE_CARRIER_ACCOUNT, value="ACC-77")],
        ),
        party_id="harbour",
    )
    created, code, _ = invoke(test_server, PARTY_SERVICE, "CreateParty", request)
    assert code == grpc.StatusCode.OK
    assert created.name == "parties/harbour"
    assert created.addresses[0].country == "US"
    fetched, code, _ = invoke(test_server, PARTY_SERVICE, "GetParty", party_pb2.GetPartyRequest(name="parties/harbour"))
    assert code == grpc.StatusCode.OK
    assert fetched == created
