"""Prometheus metrics of one server process, served over HTTP on a port of their own.

Each server (create_server) has its own registry, so tests can run several in one process. With
several worker processes, each serves its own endpoint on the metrics port + its worker index
(9464, 9465, ...): scrape every worker and sum in queries. PROMETHEUS_MULTIPROC_DIR is not used.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import ThreadingWSGIServer

log = logging.getLogger(__name__)

# From a cached read (a fraction of a millisecond) to a large list import.
CALL_DURATION_BUCKETS = (
    0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0
)


class MethodMetrics:
    """One RPC method's label children, resolved once: a call only increments."""

    __slots__ = ("_calls", "_method", "_codes", "duration", "in_flight")

    def __init__(self, calls: Counter, duration: Histogram, in_flight: Gauge, method: str):
        self._calls = calls
        self._method = method
        self._codes: dict[str, Counter] = {"OK": calls.labels(method, "OK")}
        self.duration = duration.labels(method)
        self.in_flight = in_flight.labels(method)

    def calls(self, code: str) -> Counter:
        child = self._codes.get(code)
        if child is None:
            child = self._codes[code] = self._calls.labels(self._method, code)
        return child


class ImportProgress:
    """Rows and running imports of one kind (payments, watchlist)."""

    def __init__(self, rows: Counter, in_progress: Gauge):
        self._rows = rows
        self._in_progress = in_progress

    @contextmanager
    def running(self) -> Iterator[None]:
        self._in_progress.inc()
        try:
            yield
        finally:
            self._in_progress.dec()

    def add_rows(self, count: int) -> None:
        self._rows.inc(count)


class NoImportProgress:
    """For servicers built without metrics."""

    @contextmanager
    def running(self) -> Iterator[None]:
        yield

    def add_rows(self, count: int) -> None:
        pass


class _IndexCollector:
    """Reads the current screening index at scrape time, so no rebuild needs to report."""

    def __init__(self, snapshot: Callable[[], object]):
        self._snapshot = snapshot

    def collect(self):
        snapshot = self._snapshot()
        entries = GaugeMetricFamily("knownparty_screening_index_entries", "Entries in the screening index.")
        lists = GaugeMetricFamily("knownparty_screening_index_lists", "Watchlists in the screening index.")
        versions = GaugeMetricFamily(
            "knownparty_screening_index_list_version",
            "Version number of each watchlist in the screening index.",
            labels=["list"],
        )
        if snapshot is not None:
            entries.add_metric([], getattr(snapshot.index, "entry_count", 0))
            lists.add_metric([], len(snapshot.versions))
            for list_id, number in sorted(snapshot.versions.items()):
                if number:
                    versions.add_metric([list_id], float(number))
        return [entries, lists, versions]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self._calls = Counter(
            "knownparty_calls", "Finished RPCs by method and status code.", ["method", "code"], registry=self.registry
        )
        self._duration = Histogram(
            "knownparty_call_duration_seconds",
            "RPC duration, from the call's start to its last response.",
            ["method"],
            buckets=CALL_DURATION_BUCKETS,
            registry=self.registry,
        )
        self._in_flight = Gauge("knownparty_calls_in_flight", "RPCs running now.", ["method"], registry=self.registry)
        self._methods: dict[str, MethodMetrics] = {}
        self._methods_lock = threading.Lock()
        import_rows = Counter("knownparty_import_rows", "Rows received by imports.", ["kind"], registry=self.registry)
        imports_running = Gauge(
            "knownparty_import_in_progress", "Imports running now.", ["kind"], registry=self.registry
        )
        self.payment_imports = ImportProgress(import_rows.labels("payments"), imports_running.labels("payments"))
        self.watchlist_imports = ImportProgress(import_rows.labels("watchlist"), imports_running.labels("watchlist"))
        self._reevaluation_pending = Gauge(
            "knownparty_reevaluation_pending",
            "Decisions of the running re-evaluation pass not re-evaluated yet.",
            registry=self.registry,
        )
        self._reevaluated = Counter(
            "knownparty_reevaluation_parties", "Decisions re-evaluated in the background.", registry=self.registry
        )

    def method(self, method: str) -> MethodMetrics:
        found = self._methods.get(method)
        if found is None:
            with self._methods_lock:
                found = self._methods.get(method)
                if found is None:
                    found = self._methods[method] = MethodMetrics(self._calls, self._duration, self._in_flight, method)
        return found

    def watch_index(self, snapshot: Callable[[], object]) -> None:
        """Reports the index that `snapshot()` returns (an IndexSnapshot) on each scrape."""
        self.registry.register(_IndexCollector(snapshot))

    def reevaluation_progress(self, pending: int, done: int) -> None:
        """The Reevaluator's progress listener."""
        self._reevaluation_pending.set(pending)
        if done:
            self._reevaluated.inc(done)


@dataclass
class MetricsEndpoint:
    port: int
    _server: WSGIServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"{listen!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - one line per scrape is noise
        pass


def start_metrics_server(settings, worker_index: int = 0, *, metrics: Metrics) -> MetricsEndpoint | None:
    """Serves `metrics` on settings.metrics_listen, its port + worker_index (port 0 picks a free
    one); None when metrics_listen is empty. OSError when the port cannot be bound."""
    if not settings.metrics_listen:
        return None
    host, port = split_listen(settings.metrics_listen)
    if port:
        port += worker_index

    # prometheus_client's start_http_server, but its server's 0.5 s poll would delay every stop.
    class Server(ThreadingWSGIServer):
        address_family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]

    server = make_server(host, port, make_wsgi_app(metrics.registry), Server, handler_class=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="knownparty-metrics", daemon=True
    )
    thread.start()
    bound = server.server_address[1]
    log.info("metrics on http://%s:%d/metrics", settings.metrics_listen.rpartition(":")[0], bound)
    return MetricsEndpoint(bound, server, thread)
