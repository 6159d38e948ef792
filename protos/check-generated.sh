#!/usr/bin/env bash
# Fails when the committed generated code is not exactly what the protos generate today: lints the
# protos, regenerates everything into a scratch directory, and diffs the generated paths
# (clients/python/helpdesk/v1/*_pb2*.py[i], clients/typescript/src/gen/, clients/descriptors/,
# clients/openapi/)
# against the working tree, including generated files that would no longer be produced.
# The fix is always `make generate` (never editing generated files by hand).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/tools.sh"

"$HERE/lint.sh"

SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
"$HERE/generate.sh" "$SCRATCH/fresh"

# Copies only the generated paths of tree $1 into $2, so that the diff sees nothing else.
collect_generated() {
  local tree="$1" into="$2"
  mkdir -p "$into/clients/python/helpdesk/v1" "$into/clients/typescript/src" "$into/clients/descriptors" \
    "$into/clients/openapi"
  shopt -s nullglob
  local file
  for file in "$tree"/clients/python/helpdesk/v1/*_pb2*.py "$tree"/clients/python/helpdesk/v1/*_pb2*.pyi; do
    cp "$file" "$into/clients/python/helpdesk/v1/"
  done
  shopt -u nullglob
  if [[ -d "$tree/clients/typescript/src/gen" ]]; then
    cp -R "$tree/clients/typescript/src/gen" "$into/clients/typescript/src/gen"
  fi
  if [[ -d "$tree/clients/descriptors" ]]; then
    cp -R "$tree/clients/descriptors/." "$into/clients/descriptors/"
  fi
  if [[ -d "$tree/clients/openapi" ]]; then
    cp -R "$tree/clients/openapi/." "$into/clients/openapi/"
  fi
}
collect_generated "$ROOT" "$SCRATCH/committed"
collect_generated "$SCRATCH/fresh" "$SCRATCH/expected"

if ! (cd "$SCRATCH" && diff -ru committed expected); then
  echo >&2
  echo "check-generated: the committed generated code differs from what the protos generate" >&2
  echo "(diff above: committed vs expected). Run \`make generate\` and commit the result." >&2
  exit 1
fi
echo "check-generated: generated code is up to date"
