"""Shutdown always ends: a background job that hangs or fails on stop cannot keep the process alive.

A stuck step is named in the log and left behind; the steps after it (the view flush, closing the
pools) still run, and the port stops answering.
"""

from __future__ import annotations

import asyncio
import logging
import time

import grpc
import grpc.aio
import pytest

import server.shutdown as shutdown_module
from helpdesk.v1 import knowledge_service_pb2, knowledge_service_pb2_grpc
from server.app import HelpdeskApp
from server.settings import Settings


async def _answers(port: int) -> bool:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)
        try:
            await stub.ListCategories(knowledge_service_pb2.ListCategoriesRequest(), timeout=2)
        except grpc.aio.AioRpcError:
            return False
        return True


async def test_a_hung_and_a_failing_job_do_not_keep_the_server_from_stopping(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(shutdown_module, "STOP_STEP_SECONDS", 0.5)
    app = await HelpdeskApp.create(settings)
    port = await app.start()
    assert await _answers(port)
    assert app.sla is not None
    assert app.assignment is not None

    never = asyncio.Event()

    async def hangs() -> None:
        await never.wait()

    async def fails() -> None:
        raise RuntimeError("the sweep could not stop")

    # The breach job's stop hangs (as a task swallowing its cancellation would); the sweep's fails.
    # The jobs themselves are stopped for real once the server has stopped, so that they do not run
    # on in this test session's event loop against the module's database after it is dropped.
    stop_breaches, stop_sweep = app.sla.breaches.stop, app.assignment.stop
    monkeypatch.setattr(app.sla.breaches, "stop", hangs)
    monkeypatch.setattr(app.assignment, "stop", fails)

    caplog.set_level(logging.INFO, logger="server.app")
    started = time.monotonic()
    try:
        await asyncio.wait_for(app.stop(grace=0.5), timeout=30)
        took = time.monotonic() - started
    finally:
        await stop_breaches()
        await stop_sweep()

    # Bounded: the grace period, grpc's confirmation and one step timeout, with room for a loaded machine.
    assert took < 15, took
    assert "SLA breach job did not finish within 0.5s" in caplog.text
    assert "stopping assignment sweep failed" in caplog.text
    # Every later step ran: the log's last word comes after the pools are closed.
    assert "server stopped" in caplog.text
    assert not await _answers(port)
