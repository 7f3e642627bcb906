"""The ScreenName use case: validate a query, run it on the current index, mark alerts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from knownparty_service.domain.contact import normalize_country
from knownparty_service.domain.errors import ViolationCollector
from knownparty_service.domain.policy import Policy
from knownparty_service.domain.watchlists.entries import EntryType

MAX_NAME = 500
MAX_REPEATED = 20
MAX_IDENTIFIER = 64
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc, exactly
_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


@dataclass(frozen=True)
class ScreenRequest:
    name: str
    entry_type: EntryType | None = None
    countries: tuple[str, ...] = ()
    date_of_birth: str = ""
    identifiers: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    min_score: float | None = None
    limit: int = 0


@dataclass(frozen=True)
class IndexSnapshot:
    """An index and the list versions it was built from: {list id: version number}."""

    index: object
    versions: dict[str, str]


@dataclass(frozen=True)
class ScreenResult:
    matches: list  # Match objects of the index, best first
    alerts: list[bool]
    alert: bool
    alert_threshold: float
    list_versions: tuple[str, ...]
    policy_version: str


class Screener:
    def __init__(self, snapshot: Callable[[], IndexSnapshot], policy: Policy, query_type):
        self._snapshot = snapshot
        self._policy = policy
        # The index's query class; injected to keep this module independent of the matcher's.
        self._query_type = query_type

    @property
    def alert_threshold(self) -> float:
        return self._policy.screening.alert_threshold

    def screen(self, request: ScreenRequest, prefix: str = "") -> ScreenResult:
        snapshot = self._snapshot()
        errors = ViolationCollector()
        name = unicodedata.normalize("NFC", request.name).strip()
        if not name:
            errors.add(f"{prefix}name", "is required and must not be blank")
        elif len(name) > MAX_NAME:
            errors.add(f"{prefix}name", f"is {len(name)} characters long; at most {MAX_NAME} are allowed")
        elif _CONTROL.search(name):
            errors.add(f"{prefix}name", "must not contain control characters")
        countries = []
        for field_name, values in (("countries", request.countries), ("identifiers", request.identifiers), ("lists", request.lists)):
            if len(values) > MAX_REPEATED:
                errors.add(f"{prefix}{field_name}", f"has {len(values)} entries; at most {MAX_REPEATED} are allowed")
        for i, country in enumerate(request.countries[:MAX_REPEATED]):
            try:
                countries.append(normalize_country(country.strip()))
            except ValueError as exc:
                errors.add(f"{prefix}countries[{i}]", str(exc))
        if request.date_of_birth and not _DATE.fullmatch(request.date_of_birth.strip()):
            errors.add(f"{prefix}date_of_birth", "must be ISO 8601: 1971, 1971-05 or 1971-05-03")
        for i, identifier in enumerate(request.identifiers[:MAX_REPEATED]):
            if not identifier.strip() or len(identifier) > MAX_IDENTIFIER or not identifier.isprintable():
                errors.add(f"{prefix}identifiers[{i}]", f"must be 1 to {MAX_IDENTIFIER} printable characters")
        for i, list_id in enumerate(request.lists[:MAX_REPEATED]):
            if list_id not in snapshot.versions:
                errors.add(f"{prefix}lists[{i}]", f"no list {list_id!r} has been imported")
        if request.min_score is not None and not 0.0 <= request.min_score <= 1.0:
            errors.add(f"{prefix}min_score", "must be between 0 and 1")
        if request.limit < 0:
            errors.add(f"{prefix}limit", "must not be negative")
        errors.raise_if_any()

        threshold = self.alert_threshold
        min_score = threshold if request.min_score is None else request.min_score
        limit = min(request.limit or DEFAULT_LIMIT, MAX_LIMIT)
        lists = frozenset(request.lists) if request.lists else None
        query = self._query_type(
            name=name,
            entry_type=request.entry_type,
            countries=tuple(countries),
            date_of_birth=request.date_of_birth.strip(),
            identifiers=tuple(i.strip() for i in request.identifiers),
        )
        matches = snapshot.index.screen(query, min_score=min_score, limit=limit, lists=lists)
        alerts = [m.score >= threshold for m in matches]
        screened = sorted(lists) if lists else sorted(snapshot.versions)
        return ScreenResult(
            matches=matches,
            alerts=alerts,
            alert=any(alerts),
            alert_threshold=threshold,
            list_versions=tuple(f"watchlists/{l}/versions/{snapshot.versions[l]}" for l in screened),
            policy_version=self._policy.version,
        )
