"""PaymentService scenarios for bench/harness.py (module-level factories, see bench/scenarios.py).

    harness.drive(target, "GetPaymentStanding", 10, 16, scenario="payment_scenarios:get_payment_standing",
                  params={"names": ["parties/bench-shipper-00000", ...]})

or from the command line against a running server that has the benchmark's shippers:

    PYTHONPATH=client:service .venv/bin/python bench/harness.py --target 127.0.0.1:50051 \
        --scenario payment_scenarios:get_payment_standing --param shippers=2000
"""

from __future__ import annotations

import random

import harness  # noqa: F401  (sets up the import paths of client/ and service/)
from knownparty_client._generated import payment_pb2, payment_pb2_grpc

SHIPPER_NAME = "parties/bench-shipper-{:05d}"  # the ids bench/generate_fee_file.py uses


def shipper_names(count: int) -> list[str]:
    return [SHIPPER_NAME.format(i) for i in range(count)]


def get_payment_standing(channel, *, timeout: float, names: list[str] | None = None, shippers: int | None = None):
    """PaymentService.GetPaymentStanding of a random shipper: one of `names`, or of the first
    `shippers` benchmark shipper ids."""
    if not names:
        if not shippers:
            raise ValueError("get_payment_standing needs names=[...] or shippers=N")
        names = shipper_names(shippers)
    method = payment_pb2_grpc.PaymentServiceStub(channel).GetPaymentStanding
    requests = [payment_pb2.GetPaymentStandingRequest(name=n) for n in names]
    choice = random.choice

    def call():
        return method(choice(requests), timeout=timeout)

    return call
