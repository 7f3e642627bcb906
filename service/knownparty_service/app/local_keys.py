"""API keys managed on the server host, straight in the database: how the first admin key is made.

Anyone who can run this can read the database anyway; the RPCs are for everyone else.
"""

from __future__ import annotations

import getpass
from datetime import datetime

from knownparty_service.domain.access import ApiKey, Role
from knownparty_service.domain.keyring import Keyring
from knownparty_service.settings import Settings
from knownparty_service.storage.access_repository import SqlAccessRepository
from knownparty_service.storage.database import Database
from knownparty_service.storage.migrate import upgrade


class LocalKeys:
    """A keyring on the settings' database, migrated first; use as a context manager."""

    def __init__(self, settings: Settings):
        self._database = Database(settings.database_url)
        upgrade(settings.database_url, engine=self._database.engine)
        self._keyring = Keyring(SqlAccessRepository(self._database))

    def __enter__(self) -> LocalKeys:
        return self

    def __exit__(self, *exc: object) -> None:
        self._database.dispose()

    def create(self, organization: str, role: str, display_name: str, expire_time: datetime | None) -> tuple[ApiKey, str]:
        """`role` by name: admin, marketplace, carrier or auditor."""
        return self._keyring.create(
            organization, Role(role), display_name=display_name, expire_time=expire_time, created_by=f"local:{_user()}"
        )

    def list(self, organization: str) -> list[ApiKey]:
        keys, token = [], ""
        while True:
            page, token = self._keyring.list(organization, 1000, token)
            keys.extend(page)
            if not token:
                return keys

    def revoke(self, name: str) -> ApiKey:
        return self._keyring.revoke(name if name.startswith("apiKeys/") else f"apiKeys/{name}")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container's)
        return "unknown"
