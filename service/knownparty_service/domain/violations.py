"""The Violation model: a party's seizures, takedowns and penalties, and their status history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from knownparty_service.domain.money import Money


class Category(StrEnum):
    """The closed set of violation categories, as CBP and partner agencies report them."""

    COUNTERFEIT_TRADEMARK = "counterfeit_trademark"
    COPYRIGHT_PIRACY = "copyright_piracy"
    EXCLUSION_ORDER = "exclusion_order"
    NARCOTICS = "narcotics"
    PILL_PRESSES_PARAPHERNALIA = "pill_presses_paraphernalia"
    UNAPPROVED_PHARMACEUTICALS = "unapproved_pharmaceuticals"
    UNSAFE_FOOD_COSMETICS = "unsafe_food_cosmetics"
    UNSAFE_CONSUMER_PRODUCTS = "unsafe_consumer_products"
    PROHIBITED_AGRICULTURAL = "prohibited_agricultural"
    FORCED_LABOR = "forced_labor"
    AD_CVD_EVASION = "ad_cvd_evasion"
    UNDERVALUATION = "undervaluation"
    MISDESCRIPTION = "misdescription"
    MISCLASSIFICATION = "misclassification"
    ORIGIN_TRANSSHIPMENT = "origin_transshipment"
    DE_MINIMIS_SPLITTING = "de_minimis_splitting"
    UNPAID_DUTIES_FEES = "unpaid_duties_fees"
    SANCTIONS_EXPORT_CONTROL = "sanctions_export_control"


class Source(StrEnum):
    CBP_SEIZURE = "cbp_seizure"
    MARKETPLACE_TAKEDOWN = "marketplace_takedown"
    COURT_OR_AGENCY_PENALTY = "court_or_agency_penalty"
    CARRIER_REPORT = "carrier_report"
    OTHER = "other"


class ProductCategory(StrEnum):
    """CBP's IPR product categories."""

    APPAREL_ACCESSORIES = "apparel_accessories"
    AUTOMOTIVE_AEROSPACE = "automotive_aerospace"
    BATTERIES = "batteries"
    COMPUTERS_ACCESSORIES = "computers_accessories"
    CONSUMER_ELECTRONICS = "consumer_electronics"
    CONSUMER_PRODUCTS = "consumer_products"
    CRITICAL_TECHNOLOGY = "critical_technology"
    FOOTWEAR = "footwear"
    HANDBAGS_WALLETS = "handbags_wallets"
    HEADPHONES = "headphones"
    LABELS_TAGS = "labels_tags"
    OPTICAL_MEDIA = "optical_media"
    PHARMACEUTICALS_PERSONAL_CARE = "pharmaceuticals_personal_care"
    SPORTING_GOODS = "sporting_goods"
    TOYS = "toys"
    WATCHES_JEWELRY = "watches_jewelry"
    OTHER = "other"


class Status(StrEnum):
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"
    UNDER_APPEAL = "under_appeal"


# The legal status transitions; a status missing from the values of its row cannot follow it.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.REPORTED: frozenset({Status.CONFIRMED, Status.DISMISSED}),
    Status.CONFIRMED: frozenset({Status.UNDER_APPEAL, Status.RESOLVED}),
    Status.UNDER_APPEAL: frozenset({Status.CONFIRMED, Status.DISMISSED}),
    Status.RESOLVED: frozenset(),
    Status.DISMISSED: frozenset(),
}

# What a new violation may start as.
INITIAL_STATUSES = (Status.REPORTED, Status.CONFIRMED)


def can_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def is_final(status: Status) -> bool:
    return not TRANSITIONS[status]


@dataclass(frozen=True)
class ViolationFields:
    """What a caller supplies for a violation; validated and normalised by the registry."""

    category: Category | None
    source: Source | None
    reference_number: str = ""
    occur_time: datetime | None = None
    # None: the time of recording.
    report_time: datetime | None = None
    product_category: ProductCategory | None = None
    quantity: int = 0
    value: Money | None = None
    note: str = ""


@dataclass(frozen=True)
class StatusChange:
    status: Status
    change_time: datetime
    note: str = ""


@dataclass(frozen=True)
class Violation:
    """A stored violation at one revision (one revision per status change)."""

    id: str
    party_id: str
    fields: ViolationFields
    status: Status
    # Oldest first; the first entry is the creation.
    status_history: tuple[StatusChange, ...]
    create_time: datetime
    update_time: datetime
    revision: int

    @property
    def name(self) -> str:
        return f"parties/{self.party_id}/violations/{self.id}"

    @property
    def parent(self) -> str:
        return f"parties/{self.party_id}"

    @property
    def etag(self) -> str:
        return f"r{self.revision}"


@dataclass(frozen=True)
class ViolationQuery:
    """Filters for listing violations. Empty values do not filter; party_id "" means every party."""

    party_id: str = ""
    category: Category | None = None
    status: Status | None = None
    source: Source | None = None
    # occur_time within [occur_after, occur_before).
    occur_after: datetime | None = None
    occur_before: datetime | None = None
    # Set from the caller, never from the request: only this organisation's parties.
    organization: str | None = None
