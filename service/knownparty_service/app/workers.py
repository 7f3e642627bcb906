"""`knownparty serve --workers N`: N server processes on one port under one supervising parent.

The parent does the start's one-time work (listen address, TLS files, policy, key files,
migrations) and creates no gRPC object, since gRPC's threads do not survive a fork; then it forks.
Each child builds its own server bound with SO_REUSEPORT, so the kernel spreads connections over
them, and keeps its own screening index, which follows imports made by any process through the
database (IndexKeeper polls it).

Supervision: SIGTERM and SIGINT are forwarded to the children, which drain their in-flight calls;
the parent exits 0 once all have stopped. A child that dies unexpectedly is restarted, at most
MAX_RESTARTS times within RESTART_WINDOW_SECONDS. Past that, or when a child refuses to start
(exit code 2: configuration, which a restart cannot fix), the parent stops the others and exits
non-zero, so that the service manager (systemd, Kubernetes) sees the failure.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Callable
from typing import NoReturn

from knownparty_service.app.data_key_file import DataKeyError, open_field_cipher
from knownparty_service.app.key_file import SigningKeyError, load_or_create_signing_key
from knownparty_service.domain.policy import PolicyError, load_policy
from knownparty_service.domain.signing import DecisionSigner
from knownparty_service.settings import Settings
from knownparty_service.storage.database import Database
from knownparty_service.storage.decision_repository import PolicyConflict, SqlDecisionRepository
from knownparty_service.storage.migrate import upgrade
from knownparty_service.storage.payment_repository import SqlPaymentRepository
from knownparty_service.storage.protected_identifiers import DataKeyMismatchError, protect_existing

log = logging.getLogger(__name__)

REFUSED_EXIT_CODE = 2
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 60.0
RESTART_DELAY_SECONDS = 1.0
POLL_SECONDS = 0.2
# Beyond the drain time, how long a stopping child may take before it is killed.
KILL_AFTER_GRACE_SECONDS = 30.0
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def run_workers(
    settings: Settings,
    *,
    serve_worker: Callable[[Settings, int], None],
    check_transport: Callable[[Settings], object],
) -> int:
    """Runs `settings.workers` processes of `serve_worker(settings, worker_index)` until SIGTERM or
    SIGINT; returns the parent's exit code. `check_transport` validates the TLS files up front."""
    try:
        check_listen_address(settings.listen)
        check_transport(settings)
        prepare(settings)
    except PolicyError as exc:
        log.error("refusing to start: %s", exc)
        return REFUSED_EXIT_CODE
    return _Supervisor(settings, serve_worker).run()


def check_listen_address(listen: str) -> None:
    """Workers share a fixed TCP port; PolicyError when `listen` has none, or another process
    listens there already (SO_REUSEPORT would otherwise quietly share the port with it)."""
    if listen.startswith("unix"):
        raise PolicyError(f"several workers need a TCP listen address (HOST:PORT), not {listen!r}")
    host, _, port = listen.rpartition(":")
    if not port.isdigit() or int(port) == 0:
        raise PolicyError(f"several workers need a fixed port to share; {listen!r} has none")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]") or None, int(port), type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise PolicyError(f"listen address {listen}: {exc.strerror}") from None
    with socket.socket(family, kind, proto) as probe:
        # SO_REUSEADDR: only a listening socket makes the bind fail, not connections in TIME_WAIT.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise PolicyError(f"listen address {listen}: {exc.strerror}") from None


def prepare(settings: Settings) -> None:
    """The start's one-time work, done once before forking so that workers never race for it:
    the policy checked, the signing and data key files loaded (created when absent), migrations,
    the standings rebuilt for a changed policy, its text kept, plain identifiers encrypted.
    PolicyError says why the start is refused."""
    policy = load_policy(settings.policy_path)
    try:
        signer = DecisionSigner(load_or_create_signing_key(settings.signing_key_file))
        cipher = open_field_cipher(settings.data_key_file)
    except (SigningKeyError, DataKeyError) as exc:
        raise PolicyError(str(exc)) from None
    database = Database(settings.database_url)
    try:
        upgrade(settings.database_url, engine=database.engine)
        SqlPaymentRepository(database).ensure_policy(policy)
        decisions = SqlDecisionRepository(database)
        decisions.register_key(signer.key_id, signer.algorithm, signer.public_key)
        try:
            decisions.keep_policy(policy.version, policy.text)
        except PolicyConflict as exc:
            raise PolicyError(f"{settings.policy_path}: {exc}") from None
        try:
            protect_existing(database, cipher)
        except DataKeyMismatchError as exc:
            raise PolicyError(f"{settings.data_key_file}: {exc}") from None
    finally:
        # No pooled connection may be shared with the children.
        database.dispose()


class _Supervisor:
    def __init__(self, settings: Settings, serve_worker: Callable[[Settings, int], None]):
        self._settings = settings
        self._serve_worker = serve_worker
        self._children: dict[int, int] = {}  # pid -> worker index
        self._stopping = False
        self._restarts: deque[float] = deque()
        self._exit_code = 0

    def run(self) -> int:
        previous = {signum: signal.signal(signum, self._on_signal) for signum in _STOP_SIGNALS}
        try:
            for index in range(self._settings.workers):
                if not self._stopping:
                    self._start(index)
            self._wait_for_children()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        log.info("all workers stopped")
        return self._exit_code

    def _on_signal(self, signum, _frame) -> None:
        log.info("received %s: stopping %d workers", signal.Signals(signum).name, len(self._children))
        self._stop()

    def _stop(self) -> None:
        self._stopping = True
        for pid in list(self._children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _start(self, index: int) -> None:
        try:
            self._fork(index)
        except OSError as exc:  # out of processes or memory: the workers already running stop too
            log.error("could not start worker %d: %s", index, exc)
            self._exit_code = self._exit_code or 1
            self._stop()

    def _fork(self, index: int) -> None:
        # Signals wait while forking: the child must not run the parent's handler, and the parent
        # must know the new pid before it forwards a signal.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                self._run_child(index)
            self._children[pid] = index
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        log.info("worker %d started (pid %d)", index, pid)

    def _run_child(self, index: int) -> NoReturn:
        code = 1
        try:
            # Until the worker installs its own draining handlers, a stop signal ends it at once.
            for signum in _STOP_SIGNALS:
                signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
            self._serve_worker(self._settings, index)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - whatever happened, the child must not return into the parent's code
            log.exception("worker %d failed", index)
        finally:
            logging.shutdown()
            os._exit(code)

    def _wait_for_children(self) -> None:
        kill_time = None
        while self._children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                if self._stopping and kill_time is None:
                    kill_time = time.monotonic() + self._settings.shutdown_grace_seconds + KILL_AFTER_GRACE_SECONDS
                if kill_time is not None and time.monotonic() > kill_time:
                    self._kill_remaining()
                    kill_time = float("inf")
                time.sleep(POLL_SECONDS)
                continue
            index = self._children.pop(pid, None)
            if index is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            if self._stopping:
                if code not in (0, -signal.SIGTERM, -signal.SIGINT):
                    log.warning("worker %d (pid %d) stopped with %s", index, pid, _describe(code))
                    self._exit_code = self._exit_code or 1
                continue
            self._child_died(index, pid, code)

    def _child_died(self, index: int, pid: int, code: int) -> None:
        log.error("worker %d (pid %d) exited unexpectedly with %s", index, pid, _describe(code))
        if code == REFUSED_EXIT_CODE:
            log.error("worker %d refused to start: stopping the others", index)
            self._exit_code = REFUSED_EXIT_CODE
            self._stop()
            return
        now = time.monotonic()
        while self._restarts and now - self._restarts[0] > RESTART_WINDOW_SECONDS:
            self._restarts.popleft()
        if len(self._restarts) >= MAX_RESTARTS:
            log.error(
                "%d restarts within %.0f s: giving up, stopping the others", len(self._restarts), RESTART_WINDOW_SECONDS
            )
            self._exit_code = 1
            self._stop()
            return
        self._restarts.append(now)
        time.sleep(RESTART_DELAY_SECONDS)  # a signal arriving meanwhile sets _stopping
        if not self._stopping:
            self._start(index)

    def _kill_remaining(self) -> None:
        for pid, index in list(self._children.items()):
            log.error("worker %d (pid %d) did not stop in time: killing it", index, pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._exit_code = self._exit_code or 1


def _describe(code: int) -> str:
    if code >= 0:
        return f"exit code {code}"
    try:
        return f"signal {signal.Signals(-code).name}"
    except ValueError:
        return f"signal {-code}"
