"""Wrapping an RPC method handler's behaviour, whatever its kind: what every interceptor here does."""

from __future__ import annotations

from collections.abc import Callable

# (behaviour, whether the request is a stream) -> the wrapped behaviour
Wrapper = Callable[[Callable, bool], Callable]


def wrap_handler(handler, *, single_reply: Wrapper, reply_stream: Wrapper):
    """`handler` with its behaviour wrapped: by `single_reply` for unary and client-streaming
    methods, by `reply_stream` (which must return a generator function) for server-streaming and
    bidirectional ones."""
    if handler.unary_unary:
        return handler._replace(unary_unary=single_reply(handler.unary_unary, False))
    if handler.stream_unary:
        return handler._replace(stream_unary=single_reply(handler.stream_unary, True))
    if handler.unary_stream:
        return handler._replace(unary_stream=reply_stream(handler.unary_stream, False))
    if handler.stream_stream:
        return handler._replace(stream_stream=reply_stream(handler.stream_stream, True))
    return handler
