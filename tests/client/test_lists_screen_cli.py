"""`knownparty lists ...` and `knownparty screen` against a real server with real list files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from knownparty_client.cli import app

runner = CliRunner()
LISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "watchlists"
UN = LISTS / "un" / "UN_consolidated.xml"


@pytest.fixture
def target(server_target) -> str:
    # Overrides tests/client/conftest.py's fake server: these commands talk to the real one.
    return server_target


def invoke(target, *args):
    return runner.invoke(app, ["--target", target, *args])


def test_import_show_diff_and_screen(target, tmp_path):
    sdn = LISTS / "ofac-sdn"
    files = [str(sdn / n) for n in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")]
    first = invoke(target, "lists", "import", "--list", "ofac-sdn", "--format", "ofac-sdn", *files)
    assert first.exit_code == 0, first.output
    assert "watchlists/ofac-sdn/versions/1: imported; 8976 entries" in first.stdout
    again = invoke(target, "lists", "import", "--list", "ofac-sdn", "--format", "ofac-sdn", *files)
    assert "unchanged" in again.stdout
    newer = invoke(
        target, "lists", "import", "--list", "ofac-sdn", "--format", "ofac-sdn",
        f"sdn={LISTS / 'ofac-sdn-history' / 'sdn-2024-05-03.csv'}",
    )
    assert newer.exit_code == 0 and "versions/2: imported" in newer.stdout
    diff = invoke(target, "--json", "lists", "diff", "ofac-sdn")
    data = json.loads(diff.stdout)
    assert data["previous_version"] == "watchlists/ofac-sdn/versions/1" and int(data["added"]) > 0
    shown = invoke(target, "--json", "lists", "show", "ofac-sdn")
    assert [json.loads(line)["name"] for line in shown.stdout.splitlines()] == [
        "watchlists/ofac-sdn/versions/2",
        "watchlists/ofac-sdn/versions/1",
    ]

    hit = invoke(target, "screen", "Banco Nacional de Cuba")
    assert hit.exit_code == 4 and "ALERT" in hit.stdout and "306" in hit.stdout
    quiet = invoke(target, "screen", "Completely Unlisted Person")
    assert quiet.exit_code == 0 and "no alert" in quiet.stdout

    batch = tmp_path / "names.txt"
    batch.write_text('Banco Nacional de Cuba\n{"name": "Jane Nobody", "type": "individual"}\n{"name": ""}\n')
    result = invoke(target, "screen", "--input", str(batch))
    assert result.exit_code == 4
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3]
    assert records[0]["alert"] is True and "alert" not in records[1]
    assert records[2]["error"][0]["field"] == "name"


def test_bad_import_arguments(target, tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("x")
    result = invoke(target, "lists", "import", "--list", "ofac-sdn", "--format", "ofac-sdn", str(odd))
    assert result.exit_code == 2 and "not a known ofac-sdn file name" in result.output
    broken = invoke(
        target, "lists", "import", "--list", "ofac-sdn", "--format", "ofac-sdn", str(LISTS / "invalid" / "sdn.csv")
    )
    assert broken.exit_code == 1
    assert "sdn.csv:" in broken.stderr and "MALFORMED" not in broken.stdout
    assert json.loads(invoke(target, "--json", "lists", "show").stdout or "null") is None
