"""Draining before a shutdown: new calls are refused with UNAVAILABLE while the calls in flight
finish, and the listener stays open meanwhile, so health checks see NOT_SERVING (rather than a
closed port) for as long as the drain lasts."""

from __future__ import annotations

import threading

import grpc

from knownparty_service.api.handlers import wrap_handler
from knownparty_service.domain.errors import ServiceUnavailableError

# Health and reflection answer to the end: they are how callers learn that the server is going.
_ALWAYS_ANSWERED = ("/grpc.health.v1.Health/", "/grpc.reflection.")


class DrainingInterceptor(grpc.ServerInterceptor):
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._in_flight = 0
        self._draining = False

    def drain(self, timeout: float) -> bool:
        """Refuses new calls from now on; waits up to `timeout` seconds for the calls in flight.
        Returns whether they all finished."""
        with self._changed:
            self._draining = True
            return self._changed.wait_for(lambda: self._in_flight == 0, timeout)

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(_ALWAYS_ANSWERED):
            return handler
        return wrap_handler(handler, single_reply=self._counted, reply_stream=self._counted_stream)

    def _enter(self) -> None:
        with self._changed:
            if self._draining:
                raise ServiceUnavailableError("the server is shutting down; retry", reason="SHUTTING_DOWN")
            self._in_flight += 1

    def _leave(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    def _counted(self, behaviour, _request_stream: bool):
        def handler(request, context):
            self._enter()
            try:
                return behaviour(request, context)
            finally:
                self._leave()

        return handler

    def _counted_stream(self, behaviour, _request_stream: bool):
        def handler(request, context):
            self._enter()
            try:
                yield from behaviour(request, context)
            finally:
                # Also when the caller goes away: the abandoned generator is closed.
                self._leave()

        return handler
