"""The outermost interceptor: a request id for every call, its metrics, and one log line a call.

The request id is the caller's `x-request-id` metadata when it is printable ASCII of at most 128
characters, else a new one (uuid4, hex). It goes back to the caller in the trailing metadata of a
unary call (sent with the status: no extra send, unlike initial metadata) and in the initial
metadata of a stream (so that it arrives before the first message); also on errors. The log line (logger "knownparty.calls", INFO; DEBUG for health and reflection) carries
method, code, duration_ms, organization, api_key, request_id and peer: never a request's content.
"""

from __future__ import annotations

import logging
import os
from contextvars import ContextVar
from time import perf_counter

import grpc

from knownparty_service.api.handlers import wrap_handler
from knownparty_service.app.metrics import Metrics, MethodMetrics

REQUEST_ID_KEY = "x-request-id"
MAX_REQUEST_ID = 128

calls_log = logging.getLogger("knownparty.calls")

_PROBES = ("/grpc.health.", "/grpc.reflection.")
_END = object()


class CallRecord:
    """Who made the current call; the access interceptor fills it in once it knows."""

    __slots__ = ("organization", "key_id", "request_id")

    def __init__(self, request_id: str = "") -> None:
        self.organization = ""
        self.key_id = ""
        # The error mapping adds it to the trailers it replaces when it aborts.
        self.request_id = request_id


current_call: ContextVar[CallRecord | None] = ContextVar("knownparty_current_call", default=None)


def request_id_of(metadata) -> str:
    for key, value in metadata or ():
        if key == REQUEST_ID_KEY:
            if isinstance(value, str) and 0 < len(value) <= MAX_REQUEST_ID and value.isascii() and value.isprintable():
                return value
            break
    return new_request_id()


def new_request_id() -> str:
    """A random UUID (version 4) as 32 hex digits; a third of uuid.uuid4().hex's time."""
    data = bytearray(os.urandom(16))
    data[6] = data[6] & 0x0F | 0x40
    data[8] = data[8] & 0x3F | 0x80
    return data.hex()


def _code_of(context, failed: bool) -> str:
    code = context.code()
    if code is not None and (code is not grpc.StatusCode.OK or not failed):
        return code.name
    if not context.is_active():
        remaining = context.time_remaining()
        return "DEADLINE_EXCEEDED" if remaining is not None and remaining <= 0 else "CANCELLED"
    # An exception that set no status leaves as UNKNOWN (the error-mapping interceptor sets one).
    return "UNKNOWN" if failed else "OK"


class _Observed:
    """One method's wrappers; made once per method, so a call resolves no labels."""

    def __init__(self, method: str, metrics: MethodMetrics):
        self.method = method
        self.metrics = metrics
        self.log_level = logging.DEBUG if method.startswith(_PROBES) else logging.INFO

    def begin(self, context) -> tuple[float, str, CallRecord]:
        """(start time, request id, the call's record) of a call starting now."""
        started = perf_counter()
        self.metrics.in_flight.inc()
        request_id = request_id_of(context.invocation_metadata())
        return started, request_id, CallRecord(request_id)

    def finish(self, code: str, seconds: float, request_id: str, record: CallRecord, context) -> None:
        metrics = self.metrics
        metrics.in_flight.dec()
        metrics.calls(code).inc()
        metrics.duration.observe(seconds)
        if calls_log.isEnabledFor(self.log_level):
            calls_log.log(
                self.log_level,
                "call",
                extra={
                    "method": self.method,
                    "code": code,
                    "duration_ms": round(seconds * 1000, 3),
                    "organization": record.organization,
                    "api_key": f"apiKeys/{record.key_id}" if record.key_id else "",
                    "request_id": request_id,
                    "peer": context.peer(),
                },
            )

    def unary(self, behaviour, _request_stream: bool):
        def handler(request, context):
            started, request_id, record = self.begin(context)
            token = current_call.set(record)
            code = "OK"
            try:
                context.set_trailing_metadata(((REQUEST_ID_KEY, request_id),))
                response = behaviour(request, context)
                code = _code_of(context, failed=False)
                return response
            except BaseException:
                code = _code_of(context, failed=True)
                raise
            finally:
                current_call.reset(token)
                self.finish(code, perf_counter() - started, request_id, record, context)

        return handler

    def streaming(self, behaviour, _request_stream: bool):
        def handler(request, context):
            started, request_id, record = self.begin(context)
            code = "OK"
            responses = None
            try:
                context.send_initial_metadata(((REQUEST_ID_KEY, request_id),))
                # Admission runs in the first step, so the record is current there; it is reset
                # before the first yield so that a suspended stream leaves nothing set in the thread.
                token = current_call.set(record)
                try:
                    responses = iter(behaviour(request, context))
                    first = next(responses, _END)
                finally:
                    current_call.reset(token)
                if first is not _END:
                    yield first
                    yield from responses
                code = _code_of(context, failed=False)
            except GeneratorExit:
                code = "CANCELLED"
                raise
            except BaseException:
                code = _code_of(context, failed=True)
                raise
            finally:
                close = getattr(responses, "close", None)
                if close is not None:
                    close()
                self.finish(code, perf_counter() - started, request_id, record, context)

        return handler


class ObservabilityInterceptor(grpc.ServerInterceptor):
    """Outermost: it sees the final status code that the inner interceptors set."""

    def __init__(self, metrics: Metrics):
        self._metrics = metrics
        self._methods: dict[str, _Observed] = {}

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        observed = self._methods.get(method)
        if observed is None:
            observed = self._methods.setdefault(method, _Observed(method, self._metrics.method(method)))
        return wrap_handler(handler, single_reply=observed.unary, reply_stream=observed.streaming)
