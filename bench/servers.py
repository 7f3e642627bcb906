"""Servers under test, each in a process of its own (spawn) or in this process.

Kinds:
  knownparty  the real stack: create_server() with the database URL (migrations, interceptor,
              health, reflection, thread pool of `max_workers`)
  sync-echo   a bare grpc.server with a thread pool and DiagnosticsService.Echo only
  aio-echo    a bare grpc.aio server with Echo only (bench/aio_echo_server.py)

A server process stops when told, when its parent goes away, or after `max_lifetime_s`, so none
outlives a benchmark. With profile_path set, a knownparty server runs every pool thread under
cProfile and writes the merged stats there when it stops (bench/profile_server.py).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import time
from concurrent import futures

import harness  # noqa: F401  (import paths)

READY_TIMEOUT = 120.0
DEFAULT_MAX_LIFETIME = 3600.0


def _wait_for_stop(conn, parent_pid: int, max_lifetime_s: float) -> None:
    deadline = time.monotonic() + max_lifetime_s
    while time.monotonic() < deadline and os.getppid() == parent_pid:
        try:
            if conn.poll(0.5):
                conn.recv()
                return
        except (EOFError, OSError):
            return


def _profiling_executor(profilers: list):
    import cProfile

    def start_profiler() -> None:
        # Per-thread CPU time, not wall time: with 16 threads sharing one GIL, wall time would
        # charge every GIL wait to whatever C call was waiting for it.
        profiler = cProfile.Profile(time.thread_time_ns, 1e-9)
        profilers.append(profiler)
        profiler.enable()

    class ProfilingThreadPoolExecutor(futures.ThreadPoolExecutor):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("initializer", start_profiler)
            super().__init__(*args, **kwargs)

    return ProfilingThreadPoolExecutor


def _write_profile(profilers: list, path: str) -> None:
    import pstats

    for profiler in profilers:
        profiler.create_stats()
    stats = [p for p in profilers if p.stats]
    if stats:
        pstats.Stats(*stats).dump_stats(path)


def _bench_key(running) -> str:
    """An admin key of the benchmark's organisation on a scratch database."""
    from knownparty_service.domain.access import Role

    return running.keyring.create("bench", Role.ADMIN, display_name="benchmark", created_by="bench")[1]


def _use_key(token: str | None) -> None:
    # Clients made with only an address (here and in worker processes started later) send it.
    if token:
        os.environ["KNOWNPARTY_API_KEY"] = token


def _sync_child(kind: str, params: dict, conn, parent_pid: int) -> None:
    profilers: list = []
    if kind == "knownparty":
        from knownparty_service.api import server as server_module
        from knownparty_service.settings import Settings

        if params.get("profile_path"):
            # Bench-only: the server module builds its own pool; hand it one that profiles.
            import types

            server_module.futures = types.SimpleNamespace(ThreadPoolExecutor=_profiling_executor(profilers))
        running = server_module.create_server(
            Settings(database_url=params["database_url"], listen="127.0.0.1:0", max_workers=params["max_workers"])
        )
        port, stop = running.port, lambda: running.stop(1)
        token = _bench_key(running)
    elif kind == "sync-echo":
        import grpc

        from knownparty_client._generated import diagnostics_pb2_grpc
        from knownparty_service.api.diagnostics_servicer import DiagnosticsServicer

        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=params["max_workers"]), options=[("grpc.so_reuseport", 0)]
        )
        diagnostics_pb2_grpc.add_DiagnosticsServiceServicer_to_server(DiagnosticsServicer(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        stop = lambda: server.stop(1).wait()  # noqa: E731
        token = None
    else:
        raise ValueError(f"unknown server kind {kind!r}")
    conn.send(("ready", port, os.getpid(), token))
    try:
        _wait_for_stop(conn, parent_pid, params.get("max_lifetime_s", DEFAULT_MAX_LIFETIME))
    finally:
        stop()
        if params.get("profile_path"):
            _write_profile(profilers, params["profile_path"])


async def _aio_child(params: dict, conn, parent_pid: int) -> None:
    import aio_echo_server

    server, port = await aio_echo_server.start()
    conn.send(("ready", port, os.getpid(), None))
    try:
        await asyncio.get_running_loop().run_in_executor(
            None, _wait_for_stop, conn, parent_pid, params.get("max_lifetime_s", DEFAULT_MAX_LIFETIME)
        )
    finally:
        await server.stop(1)


def _child_main(kind: str, params: dict, conn, parent_pid: int) -> None:
    try:
        if kind == "aio-echo":
            asyncio.run(_aio_child(params, conn, parent_pid))
        else:
            _sync_child(kind, params, conn, parent_pid)
    except BaseException as exc:  # noqa: BLE001 - tell the parent, then exit non-zero
        try:
            conn.send(("failed", f"{type(exc).__name__}: {exc}", None, None))
        except OSError:
            pass
        raise SystemExit(1) from None
    try:
        conn.send(("stopped", None, None, None))
    except OSError:
        pass


class ServerProcess:
    """A server in a spawned process of its own: `.port`, `.pid`, `.stop()`; a context manager."""

    def __init__(self, kind: str, **params):
        ctx = mp.get_context("spawn")
        self._conn, child_conn = ctx.Pipe()
        self._proc = ctx.Process(
            target=_child_main, args=(kind, params, child_conn, os.getpid()), name=f"server-{kind}", daemon=True
        )
        self._proc.start()
        child_conn.close()
        try:
            if not self._conn.poll(READY_TIMEOUT):
                raise RuntimeError(f"{kind} server did not start within {READY_TIMEOUT:g} s")
            status, port, pid, token = self._conn.recv()
        except EOFError:
            self._kill()
            raise RuntimeError(f"{kind} server process exited while starting") from None
        except BaseException:
            self._kill()
            raise
        if status != "ready":
            self._kill()
            raise RuntimeError(f"{kind} server failed to start: {port}")
        self.kind, self.port, self.pid = kind, port, pid
        self.target = f"127.0.0.1:{port}"
        _use_key(token)

    def stop(self, timeout: float = 30.0) -> None:
        if not self._proc.is_alive():
            self._proc.join(timeout=1)
            return
        try:
            self._conn.send("stop")
            if self._conn.poll(timeout):
                self._conn.recv()
        except (EOFError, OSError):
            pass
        self._proc.join(timeout=10)
        self._kill()

    def _kill(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(timeout=5)
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class InProcessServer:
    """The knownparty server in this process (same interface as ServerProcess)."""

    def __init__(self, kind: str, **params):
        if kind != "knownparty":
            raise ValueError("only the knownparty server runs in-process here")
        from knownparty_service.api.server import create_server
        from knownparty_service.settings import Settings

        self._running = create_server(
            Settings(database_url=params["database_url"], listen="127.0.0.1:0", max_workers=params["max_workers"])
        )
        self.kind, self.port, self.pid = kind, self._running.port, os.getpid()
        self.target = f"127.0.0.1:{self.port}"
        _use_key(_bench_key(self._running))

    def stop(self, timeout: float = 30.0) -> None:
        if self._running is not None:
            self._running.stop(1)
            self._running = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_server(kind: str, mode: str = "process", **params):
    return (ServerProcess if mode == "process" else InProcessServer)(kind, **params)
