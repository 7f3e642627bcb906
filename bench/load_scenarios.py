"""The realistic mix of bench/load.py, as a harness scenario (see bench/scenarios.py).

Each call picks one operation by weight: screening a name, vetting a seller, checking a shipper,
reading a party, listing parties, reading a payment standing, recording a fee line, or paying one
(writes). Payments settle this worker's oldest unpaid line, so open lines stay level over a long
run as they do at a carrier, rather than pile up.
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections import deque

import harness  # noqa: F401  (sets up the import paths of client/ and service/)
from google.protobuf.timestamp_pb2 import Timestamp

from knownparty_client._generated import (
    money_pb2,
    party_pb2,
    party_pb2_grpc,
    payment_pb2,
    payment_pb2_grpc,
    screening_pb2,
    screening_pb2_grpc,
    vetting_pb2,
    vetting_pb2_grpc,
)

SELLER = "parties/load-seller-{:05d}"
SHIPPER = "parties/load-shipper-{:05d}"
CARRIER = "LOADCARRIER"
# Recorded lines a payment stays behind (far more than the calls one worker has in flight).
PAYMENT_LAG = 64

# Share of calls per operation (a marketplace and a carrier backend at work, an analyst listing).
WEIGHTS = {
    "ScreenName": 30,
    "VetSeller": 20,
    "CheckShipper": 10,
    "GetParty": 15,
    "ListParties": 5,
    "GetPaymentStanding": 10,
    "RecordFee": 5,
    "RecordPayment": 5,
}


def _stamp(seconds: float) -> Timestamp:
    ts = Timestamp()
    ts.FromSeconds(int(seconds))
    return ts


def mixed(channel, *, timeout: float, sellers: int, shippers: int, queries: list[str]):
    parties = party_pb2_grpc.PartyServiceStub(channel)
    payments = payment_pb2_grpc.PaymentServiceStub(channel)
    screening = screening_pb2_grpc.ScreeningServiceStub(channel)
    vetting = vetting_pb2_grpc.VettingServiceStub(channel)
    seller_names = [SELLER.format(i) for i in range(sellers)]
    shipper_names = [SHIPPER.format(i) for i in range(shippers)]
    screen_requests = [screening_pb2.ScreenNameRequest(name=q) for q in queries]
    # Fee lines of this worker get references no other worker uses: every one is a new line.
    references = (f"L{os.getpid()}-{n}" for n in itertools.count())
    unpaid: deque = deque()  # (shipper, shipment reference) of this worker's lines, oldest first
    choice = random.choice

    def record_fee():
        now = time.time()
        shipper, reference = choice(shipper_names), next(references)
        unpaid.append((shipper, reference))
        line = payment_pb2.FeeLine(
            carrier=CARRIER,
            shipment_reference=reference,
            fee_type=payment_pb2.FEE_TYPE_DUTY,
            shipment_time=_stamp(now - 86_400),
            billed=money_pb2.Money(currency_code="USD", amount_minor=1250),
            bill_time=_stamp(now - 80_000),
            due_time=_stamp(now + 14 * 86_400),
        )
        return payments.RecordFee(payment_pb2.RecordFeeRequest(parent=shipper, fee_line=line), timeout=timeout)

    def record_payment():
        # Only lines recorded long enough ago to have landed: up to 16 calls are in flight.
        if len(unpaid) <= PAYMENT_LAG:
            return record_fee()
        shipper, reference = unpaid.popleft()
        payment = payment_pb2.Payment(
            payment_reference=f"P-{reference}",
            amount=money_pb2.Money(currency_code="USD", amount_minor=1250),
            paid_time=_stamp(time.time()),
        )
        request = payment_pb2.RecordPaymentRequest(
            parent=shipper, carrier=CARRIER, shipment_reference=reference, fee_type=payment_pb2.FEE_TYPE_DUTY, payment=payment
        )
        return payments.RecordPayment(request, timeout=timeout)

    operations = {
        "ScreenName": lambda: screening.ScreenName(choice(screen_requests), timeout=timeout),
        "VetSeller": lambda: vetting.VetSeller(vetting_pb2.VetSellerRequest(party=choice(seller_names)), timeout=timeout),
        "CheckShipper": lambda: vetting.CheckShipper(
            vetting_pb2.CheckShipperRequest(party=choice(shipper_names)), timeout=timeout
        ),
        "GetParty": lambda: parties.GetParty(party_pb2.GetPartyRequest(name=choice(seller_names)), timeout=timeout),
        "ListParties": lambda: parties.ListParties(party_pb2.ListPartiesRequest(page_size=20), timeout=timeout),
        "GetPaymentStanding": lambda: payments.GetPaymentStanding(
            payment_pb2.GetPaymentStandingRequest(name=choice(shipper_names)), timeout=timeout
        ),
        "RecordFee": record_fee,
        "RecordPayment": record_payment,
    }
    # A deck of 1,000 operations in the weights' proportions, drawn at random: cheaper than
    # random.choices on every call.
    deck = [operations[name] for name, weight in WEIGHTS.items() for _ in range(weight * 10)]

    def call():
        return choice(deck)()

    return call
