# shellcheck shell=bash
# Sourced (not run) by the scripts in protos/: puts the pinned code-generation tools in reach.
#
# After sourcing: ROOT is the repository root (and the current directory), PYTHON the absolute
# path of the interpreter with grpcio-tools and mypy-protobuf (${PYTHON:-.venv/bin/python}; a
# relative path is relative to ROOT, a bare name is looked up on PATH),
# BUF the buf CLI from clients/typescript's node_modules (installed with `npm ci` from the
# committed lock file when missing), and PATH starts with the interpreter's bin directory and
# .venv/bin (for protoc-gen-mypy and protoc-gen-mypy_grpc).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

PYTHON="${PYTHON:-.venv/bin/python}"
if [[ "$PYTHON" != */* ]]; then
  PYTHON="$(command -v "$PYTHON")" || { echo "protos: no interpreter named ${PYTHON}" >&2; exit 1; }
fi
# Absolute, but not symlink-resolved: a venv's python is a symlink out of the venv.
PYTHON="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"
export PYTHON
if ! "$PYTHON" -c 'import grpc_tools, mypy_protobuf' 2>/dev/null; then
  echo "protos: ${PYTHON} lacks grpcio-tools or mypy-protobuf; run: ${PYTHON} -m pip install -e '.[dev]'" >&2
  exit 1
fi
PATH="$(dirname "$PYTHON"):${ROOT}/.venv/bin:${PATH}"
export PATH

if [[ ! -d clients/typescript/node_modules ]]; then
  npm ci --prefix clients/typescript --no-audit --no-fund >&2
fi
# shellcheck disable=SC2034  # used by the scripts that source this file
BUF="${ROOT}/clients/typescript/node_modules/.bin/buf"
