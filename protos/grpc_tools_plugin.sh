#!/usr/bin/env bash
# A protoc plugin running one of the Python generators built into grpcio-tools.
#
# Usage (from buf.gen.yaml): `local: [protos/grpc_tools_plugin.sh, GENERATOR]`, GENERATOR being
# `python` (message modules) or `grpc_python` (gRPC stubs).
#
# Why: grpcio-tools ships gRPC's Python generator compiled into its bundled protoc, not as a
# `protoc-gen-*` binary that buf could run, and buf's own proxy to protoc built-ins would need a
# `protoc` on PATH. So this script is that plugin: it reads the CodeGeneratorRequest from stdin,
# hands the request's descriptors to `grpc_tools.protoc` as a descriptor set, and answers a
# CodeGeneratorResponse with the files it wrote, in sorted order. The interpreter is
# ${PYTHON:-python3}, the one with the pinned grpcio-tools (protos/generate.sh sets it).
set -euo pipefail

GENERATOR="${1:?usage: grpc_tools_plugin.sh python|grpc_python}"

read -r -d '' PLUGIN <<'PY' || true
import os
import sys
import tempfile

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc

generator = sys.argv[1]
request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
response = plugin_pb2.CodeGeneratorResponse(
    supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
)
with tempfile.TemporaryDirectory() as scratch:
    descriptors = os.path.join(scratch, "request.binpb")
    out = os.path.join(scratch, "out")
    os.mkdir(out)
    with open(descriptors, "wb") as f:
        f.write(descriptor_pb2.FileDescriptorSet(file=request.proto_file).SerializeToString())
    options = f"{request.parameter}:" if request.parameter else ""
    argv = [
        "grpc_tools.protoc",
        f"--descriptor_set_in={descriptors}",
        f"--{generator}_out={options}{out}",
        *request.file_to_generate,
    ]
    if protoc.main(argv) != 0:
        response.error = f"grpc_tools.protoc --{generator}_out failed (its messages are above)"
    else:
        generated = []
        for root, _dirs, names in os.walk(out):
            generated += [os.path.join(root, name) for name in names]
        for path in sorted(generated):
            with open(path, encoding="utf-8") as f:
                response.file.add(name=os.path.relpath(path, out), content=f.read())
sys.stdout.buffer.write(response.SerializeToString())
PY

exec "${PYTHON:-python3}" -c "$PLUGIN" "$GENERATOR"
