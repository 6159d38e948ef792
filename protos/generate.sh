#!/usr/bin/env bash
# Generates everything derived from the API contract into OUTDIR, laid out like the repository:
#
#   OUTDIR/clients/python/helpdesk/v1/*_pb2*.py[i]  message modules, gRPC stubs, typed stubs
#   OUTDIR/clients/typescript/src/gen/              TypeScript (protoc-gen-es v2) for Connect
#   OUTDIR/clients/descriptors/helpdesk.binpb       descriptor set for Envoy's JSON transcoder
#   OUTDIR/clients/openapi/helpdesk.v1.openapi.json OpenAPI 3.1 document of the JSON/REST API
#
# Those generated paths are replaced as a whole (files of deleted protos disappear); nothing else
# under OUTDIR is touched. The output depends only on the protos and the pinned tools, byte for
# byte. `make generate` runs it on the repository root; protos/check-generated.sh on a scratch
# directory.
#
# Usage: protos/generate.sh OUTDIR     (PYTHON overrides the interpreter, default .venv/bin/python)
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
mkdir -p "$1"
OUTDIR="$(cd "$1" && pwd)"
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

# Python and TypeScript, with the plugins listed in buf.gen.yaml.
"$BUF" generate --template buf.gen.yaml --output "$SCRATCH"
# The google.rpc error details for the TypeScript client (buf.gen.rpc.yaml says why).
"$BUF" generate --template buf.gen.rpc.yaml --output "$SCRATCH"
# grpc.health.v1 for the TypeScript client (buf.gen.health.yaml says why).
"$BUF" generate --template buf.gen.health.yaml --output "$SCRATCH"
# Every file of the workspace with its imports (the well-known types too) and source info (the
# transcoder needs the google.api.http rules and names; comments help debugging).
mkdir -p "$SCRATCH/clients/descriptors"
"$BUF" build --as-file-descriptor-set --output "$SCRATCH/clients/descriptors/helpdesk.binpb"
# The OpenAPI document of what the gateway's JSON transcoder serves from that descriptor set.
"$PYTHON" -m protos.openapi "$SCRATCH/clients/descriptors/helpdesk.binpb" \
  "$SCRATCH/clients/openapi/helpdesk.v1.openapi.json"

shopt -s nullglob
rm -f "$OUTDIR"/clients/python/helpdesk/v1/*_pb2*.py "$OUTDIR"/clients/python/helpdesk/v1/*_pb2*.pyi
rm -rf "$OUTDIR/clients/typescript/src/gen" "$OUTDIR/clients/descriptors" "$OUTDIR/clients/openapi"
mkdir -p "$OUTDIR/clients"
cp -R "$SCRATCH/clients/." "$OUTDIR/clients/"
