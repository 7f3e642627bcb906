"""Which organisation owns each party, checked for every call that names one.

A party's owner never changes once it is made, so an owner read once is kept: the check costs a
dictionary look-up on the hot vetting path.
"""

from __future__ import annotations

from collections.abc import Callable

from knownparty_service.domain.access import current_organization, not_found
from knownparty_service.domain.bounded_cache import BoundedCache

_OWNERS_KEPT = 500_000


class PartyOwners:
    def __init__(self, owner_of: Callable[[str], str | None]):
        """`owner_of(party_id)`: the owning organisation of a stored party, None when there is none."""
        self._owner_of = owner_of
        self._owners: BoundedCache = BoundedCache(_OWNERS_KEPT)

    def owner(self, party_id: str) -> str | None:
        owner = self._owners.get(party_id)
        if owner is None:
            owner = self._owner_of(party_id)
            if owner is not None:
                self._owners.put(party_id, owner)
        return owner

    def visible(self, party_id: str) -> bool:
        """Whether the caller may see the party: its own organisation's, or the server's own work.
        A party that does not exist is not visible."""
        organization = current_organization()
        return organization is None or self.owner(party_id) == organization

    def remember(self, party_id: str, owner: str) -> None:
        """The owner of a party read elsewhere (it never changes): no look-up later."""
        if self._owners.get(party_id) is None:
            self._owners.put(party_id, owner)

    def visible_party(self, party_id: str, owner: str) -> bool:
        """visible() of a party just read, whose owner is known: remembered, no look-up."""
        self.remember(party_id, owner)
        organization = current_organization()
        return organization is None or owner == organization

    def require(self, party_id: str, name: str) -> None:
        """NOT_FOUND on `name`, worded as for a missing resource, unless the party is visible."""
        if not self.visible(party_id):
            raise not_found(name)
