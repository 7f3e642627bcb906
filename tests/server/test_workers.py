"""`knownparty serve --workers N`: N processes on one port, one index each, kept in step through the database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from knownparty_client import KnownPartyClient, types

ROOT = Path(__file__).resolve().parents[2]
UN_LIST = ROOT.parent / "shared" / "data" / "watchlists" / "un" / "UN_consolidated.xml"
# A channel of its own: gRPC would otherwise reuse one connection (so one worker) for every client.
FRESH_CONNECTION = (("grpc.use_local_subchannel_pool", 1),)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces: the fields after its closing parenthesis are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Served:
    """A `knownparty serve --workers N` subprocess and an admin key on its database."""

    def __init__(self, tmp_path: Path, database_url: str, workers: int, extra_env: dict | None = None):
        self.target = f"127.0.0.1:{_free_port()}"
        self.log = tmp_path / "serve.log"
        self.env = {
            **os.environ,
            "KNOWNPARTY_LISTEN": self.target,
            "KNOWNPARTY_INDEX_POLL_SECONDS": "0.5",
            "KNOWNPARTY_SHUTDOWN_GRACE_SECONDS": "5",
            # Off: worker ports 9464, 9465 could be taken by another test's server.
            "KNOWNPARTY_METRICS_LISTEN": "",
            **(extra_env or {}),
        }
        self.tmp_path = tmp_path
        self.database_url = database_url
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def make_key(self) -> str:
        made = subprocess.run(
            [sys.executable, "-m", "knownparty_client.cli", "--json", "keys", "create", "--local",
             "--db", self.database_url, "--org", "acme", "--role", "admin"],
            cwd=self.tmp_path, env=self.env, capture_output=True, text=True, timeout=60, check=True,
        )
        return json.loads(made.stdout)["token"]

    def start(self) -> subprocess.Popen:
        command = [sys.executable, "-m", "knownparty_client.cli", "serve", "--workers", str(self.workers),
                   "--db", self.database_url]
        with self.log.open("ab") as log:
            # A file, not a pipe: a full pipe would block the server's logging.
            self.process = subprocess.Popen(command, cwd=self.tmp_path, env=self.env, stdout=log, stderr=log)
        return self.process

    def wait_until_serving(self, deadline_s: float = 60) -> None:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early ({self.process.returncode}): {self.log.read_text()}")
            try:
                with grpc.insecure_channel(self.target, options=FRESH_CONNECTION) as channel:
                    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server did not become SERVING in time: {self.log.read_text()}")

    def wait_for_workers(self, count: int, deadline_s: float = 30) -> set[int]:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            workers = _children(self.process.pid)
            if len(workers) == count:
                return workers
            time.sleep(0.1)
        raise AssertionError(f"expected {count} workers, found {_children(self.process.pid)}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            for pid in _children(self.process.pid):
                os.kill(pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture
def served(tmp_path, database_url):
    running = Served(tmp_path, database_url, workers=2)
    yield running
    running.stop()


def _create_and_read(target: str, token: str, number: int) -> str:
    with KnownPartyClient(target, timeout=15, api_key=token, options=FRESH_CONNECTION) as client:
        party = client.create_party(
            types.Party(kind=types.PARTY_KIND_SELLER, legal_name=f"Worker Test {number}", addresses=[types.Address(country="GB")])
        )
        assert client.get_party(party.name) == party
        return party.name


def test_workers_share_the_port_follow_imports_and_stop_cleanly(served):
    token = served.make_key()
    process = served.start()
    served.wait_until_serving()
    workers = served.wait_for_workers(2)

    # Many concurrent calls over fresh connections, which the kernel spreads over both workers.
    with ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(lambda n: _create_and_read(served.target, token, n), range(40)))
    assert len(set(names)) == 40

    with KnownPartyClient(served.target, timeout=60, api_key=token) as importer:
        assert not importer.screen_name("ERIC BADEGE").alert
        importer.import_watchlist("un", types.LIST_FORMAT_UN, [("un", "UN_consolidated.xml", UN_LIST.read_bytes())])

    # Every worker's index follows the import: twelve fresh connections in a row all alert
    # (were one worker behind, about half of them would land on it).
    in_a_row = 0
    deadline = time.monotonic() + 30
    while in_a_row < 12 and time.monotonic() < deadline:
        with KnownPartyClient(served.target, timeout=15, api_key=token, options=FRESH_CONNECTION) as fresh:
            in_a_row = in_a_row + 1 if fresh.screen_name("ERIC BADEGE").alert else 0
        if in_a_row == 0:
            time.sleep(0.2)
    assert in_a_row == 12

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert not any(_alive(pid) for pid in workers)
    assert "all workers stopped" in served.log.read_text()


def test_a_worker_that_dies_is_replaced(tmp_path):
    served = Served(tmp_path, f"sqlite:///{tmp_path / 'kp.db'}", workers=2)
    try:
        token = served.make_key()
        process = served.start()
        served.wait_until_serving()
        first = served.wait_for_workers(2)
        killed = min(first)
        os.kill(killed, signal.SIGKILL)
        end = time.monotonic() + 30
        replaced = first
        while time.monotonic() < end:
            replaced = _children(process.pid)
            if len(replaced) == 2 and killed not in replaced:
                break
            time.sleep(0.2)
        assert len(replaced) == 2 and killed not in replaced
        served.wait_until_serving()
        assert _create_and_read(served.target, token, 1)
        assert "exited unexpectedly with signal SIGKILL" in served.log.read_text()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        assert not any(_alive(pid) for pid in replaced)
    finally:
        served.stop()


def test_a_bad_policy_is_refused_before_any_worker_starts(tmp_path):
    from knownparty_service.settings import DEFAULT_POLICY_FILE

    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY_FILE.read_text().replace("look_back_days = 365", "look_back_days = -30"))
    served = Served(tmp_path, f"sqlite:///{tmp_path / 'kp.db'}", workers=2, extra_env={"KNOWNPARTY_POLICY_FILE": str(policy)})
    try:
        process = served.start()
        assert process.wait(timeout=60) == 2
        log = served.log.read_text()
        assert "repeat_customer.look_back_days = -30 is outside" in log
        assert "worker 0 started" not in log
    finally:
        served.stop()


def test_workers_need_a_fixed_free_port(tmp_path):
    url = f"sqlite:///{tmp_path / 'kp.db'}"
    served = Served(tmp_path, url, workers=2, extra_env={"KNOWNPARTY_LISTEN": "127.0.0.1:0"})
    assert served.start().wait(timeout=60) == 2
    assert "need a fixed port" in served.log.read_text()

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        served = Served(tmp_path, url, workers=2, extra_env={"KNOWNPARTY_LISTEN": address})
        assert served.start().wait(timeout=60) == 2
    assert f"listen address {address}" in served.log.read_text()
