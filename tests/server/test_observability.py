"""Metrics over HTTP, one log line per call, and the request id, over a real server."""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.request
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from knownparty_client import errors, types
from knownparty_client._generated import diagnostics_pb2, diagnostics_pb2_grpc, party_pb2, party_pb2_grpc
from knownparty_client.cli._state import Options, print_error
from knownparty_client.payments_csv import read_rows
from knownparty_service.app.logs import JsonFormatter, TextFormatter
from knownparty_service.settings import Settings

ECHO = "/knownparty.v1.DiagnosticsService/Echo"
GET_PARTY = "/knownparty.v1.PartyService/GetParty"
CREATE_PARTY = "/knownparty.v1.PartyService/CreateParty"
SCREEN_NAMES = "/knownparty.v1.ScreeningService/ScreenNames"
HEALTH_CHECK = "/grpc.health.v1.Health/Check"
MADE_ID = re.compile(r"[0-9a-f]{32}")
LINE_FIELDS = {"time", "method", "code", "duration_ms", "organization", "api_key", "request_id", "peer"}
WATCHLIST = b"id,name,type,countries\nW1,Ivan Petrovich Sidorov,individual,RU\nW2,Global Shadow Trading LLC,entity,AE\n"


def scrape(server) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of the server's metrics endpoint."""
    port = server.metrics_port or server.serve_metrics(Settings(metrics_listen="127.0.0.1:0"))
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def seller(name: str) -> types.Party:
    return types.Party(kind=types.PARTY_KIND_SELLER, legal_name=name, addresses=[types.Address(country="US")])


def call_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "knownparty.calls"]


def test_calls_are_counted_by_method_and_code_and_timed(server, client):
    for _ in range(3):
        assert client.echo("hi") == "hi"
    with pytest.raises(errors.NotFound):
        client.get_party("missing")
    answers = list(client.screen_names([types.ScreenNameRequest(name="Nobody At All")]))
    assert len(answers) == 1
    samples = scrape(server)
    assert value(samples, "knownparty_calls_total", method=ECHO, code="OK") == 3
    assert value(samples, "knownparty_calls_total", method=GET_PARTY, code="NOT_FOUND") == 1
    assert value(samples, "knownparty_calls_total", method=GET_PARTY, code="OK") == 0
    assert value(samples, "knownparty_calls_total", method=SCREEN_NAMES, code="OK") == 1
    assert value(samples, "knownparty_call_duration_seconds_count", method=ECHO) == 3
    assert value(samples, "knownparty_call_duration_seconds_bucket", method=ECHO, le="+Inf") == 3
    assert value(samples, "knownparty_call_duration_seconds_bucket", method=ECHO, le="0.0002") is not None
    assert value(samples, "knownparty_call_duration_seconds_sum", method=ECHO) > 0
    for method in (ECHO, GET_PARTY, SCREEN_NAMES):
        assert value(samples, "knownparty_calls_in_flight", method=method) == 0
    assert value(samples, "process_resident_memory_bytes") > 0


def test_unauthenticated_call_is_counted_and_logged_without_organization(server, target, caplog):
    from knownparty_client import KnownPartyClient

    caplog.set_level(logging.INFO, logger="knownparty.calls")
    with KnownPartyClient(target, timeout=10, api_key="kp_not-a-real-key") as anonymous:
        with pytest.raises(errors.Unauthenticated) as caught:
            anonymous.get_party("acme")
    assert MADE_ID.fullmatch(caught.value.request_id)
    assert value(scrape(server), "knownparty_calls_total", method=GET_PARTY, code="UNAUTHENTICATED") == 1
    (line,) = [r for r in call_lines(caplog) if r.method == GET_PARTY]
    assert line.code == "UNAUTHENTICATED" and line.organization == "" and line.api_key == ""
    assert line.request_id == caught.value.request_id


def test_index_imports_and_reevaluation_are_reported(server, client):
    samples = scrape(server)
    assert value(samples, "knownparty_screening_index_entries") == 0
    assert value(samples, "knownparty_screening_index_lists") == 0
    party = client.create_party(seller("Harbor Lane Goods Inc"))
    client.vet_seller(party.name)

    client.import_watchlist("in-house", types.LIST_FORMAT_GENERIC_CSV, [("entries", "list.csv", WATCHLIST)])
    assert server.reevaluator.wait_idle(30)
    client.create_party(
        types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Harbour Freight LLC", addresses=[types.Address(country="US")]),
        party_id="harbour",
    )
    shipped = (datetime.now(timezone.utc) - timedelta(days=20)).isoformat()
    due = (datetime.now(timezone.utc) - timedelta(days=5)).isoformat()
    text = "record,shipper,carrier,shipment_reference,fee_type,amount,currency,shipment_time,bill_time,due_time\n" + "".join(
        f"fee,harbour,UPS,1Z00{i},duty,1250,USD,{shipped},{shipped},{due}\n" for i in range(3)
    )
    problems: list = []
    rows = list(read_rows(io.StringIO(text), "UPS", problems))
    assert problems == []
    report = client.import_payments("UPS", rows, batch_size=2)
    assert report.rows_received == 3, report
    assert server.reevaluator.wait_idle(30)

    samples = scrape(server)
    assert value(samples, "knownparty_screening_index_entries") == 2
    assert value(samples, "knownparty_screening_index_lists") == 1
    assert value(samples, "knownparty_screening_index_list_version", list="in-house") == 1
    assert value(samples, "knownparty_import_rows_total", kind="watchlist") == 2
    assert value(samples, "knownparty_import_rows_total", kind="payments") == 3
    assert value(samples, "knownparty_import_in_progress", kind="watchlist") == 0
    assert value(samples, "knownparty_import_in_progress", kind="payments") == 0
    assert value(samples, "knownparty_reevaluation_pending") == 0
    # The seller decided before the list import was re-decided after it.
    assert value(samples, "knownparty_reevaluation_parties_total") >= 1


def test_one_log_line_per_call_with_caller_code_and_request_id(server, client, caplog):
    caplog.set_level(logging.INFO, logger="knownparty.calls")
    created = client.create_party(seller("Zebulon Quartermaine Holdings"), metadata=(("x-request-id", "req-abc-123"),))
    with pytest.raises(errors.NotFound) as caught:
        client.get_party("missing")
    lines = call_lines(caplog)
    assert [(r.method, r.code) for r in lines] == [(CREATE_PARTY, "OK"), (GET_PARTY, "NOT_FOUND")]
    first, second = lines
    assert first.request_id == "req-abc-123"
    assert first.organization == "test-org" and first.api_key.startswith("apiKeys/")
    assert first.peer and first.duration_ms > 0
    assert MADE_ID.fullmatch(second.request_id) and second.request_id == caught.value.request_id

    parsed = [json.loads(JsonFormatter().format(r)) for r in lines]
    assert LINE_FIELDS <= set(parsed[0])
    assert parsed[0]["logger"] == "knownparty.calls" and parsed[0]["code"] == "OK"
    assert parsed[1]["code"] == "NOT_FOUND" and parsed[1]["organization"] == "test-org"
    # Never a request's content: the party's name is in no line, JSON or text.
    shown = caplog.text + "".join(JsonFormatter().format(r) + TextFormatter().format(r) for r in lines)
    assert "Zebulon" not in shown and created.name.split("/")[-1] not in shown


def test_health_probes_are_counted_but_not_logged_at_info(server, target, caplog):
    caplog.set_level(logging.INFO, logger="knownparty.calls")
    with grpc.insecure_channel(target) as channel:
        health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert call_lines(caplog) == []
    assert value(scrape(server), "knownparty_calls_total", method=HEALTH_CHECK, code="OK") == 1


def test_request_id_comes_back_in_the_trailers_of_a_unary_call(server, target, admin_metadata):
    with grpc.insecure_channel(target) as channel:
        echo = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel).Echo
        request = diagnostics_pb2.EchoRequest(payload="x")
        _, call = echo.with_call(request, metadata=admin_metadata)
        (made,) = [v for k, v in call.trailing_metadata() if k == "x-request-id"]
        assert MADE_ID.fullmatch(made)
        _, call = echo.with_call(request, metadata=(*admin_metadata, ("x-request-id", "trace-42")))
        assert ("x-request-id", "trace-42") in call.trailing_metadata()
        # Too long: replaced by one of the server's own.
        _, call = echo.with_call(request, metadata=(*admin_metadata, ("x-request-id", "x" * 129)))
        (made,) = [v for k, v in call.trailing_metadata() if k == "x-request-id"]
        assert MADE_ID.fullmatch(made)
        # An error's trailers, which carry the status details, keep it too.
        get_party = party_pb2_grpc.PartyServiceStub(channel).GetParty
        with pytest.raises(grpc.RpcError) as caught:
            get_party(party_pb2.GetPartyRequest(name="parties/nobody"), metadata=(*admin_metadata, ("x-request-id", "e-1")))
        assert ("x-request-id", "e-1") in caught.value.trailing_metadata()
        assert any(k == "grpc-status-details-bin" for k, _ in caught.value.trailing_metadata())


def test_client_errors_carry_the_request_id_and_the_cli_prints_it(server, client, capsys):
    with pytest.raises(errors.NotFound) as caught:
        client.get_party("missing", metadata=(("x-request-id", "support-ticket-7"),))
    assert caught.value.request_id == "support-ticket-7"
    print_error(caught.value, Options(target="127.0.0.1:1", timeout=5, api_key="k", json=False))
    assert "request id: support-ticket-7" in capsys.readouterr().err.splitlines()


def test_a_failed_stream_carries_the_request_id(server, target):
    from knownparty_client import KnownPartyClient

    with KnownPartyClient(target, timeout=10, api_key="kp_not-a-real-key") as anonymous:
        with pytest.raises(errors.Unauthenticated) as caught:
            list(anonymous.screen_names([types.ScreenNameRequest(name="x")], metadata=(("x-request-id", "s-1"),)))
    assert caught.value.request_id == "s-1"
    assert value(scrape(server), "knownparty_calls_in_flight", method=SCREEN_NAMES) == 0


def test_log_formatters_put_extra_fields_beside_the_message():
    record = logging.LogRecord("knownparty.test", logging.ERROR, __file__, 1, "broke %s", ("here",), None)
    record.request_id = "r-1"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "broke here" and line["level"] == "ERROR" and line["request_id"] == "r-1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert TextFormatter().format(record).endswith("knownparty.test broke here request_id=r-1")
