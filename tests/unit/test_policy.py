"""The policy file: the shipped default loads; a typo or a bad value is refused with file and line."""

from __future__ import annotations

import re

import pytest

from knownparty_service.domain.policy import PolicyError, load_policy, parse_policy
from knownparty_service.settings import DEFAULT_POLICY_FILE

DEFAULT_TEXT = DEFAULT_POLICY_FILE.read_text()


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_default_policy_loads_with_its_version():
    policy = load_policy(DEFAULT_POLICY_FILE)
    assert policy.version
    assert policy.repeat_customer.look_back_days > 0
    assert 0 <= policy.repeat_customer.minimum_on_time_ratio <= 1
    assert len(policy.fingerprint) == 16


def test_fingerprint_changes_with_any_value():
    changed = parse_policy(DEFAULT_TEXT.replace("grace_period_days = 7", "grace_period_days = 8"))
    assert changed.fingerprint != load_policy(DEFAULT_POLICY_FILE).fingerprint


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("grace_period_days = 7", "grace_period_days = -7", "outside"),
        ("look_back_days = 365", "look_back_days = 0", "outside"),
        ("maximum_write_offs = 0", "maximum_writeoffs = 0", "unknown key repeat_customer.maximum_writeoffs"),
        ("minimum_on_time_ratio = 0.95", "minimum_on_time_ratio = 1.5", "outside"),
        ("minimum_on_time_ratio = 0.95", 'minimum_on_time_ratio = "high"', "must be a number"),
        ("minimum_shipments = 3", "minimum_shipments = 3.5", "must be a whole number"),
        ("minimum_shipments = 3", "minimum_shipments = true", "must be a whole number"),
    ],
)
def test_bad_values_name_the_file_and_line(old, new, message):
    text = DEFAULT_TEXT.replace(old, new)
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "site-policy.toml")
    assert f"site-policy.toml:{line_of(text, new.split(' =')[0])}:" in str(caught.value)
    assert message in str(caught.value)


def test_missing_key_unknown_section_and_broken_toml():
    without = "\n".join(line for line in DEFAULT_TEXT.splitlines() if not line.startswith("grace_period_days"))
    with pytest.raises(PolicyError, match="missing key repeat_customer.grace_period_days"):
        parse_policy(without, "p.toml")
    with pytest.raises(PolicyError, match=r"p.toml:\d+: unknown key seller_rules"):
        parse_policy(DEFAULT_TEXT + "\n[seller_rules]\nx = 1\n", "p.toml")
    with pytest.raises(PolicyError, match="p.toml"):
        parse_policy("version = ", "p.toml")
    with pytest.raises(PolicyError, match="version"):
        parse_policy(re.sub(r'^version = .*$', 'version = ""', DEFAULT_TEXT, flags=re.M), "p.toml")


def test_unreadable_file(tmp_path):
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load_policy(tmp_path / "absent.toml")
