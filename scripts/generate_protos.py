"""Regenerate knownparty_client._generated from protos/ (run `make protos`).

The generated package is never edited by hand; tests/test_generated_code.py regenerates it into a
temporary folder and fails when the committed copy differs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
TARGET = ROOT / "client" / "knownparty_client" / "_generated"
HEADER = "# Generated from protos/ by scripts/generate_protos.py. Do not edit.\n"

# protoc writes imports as the proto path (`from knownparty.v1 import party_pb2`); the code lives
# in one private package instead, so those imports are rewritten to point there.
_IMPORT = re.compile(r"^from knownparty\.v1 import ", re.MULTILINE)


def proto_files() -> list[Path]:
    return sorted(PROTO_ROOT.glob("knownparty/v1/*.proto"))


def generate(out_dir: Path) -> None:
    from grpc_tools import protoc
    import grpc_tools

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as raw:
        args = [
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"-I{well_known}",
            f"--python_out={raw}",
            f"--pyi_out={raw}",
            f"--grpc_python_out={raw}",
            *[str(p.relative_to(PROTO_ROOT)) for p in proto_files()],
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        out_dir.mkdir(parents=True, exist_ok=True)
        for path in sorted((Path(raw) / "knownparty" / "v1").iterdir()):
            text = _IMPORT.sub("from knownparty_client._generated import ", path.read_text())
            (out_dir / path.name).write_text(HEADER + text)
        (out_dir / "__init__.py").write_text(HEADER)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=TARGET)
    out = parser.parse_args().out
    if out == TARGET and TARGET.exists():
        shutil.rmtree(TARGET)
    generate(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
