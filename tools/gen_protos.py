"""Regenerates ``proto/*_pb2.py`` (and ``*_pb2_grpc.py`` for files with services).

Run from anywhere as ``python -m sessionflow.tools.gen_protos``, or from the repository
root as ``python tools/gen_protos.py``; ``--check`` only reports stale modules (exit 1).

protoc names generated imports after the path a ``.proto`` has below its include root,
so the sources are staged in a temporary ``sessionflow/proto/`` tree: the modules then
import each other as ``from sessionflow.proto import tensor_pb2``. Needs grpcio-tools.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

PROTO_DIR = Path(__file__).resolve().parent.parent / "proto"
_PACKAGE_PATH = Path("sessionflow") / "proto"
_SERVICE = re.compile(r"^service\s", re.MULTILINE)


def _protoc(args: list[str]) -> None:
    from grpc_tools import protoc  # Imported late: only needed when regenerating.

    include = str(Path(protoc.__file__).resolve().parent / "_proto")
    code = protoc.main(["grpc_tools.protoc", f"-I{include}"] + args)
    if code != 0:
        raise RuntimeError(f"protoc failed with exit code {code}: {' '.join(args)}")


def generate(dest: Path, proto_dir: Path = PROTO_DIR) -> list[Path]:
    """Generates the modules for every ``proto_dir/*.proto`` into ``dest``.

    Returns the written files. ``dest`` receives flat ``*_pb2.py`` / ``*_pb2_grpc.py``.
    """
    sources = sorted(proto_dir.glob("*.proto"))
    if not sources:
        raise FileNotFoundError(f"no .proto files in {proto_dir}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "src"
        out = Path(tmp) / "out"
        (root / _PACKAGE_PATH).mkdir(parents=True)
        out.mkdir()
        for src in sources:
            shutil.copyfile(src, root / _PACKAGE_PATH / src.name)
        staged = [str(_PACKAGE_PATH / src.name) for src in sources]
        services = [str(_PACKAGE_PATH / src.name) for src in sources
                    if _SERVICE.search(src.read_text(encoding="utf-8"))]
        _protoc([f"-I{root}", f"--python_out={out}"] + staged)
        if services:
            _protoc([f"-I{root}", f"--grpc_python_out={out}"] + services)
        dest.mkdir(parents=True, exist_ok=True)
        written = []
        for module in sorted((out / _PACKAGE_PATH).glob("*.py")):
            target = dest / module.name
            shutil.copyfile(module, target)
            written.append(target)
    return written


def _generated(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.glob("*_pb2*.py")}


def stale_modules(proto_dir: Path = PROTO_DIR) -> list[str]:
    """Names of generated modules in ``proto_dir`` that differ from a fresh generation.

    A module missing from ``proto_dir``, or present there but no longer produced, counts.
    """
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), proto_dir)
        fresh = _generated(Path(tmp))
    committed = _generated(proto_dir)
    return sorted(name for name in fresh.keys() | committed.keys()
                  if fresh.get(name) != committed.get(name))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report stale generated modules; exit 1 if any")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_modules()
        for name in stale:
            print(f"stale: {name}")
        return 1 if stale else 0
    for old in PROTO_DIR.glob("*_pb2*.py"):
        old.unlink()
    written = generate(PROTO_DIR)
    print(f"wrote {len(written)} modules to {PROTO_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
