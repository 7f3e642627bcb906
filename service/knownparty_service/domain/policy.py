"""The versioned policy: every threshold, window and count that decides a flag.

Loaded from a TOML file; an unknown key, a wrong type or a value out of range is refused with the
file and line, so a typo can never silently fall back to a default.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from knownparty_service.domain.parties import VERIFIABLE_FIELDS
from knownparty_service.domain.violations import Category, Status


class PolicyError(ValueError):
    """The policy file is not valid; the message names the file and line."""


@dataclass(frozen=True)
class RepeatCustomerPolicy:
    look_back_days: int
    minimum_shipments: int
    minimum_span_days: int
    grace_period_days: int
    payment_tolerance_bps: int
    minimum_on_time_ratio: float
    maximum_write_offs: int


@dataclass(frozen=True)
class ScreeningPolicy:
    alert_threshold: float


@dataclass(frozen=True)
class ViolationPolicy:
    """Which violations are "known trade violations"."""

    counting_categories: tuple[str, ...]
    counting_statuses: tuple[str, ...]
    review_statuses: tuple[str, ...]
    look_back_days: int


@dataclass(frozen=True)
class SellerPolicy:
    required_fields: tuple[str, ...]
    verified_fields: tuple[str, ...]
    verification_max_age_days: int
    high_volume_required_fields: tuple[str, ...]
    high_volume_verification_max_age_days: int
    recertification_max_age_days: int


@dataclass(frozen=True)
class ShipperPolicy:
    require_repeat_customer: bool


@dataclass(frozen=True)
class DecisionPolicy:
    valid_for_days: int
    # A watchlist hit scoring at least this is a match (NOT_KNOWN); between the alert threshold
    # and this, an alert awaiting review (NEEDS_REVIEW).
    match_threshold: float


@dataclass(frozen=True)
class Policy:
    version: str
    repeat_customer: RepeatCustomerPolicy
    screening: ScreeningPolicy
    violations: ViolationPolicy | None = None
    seller: SellerPolicy | None = None
    shipper: ShipperPolicy | None = None
    decisions: DecisionPolicy | None = None
    # The policy file's text, kept with decisions so that a replay uses exactly these rules.
    text: str = ""
    # A digest of the repeat-customer values, so the stored standing counters know which rules
    # they were computed under.
    fingerprint: str = ""


# (minimum, maximum) for each number; the type comes from the dataclass field.
_RANGES: dict[str, tuple[float, float]] = {
    "look_back_days": (1, 3660),
    "minimum_shipments": (0, 1_000_000),
    "minimum_span_days": (0, 3660),
    "grace_period_days": (0, 365),
    "payment_tolerance_bps": (0, 10_000),
    "minimum_on_time_ratio": (0.0, 1.0),
    "maximum_write_offs": (0, 1_000_000),
    "alert_threshold": (0.0, 1.0),
    "look_back_days_violations": (1, 36600),
    "verification_max_age_days": (1, 36600),
    "high_volume_verification_max_age_days": (1, 36600),
    "recertification_max_age_days": (1, 36600),
    "valid_for_days": (1, 3660),
    "match_threshold": (0.0, 1.0),
}
# The values a list of names may hold, per key.
_CHOICES: dict[str, tuple[str, ...]] = {
    "counting_categories": tuple(c.value for c in Category),
    "counting_statuses": tuple(s.value for s in Status),
    "review_statuses": tuple(s.value for s in Status),
    "required_fields": VERIFIABLE_FIELDS,
    "verified_fields": VERIFIABLE_FIELDS,
    "high_volume_required_fields": VERIFIABLE_FIELDS,
}
_SECTIONS = {
    "repeat_customer": RepeatCustomerPolicy,
    "screening": ScreeningPolicy,
    "violations": ViolationPolicy,
    "seller": SellerPolicy,
    "shipper": ShipperPolicy,
    "decisions": DecisionPolicy,
}


def _line_of(text: str, section: str | None, key: str) -> int:
    """The 1-based line where `key` is set (inside `[section]`, or at the top when None).

    Falls back to the section's header line, then to line 1: tomllib keeps no positions.
    """
    current: str | None = None
    fallback = 1
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\s*([A-Za-z0-9_.-]+)\s*\]", stripped)
        if header:
            current = header.group(1)
            if current == section:
                fallback = number
        elif current == section and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return fallback


def _section(data: dict, name: str, cls, text: str, source: str):
    values = data.get(name)
    if not isinstance(values, dict):
        raise PolicyError(f"{source}:{_line_of(text, None, name)}: missing section [{name}]")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in values:
        if key not in fields:
            raise PolicyError(f"{source}:{_line_of(text, name, key)}: unknown key {name}.{key}")
    result = {}
    for key, field in fields.items():
        line = _line_of(text, name, key)
        if key not in values:
            raise PolicyError(f"{source}:{line}: missing key {name}.{key}")
        value = values[key]
        if field.type in ("tuple[str, ...]",):
            result[key] = _names(value, name, key, source, line)
            continue
        if field.type in (bool, "bool"):
            if not isinstance(value, bool):
                raise PolicyError(f"{source}:{line}: {name}.{key} must be true or false, not {value!r}")
            result[key] = value
            continue
        wants_float = field.type in (float, "float")
        if isinstance(value, bool) or not isinstance(value, (int, float) if wants_float else int):
            kind = "a number" if wants_float else "a whole number"
            raise PolicyError(f"{source}:{line}: {name}.{key} must be {kind}, not {value!r}")
        low, high = _RANGES.get(f"{key}_{name}", _RANGES.get(key, (0, 0)))
        if not low <= value <= high:
            raise PolicyError(f"{source}:{line}: {name}.{key} = {value} is outside {low}..{high}")
        result[key] = float(value) if wants_float else value
    return cls(**result)


def _names(value, section: str, key: str, source: str, line: int) -> tuple[str, ...]:
    allowed = _CHOICES[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{source}:{line}: {section}.{key} must be a list of names, not {value!r}")
    for item in value:
        if item not in allowed:
            raise PolicyError(f"{source}:{line}: {section}.{key}: unknown value {item!r}; one of {', '.join(allowed)}")
    if len(set(value)) != len(value):
        raise PolicyError(f"{source}:{line}: {section}.{key} names a value twice")
    return tuple(value)


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: {exc}") from None
    for key in data:
        if key != "version" and key not in _SECTIONS:
            raise PolicyError(f"{source}:{_line_of(text, None, key)}: unknown key {key}")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise PolicyError(f"{source}:{_line_of(text, None, 'version')}: version must be a non-empty string")
    repeat_customer = _section(data, "repeat_customer", RepeatCustomerPolicy, text, source)
    screening = _section(data, "screening", ScreeningPolicy, text, source)
    violations = _section(data, "violations", ViolationPolicy, text, source)
    seller = _section(data, "seller", SellerPolicy, text, source)
    shipper = _section(data, "shipper", ShipperPolicy, text, source)
    decisions = _section(data, "decisions", DecisionPolicy, text, source)
    if decisions.match_threshold < screening.alert_threshold:
        raise PolicyError(
            f"{source}:{_line_of(text, 'decisions', 'match_threshold')}: decisions.match_threshold must not be "
            f"below screening.alert_threshold ({screening.alert_threshold})"
        )
    overlap = set(violations.counting_statuses) & set(violations.review_statuses)
    if overlap:
        raise PolicyError(
            f"{source}:{_line_of(text, 'violations', 'review_statuses')}: violations.review_statuses and "
            f"counting_statuses both name {', '.join(sorted(overlap))}"
        )
    digest = hashlib.sha256(repr(repeat_customer).encode()).hexdigest()[:16]
    return Policy(
        version=version,
        repeat_customer=repeat_customer,
        screening=screening,
        violations=violations,
        seller=seller,
        shipper=shipper,
        decisions=decisions,
        fingerprint=digest,
        text=text,
    )


def load_policy(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file: {exc.strerror}") from None
    return parse_policy(text, str(path))
