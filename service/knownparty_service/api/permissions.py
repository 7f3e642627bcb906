"""Which role may call which method: the one table the server enforces and the README shows.

Methods not named here are refused to every role, except the health and reflection services,
which stay open for probes and tools.
"""

from __future__ import annotations

from knownparty_service.domain.access import Role

ADMIN, MARKETPLACE, CARRIER, AUDITOR = Role.ADMIN, Role.MARKETPLACE, Role.CARRIER, Role.AUDITOR
EVERYONE = frozenset(Role)
KEEPERS = frozenset({ADMIN, MARKETPLACE, CARRIER})

OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/")

# (service, method) -> (roles allowed, whether a call changes something and goes to the audit log)
_TABLE: dict[tuple[str, str], tuple[frozenset[Role], bool]] = {
    ("DiagnosticsService", "Echo"): (EVERYONE, False),
    ("PartyService", "CreateParty"): (KEEPERS, True),
    ("PartyService", "GetParty"): (EVERYONE, False),
    ("PartyService", "ListParties"): (EVERYONE, False),
    ("PartyService", "UpdateParty"): (KEEPERS, True),
    ("PartyService", "DeleteParty"): (KEEPERS, True),
    ("PartyService", "ListPartyRevisions"): (EVERYONE, False),
    ("ViolationService", "CreateViolation"): (KEEPERS, True),
    ("ViolationService", "GetViolation"): (EVERYONE, False),
    ("ViolationService", "ListViolations"): (EVERYONE, False),
    ("ViolationService", "UpdateViolationStatus"): (KEEPERS, True),
    ("PaymentService", "RecordFee"): (frozenset({ADMIN, CARRIER}), True),
    ("PaymentService", "RecordPayment"): (frozenset({ADMIN, CARRIER}), True),
    ("PaymentService", "ImportPayments"): (frozenset({ADMIN, CARRIER}), True),
    ("PaymentService", "ListFeeLines"): (EVERYONE, False),
    ("PaymentService", "GetPaymentStanding"): (EVERYONE, False),
    ("WatchlistService", "ImportWatchlist"): (frozenset({ADMIN}), True),
    ("WatchlistService", "ListWatchlists"): (EVERYONE, False),
    ("WatchlistService", "GetWatchlistVersion"): (EVERYONE, False),
    ("WatchlistService", "ListWatchlistVersions"): (EVERYONE, False),
    ("WatchlistService", "ListWatchlistEntries"): (EVERYONE, False),
    ("ScreeningService", "ScreenName"): (EVERYONE, False),
    ("ScreeningService", "ScreenNames"): (EVERYONE, False),
    # Decisions are recorded with the key that asked (Decision.requested_by), not in the audit log.
    ("VettingService", "VetSeller"): (frozenset({ADMIN, MARKETPLACE}), False),
    ("VettingService", "CheckShipper"): (frozenset({ADMIN, CARRIER}), False),
    ("VettingService", "VetParties"): (KEEPERS, False),
    ("VettingService", "GetDecision"): (EVERYONE, False),
    ("VettingService", "ListDecisions"): (EVERYONE, False),
    ("VettingService", "GetDecisionInForce"): (EVERYONE, False),
    ("VettingService", "ReplayDecision"): (EVERYONE, False),
    ("VettingService", "GetSigningKeys"): (EVERYONE, False),
    ("VettingService", "VerifyAttestation"): (EVERYONE, False),
    ("VettingService", "WatchDecisionChanges"): (EVERYONE, False),
    ("VettingService", "ListDecisionChanges"): (EVERYONE, False),
    ("VettingService", "ClearWatchlistMatch"): (KEEPERS, True),
    ("VettingService", "ListMatchClearances"): (EVERYONE, False),
    ("VettingService", "RevokeMatchClearance"): (KEEPERS, True),
    ("AccessService", "CreateApiKey"): (frozenset({ADMIN}), True),
    ("AccessService", "ListApiKeys"): (frozenset({ADMIN}), False),
    ("AccessService", "RevokeApiKey"): (frozenset({ADMIN}), True),
    ("AccessService", "ListAuditEvents"): (frozenset({ADMIN, AUDITOR}), False),
}

PACKAGE = "knownparty.v1"

# Full method path ("/knownparty.v1.PartyService/CreateParty") -> (roles, audited)
METHODS: dict[str, tuple[frozenset[Role], bool]] = {
    f"/{PACKAGE}.{service}/{method}": rule for (service, method), rule in _TABLE.items()
}

# VetParties decides each request under the rule of the method asked for singly.
VET_PURPOSE_METHODS = {"seller": f"/{PACKAGE}.VettingService/VetSeller", "shipper": f"/{PACKAGE}.VettingService/CheckShipper"}


def is_open(method: str) -> bool:
    return method.startswith(OPEN_SERVICES)


def roles_for(method: str) -> frozenset[Role]:
    rule = METHODS.get(method)
    return rule[0] if rule is not None else frozenset()


def is_audited(method: str) -> bool:
    rule = METHODS.get(method)
    return rule is not None and rule[1]
