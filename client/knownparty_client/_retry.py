"""Channel options: the gRPC service config that retries idempotent calls on UNAVAILABLE.

Retried: GetParty, ListParties, ListPartyRevisions, GetViolation, ListViolations, Echo (reads) and
CreateParty and CreateViolation, which are safe because the client always sends a request_id and
the server returns the first result for a repeated one. UpdateParty, DeleteParty and
UpdateViolationStatus are never retried: a lost reply to a successful call would make the retry
fail on the changed etag, archived state or status.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

PARTY_SERVICE = "knownparty.v1.PartyService"
DIAGNOSTICS_SERVICE = "knownparty.v1.DiagnosticsService"
VIOLATION_SERVICE = "knownparty.v1.ViolationService"
PAYMENT_SERVICE = "knownparty.v1.PaymentService"
WATCHLIST_SERVICE = "knownparty.v1.WatchlistService"
SCREENING_SERVICE = "knownparty.v1.ScreeningService"
VETTING_SERVICE = "knownparty.v1.VettingService"
ACCESS_SERVICE = "knownparty.v1.AccessService"

RETRYABLE_METHODS: tuple[tuple[str, str], ...] = (
    (PARTY_SERVICE, "GetParty"),
    (PARTY_SERVICE, "ListParties"),
    (PARTY_SERVICE, "ListPartyRevisions"),
    (PARTY_SERVICE, "CreateParty"),
    (VIOLATION_SERVICE, "GetViolation"),
    (VIOLATION_SERVICE, "ListViolations"),
    (VIOLATION_SERVICE, "CreateViolation"),
    # Fee lines are idempotent on their key, payments on their payment_reference.
    (PAYMENT_SERVICE, "RecordFee"),
    (PAYMENT_SERVICE, "RecordPayment"),
    (PAYMENT_SERVICE, "ListFeeLines"),
    (PAYMENT_SERVICE, "GetPaymentStanding"),
    (WATCHLIST_SERVICE, "ListWatchlists"),
    (WATCHLIST_SERVICE, "GetWatchlistVersion"),
    (WATCHLIST_SERVICE, "ListWatchlistVersions"),
    (WATCHLIST_SERVICE, "ListWatchlistEntries"),
    (SCREENING_SERVICE, "ScreenName"),
    # Vetting again when nothing changed returns the decision in force; a retry after a lost
    # reply at worst records one more decision with the same outcome.
    (VETTING_SERVICE, "VetSeller"),
    (VETTING_SERVICE, "CheckShipper"),
    (VETTING_SERVICE, "GetDecision"),
    (VETTING_SERVICE, "ListDecisions"),
    (VETTING_SERVICE, "GetDecisionInForce"),
    (VETTING_SERVICE, "ReplayDecision"),
    (VETTING_SERVICE, "GetSigningKeys"),
    (VETTING_SERVICE, "VerifyAttestation"),
    (VETTING_SERVICE, "ListDecisionChanges"),
    (VETTING_SERVICE, "ListMatchClearances"),
    # Carries a request_id: a repeat returns the first clearance.
    (VETTING_SERVICE, "ClearWatchlistMatch"),
    (DIAGNOSTICS_SERVICE, "Echo"),
    (ACCESS_SERVICE, "ListApiKeys"),
    (ACCESS_SERVICE, "ListAuditEvents"),
    # Revoking again keeps the first revoke time.
    (ACCESS_SERVICE, "RevokeApiKey"),
)

RETRY_POLICY: dict[str, Any] = {
    "maxAttempts": 4,
    "initialBackoff": "0.1s",
    "maxBackoff": "2s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}

SERVICE_CONFIG: dict[str, Any] = {
    "methodConfig": [
        {
            "name": [{"service": service, "method": method} for service, method in RETRYABLE_METHODS],
            "retryPolicy": RETRY_POLICY,
        }
    ]
}

SERVICE_CONFIG_JSON = json.dumps(SERVICE_CONFIG, separators=(",", ":"))


def channel_options(extra: Sequence[tuple[str, Any]] = ()) -> list[tuple[str, Any]]:
    """The client's channel options; options given in `extra` replace ours of the same name."""
    options: dict[str, Any] = {
        "grpc.enable_retries": 1,
        "grpc.service_config": SERVICE_CONFIG_JSON,
    }
    for key, value in extra:
        options[key] = value
    return list(options.items())
