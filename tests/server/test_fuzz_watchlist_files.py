"""Damaged watchlist files, for every import format: the parser and ImportWatchlist over the wire.

Starting from the real list files in shared/data/watchlists (cut to a few hundred entries, so that
each example is quick), hypothesis truncates them, flips bytes, inserts garbage, huge fields and
XML entity bombs, re-encodes them, and drops or doubles lines. The parser must return entries or
raise ListParseError, nothing else; over the wire a refused import is INVALID_ARGUMENT and leaves
the list's active version as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knownparty_client._generated import watchlist_pb2, watchlist_pb2_grpc
from knownparty_service.domain.watchlists.entries import ListFormat, ListParseError
from knownparty_service.domain.watchlists.formats import parse_list

LISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "watchlists"
PARSER_EXAMPLES = 150
WIRE_EXAMPLES = 25
TRIED: Counter = Counter()
REFUSED: Counter = Counter()


@pytest.fixture
def database_url(tmp_path):
    # SQLite only: the property is about parsing and refusing, not storage.
    return f"sqlite:///{tmp_path / 'knownparty.db'}"


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    if TRIED:
        print("\ndamaged watchlist files tried per format:")
        for key in sorted(TRIED):
            print(f"  {key:<28} {TRIED[key]:4d}  ({REFUSED[key]} refused)")


# ---------------------------------------------------------------------------------------------
# Pristine inputs: the real files, cut down

def _lines(relative: str, count: int) -> bytes:
    return b"".join((LISTS / relative).read_bytes().splitlines(keepends=True)[:count])


def _related(relative: str, main: bytes) -> bytes:
    """The rows of an OFAC companion file that belong to the entries kept in `main`."""
    ids = {line.split(b",", 1)[0] for line in main.splitlines()}
    return b"".join(line for line in (LISTS / relative).read_bytes().splitlines(keepends=True) if line.split(b",", 1)[0] in ids)


def _un_sample() -> bytes:
    xml = (LISTS / "un" / "UN_consolidated.xml").read_bytes()
    head = xml[: xml.index(b"<INDIVIDUALS>")]
    individuals = re.findall(rb"<INDIVIDUAL>.*?</INDIVIDUAL>", xml, re.DOTALL)[:40]
    entities = re.findall(rb"<ENTITY>.*?</ENTITY>", xml, re.DOTALL)[:15]
    return (
        head
        + b"<INDIVIDUALS>\n"
        + b"\n".join(individuals)
        + b"\n</INDIVIDUALS>\n<ENTITIES>\n"
        + b"\n".join(entities)
        + b"\n</ENTITIES>\n</CONSOLIDATED_LIST>\n"
    )


def _ofac(folder: str, main_role: str, names: list[str]) -> dict[str, tuple[str, bytes]]:
    """The first 150 rows of the main file, and the companion files' rows for them."""
    main = _lines(f"{folder}/{names[0]}", 150)
    files = {main_role: (names[0], main)}
    for role, name in zip(("alt", "add", "comments"), names[1:]):
        files[role] = (name, _related(f"{folder}/{name}", main))
    return files


GENERIC_CSV = (
    b"id,name,type,aliases,countries,identifiers,dates_of_birth,programs,remarks\n"
    b'1,Acme Export Ltd,entity,Acme;Acme Trading,CN;HK,REG:123 (CN),,SDGT,"a ""quoted"" remark"\n'
    b"2,Ivan Petrov,individual,I. Petrov,RU,PASSPORT:7001,1971-05-03,RUSSIA-EO14024,\n"
    b"3,MV Sea Star,vessel,,PA,IMO:9123456,,,\n"
)
GENERIC_JSONL = (
    b'{"id": "1", "name": "Acme Export Ltd", "aliases": ["Acme"], "countries": ["CN"]}\n'
    b'{"id": 2, "name": "Ivan Petrov", "type": "individual", "dates_of_birth": ["1971"],'
    b' "identifiers": [{"type": "PASSPORT", "value": "7001", "country": "RU"}]}\n'
    b"\n"
    b'{"id": "3", "name": "MV Sea Star", "type": "vessel", "identifiers": ["IMO:9123456"]}\n'
)


def _pristine() -> dict[ListFormat, dict[str, tuple[str, bytes]]]:
    return {
        ListFormat.OFAC_SDN: _ofac("ofac-sdn", "sdn", ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"]),
        ListFormat.OFAC_NONSDN: _ofac("ofac-nonsdn", "prim", ["cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv"]),
        ListFormat.CSL: {"csl": ("csl.csv", (LISTS / "csl" / "csl.csv").read_bytes())},
        ListFormat.BIS_DPL: {"dpl": ("dpl.txt", _lines("bis-dpl/dpl.txt", 200))},
        ListFormat.UN: {"un": ("UN_consolidated.xml", _un_sample())},
        ListFormat.GENERIC_CSV: {"entries": ("entries.csv", GENERIC_CSV)},
        ListFormat.GENERIC_JSONL: {"entries": ("entries.jsonl", GENERIC_JSONL)},
    }


PRISTINE = _pristine()


# ---------------------------------------------------------------------------------------------
# Damage

GARBAGE = [
    b'"',
    b"\x00",
    b"\r",
    b"\n\n",
    b",,,,",
    b"\t",
    b"-0-",
    b"\xff\xfe",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"<",
    b"</INDIVIDUAL>",
    b"<![CDATA[",
    b"&bogus;",
    b"&#0;",
    b"&#x110000;",
    b"{",
    b'{"id": null}',
    b'{"id": 1e999, "name": []}',
    b"[[[[[[[[[[",
    b"\x1a",
    "\ufeff".encode(),
]
ENTITY_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [\n<!ENTITY a "aaaaaaaaaaaaaaaaaaaa">\n'
    + b"".join(b'<!ENTITY %s "%s">\n' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(8))
    + b'<!ENTITY ext SYSTEM "file:///etc/passwd">\n]>\n'
)


def _damage(data: bytes, how: str, position: int, extra: bytes, count: int) -> bytes:
    if not data:
        return extra
    position %= len(data)
    if how == "truncate":
        return data[:position]
    if how == "flip":
        out = bytearray(data)
        for i in range(count):
            out[(position + i * 7919) % len(out)] ^= 0x55 + i
        return bytes(out)
    if how == "insert":
        return data[:position] + extra + data[position:]
    if how == "huge_field":
        return data[:position] + b"A" * (100_000 * count) + data[position:]
    if how == "delete_line":
        lines = data.splitlines(keepends=True)
        del lines[position % len(lines)]
        return b"".join(lines)
    if how == "double_line":
        lines = data.splitlines(keepends=True)
        line = lines[position % len(lines)]
        return b"".join(lines) + line * count
    if how == "utf16":
        return data.decode("utf-8", "replace").encode("utf-16")
    if how == "latin1":
        return data.decode("utf-8", "replace").encode("latin-1", "replace") + "é".encode("latin-1")
    if how == "entity_bomb":
        body = data.split(b"?>", 1)[-1] if data.startswith(b"<?xml") else data
        return ENTITY_BOMB + body.replace(b"<DATAID>", b"<DATAID>&h;&ext;", 1)
    if how == "json_value":
        lines = data.splitlines(keepends=True)
        lines[position % len(lines)] = extra + b"\n"
        return b"".join(lines)
    raise AssertionError(how)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["id", "name", "type", "aliases", "identifiers", "x"]), inner, max_size=4),
    max_leaves=8,
)


@st.composite
def damaged(draw, list_format: ListFormat):
    files = dict(PRISTINE[list_format])
    role = draw(st.sampled_from(sorted(files)))
    how = draw(
        st.sampled_from(
            ["truncate", "flip", "insert", "huge_field", "delete_line", "double_line", "utf16", "latin1", "entity_bomb", "json_value"]
        )
    )
    if how == "json_value":
        extra = json.dumps(draw(_json)).encode()
    else:
        extra = draw(st.one_of(st.sampled_from(GARBAGE), st.binary(min_size=1, max_size=40)))
    name, data = files[role]
    files[role] = (name, _damage(data, how, draw(st.integers(0, 2**31)), extra, draw(st.integers(1, 5))))
    # Now and then a file goes missing, or an unknown role comes along.
    extra_step = draw(st.integers(0, 9))
    if extra_step == 0 and len(files) > 1:
        del files[draw(st.sampled_from(sorted(files)))]
    elif extra_step == 1:
        files["bogus"] = ("bogus.csv", b"x")
    return how, files


# ---------------------------------------------------------------------------------------------
# The parser

@pytest.mark.parametrize("list_format", list(ListFormat), ids=lambda f: f.value)
def test_pristine_samples_parse(list_format):
    assert parse_list(list_format, PRISTINE[list_format])


@pytest.mark.parametrize("list_format", list(ListFormat), ids=lambda f: f.value)
def test_damaged_files_raise_only_list_parse_errors(list_format):
    @settings(max_examples=PARSER_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(damaged(list_format))
    def check(case):
        how, files = case
        TRIED[f"parser {list_format.value}"] += 1
        try:
            entries = parse_list(list_format, files)
        except ListParseError as exc:
            assert exc.file and exc.reason and exc.line >= 0
            REFUSED[f"parser {list_format.value}"] += 1
            return
        assert isinstance(entries, list)

    check()


# ---------------------------------------------------------------------------------------------
# Over the wire

_WIRE_FORMATS = {
    ListFormat.OFAC_SDN: watchlist_pb2.LIST_FORMAT_OFAC_SDN,
    ListFormat.OFAC_NONSDN: watchlist_pb2.LIST_FORMAT_OFAC_NONSDN,
    ListFormat.CSL: watchlist_pb2.LIST_FORMAT_CSL,
    ListFormat.BIS_DPL: watchlist_pb2.LIST_FORMAT_BIS_DPL,
    ListFormat.UN: watchlist_pb2.LIST_FORMAT_UN,
    ListFormat.GENERIC_CSV: watchlist_pb2.LIST_FORMAT_GENERIC_CSV,
    ListFormat.GENERIC_JSONL: watchlist_pb2.LIST_FORMAT_GENERIC_JSONL,
}


def _upload(list_id: str, list_format: ListFormat, files: dict[str, tuple[str, bytes]]):
    yield watchlist_pb2.ImportWatchlistRequest(
        header=watchlist_pb2.ImportWatchlistHeader(
            list_id=list_id,
            format=_WIRE_FORMATS[list_format],
            source="fuzz",
            files=[
                watchlist_pb2.ImportedFile(role=role, file_name=name, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
                for role, (name, data) in files.items()
            ],
        )
    )
    for role, (_, data) in files.items():
        for start in range(0, len(data), 1024 * 1024):
            yield watchlist_pb2.ImportWatchlistRequest(chunk=watchlist_pb2.FileChunk(role=role, data=data[start : start + 1024 * 1024]))


@pytest.mark.parametrize("list_format", list(ListFormat), ids=lambda f: f.value)
def test_refused_import_keeps_the_active_version(target, admin_metadata, list_format):
    list_id = "fuzz-" + list_format.value.replace("_", "-")
    with grpc.insecure_channel(target) as channel:
        stub = watchlist_pb2_grpc.WatchlistServiceStub(channel)
        stub.ImportWatchlist(_upload(list_id, list_format, PRISTINE[list_format]), metadata=admin_metadata, timeout=60)

        def active():
            version = stub.GetWatchlistVersion(
                watchlist_pb2.GetWatchlistVersionRequest(name=f"watchlists/{list_id}/versions/-"), metadata=admin_metadata, timeout=30
            )
            return version.name, version.content_sha256

        @settings(max_examples=WIRE_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
        @given(damaged(list_format))
        def check(case):
            how, files = case
            TRIED[f"wire {list_format.value}"] += 1
            before = active()
            try:
                stub.ImportWatchlist(_upload(list_id, list_format, files), metadata=admin_metadata, timeout=60)
            except grpc.RpcError as exc:
                REFUSED[f"wire {list_format.value}"] += 1
                assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT, f"{how}: {exc.code()} {exc.details()}"
                assert active() == before, f"{how}: a refused import changed the active version"

        check()
