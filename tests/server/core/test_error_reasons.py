"""Every ErrorInfo reason the server sends is a `helpdesk.v1.ErrorReason`, and the enum lists no other.

The reasons are read from the source of domain/, server/ and storage/ (each `reason="..."`
argument, each `default_reason`, each module constant named `REASON`), so a reason added without
its enum value fails here before any call sends it; the error types themselves refuse an unlisted
reason at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grpc
import grpc.aio
import pytest
from google.rpc import error_details_pb2

from helpdesk.v1 import error_reason_pb2
from server.core.errors import DeadlineExceeded, FailedPrecondition, Internal, to_rpc_status
from server.settings import Settings
from tests.support import app_serving, error_details

REPO_ROOT = Path(__file__).resolve().parents[3]


def _reasons_in_source() -> dict[str, str]:
    """Each reason literal of domain/, server/ and storage/, with one place it appears."""
    found: dict[str, str] = {}
    sources = [*REPO_ROOT.glob("domain/**/*.py"), *REPO_ROOT.glob("server/**/*.py"), *REPO_ROOT.glob("storage/**/*.py")]
    for path in sorted(sources):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            value: ast.expr | None = None
            if isinstance(node, ast.keyword) and node.arg == "reason":
                value = node.value
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id in ("default_reason", "REASON") for t in targets):
                    value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value.isupper():
                found.setdefault(value.value, f"{path.relative_to(REPO_ROOT)}:{value.lineno}")
    return found


def test_the_enum_lists_exactly_the_reasons_the_server_sends() -> None:
    in_source = _reasons_in_source()
    in_enum = set(error_reason_pb2.ErrorReason.keys()) - {"ERROR_REASON_UNSPECIFIED"}
    missing = {reason: where for reason, where in in_source.items() if reason not in in_enum}
    assert not missing, f"reasons sent but not in error_reason.proto: {missing}"
    unused = in_enum - set(in_source)
    assert not unused, f"ErrorReason values the server never sends: {sorted(unused)}"


def test_an_error_with_an_unlisted_reason_cannot_be_built() -> None:
    with pytest.raises(ValueError, match=r"not a helpdesk\.v1\.ErrorReason"):
        FailedPrecondition("nope", reason="SOMETHING_NEW")
    assert to_rpc_status(DeadlineExceeded("late")).code == grpc.StatusCode.DEADLINE_EXCEEDED.value[0]


async def test_an_internal_error_carries_error_info_and_only_the_request_id(settings: Settings) -> None:
    async def crash(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        raise RuntimeError("database password is hunter2")

    async with (
        app_serving(settings, "/test.Crash/Now", crash) as app,
        grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel,
    ):
        call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary("/test.Crash/Now")
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await call(b"", metadata=(("x-request-id", "crash-1"),))
    assert raised.value.code() == grpc.StatusCode.INTERNAL
    assert "hunter2" not in (raised.value.details() or "")
    assert "crash-1" in (raised.value.details() or "")
    infos = [d for d in error_details(raised.value) if isinstance(d, error_details_pb2.ErrorInfo)]
    assert [(i.reason, i.domain) for i in infos] == [("INTERNAL", "helpdesk.v1")]
    assert Internal("x").reason == "INTERNAL"
