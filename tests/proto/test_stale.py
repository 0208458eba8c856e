"""The committed proto/*_pb2.py modules equal a fresh regeneration from proto/*.proto."""
import importlib.metadata
import importlib.util
import re

import pytest

from sessionflow.tools import gen_protos

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("grpc_tools") is None,
    reason="grpcio-tools is not installed (pip install grpcio-tools); it is only needed "
           "to regenerate the modules")


def _committed_generator_version():
    text = (gen_protos.PROTO_DIR / "worker_service_pb2_grpc.py").read_text(encoding="utf-8")
    return re.search(r"GRPC_GENERATED_VERSION = '([^']+)'", text).group(1)


def test_generated_modules_are_fresh():
    stale = gen_protos.stale_modules()
    assert stale == [], (
        f"generated modules differ from a fresh regeneration: {stale}. Run "
        "`python -m sessionflow.tools.gen_protos` (the committed ones come from "
        f"grpcio-tools {_committed_generator_version()}; installed is "
        f"{importlib.metadata.version('grpcio-tools')}).")
