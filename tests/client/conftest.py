"""A real gRPC server on a free port, with a fake servicer whose behaviour each test can read.

The fake keys its behaviour on the request: names and payloads pick the failure to return.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from concurrent import futures

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from knownparty_client import types
from knownparty_client._generated import diagnostics_pb2_grpc, party_pb2_grpc

DOMAIN = "knownparty.example"

# Canned pages for ListParties / ListPartyRevisions: token -> (names, next token).
PARTY_PAGES = {"": (["a", "b"], "t2"), "t2": (["c", "d"], "t3"), "t3": (["e"], "")}
REVISION_PAGES = {"": ([1, 2], "r2"), "r2": ([3], "")}


def abort(context, code: int, message: str, reason: str, *, metadata=None, violations=()) -> None:
    status = status_pb2.Status(code=code, message=message)
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata or {}))
    status.details.append(info)
    if violations:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in violations
            ]
        )
        detail = any_pb2.Any()
        detail.Pack(bad)
        status.details.append(detail)
    context.abort_with_status(rpc_status.to_status(status))


class FakeState:
    domain = DOMAIN

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: dict[str, list[tuple[object, dict[str, str]]]] = defaultdict(list)
        self.failures: dict[str, int] = defaultdict(int)
        self.party_pages = dict(PARTY_PAGES)

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.failures.clear()
            self.party_pages = dict(PARTY_PAGES)

    def record(self, method: str, request, context) -> None:
        with self.lock:
            self.calls[method].append((request, dict(context.invocation_metadata())))

    def requests(self, method: str) -> list:
        return [r for r, _ in self.calls[method]]

    def metadata(self, method: str) -> list[dict[str, str]]:
        return [m for _, m in self.calls[method]]

    def fail_first(self, key: str, times: int) -> bool:
        """True for the first `times` calls with this key."""
        with self.lock:
            self.failures[key] += 1
            return self.failures[key] <= times


class FakeDiagnostics(diagnostics_pb2_grpc.DiagnosticsServiceServicer):
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def Echo(self, request, context):
        self.state.record("Echo", request, context)
        if request.payload.startswith("sleep:"):
            time.sleep(float(request.payload.removeprefix("sleep:")))
        return types.EchoResponse(payload=request.payload)


class FakeParties(party_pb2_grpc.PartyServiceServicer):
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def CreateParty(self, request, context):
        self.state.record("CreateParty", request, context)
        if not request.party.legal_name:
            abort(
                context,
                code_pb2.INVALID_ARGUMENT,
                "party.legal_name: must not be empty; party.addresses[0].country: unknown country",
                "INVALID_FIELDS",
                metadata={"violations": "2"},
                violations=[
                    ("party.legal_name", "must not be empty"),
                    ("party.addresses[0].country", "unknown country 'XX'"),
                ],
            )
        if request.party_id == "taken":
            abort(context, code_pb2.ALREADY_EXISTS, "parties/taken already exists", "ALREADY_EXISTS")
        party = types.Party()
        party.CopyFrom(request.party)
        party.name = f"parties/{request.party_id or 'generated-1'}"
        party.state = types.PARTY_STATE_ACTIVE
        party.revision = 1
        party.etag = "e1"
        party.create_time.FromSeconds(1_700_000_000)
        return party

    def GetParty(self, request, context):
        self.state.record("GetParty", request, context)
        if request.name == "parties/missing":
            abort(context, code_pb2.NOT_FOUND, "parties/missing not found", "NOT_FOUND",
                  metadata={"name": request.name})
        if request.name == "parties/flaky" and self.state.fail_first("GetParty/flaky", 2):
            context.abort(grpc.StatusCode.UNAVAILABLE, "try again")
        if request.name == "parties/down":
            context.abort(grpc.StatusCode.UNAVAILABLE, "still down")
        if request.name == "parties/secret":
            if dict(context.invocation_metadata()).get("authorization") != "Bearer s3cret":
                abort(context, code_pb2.UNAUTHENTICATED, "missing or bad API key", "API_KEY_INVALID")
        return types.Party(
            name=request.name,
            kind=types.PARTY_KIND_SHIPPER,
            legal_name="Acme Logistics GmbH",
            state=types.PARTY_STATE_ACTIVE,
            addresses=[types.Address(lines=["Hafenstr. 1"], city="Hamburg", postal_code="20457", country="DE")],
            identifiers=[types.Identifier(type=types.IDENTIFIER_TYPE_VAT, value="DE136695976", issuing_country="DE")],
            revision=3,
            etag="e3",
        )

    def ListParties(self, request, context):
        self.state.record("ListParties", request, context)
        pages = self.state.party_pages
        if request.page_token not in pages:
            abort(context, code_pb2.INVALID_ARGUMENT, "bad page_token", "INVALID_PAGE_TOKEN",
                  violations=[("page_token", "not from this query")])
        names, token = pages[request.page_token]
        return types.ListPartiesResponse(
            parties=[types.Party(name=f"parties/{n}", legal_name=n.upper(), kind=request.kind) for n in names],
            next_page_token=token,
        )

    def UpdateParty(self, request, context):
        self.state.record("UpdateParty", request, context)
        if request.party.name == "parties/flaky":
            context.abort(grpc.StatusCode.UNAVAILABLE, "try again")
        if request.party.etag == "stale":
            abort(context, code_pb2.ABORTED, "etag is stale", "ETAG_MISMATCH", metadata={"current_etag": "e9"})
        party = types.Party()
        party.CopyFrom(request.party)
        party.etag = "e4"
        return party

    def DeleteParty(self, request, context):
        self.state.record("DeleteParty", request, context)
        if request.name == "parties/archived":
            abort(context, code_pb2.FAILED_PRECONDITION, "already archived", "PARTY_ARCHIVED")
        return types.Party(name=request.name, state=types.PARTY_STATE_ARCHIVED, etag=request.etag or "e5")

    def ListPartyRevisions(self, request, context):
        self.state.record("ListPartyRevisions", request, context)
        revisions, token = REVISION_PAGES[request.page_token]
        return types.ListPartyRevisionsResponse(
            revisions=[
                types.PartyRevision(
                    revision=r,
                    change=types.PARTY_CHANGE_CREATED if r == 1 else types.PARTY_CHANGE_UPDATED,
                    snapshot=types.Party(name=request.name, revision=r),
                )
                for r in revisions
            ],
            next_page_token=token,
        )


@pytest.fixture(scope="session")
def _server():
    state = FakeState()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    diagnostics_pb2_grpc.add_DiagnosticsServiceServicer_to_server(FakeDiagnostics(state), server)
    party_pb2_grpc.add_PartyServiceServicer_to_server(FakeParties(state), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", state
    server.stop(grace=None)


@pytest.fixture
def fake(_server) -> FakeState:
    """The server's recorded calls, emptied for every test."""
    _, state = _server
    state.reset()
    return state


@pytest.fixture
def target(_server, fake) -> str:
    return _server[0]
