"""The vetting desk and its servicer put together outside the server: for the bulk-vetting helper
process (app/vetting_helpers.py) and the in-process benchmark. Nothing here changes anything
else: no re-evaluation, no watchers; the server's own composition is api/server.py."""

from __future__ import annotations

from dataclasses import dataclass

from knownparty_service.api.vetting_servicer import VettingServicer
from knownparty_service.app.data_key_file import open_field_cipher
from knownparty_service.app.index_keeper import IndexKeeper
from knownparty_service.app.key_file import load_or_create_signing_key
from knownparty_service.app.party_screening import IndexPartyScreener
from knownparty_service.domain.ownership import PartyOwners
from knownparty_service.domain.payment_ledger import PaymentLedger
from knownparty_service.domain.policy import load_policy
from knownparty_service.domain.signing import DecisionSigner
from knownparty_service.domain.vetting.desk import VettingDesk
from knownparty_service.domain.watchlists.screening import ScreeningIndex, ScreeningQuery
from knownparty_service.settings import Settings
from knownparty_service.storage.database import Database
from knownparty_service.storage.decision_repository import SqlDecisionRepository
from knownparty_service.storage.party_repository import SqlPartyRepository
from knownparty_service.storage.payment_repository import SqlPaymentRepository
from knownparty_service.storage.violation_repository import SqlViolationRepository
from knownparty_service.storage.watchlist_repository import SqlWatchlistRepository


@dataclass
class VettingParts:
    servicer: VettingServicer
    decisions: SqlDecisionRepository
    owners: PartyOwners
    keeper: IndexKeeper
    database: Database

    def close(self) -> None:
        self.keeper.stop()
        self.database.dispose()


def vetting_servicer(settings: Settings) -> VettingParts:
    """A servicer over a desk of its own, with the parts a caller needs besides (the server has
    migrated the database and made the key files). Close it when done."""
    database = Database(settings.database_url)
    policy = load_policy(settings.policy_path)
    signer = DecisionSigner(load_or_create_signing_key(settings.signing_key_file))
    keeper = IndexKeeper(SqlWatchlistRepository(database), ScreeningIndex.build)
    keeper.refresh()
    parties = SqlPartyRepository(database, open_field_cipher(settings.data_key_file))
    owners = PartyOwners(parties.owner_of)
    decisions = SqlDecisionRepository(database)
    desk = VettingDesk(
        parties=parties,
        violations=SqlViolationRepository(database),
        standings=PaymentLedger(SqlPaymentRepository(database), policy, owners=owners),
        screener=IndexPartyScreener(keeper.snapshot, policy, ScreeningQuery),
        decisions=decisions,
        signer=signer,
        policy=policy,
        owners=owners,
    )
    return VettingParts(VettingServicer(desk, lambda: []), decisions, owners, keeper, database)
