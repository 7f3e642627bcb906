"""ScreeningService scenario for bench/harness.py: ScreenName of names drawn from a fixed mix."""

from __future__ import annotations

import random

import harness  # noqa: F401  (sets up the import paths of client/ and service/)
from knownparty_client._generated import screening_pb2, screening_pb2_grpc


def screen_name(channel, *, timeout: float, queries: list[tuple[str, str]]):
    """ScreenName of a random (name, type) from `queries` (listed names, variants and strangers)."""
    method = screening_pb2_grpc.ScreeningServiceStub(channel).ScreenName
    types = {"individual": 1, "": 0}
    requests = [screening_pb2.ScreenNameRequest(name=n, type=types.get(t, 0)) for n, t in queries]
    choice = random.choice

    def call():
        return method(choice(requests), timeout=timeout)

    return call
