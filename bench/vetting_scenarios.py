"""VettingService scenarios for bench/harness.py (module-level factories, see bench/scenarios.py)."""

from __future__ import annotations

import random

import harness  # noqa: F401  (sets up the import paths of client/ and service/)
from knownparty_client._generated import vetting_pb2, vetting_pb2_grpc


def vet_seller(channel, *, timeout: float, count: int):
    """VetSeller of a random one of the first `count` benchmark sellers."""
    method = vetting_pb2_grpc.VettingServiceStub(channel).VetSeller
    requests = [vetting_pb2.VetSellerRequest(party=f"parties/bench-seller-{n:06d}") for n in range(count)]
    choice = random.choice

    def call():
        return method(choice(requests), timeout=timeout)

    return call


def check_shipper(channel, *, timeout: float, count: int):
    """CheckShipper of a random one of the first `count` benchmark shippers."""
    method = vetting_pb2_grpc.VettingServiceStub(channel).CheckShipper
    requests = [vetting_pb2.CheckShipperRequest(party=f"parties/bench-shipper-{n:06d}") for n in range(count)]
    choice = random.choice

    def call():
        return method(choice(requests), timeout=timeout)

    return call
