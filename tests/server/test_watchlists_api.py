"""WatchlistService and ScreeningService over the wire, with the real list files."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import grpc
import pytest

from knownparty_client import errors, types
from knownparty_client._generated import watchlist_pb2_grpc

LISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "watchlists"
SDN = LISTS / "ofac-sdn"


def sdn_files(folder: Path = SDN, main: str = "sdn.csv") -> list[tuple[str, str, bytes]]:
    roles = {"sdn.csv": "sdn", "alt.csv": "alt", "add.csv": "add", "sdn_comments.csv": "comments"}
    return [(roles[name], name, (folder / name).read_bytes()) for name in (main, "alt.csv", "add.csv", "sdn_comments.csv")]


def import_un(client):
    return client.import_watchlist(
        "un", types.LIST_FORMAT_UN, [("un", "UN_consolidated.xml", (LISTS / "un" / "UN_consolidated.xml").read_bytes())]
    )


def test_import_versions_and_diff(client):
    first = client.import_watchlist("ofac-sdn", types.LIST_FORMAT_OFAC_SDN, sdn_files(), source="OFAC test release")
    assert first.created and first.version.name == "watchlists/ofac-sdn/versions/1"
    assert first.version.entry_count == 8976 and first.version.active
    assert first.version.diff.added == 8976 and not first.version.diff.previous_version

    again = client.import_watchlist("ofac-sdn", types.LIST_FORMAT_OFAC_SDN, sdn_files())
    assert not again.created and again.version.name == first.version.name

    newer = client.import_watchlist(
        "ofac-sdn",
        types.LIST_FORMAT_OFAC_SDN,
        [("sdn", "sdn.csv", (LISTS / "ofac-sdn-history" / "sdn-2024-05-03.csv").read_bytes())],
    )
    assert newer.created and newer.version.name == "watchlists/ofac-sdn/versions/2"
    diff = newer.version.diff
    assert diff.previous_version == "watchlists/ofac-sdn/versions/1"
    assert diff.added > 0 and diff.added + diff.changed + diff.unchanged == newer.version.entry_count

    versions = list(client.list_watchlist_versions("ofac-sdn"))
    assert [v.name for v in versions] == ["watchlists/ofac-sdn/versions/2", "watchlists/ofac-sdn/versions/1"]
    assert [v.active for v in versions] == [True, False]
    old = client.get_watchlist_version("ofac-sdn/1")
    assert old.entry_count == 8976 and not old.active
    old_entries = list(client.list_watchlist_entries("ofac-sdn/1", page_size=1000))
    assert len(old_entries) == 8976
    (summary,) = client.list_watchlists()
    assert summary.active_version == "watchlists/ofac-sdn/versions/2"


def test_entries_filters(client):
    client.import_watchlist("ofac-sdn", types.LIST_FORMAT_OFAC_SDN, sdn_files())
    vessels = list(client.list_watchlist_entries("ofac-sdn", entry_type=types.ENTRY_TYPE_VESSEL, page_size=50))
    assert vessels and all(e.type == types.ENTRY_TYPE_VESSEL for e in vessels)
    cuban = list(client.list_watchlist_entries("ofac-sdn", country="CU", page_size=200))
    assert any(e.source_id == "36" for e in cuban)  # AEROCARIBBEAN AIRLINES, Havana
    assert all("CU" in e.countries for e in cuban)


@pytest.mark.parametrize("name", ["sdn.csv", "alt.csv", "add.csv"])
def test_malformed_files_are_refused_and_create_nothing(client, name):
    files = [f for f in sdn_files() if f[1] != name] + [
        (dict(sdn="sdn", alt="alt", add="add")[name.split(".")[0]], name, (LISTS / "invalid" / name).read_bytes())
    ]
    with pytest.raises(errors.InvalidArgument) as caught:
        client.import_watchlist("ofac-sdn", types.LIST_FORMAT_OFAC_SDN, files)
    assert caught.value.reason == "MALFORMED_LIST_FILE"
    assert caught.value.error_metadata["file"] == name and int(caught.value.error_metadata["line"]) >= 1
    assert client.list_watchlists() == []


def test_bad_import_requests(client, target, admin_metadata):
    data = (LISTS / "un" / "UN_consolidated.xml").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    with pytest.raises(errors.InvalidArgument) as caught:
        client.import_watchlist("Bad List", types.LIST_FORMAT_UN, [("un", "un.xml", data)])
    assert "header.list_id" in {v.field for v in caught.value.field_violations}
    with pytest.raises(errors.InvalidArgument) as caught:
        client.import_watchlist("un", 0, [("un", "un.xml", data)])
    assert "header.format" in {v.field for v in caught.value.field_violations}
    with pytest.raises(errors.InvalidArgument) as caught:
        client.import_watchlist("un", types.LIST_FORMAT_UN, [("sdn", "un.xml", data)])
    assert "header.files[0].role" in {v.field for v in caught.value.field_violations}

    def raw_stream(messages):
        with grpc.insecure_channel(target) as channel:
            try:
                return watchlist_pb2_grpc.WatchlistServiceStub(channel).ImportWatchlist(
                    iter(messages), timeout=30, metadata=admin_metadata
                )
            except grpc.RpcError as exc:
                raise errors.from_rpc_error(exc) from None

    header = types.ImportWatchlistHeader(list_id="un", format=types.LIST_FORMAT_UN)
    header.files.add(role="un", file_name="un.xml", size_bytes=len(data), sha256=digest)
    truncated = [types.ImportWatchlistRequest(header=header), types.ImportWatchlistRequest(chunk=types.FileChunk(role="un", data=data[:1000]))]
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_stream(truncated)
    assert "truncated" in str(caught.value)
    unknown_role = [types.ImportWatchlistRequest(header=header), types.ImportWatchlistRequest(chunk=types.FileChunk(role="other", data=b"x"))]
    with pytest.raises(errors.InvalidArgument) as caught:
        raw_stream(unknown_role)
    assert {v.field for v in caught.value.field_violations} == {"chunk.role"}
    with pytest.raises(errors.InvalidArgument):
        raw_stream([])
    assert client.list_watchlists() == []


def test_screen_name_finds_listed_names_and_explains(client):
    client.import_watchlist("ofac-sdn", types.LIST_FORMAT_OFAC_SDN, sdn_files())
    import_un(client)
    answer = client.screen_name("Banco Nacional de Cuba")
    assert answer.alert and answer.matches[0].entry.source_id == "306"
    assert answer.matches[0].score >= answer.alert_threshold
    assert answer.matches[0].explanation.token_pairs
    assert sorted(answer.list_versions) == ["watchlists/ofac-sdn/versions/1", "watchlists/un/versions/1"]
    only_un = client.screen_name("Banco Nacional de Cuba", lists=["un"])
    assert all(m.entry.list == "un" for m in only_un.matches)
    quiet = client.screen_name("CORP")
    assert not quiet.alert
    low = client.screen_name("Banco Nacional de Cuba", min_score=0.3, limit=3)
    assert 1 <= len(low.matches) <= 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 10_000}, "name"),
        ({"name": "bad\x07name"}, "name"),
        ({"name": "Ok", "countries": ["XX"]}, "countries[0]"),
        ({"name": "Ok", "date_of_birth": "03/12/1962"}, "date_of_birth"),
        ({"name": "Ok", "lists": ["nope"]}, "lists[0]"),
        ({"name": "Ok", "min_score": 1.5}, "min_score"),
    ],
)
def test_bad_screening_queries(client, kwargs, field):
    with pytest.raises(errors.InvalidArgument) as caught:
        client.screen_name(**kwargs)
    assert field in {v.field for v in caught.value.field_violations}


def test_screen_names_stream_answers_in_order_with_errors_in_place(client):
    import_un(client)
    queries = [
        types.ScreenNameRequest(name="ERIC BADEGE", tag="a"),
        types.ScreenNameRequest(name="", tag="b"),
        types.ScreenNameRequest(name="Jane Q Nobody", tag="c"),
    ]
    answers = list(client.screen_names(queries))
    assert [a.tag for a in answers] == ["a", "b", "c"]
    assert answers[0].result.alert
    assert answers[1].HasField("error") and answers[1].error.field_violations[0].field == "name"
    assert answers[2].HasField("result") and not answers[2].result.alert


def test_an_import_through_one_process_reaches_another(database_url, client):
    """Two servers on one database: the second's index follows the first's import."""
    if database_url.startswith("sqlite"):
        pytest.skip("one server per SQLite file (its workers follow imports: test_workers.py); replicas share PostgreSQL")
    from knownparty_client import KnownPartyClient
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import Settings

    other = create_server(Settings(database_url=database_url, listen="127.0.0.1:0", index_poll_seconds=0.5))
    try:
        with KnownPartyClient(f"127.0.0.1:{other.port}") as second:
            assert not second.screen_name("ERIC BADEGE").alert
            import_un(client)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not second.screen_name("ERIC BADEGE").alert:
                time.sleep(0.2)
            assert second.screen_name("ERIC BADEGE").alert
    finally:
        other.stop(grace=0)


def test_index_is_rebuilt_from_the_database_at_start(database_url, client, server):
    import_un(client)
    from knownparty_client import KnownPartyClient
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import Settings

    server.stop(grace=0)  # a restart: the new server is the database's only one
    restarted = create_server(Settings(database_url=database_url, listen="127.0.0.1:0"))
    try:
        with KnownPartyClient(f"127.0.0.1:{restarted.port}") as fresh:
            assert fresh.screen_name("ERIC BADEGE").alert
    finally:
        restarted.stop(grace=0)
