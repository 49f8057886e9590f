"""Build hook: generates the gRPC/protobuf stubs from the repository's proto/.

The stubs are never committed. `build_py` runs grpc_tools.protoc on
ingest/v1/ingest.proto (the only file the client needs: it imports nothing)
and writes the modules under session_ingest/_proto/ingest/v1/, rewriting
protoc's absolute `from ingest.v1 import ...` so that no top-level `ingest`
package is installed. The descriptor keeps its canonical file name
(ingest/v1/ingest.proto).

Where the .proto files come from, first found:
  $SESSION_INGEST_PROTO_ROOT, ../../proto (a checkout), ./proto (an sdist,
  which this file's sdist command fills).
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = pathlib.Path(__file__).resolve().parent
PROTOS = ("ingest/v1/ingest.proto",)
GENERATED_PACKAGE = "session_ingest._proto"


def proto_root() -> pathlib.Path:
    candidates = []
    if os.environ.get("SESSION_INGEST_PROTO_ROOT"):
        candidates.append(pathlib.Path(os.environ["SESSION_INGEST_PROTO_ROOT"]))
    candidates += [HERE.parent.parent / "proto", HERE / "proto"]
    for root in candidates:
        if all((root / p).is_file() for p in PROTOS):
            return root
    raise SystemExit(
        "session-ingest: %s not found under %s; build from a checkout of the repository "
        "(client/python) or set SESSION_INGEST_PROTO_ROOT" % (", ".join(PROTOS), ", ".join(map(str, candidates)))
    )


def generate_stubs(package_parent: pathlib.Path) -> None:
    """Writes session_ingest/_proto/... under package_parent."""
    import grpc_tools
    from grpc_tools import protoc

    root = proto_root()
    out = package_parent / "session_ingest" / "_proto"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        "-I%s" % root,
        "-I%s" % well_known,
        "--python_out=%s" % out,
        "--pyi_out=%s" % out,
        "--grpc_python_out=%s" % out,
        *(str(root / p) for p in PROTOS),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("session-ingest: grpc_tools.protoc failed on %s" % ", ".join(PROTOS))
    absolute_import = re.compile(r"^from ingest\.v1 import ", re.MULTILINE)
    for path in out.rglob("*.py*"):
        text = path.read_text()
        path.write_text(absolute_import.sub("from %s.ingest.v1 import " % GENERATED_PACKAGE, text))
    for directory in (out, out / "ingest", out / "ingest" / "v1"):
        (directory / "__init__.py").write_text('"""Generated from proto/ at build time; never edit."""\n')


class BuildPyWithStubs(build_py):
    def run(self) -> None:
        super().run()
        # An editable install imports from src/ (ignored by git); a regular
        # build ships the stubs from build_lib.
        generate_stubs(HERE / "src" if getattr(self, "editable_mode", False) else pathlib.Path(self.build_lib))


class SdistWithProtos(sdist):
    def make_release_tree(self, base_dir, files) -> None:
        super().make_release_tree(base_dir, files)
        root = proto_root()
        for p in PROTOS:
            target = pathlib.Path(base_dir) / "proto" / p
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / p, target)


setup(cmdclass={"build_py": BuildPyWithStubs, "sdist": SdistWithProtos})
