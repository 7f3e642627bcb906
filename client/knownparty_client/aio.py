"""The asyncio client: the same API as KnownPartyClient, on grpc.aio.

    async with AsyncKnownPartyClient("127.0.0.1:50051") as client:
        party = await client.get_party("acme")
        async for p in await client.list_parties(country="DE"):
            ...

Create it inside the running event loop that will use it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import grpc
import grpc.aio

from knownparty_client import _requests, types
from knownparty_client._generated import diagnostics_pb2_grpc, party_pb2_grpc
from knownparty_client._retry import channel_options
from knownparty_client.client import DEFAULT_TARGET, DEFAULT_TIMEOUT
from knownparty_client.errors import from_rpc_error
from knownparty_client.pagers import AsyncPager

__all__ = ["AsyncKnownPartyClient"]

R = TypeVar("R")


class AsyncKnownPartyClient:
    """An asyncio client over one grpc.aio channel; use `async with` or `await close()`."""

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        api_key: str | None = None,
        metadata: Sequence[tuple[str, str]] = (),
        credentials: grpc.ChannelCredentials | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self.target = target
        self.timeout = timeout
        self._metadata = _requests.base_metadata(api_key, metadata)
        opts = channel_options(options)
        if credentials is not None:
            self._channel = grpc.aio.secure_channel(target, credentials, options=opts)
        else:
            self._channel = grpc.aio.insecure_channel(target, options=opts)
        self._parties = party_pb2_grpc.PartyServiceStub(self._channel)
        self._diagnostics = diagnostics_pb2_grpc.DiagnosticsServiceStub(self._channel)
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def close(self, grace: float | None = None) -> None:
        if not self._closed:
            self._closed = True
            await self._channel.close(grace)

    async def __aenter__(self) -> AsyncKnownPartyClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncKnownPartyClient(target={self.target!r})"

    # -- plumbing ----------------------------------------------------------------------------

    async def _call(
        self,
        method: Callable[..., Awaitable[R]],
        request: Any,
        timeout: float | None,
        metadata: Sequence[tuple[str, str]],
    ) -> R:
        try:
            return await method(
                request,
                timeout=self.timeout if timeout is None else timeout,
                metadata=self._metadata + tuple(metadata),
            )
        except grpc.RpcError as err:  # grpc.aio.AioRpcError is a grpc.RpcError
            raise from_rpc_error(err) from err

    async def _pager(
        self,
        method: Callable[..., Any],
        request: Any,
        items_field: str,
        timeout: float | None,
        metadata: Sequence[tuple[str, str]],
    ) -> AsyncPager[Any]:
        async def fetch(req: Any) -> Any:
            return await self._call(method, req, timeout, metadata)

        return AsyncPager(fetch, request, await fetch(request), items_field)

    # -- DiagnosticsService --------------------------------------------------------------------

    async def echo(
        self, payload: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> str:
        response = await self._call(self._diagnostics.Echo, _requests.echo(payload), timeout, metadata)
        return response.payload

    # -- PartyService --------------------------------------------------------------------------

    async def create_party(
        self,
        party: types.Party,
        *,
        party_id: str = "",
        request_id: str | None = None,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.Party:
        request = _requests.create_party(party, party_id, request_id)
        return await self._call(self._parties.CreateParty, request, timeout, metadata)

    async def get_party(
        self, name: str, *, timeout: float | None = None, metadata: Sequence[tuple[str, str]] = ()
    ) -> types.Party:
        return await self._call(self._parties.GetParty, _requests.get_party(name), timeout, metadata)

    async def list_parties(
        self,
        *,
        page_size: int = 0,
        kind: types.PartyKind | int | None = None,
        country: str = "",
        state: types.PartyState | int | None = None,
        identifier_type: types.IdentifierType | int | None = None,
        identifier_value: str = "",
        name_prefix: str = "",
        show_archived: bool = False,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> AsyncPager[types.Party]:
        request = _requests.list_parties(
            page_size=page_size,
            kind=kind,
            country=country,
            state=state,
            identifier_type=identifier_type,
            identifier_value=identifier_value,
            name_prefix=name_prefix,
            show_archived=show_archived,
        )
        return await self._pager(self._parties.ListParties, request, "parties", timeout, metadata)

    async def update_party(
        self,
        party: types.Party,
        update_mask: Sequence[str],
        *,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.Party:
        request = _requests.update_party(party, update_mask)
        return await self._call(self._parties.UpdateParty, request, timeout, metadata)

    async def delete_party(
        self,
        name: str,
        *,
        etag: str = "",
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> types.Party:
        return await self._call(self._parties.DeleteParty, _requests.delete_party(name, etag), timeout, metadata)

    archive_party = delete_party

    async def list_party_revisions(
        self,
        name: str,
        *,
        page_size: int = 0,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> AsyncPager[types.PartyRevision]:
        request = _requests.list_party_revisions(name, page_size)
        return await self._pager(self._parties.ListPartyRevisions, request, "revisions", timeout, metadata)
