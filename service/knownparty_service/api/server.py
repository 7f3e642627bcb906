"""Builds the gRPC server: servicers, health, reflection, error mapping, graceful shutdown."""

from __future__ import annotations

import logging
import signal
import threading
import time
from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from knownparty_client._generated import diagnostics_pb2, diagnostics_pb2_grpc, party_pb2, party_pb2_grpc
from knownparty_client._generated import payment_pb2, payment_pb2_grpc, violation_pb2, violation_pb2_grpc
from knownparty_client._generated import screening_pb2, screening_pb2_grpc, watchlist_pb2, watchlist_pb2_grpc
from knownparty_client._generated import access_pb2, access_pb2_grpc, vetting_pb2, vetting_pb2_grpc
from knownparty_service.api.access_control import AccessInterceptor
from knownparty_service.api.access_servicer import AccessServicer
from knownparty_service.api.diagnostics_servicer import DiagnosticsServicer
from knownparty_service.api.draining import DrainingInterceptor
from knownparty_service.api.errors import ErrorMappingInterceptor
from knownparty_service.api.observability import ObservabilityInterceptor
from knownparty_service.api.party_servicer import PartyServicer
from knownparty_service.api.payment_servicer import PaymentServicer
from knownparty_service.api.screening_servicer import ScreeningServicer
from knownparty_service.api import transport
from knownparty_service.api.vetting_servicer import VettingServicer
from knownparty_service.api.watchlist_servicer import WatchlistServicer
from knownparty_service.app.collector import pace_garbage_collector
from knownparty_service.app.index_keeper import IndexKeeper
from knownparty_service.app.data_key_file import DataKeyError, open_field_cipher
from knownparty_service.app.key_file import SigningKeyError, load_or_create_signing_key
from knownparty_service.app.logs import configure_logging
from knownparty_service.app.metrics import Metrics, MetricsEndpoint, start_metrics_server
from knownparty_service.app.party_screening import IndexPartyScreener
from knownparty_service.app.reevaluation import Reevaluator
from knownparty_service.app.vetting_helpers import VettingHelper
from knownparty_service.api.violation_servicer import ViolationServicer
from knownparty_service.domain.audit_log import AuditLog
from knownparty_service.domain.keyring import Keyring
from knownparty_service.domain.ownership import PartyOwners
from knownparty_service.domain.party_registry import PartyRegistry, utc_now
from knownparty_service.domain.payment_ledger import PaymentLedger
from knownparty_service.domain.policy import PolicyError, load_policy
from knownparty_service.domain.signing import DecisionSigner
from knownparty_service.domain.vetting.desk import VettingDesk
from knownparty_service.domain.watchlists.catalog import WatchlistCatalog
from knownparty_service.domain.watchlists.screener import Screener
from knownparty_service.domain.watchlists.screening import ScreeningIndex, ScreeningQuery
from knownparty_service.domain.violation_registry import ViolationRegistry
from knownparty_service.settings import Settings
from knownparty_service.storage.server_claim import DatabaseClaimed, ServerClaim, claim_sqlite_database
from knownparty_service.storage.database import Database
from knownparty_service.storage.access_repository import SqlAccessRepository
from knownparty_service.storage.decision_repository import PolicyConflict, SqlDecisionRepository
from knownparty_service.storage.migrate import upgrade
from knownparty_service.storage.party_repository import SqlPartyRepository
from knownparty_service.storage.protected_identifiers import DataKeyMismatchError, protect_existing
from knownparty_service.storage.payment_repository import SqlPaymentRepository
from knownparty_service.storage.violation_repository import SqlViolationRepository
from knownparty_service.storage.watchlist_repository import SqlWatchlistRepository

log = logging.getLogger(__name__)

SERVICE_NAMES = (
    party_pb2.DESCRIPTOR.services_by_name["PartyService"].full_name,
    diagnostics_pb2.DESCRIPTOR.services_by_name["DiagnosticsService"].full_name,
    violation_pb2.DESCRIPTOR.services_by_name["ViolationService"].full_name,
    payment_pb2.DESCRIPTOR.services_by_name["PaymentService"].full_name,
    watchlist_pb2.DESCRIPTOR.services_by_name["WatchlistService"].full_name,
    screening_pb2.DESCRIPTOR.services_by_name["ScreeningService"].full_name,
    vetting_pb2.DESCRIPTOR.services_by_name["VettingService"].full_name,
    access_pb2.DESCRIPTOR.services_by_name["AccessService"].full_name,
)


@dataclass
class RunningServer:
    server: grpc.Server
    port: int
    health: health.HealthServicer
    database: Database
    grace_seconds: float
    index_keeper: IndexKeeper | None = None
    reevaluator: Reevaluator | None = None
    keyring: Keyring | None = None
    metrics: Metrics | None = None
    metrics_endpoint: MetricsEndpoint | None = None
    draining: DrainingInterceptor | None = None
    # The RPC threads: gRPC does not shut down a pool it was given.
    executor: futures.ThreadPoolExecutor | None = None
    # This server's claim on its SQLite file (storage/server_claim.py).
    claim: ServerClaim | None = None
    # The bulk-vetting helper process (app/vetting_helpers.py), started with the first VetParties.
    vetting_helper: VettingHelper | None = None

    @property
    def metrics_port(self) -> int | None:
        return self.metrics_endpoint.port if self.metrics_endpoint is not None else None

    def serve_metrics(self, settings: Settings, worker_index: int = 0) -> int | None:
        """Serves this server's metrics on settings.metrics_listen (its port + worker_index); the
        bound port, None when turned off. OSError when the port is taken."""
        self.metrics_endpoint = start_metrics_server(settings, worker_index, metrics=self.metrics)
        return self.metrics_port

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._health_lock = threading.Lock()

    def set_serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for service in ("", *SERVICE_NAMES):
            self.health.set(service, status)

    def watch_database(self, interval_seconds: float) -> None:
        """Health follows the database: NOT_SERVING while it does not answer a ping (every call
        would fail then), SERVING again once it does."""

        def run() -> None:
            healthy = True
            while not self._stopping.wait(interval_seconds):
                try:
                    self.database.ping()
                    answered = True
                except Exception:  # noqa: BLE001 - any failure to answer counts as down
                    answered = False
                if answered == healthy:
                    continue
                with self._health_lock:
                    if self._stopping.is_set():
                        return
                    healthy = answered
                    self.set_serving(answered)
                log.warning("the database %s: health %s", *(("answers", "SERVING") if answered else ("is down", "NOT_SERVING")))

        threading.Thread(target=run, name="knownparty-database-health", daemon=True).start()

    def stop(self, grace: float | None = None) -> None:
        """Reports NOT_SERVING, refuses new calls, lets in-flight ones finish, then closes the pool."""
        with self._health_lock:
            self._stopping.set()
            self.set_serving(False)
        grace = self.grace_seconds if grace is None else grace
        started = time.monotonic()
        if self.draining is not None:
            # The listener stays open while calls drain: health checks get NOT_SERVING meanwhile.
            self.draining.drain(grace)
        self.server.stop(max(0.0, grace - (time.monotonic() - started))).wait()
        if self.executor is not None:
            self.executor.shutdown(wait=False)
        if self.index_keeper is not None:
            self.index_keeper.stop()
        if self.reevaluator is not None:
            self.reevaluator.stop()
        if self.vetting_helper is not None:
            self.vetting_helper.stop()
        if self.metrics_endpoint is not None:
            self.metrics_endpoint.stop()
        self.database.dispose()
        if self.claim is not None:
            self.claim.release()


def create_server(settings: Settings, *, migrate: bool = True) -> RunningServer:
    """Binds and starts a server; health turns SERVING once the database answers."""
    pace_garbage_collector()
    credentials = transport.server_credentials(settings)  # first: a bad TLS file refuses the start
    database = Database(settings.database_url)
    if migrate:
        upgrade(settings.database_url, engine=database.engine)
    database.ping()
    policy = load_policy(settings.policy_path)
    payments = SqlPaymentRepository(database)
    payments.ensure_policy(policy)
    decision_store = SqlDecisionRepository(database)
    try:
        signer = DecisionSigner(load_or_create_signing_key(settings.signing_key_file))
    except SigningKeyError as exc:
        raise PolicyError(str(exc)) from None
    decision_store.register_key(signer.key_id, signer.algorithm, signer.public_key)
    try:
        cipher = open_field_cipher(settings.data_key_file)
        # Before serving: what an older version stored in plain text is encrypted now.
        protect_existing(database, cipher)
    except DataKeyError as exc:
        raise PolicyError(str(exc)) from None
    except DataKeyMismatchError as exc:
        raise PolicyError(f"{settings.data_key_file}: {exc}") from None
    watchlists = SqlWatchlistRepository(database)
    metrics = Metrics()
    keeper = IndexKeeper(watchlists, ScreeningIndex.build, poll_seconds=settings.index_poll_seconds)
    keeper.start()

    party_repository = SqlPartyRepository(database, cipher)
    violation_repository = SqlViolationRepository(database)
    access_repository = SqlAccessRepository(database)
    keyring = Keyring(access_repository)
    owners = PartyOwners(party_repository.owner_of)
    # Changes to a party's records re-decide its decisions (the re-evaluator is made below).
    ledger = PaymentLedger(
        payments,
        policy,
        on_change=lambda party_ids: reevaluator.parties_changed(party_ids),
        owners=owners,
        claim_carrier=access_repository.claim_carrier,
    )
    try:
        desk = VettingDesk(
            parties=party_repository,
            violations=violation_repository,
            standings=ledger,
            screener=IndexPartyScreener(keeper.snapshot, policy, ScreeningQuery),
            decisions=decision_store,
            signer=signer,
            policy=policy,
            owners=owners,
        )
    except PolicyConflict as exc:
        keeper.stop()
        raise PolicyError(f"{settings.policy_path}: {exc}") from None
    reevaluator = Reevaluator(desk, decision_store.decided_parties, on_progress=metrics.reevaluation_progress)
    metrics.watch_index(keeper.snapshot)
    keeper.on_change(reevaluator.everything_changed)
    reevaluator.start()
    # Decisions made under another policy are re-decided under this one.
    reevaluator.everything_changed()

    def signing_keys():
        # The current key first, then the others newest first.
        keys = decision_store.keys()
        return sorted(keys, key=lambda k: (k[0] != signer.key_id, -k[3].timestamp()))

    draining = DrainingInterceptor()
    executor = futures.ThreadPoolExecutor(max_workers=settings.max_workers, thread_name_prefix="knownparty-rpc")
    server = grpc.server(
        executor,
        # Outermost first: access control's refusals pass through the error mapping.
        interceptors=[
            ObservabilityInterceptor(metrics),
            ErrorMappingInterceptor(),
            # Inside the error mapping (its refusals are proper statuses), before any database work.
            draining,
            AccessInterceptor(
                keyring, AuditLog(access_repository), max_streams_per_key=settings.max_streams_per_key, clock=utc_now
            ),
        ],
        # Worker processes share the port (app/workers.py); a single process owns it alone.
        options=[
            ("grpc.so_reuseport", 1 if settings.workers > 1 else 0),
            ("grpc.max_receive_message_length", settings.max_message_bytes),
        ],
    )
    party_pb2_grpc.add_PartyServiceServicer_to_server(PartyServicer(PartyRegistry(party_repository)), server)
    violations = ViolationRegistry(
        violation_repository, on_change=lambda party_id: reevaluator.parties_changed({party_id}), owners=owners
    )
    violation_pb2_grpc.add_ViolationServiceServicer_to_server(ViolationServicer(violations), server)
    payment_pb2_grpc.add_PaymentServiceServicer_to_server(PaymentServicer(ledger, metrics.payment_imports, settings.import_transaction_rows), server)
    vetting_helper = VettingHelper(settings) if settings.vetting_helper else None
    vetting_pb2_grpc.add_VettingServiceServicer_to_server(VettingServicer(desk, signing_keys, vetting_helper), server)
    watchlist_pb2_grpc.add_WatchlistServiceServicer_to_server(
        WatchlistServicer(WatchlistCatalog(watchlists), on_import=keeper.refresh, imports=metrics.watchlist_imports),
        server,
    )
    screening_pb2_grpc.add_ScreeningServiceServicer_to_server(
        ScreeningServicer(Screener(keeper.snapshot, policy, ScreeningQuery)), server
    )
    diagnostics_pb2_grpc.add_DiagnosticsServiceServicer_to_server(DiagnosticsServicer(), server)
    access_pb2_grpc.add_AccessServiceServicer_to_server(AccessServicer(keyring, AuditLog(access_repository)), server)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    if settings.reflection:
        reflection.enable_server_reflection((*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server)

    port = transport.add_port(server, settings.listen, credentials)
    if port == 0:
        keeper.stop()
        reevaluator.stop()
        database.dispose()
        raise PolicyError(f"listen {settings.listen}: cannot listen there (the port is taken, or the address is not this host's)")
    try:
        # The workers of one server share the file; a server alone may trust what it wrote itself.
        claim = claim_sqlite_database(
            settings.database_url, alone=settings.workers == 1, wait_seconds=settings.shutdown_grace_seconds + 1
        )
    except DatabaseClaimed as exc:
        server.stop(0)
        keeper.stop()
        reevaluator.stop()
        database.dispose()
        raise PolicyError(str(exc)) from None
    database.sole_writer = claim.exclusive if claim is not None else database.is_sqlite
    server.start()
    running = RunningServer(
        server,
        port,
        health_servicer,
        database,
        settings.shutdown_grace_seconds,
        keeper,
        reevaluator,
        keyring,
        metrics,
        draining=draining,
        executor=executor,
        claim=claim,
        vetting_helper=vetting_helper,
    )
    running.set_serving(True)
    running.watch_database(settings.database_check_seconds)
    return running


def serve(settings: Settings) -> None:
    """Runs until SIGTERM or SIGINT, then drains in-flight calls and exits; with settings.workers
    above 1, as that many processes sharing the port under a supervising parent."""
    configure_logging(settings.log_level, settings.log_format)
    if settings.workers > 1:
        from knownparty_service.app.workers import run_workers

        raise SystemExit(run_workers(settings, serve_worker=serve_worker, check_transport=transport.check_tls_files))
    serve_worker(settings)


def serve_worker(settings: Settings, worker_index: int = 0) -> None:
    """One server process until SIGTERM or SIGINT. A forked worker's parent has migrated already."""
    try:
        running = create_server(settings, migrate=settings.workers == 1)
    except PolicyError as exc:
        log.error("refusing to start: %s", exc)
        raise SystemExit(2) from None
    try:
        running.serve_metrics(settings, worker_index)
    except OSError as exc:
        running.stop(grace=0)
        log.error("refusing to start: metrics_listen %s (+ worker %d): %s", settings.metrics_listen, worker_index, exc)
        raise SystemExit(2) from None
    host = settings.listen.rsplit(":", 1)[0]
    log.info(
        "knownparty serving on %s:%d (database %s)%s",
        host,
        running.port,
        running.database.engine.url.render_as_string(),
        f", worker {worker_index} of {settings.workers}" if settings.workers > 1 else "",
    )
    stopping = threading.Event()

    def _on_signal(signum, _frame):
        log.info("received %s: draining in-flight calls", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    stopping.wait()
    running.stop()
    log.info("stopped")
