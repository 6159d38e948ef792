#!/usr/bin/env bash
# The breaking-change guard of the API contract (`make breaking`, part of `make test`):
#
#   1. `buf breaking` (the FILE rules of buf.yaml) against protos/baseline/helpdesk.v1.binpb, the
#      image of the released 1.0 contract: no field renumbered, retyped or removed, no RPC removed...
#   2. tests/protos/test_contract_baseline.py (run by pytest) compares the generated OpenAPI
#      document with protos/baseline/helpdesk.v1.openapi.json: no HTTP route, parameter, field
#      behaviour or access rule changed or removed unnoticed.
#
# Additions are fine (a new RPC, a new optional field). An intended break updates both baselines in
# the same commit: `make contract-baseline` (and says why in the commit message).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

BASELINE=protos/baseline/helpdesk.v1.binpb
if [[ "${1:-}" == "--update" ]]; then
  mkdir -p protos/baseline
  "$BUF" build --exclude-source-info --output "$BASELINE"
  cp clients/openapi/helpdesk.v1.openapi.json protos/baseline/helpdesk.v1.openapi.json
  echo "breaking: baselines updated (protos/baseline/)"
  exit 0
fi
# Image against image: the workspace has two modules (ours and the vendored googleapis), and buf
# compares a workspace module by module, while one image holds them both.
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
"$BUF" build --exclude-source-info --output "$SCRATCH/current.binpb"
if ! "$BUF" breaking "$SCRATCH/current.binpb" --against "$BASELINE"; then
  echo >&2
  echo "breaking: the contract breaks the 1.0 baseline (above). If the break is intended, run" >&2
  echo "\`make contract-baseline\` and commit the new baselines with the change." >&2
  exit 1
fi
echo "breaking: compatible with the 1.0 baseline"
