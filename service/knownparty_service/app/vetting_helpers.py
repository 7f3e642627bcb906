"""A helper process for bulk vetting: VetParties decides on two cores instead of one.

Deciding a party is Python work (screening, the canonical encoding, signing, storing), and one
process runs Python on one core at a time. A VetParties stream hands about half of each round
(its requests split by party, so that a party's requests are decided in order; the share is
learned so that neither process waits for the other) to a helper: a process of its own, started
with the first stream, with its own connection to the database, its own index of the lists
(rebuilt when they change, as the server's is) and the same signing key. Its decisions are
stored and answered exactly as the server's own, and the server keeps them (and their parties'
owners) as if it had decided them. One stream at a time leases the helper; until it is ready,
and for the other streams meanwhile, the server decides alone.
"""

from __future__ import annotations

import collections
import fcntl
import gc
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

from knownparty_client._generated import vetting_pb2 as pb
from knownparty_service.domain.access import Caller, caller_scope
from knownparty_service.domain.errors import ServiceUnavailableError
from knownparty_service.settings import Settings

log = logging.getLogger(__name__)

_READY = b"ready"
# A round takes well under a second; one not answered in this long means the helper is stuck.
_ROUND_TIMEOUT_SECONDS = 120
_ANSWER, _FAILED = b"A", b"F"
# Pipes are widened to this (Linux lets any process go up to 1 MiB): a round's answers, about
# 4 KB a decision, then go out while the server is still busy with its own share, instead of the
# helper waiting, blocked on a full pipe, until the server reads them.
_PIPE_SIZE = 1 << 20
_DEFAULT_PIPE_SIZE = 64 * 1024
# With no round for this long the helper thaws what it froze (see _serve_rounds).
_IDLE_SECONDS = 1.0


class VettingHelper:
    """The server's side of one helper process; a stream leases it (`lease`) for its rounds."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._sending: Connection | None = None
        self._connection: Connection | None = None
        self._ready = False
        self._stopped = False
        self.rounds_answered = 0  # rounds the helper decided (for tests)
        self._request_pipe_size = _DEFAULT_PIPE_SIZE

    def start(self) -> None:
        """Starts the process (once); it becomes ready after building its index. A helper that
        cannot start leaves the rounds to the server."""
        with self._lock:
            if self._process is not None or self._stopped:
                return
            # Its own interpreter (never a fork of a process running gRPC), talking over two pipes.
            child_reads, parent_writes = os.pipe()
            parent_reads, child_writes = os.pipe()
            self._request_pipe_size = _widen_pipe(parent_writes)
            _widen_pipe(parent_reads)
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", __name__, str(child_reads), str(child_writes)],
                    pass_fds=(child_reads, child_writes),
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # the server stops it; a terminal's Ctrl-C is for the server
                )
            except OSError as exc:
                log.warning("the vetting helper process did not start: %r", exc)
                for fd in (child_reads, parent_writes, parent_reads, child_writes):
                    os.close(fd)
                self._stopped = True
                return
            finally:
                if self._process is not None:
                    os.close(child_reads)
                    os.close(child_writes)
            self._sending = Connection(parent_writes, readable=False)
            self._connection = Connection(parent_reads, writable=False)
            self._sending.send_bytes(self._settings.model_dump_json().encode())

    def lease(self) -> HelperLane | None:
        """The helper for one stream's rounds until the lane is released; None when it is not
        ready or another stream holds it (that stream's rounds are decided in the server)."""
        if not self._lock.acquire(blocking=False):
            return None
        if not self._is_ready():
            self._lock.release()
            return None
        return HelperLane(self)

    def _broken(self, exc: BaseException) -> ServiceUnavailableError:
        self._lost(exc)
        return ServiceUnavailableError("bulk vetting lost its helper process; retry")

    def wait_ready(self, timeout: float) -> bool:
        """Whether it became ready within `timeout` seconds (started or not)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._is_ready():
                    return True
                if self._stopped:
                    return False
            time.sleep(0.05)
        return False

    def _is_ready(self) -> bool:
        if self._ready:
            return True
        if self._connection is None or not self._connection.poll():
            return False
        try:
            self._ready = self._connection.recv_bytes() == _READY
        except (EOFError, OSError) as exc:
            # It stopped before it was ready (its log says why): the server decides alone.
            self._lost(exc)
            self._stopped = True
        return self._ready

    def _lost(self, exc: BaseException) -> None:
        # The next stream starts a new one.
        log.warning("the vetting helper process stopped: %r", exc)
        self._close()

    def _close(self) -> None:
        process, connections = self._process, (self._sending, self._connection)
        self._process = self._sending = self._connection = None
        self._ready = False
        for connection in connections:
            if connection is not None:
                connection.close()  # the helper's next read ends: it stops
        if process is not None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def stop(self) -> None:
        # A stream still holding it (past the drain time) loses it: its next round fails.
        held = self._lock.acquire(timeout=5)
        try:
            self._stopped = True
            self._close()
        finally:
            if held:
                self._lock.release()


class HelperLane:
    """One stream's use of the helper: rounds go out in order and their answers come back in
    the same order; the next round may be sent before the previous one's answer is taken, so
    the helper always has work while the server answers."""

    def __init__(self, helper: VettingHelper):
        self._helper = helper
        self._in_flight = 0
        self._received: collections.deque = collections.deque()

    def send(self, message: pb.VetPartiesRequest, caller: Caller | None) -> None:
        data = pickle.dumps((message.SerializeToString(), caller))
        # A round larger than the pipe holds waits for the answers before it (the helper, blocked
        # writing an answer nobody reads, would never read it otherwise).
        if len(data) > self._helper._request_pipe_size * 3 // 4:
            while self._in_flight:
                self._received.append(self._read())
        try:
            self._helper._sending.send_bytes(data)
        except OSError as exc:
            raise self._broken(exc) from exc
        self._in_flight += 1

    def answer_ready(self) -> bool:
        """Whether the oldest round's answer is back already (receive would not wait)."""
        if self._received:
            return True
        try:
            return self._helper._connection.poll(0)
        except (EOFError, OSError):
            return True  # receive reports it

    def receive(self) -> tuple[pb.VetPartiesResponse, tuple]:
        """The oldest round's (answers, (decisions written [(seq, decision)], their parties' owners,
        the vetting states left))."""
        reply = self._received.popleft() if self._received else self._read()
        if reply[:1] != _ANSWER:
            raise ServiceUnavailableError(f"bulk vetting failed in its helper process: {reply[1:].decode(errors='replace')}")
        self._helper.rounds_answered += 1
        size = int.from_bytes(reply[1:9], "big")
        return pb.VetPartiesResponse.FromString(reply[9 + size :]), pickle.loads(reply[9 : 9 + size])

    def _read(self) -> bytes:
        try:
            if not self._helper._connection.poll(_ROUND_TIMEOUT_SECONDS):
                raise TimeoutError(f"no answer in {_ROUND_TIMEOUT_SECONDS} s")
            reply = self._helper._connection.recv_bytes()
        except (EOFError, OSError) as exc:  # TimeoutError included: a stuck helper is replaced
            raise self._broken(exc) from exc
        self._in_flight -= 1
        return reply

    def _broken(self, exc: BaseException) -> ServiceUnavailableError:
        self._in_flight = 0  # nothing more will come from a helper that is gone
        return self._helper._broken(exc)

    def release(self) -> None:
        """Answers never taken (the stream ended early) are read and dropped first, so that the
        next stream's answers are its own."""
        try:
            while self._in_flight:
                self._read()
        except ServiceUnavailableError:
            pass
        finally:
            self._helper._lock.release()


def _widen_pipe(fd: int) -> int:
    """Widens a pipe to _PIPE_SIZE where the system allows it; the size it has."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
    except (AttributeError, OSError):  # not Linux, or over the system's limit: the default size
        return _DEFAULT_PIPE_SIZE


def _serve_rounds(incoming: Connection, outgoing: Connection) -> None:
    """The helper process: decides the rounds it is sent until the server closes the pipe."""
    from knownparty_service.app.collector import pace_garbage_collector
    from knownparty_service.app.logs import configure_logging
    from knownparty_service.app.vetting_composition import vetting_servicer

    settings = Settings.model_validate_json(incoming.recv_bytes())
    configure_logging(settings.log_level, settings.log_format)
    pace_garbage_collector()
    parts = vetting_servicer(settings)
    decisions = parts.decisions
    decisions.written = []
    decisions.states.exporting = True
    try:
        outgoing.send_bytes(_READY)
        frozen = False
        while True:
            try:
                if frozen and not incoming.poll(_IDLE_SECONDS):
                    # No stream is sending rounds: hand what was frozen back to the collector.
                    gc.unfreeze()
                    frozen = False
                data = incoming.recv_bytes()
            except (EOFError, OSError):
                return
            message_bytes, caller = pickle.loads(data)
            decisions.written.clear()  # also what a failed round left
            decisions.states.exported.clear()
            try:
                parts.keeper.refresh()  # the lists the server screens against now
                message = pb.VetPartiesRequest.FromString(message_bytes)
                with caller_scope(caller):
                    response = parts.servicer.vet_round(list(message.requests))
                # The answers; the decisions written (with their seqs), their parties' owners and
                # the vetting states left, for the server to keep as if it had decided them.
                owners = {d.party_id: parts.owners.owner(d.party_id) for _, d in decisions.written}
                written = pickle.dumps(
                    (decisions.written, owners, decisions.states.exported), protocol=pickle.HIGHEST_PROTOCOL
                )
                reply = _ANSWER + len(written).to_bytes(8, "big") + written + response.SerializeToString()
            except Exception as exc:  # noqa: BLE001 - reported to the server, which fails the stream
                log.exception("a bulk vetting round failed in the helper process")
                reply = _FAILED + type(exc).__name__.encode()
            outgoing.send_bytes(reply)
            # What the round kept (its decisions) is left out of collections while rounds come
            # (see app/collector.py, bulk_work).
            gc.freeze()
            frozen = True
    finally:
        parts.close()


if __name__ == "__main__":
    _serve_rounds(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
