"""AsyncKnownPartyClient against the same fake server (driven by asyncio.run, no plugin)."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2

from knownparty_client import (
    AsyncKnownPartyClient,
    FieldViolation,
    InvalidArgument,
    NotFound,
    Unavailable,
    types,
)
from knownparty_client.errors import from_rpc_error


def run(coro):
    return asyncio.run(coro)


def test_echo_auth_and_names(target, fake):
    async def main():
        async with AsyncKnownPartyClient(target, api_key="s3cret") as client:
            assert await client.echo("hi") == "hi"
            return await client.get_party("acme")

    party = run(main())
    assert party.name == "parties/acme"
    assert fake.metadata("Echo")[0]["authorization"] == "Bearer s3cret"
    assert fake.requests("GetParty")[0].name == "parties/acme"


def test_typed_errors_from_aio(target, fake):
    async def main():
        async with AsyncKnownPartyClient(target) as client:
            with pytest.raises(InvalidArgument) as bad:
                await client.create_party(types.Party())
            with pytest.raises(NotFound) as missing:
                await client.get_party("parties/missing")
            return bad.value, missing.value

    bad, missing = run(main())
    assert isinstance(bad.__cause__, grpc.aio.AioRpcError)
    assert bad.reason == "INVALID_FIELDS" and bad.domain == fake.domain
    assert bad.field_violations[0] == FieldViolation("party.legal_name", "must not be empty")
    assert isinstance(bad.details[1], error_details_pb2.BadRequest)
    assert missing.error_metadata == {"name": "parties/missing"}


def test_async_pager_three_pages(target, fake):
    async def main():
        async with AsyncKnownPartyClient(target) as client:
            pager = await client.list_parties(page_size=2, name_prefix="a")
            first_token = pager.next_page_token
            names = [p.name async for p in pager]
            pages = [len(page.parties) async for page in (await client.list_parties()).pages]
            revisions = [r.revision async for r in await client.list_party_revisions("acme")]
            return first_token, names, pages, revisions

    first_token, names, pages, revisions = run(main())
    assert first_token == "t2"
    assert names == ["parties/a", "parties/b", "parties/c", "parties/d", "parties/e"]
    assert pages == [2, 2, 1]
    assert revisions == [1, 2, 3]
    assert [r.page_token for r in fake.requests("ListParties")[:3]] == ["", "t2", "t3"]
    assert fake.requests("ListParties")[0].name_prefix == "a"


def test_create_request_id_and_update_delete(target, fake):
    async def main():
        async with AsyncKnownPartyClient(target) as client:
            await client.create_party(types.Party(legal_name="A"))
            await client.create_party(types.Party(legal_name="B"), request_id="given")
            updated = await client.update_party(types.Party(name="x", email="a@b.c"), ["email"])
            archived = await client.archive_party("x", etag="e4")
            return updated, archived

    updated, archived = run(main())
    generated, given = (r.request_id for r in fake.requests("CreateParty"))
    assert uuid.UUID(generated) and given == "given"
    assert updated.name == "parties/x" and updated.email == "a@b.c"
    assert archived.state == types.PARTY_STATE_ARCHIVED
    assert fake.requests("DeleteParty")[0].etag == "e4"


def test_retry_get_not_update(target, fake):
    async def main():
        async with AsyncKnownPartyClient(target) as client:
            party = await client.get_party("flaky")
            with pytest.raises(Unavailable):
                await client.update_party(types.Party(name="flaky", legal_name="x"), ["legal_name"])
            return party

    assert run(main()).name == "parties/flaky"
    assert len(fake.requests("GetParty")) == 3
    assert len(fake.requests("UpdateParty")) == 1


def test_from_rpc_error_builds_status_from_aio_error():
    """An AioRpcError whose trailer disagrees with its message still yields the details."""
    from google.protobuf import any_pb2
    from google.rpc import status_pb2

    status = status_pb2.Status(code=grpc.StatusCode.NOT_FOUND.value[0], message="other text")
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.ErrorInfo(reason="GONE", domain="knownparty.example"))
    status.details.append(detail)
    err = grpc.aio.AioRpcError(
        grpc.StatusCode.NOT_FOUND,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(("grpc-status-details-bin", status.SerializeToString())),
        details="parties/x not found",
    )
    converted = from_rpc_error(err)
    assert type(converted) is NotFound
    assert converted.message == "parties/x not found"
    assert converted.reason == "GONE"
