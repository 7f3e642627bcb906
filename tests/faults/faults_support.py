"""Helpers of the fault tests: processes to kill, a PostgreSQL cluster to stop, bounded waits."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
# A held stream is released after this long whatever happens, so that no test waits forever.
HOLD_LIMIT_S = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.05):
    """Polls `condition` until it returns something true; fails after `timeout` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def health_status(target: str, timeout: float = 2) -> int | str:
    """The overall health status, or the gRPC code's name when the call fails."""
    with grpc.insecure_channel(target) as channel:
        try:
            return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=timeout).status
        except grpc.RpcError as err:
            return err.code().name


class HeldStream:
    """Wraps a request stream: yields the first `release_after` items, then waits (bounded) until
    released, so that the call stays in flight until the test has done what it came for."""

    def __init__(self, items, release_after: int):
        self._items = items
        self._release_after = release_after
        self.holding = threading.Event()
        self.sent_all = threading.Event()
        self.release = threading.Event()

    def __iter__(self) -> Iterator:
        for index, item in enumerate(self._items):
            if index == self._release_after:
                self.holding.set()
                self.release.wait(HOLD_LIMIT_S)
            yield item
        self.sent_all.set()


class Call(threading.Thread):
    """Runs one client call in the background; keeps its result or error."""

    def __init__(self, function):
        super().__init__(daemon=True)
        self._function = function
        self.result = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._function()
        except BaseException as exc:  # noqa: BLE001 - inspected by the test
            self.error = exc


# -- a `knownparty serve` process ----------------------------------------------------------------


class ServeProcess:
    """`python -m knownparty_client.cli serve` on a free port; its log goes to a file (a pipe
    nobody reads would block the server once full)."""

    def __init__(self, database_url: str, log_path: Path, env: dict[str, str]):
        self.database_url = database_url
        self.log_path = log_path
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self._env = {**os.environ, "KNOWNPARTY_LISTEN": self.target, **env}
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "knownparty_client.cli", "serve", "--db", self.database_url],
                cwd=self.log_path.parent, env=self._env, stdout=log, stderr=subprocess.STDOUT,
            )
        end = time.monotonic() + timeout
        while health_status(self.target, timeout=1) != SERVING:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited early:\n{self.log()}")
            if time.monotonic() > end:
                raise AssertionError(f"the server did not become SERVING in {timeout} s:\n{self.log()}")
            time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL, and reaps the process."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)


# -- a private PostgreSQL cluster ----------------------------------------------------------------


def find_postgres_bindir() -> Path | None:
    candidates = [Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)]
    found = shutil.which("initdb")
    if found:
        candidates.insert(0, Path(found).parent)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


class PrivatePostgres:
    """A throw-away cluster in `root`, run as the postgres OS user when we are root (initdb and
    the server refuse to run as root)."""

    def __init__(self, bindir: Path, root: Path):
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout, check=check)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        done = self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
            "-w", "-t", "60", "start", check=False, timeout=90,
        )
        if done.returncode != 0:
            raise AssertionError(f"pg_ctl start failed: {done.stdout}{done.stderr}\n{self.server_log()}")

    def stop(self, mode: str = "fast", check: bool = True) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        done = self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop",
            check=False, timeout=90,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"pg_ctl stop failed: {done.stdout}{done.stderr}")

    def server_log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""
