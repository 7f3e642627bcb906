"""The committed stubs are exactly what the pinned generator makes from protos/."""

from __future__ import annotations

import filecmp
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "client" / "knownparty_client" / "_generated"


def test_regenerating_changes_nothing(tmp_path):
    spec = importlib.util.spec_from_file_location("generate_protos", ROOT / "scripts" / "generate_protos.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_protos"] = module
    spec.loader.exec_module(module)
    module.generate(tmp_path)
    fresh = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in COMMITTED.iterdir() if p.is_file())
    assert fresh == committed
    comparison = filecmp.cmpfiles(tmp_path, COMMITTED, fresh, shallow=False)
    assert comparison[1] == [] and comparison[2] == [], f"stale generated files: {comparison[1] + comparison[2]}"
