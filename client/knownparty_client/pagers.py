"""Pagers for List methods, after google.api_core's: the first page is fetched by the list call
itself (so errors surface there), further pages lazily while iterating.

    for party in client.list_parties(kind=types.PARTY_KIND_SELLER):
        ...
    for page in client.list_parties(page_size=100).pages:
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

from google.protobuf.message import Message

T = TypeVar("T", bound=Message)

__all__ = ["Pager", "AsyncPager"]


def _next_request(request: Message, token: str) -> Message:
    nxt = type(request)()
    nxt.CopyFrom(request)
    nxt.page_token = token  # type: ignore[attr-defined]
    return nxt


class Pager(Generic[T]):
    """Iterates the items of every page; `.pages` iterates the raw responses instead.

    Both iterations continue from the current page: after the pager is used up, iterating it
    again yields only the last page.
    """

    def __init__(self, method: Callable[[Any], Any], request: Message, response: Any, items_field: str) -> None:
        self._method = method
        self._request = request
        self._response = response
        self._items_field = items_field

    @property
    def next_page_token(self) -> str:
        """The token of the page after the current one; "" on the last page."""
        return self._response.next_page_token

    @property
    def response(self) -> Any:
        """The current (latest fetched) List...Response."""
        return self._response

    @property
    def pages(self) -> Iterator[Any]:
        yield self._response
        while self._response.next_page_token:
            self._request = _next_request(self._request, self._response.next_page_token)
            self._response = self._method(self._request)
            yield self._response

    def __iter__(self) -> Iterator[T]:
        for page in self.pages:
            yield from getattr(page, self._items_field)

    def __getattr__(self, name: str) -> Any:
        # Fields of the current response, as api_core pagers do.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._response, name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{type(self._response).__name__}, next_page_token={self.next_page_token!r}>"


class AsyncPager(Generic[T]):
    """The asyncio pager: `async for item in pager`, `async for page in pager.pages`."""

    def __init__(
        self, method: Callable[[Any], Awaitable[Any]], request: Message, response: Any, items_field: str
    ) -> None:
        self._method = method
        self._request = request
        self._response = response
        self._items_field = items_field

    @property
    def next_page_token(self) -> str:
        return self._response.next_page_token

    @property
    def response(self) -> Any:
        return self._response

    @property
    async def pages(self) -> AsyncIterator[Any]:
        yield self._response
        while self._response.next_page_token:
            self._request = _next_request(self._request, self._response.next_page_token)
            self._response = await self._method(self._request)
            yield self._response

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages:
            for item in getattr(page, self._items_field):
                yield item

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._response, name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{type(self._response).__name__}, next_page_token={self.next_page_token!r}>"
