"""The Party model: sellers, shippers and the other parties named in a shipment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from knownparty_service.domain.access import DEFAULT_ORGANIZATION


class PartyKind(StrEnum):
    SELLER = "seller"
    SHIPPER = "shipper"
    MANUFACTURER = "manufacturer"
    SHIPMENT_INITIATOR = "shipment_initiator"


class PartyState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"


class IdentifierType(StrEnum):
    TAX_ID = "tax_id"
    EIN = "ein"
    VAT = "vat"
    EORI = "eori"
    DUNS = "duns"
    LEI = "lei"
    MID = "mid"
    BUSINESS_REGISTRATION = "business_registration"
    MARKETPLACE_SELLER_ACCOUNT = "marketplace_seller_account"
    CARRIER_ACCOUNT = "carrier_account"
    BANK_ACCOUNT = "bank_account"
    ID_DOCUMENT = "id_document"


class VerificationMethod(StrEnum):
    DOCUMENT = "document"
    GOVERNMENT_REGISTRY = "government_registry"
    THIRD_PARTY_SERVICE = "third_party_service"
    EMAIL_CONFIRMATION = "email_confirmation"
    PHONE_CONFIRMATION = "phone_confirmation"
    BANK_CONFIRMATION = "bank_confirmation"
    MANUAL_REVIEW = "manual_review"
    SELF_CERTIFICATION = "self_certification"


class PartyChange(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    ARCHIVED = "archived"


# Fields a FieldVerification may name, and the paths UpdateParty may change.
VERIFIABLE_FIELDS = ("legal_name", "aliases", "addresses", "identifiers", "email", "phone")
UPDATABLE_FIELDS = ("legal_name", "aliases", "addresses", "identifiers", "email", "phone", "verifications", "state")


@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...] = ()
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class Identifier:
    type: IdentifierType
    value: str
    issuing_country: str = ""


@dataclass(frozen=True)
class FieldVerification:
    field: str
    method: VerificationMethod
    source_reference: str = ""
    verify_time: datetime | None = None


@dataclass(frozen=True)
class PartyFields:
    """What a caller supplies for a party; validated and normalised by party_rules."""

    kind: PartyKind | None
    legal_name: str = ""
    aliases: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    email: str = ""
    phone: str = ""
    verifications: tuple[FieldVerification, ...] = ()


@dataclass(frozen=True)
class Party:
    """A stored party at one revision."""

    id: str
    fields: PartyFields
    state: PartyState
    create_time: datetime
    update_time: datetime
    revision: int
    # The organisation that created it; only its callers see it.
    organization: str = DEFAULT_ORGANIZATION

    @property
    def name(self) -> str:
        return f"parties/{self.id}"

    @property
    def etag(self) -> str:
        # Opaque to callers; derived from the revision so it changes with every write.
        return f"r{self.revision}"


@dataclass(frozen=True)
class PartyRevision:
    revision: int
    change: PartyChange
    changed_fields: tuple[str, ...]
    change_time: datetime
    snapshot: Party


@dataclass(frozen=True)
class PartyQuery:
    """Filters for listing parties. Empty values do not filter."""

    kind: PartyKind | None = None
    country: str = ""
    state: PartyState | None = None
    identifier_type: IdentifierType | None = None
    identifier_value: str = ""
    name_prefix: str = ""
    show_archived: bool = False
    # Set from the caller, never from the request: only this organisation's parties.
    organization: str | None = None


@dataclass(frozen=True)
class Page:
    items: list = field(default_factory=list)
    next_page_token: str = ""
