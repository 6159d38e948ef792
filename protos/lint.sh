#!/usr/bin/env bash
# Lints the API contract:
#   1. `buf lint` (the rules in buf.yaml);
#   2. `buf format` (canonical layout; fix with `clients/typescript/node_modules/.bin/buf format -w`);
#   3. the checks buf cannot make and Envoy does not make either (`envoy --mode validate` accepts a
#      path variable naming no field and two methods with the same HTTP route; the first fails
#      at request time, the second silently shadows a method): every RPC of helpdesk.v1 declares
#      exactly one usable `(helpdesk.v1.access)` rule; every `google.api.http` variable and body
#      names a field of the request; no two rules share a verb and path; client-streaming RPCs
#      have no HTTP rule (neither JSON nor gRPC-Web can carry them).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

"$BUF" lint
if ! "$BUF" format --diff --exit-code; then
  echo "protos: not in buf's canonical format (diff above); fix with: ${BUF} format -w" >&2
  exit 1
fi

SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
"$BUF" build --as-file-descriptor-set --output "$SCRATCH/descriptors.binpb"

read -r -d '' CHECK <<'PY' || true
import re
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PACKAGE = "helpdesk.v1"
ACCESS_EXTENSION = "helpdesk.v1.access"

files = descriptor_pb2.FileDescriptorSet.FromString(open(sys.argv[1], "rb").read())
pool = descriptor_pool.DescriptorPool()
for file in files.file:
    pool.Add(file)
# Options are read with classes of this pool, so that our extensions resolve against it.
MethodOptions = message_factory.GetMessageClass(pool.FindMessageTypeByName("google.protobuf.MethodOptions"))
access = pool.FindExtensionByName(ACCESS_EXTENSION)
http_rule = pool.FindExtensionByName("google.api.http")
problems = []
routes = {}


def field_path_exists(message, path):
    for part in path.split("."):
        field = message.fields_by_name.get(part)
        if field is None:
            return False
        message = field.message_type
    return True


def check_rule(method, rule):
    verb = rule.WhichOneof("pattern")
    if verb is None:
        return problems.append(f"{method.full_name}: http rule without a verb")
    template = getattr(rule, verb) if verb != "custom" else rule.custom.path
    shape = re.sub(r"\{[^}]*\}", "*", template)
    other = routes.setdefault((verb, shape), method.full_name)
    if other != method.full_name:
        problems.append(f"{method.full_name}: {verb.upper()} {template} has the route of {other}")
    for variable in re.findall(r"\{([^}=]+)", template):
        if not field_path_exists(method.input_type, variable):
            problems.append(f"{method.full_name}: path variable {{{variable}}} is not a request field")
    if rule.body not in ("", "*") and rule.body not in method.input_type.fields_by_name:
        problems.append(f"{method.full_name}: body {rule.body!r} is not a request field")
    if rule.body and verb in ("get", "delete"):
        problems.append(f"{method.full_name}: {verb.upper()} with a body")
    if method.client_streaming:
        problems.append(f"{method.full_name}: client-streaming methods cannot have an HTTP rule")


for file in files.file:
    if file.package != PACKAGE:
        continue
    for service in pool.FindFileByName(file.name).services_by_name.values():
        for method in service.methods:
            options = MethodOptions.FromString(method.GetOptions().SerializeToString())
            if not options.HasExtension(access):
                problems.append(f"{method.full_name}: no (helpdesk.v1.access) rule")
            else:
                rule = options.Extensions[access]
                if not rule.allow_anonymous and not rule.roles:
                    problems.append(f"{method.full_name}: access rule allows nobody")
                if rule.allow_anonymous and rule.roles:
                    problems.append(f"{method.full_name}: access rule sets both allow_anonymous and roles")
            if options.HasExtension(http_rule):
                http = options.Extensions[http_rule]
                for rule in (http, *http.additional_bindings):
                    check_rule(method, rule)

for problem in problems:
    print(f"protos: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
"$PYTHON" -c "$CHECK" "$SCRATCH/descriptors.binpb"
