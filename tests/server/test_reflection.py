"""Server reflection answers in both versions, as a third-party tool (`buf curl`) uses it."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import grpc.aio
import pytest
from grpc_reflection.v1alpha import reflection_pb2

from server.app import HelpdeskApp

BUF = Path(__file__).resolve().parents[2] / "clients" / "typescript" / "node_modules" / ".bin" / "buf"


async def _list_services(channel: grpc.aio.Channel, version: str) -> set[str]:
    # The two versions share their messages' wire format, so v1alpha's classes encode both.
    call = channel.stream_stream(
        f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )

    async def requests() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    names: set[str] = set()
    async for answer in call(requests()):
        names |= {service.name for service in answer.list_services_response.service}
    return names


@pytest.mark.parametrize("version", ["v1", "v1alpha"])
async def test_both_reflection_versions_list_the_api_and_themselves(channel: grpc.aio.Channel, version: str) -> None:
    names = await _list_services(channel, version)
    assert {"helpdesk.v1.TicketService", "grpc.health.v1.Health"} <= names
    assert {"grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"} <= names


@pytest.mark.parametrize("protocol", ["grpc-v1", "grpc-v1alpha"])
async def test_buf_curl_calls_the_api_through_either_reflection_version(app: HelpdeskApp, protocol: str) -> None:
    command = [
        str(BUF),
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "--reflect-protocol",
        protocol,
        f"http://127.0.0.1:{app.port}/helpdesk.v1.KnowledgeService/ListCategories",
    ]
    result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    # The answer is decoded with the schema reflection gave (a JSON ListCategoriesResponse).
    assert isinstance(json.loads(result.stdout), dict)
