"""Money as integer minor units of an ISO 4217 currency."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pycountry

# Well inside int64 and any realistic duty or seizure value (10^15 cents is 10 trillion dollars).
MAX_AMOUNT_MINOR = 10**15


@dataclass(frozen=True)
class Money:
    currency: str
    amount_minor: int


# ISO 4217 codes that are not money anyone bills in: "no currency", testing, precious metals,
# bond-market units and special drawing rights.
_NOT_MONEY = frozenset({"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"})


@lru_cache(maxsize=512)
def _known_currency(code: str) -> bool:
    return code not in _NOT_MONEY and pycountry.currencies.get(alpha_3=code) is not None


_SEEN_CURRENCIES: set[str] = set()


def is_known_currency(code: str) -> bool:
    """check_currency without the error: a set look-up once a code has been seen."""
    if code in _SEEN_CURRENCIES:
        return True
    try:
        check_currency(code)
    except ValueError:
        return False
    _SEEN_CURRENCIES.add(code)
    return True


def check_currency(code: str) -> str:
    """The code if it is an ISO 4217 alphabetic code in upper case; ValueError otherwise."""
    if len(code) != 3 or not code.isascii() or not code.isalpha() or not code.isupper():
        raise ValueError(f"{code!r} is not an ISO 4217 currency code (three upper-case letters, like USD)")
    if not _known_currency(code):
        raise ValueError(f"unknown ISO 4217 currency code {code!r}")
    return code


def check_amount(amount_minor: int, *, allow_zero: bool = False) -> int:
    """A non-negative (or positive) amount within MAX_AMOUNT_MINOR; ValueError otherwise."""
    if amount_minor < 0 or (amount_minor == 0 and not allow_zero):
        raise ValueError("must be positive" if not allow_zero else "must not be negative")
    if amount_minor > MAX_AMOUNT_MINOR:
        raise ValueError(f"is larger than the maximum of {MAX_AMOUNT_MINOR} minor units")
    return amount_minor
