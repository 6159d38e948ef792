"""SlaService over a real server: CRUD, field errors, etags, one policy per priority and category."""

from __future__ import annotations

import uuid
from typing import TypeAlias

import grpc
import grpc.aio
import pytest
from google.protobuf import duration_pb2, field_mask_pb2
from google.rpc import error_details_pb2

from helpdesk.v1 import sla_policy_pb2, sla_service_pb2, sla_service_pb2_grpc, ticket_pb2
from tests.server.tickets.helpers import Cast, error_info
from tests.support import error_details

SlaStub: TypeAlias = "sla_service_pb2_grpc.SlaServiceAsyncStub"
HOUR = 3600


def office_hours() -> sla_policy_pb2.BusinessHours:
    return sla_policy_pb2.BusinessHours(
        time_zone="America/Sao_Paulo",
        working_hours=[
            sla_policy_pb2.WorkingHours(day=day, start_time="09:00", end_time="18:00")
            for day in (
                sla_policy_pb2.WEEKDAY_MONDAY,
                sla_policy_pb2.WEEKDAY_TUESDAY,
                sla_policy_pb2.WEEKDAY_WEDNESDAY,
                sla_policy_pb2.WEEKDAY_THURSDAY,
                sla_policy_pb2.WEEKDAY_FRIDAY,
            )
        ],
        holidays=["2026-12-25", "2026-02-16", "2026-12-25"],
    )


def a_policy(**changes: object) -> sla_policy_pb2.SlaPolicy:
    policy = sla_policy_pb2.SlaPolicy(
        display_name="High priority",
        priority=ticket_pb2.TICKET_PRIORITY_HIGH,
        category=f"cat-{uuid.uuid4().hex[:10]}",
        first_response_target=duration_pb2.Duration(seconds=HOUR),
        resolution_target=duration_pb2.Duration(seconds=8 * HOUR),
        warning_window=duration_pb2.Duration(seconds=15 * 60),
    )
    for name, value in changes.items():
        if isinstance(value, sla_policy_pb2.BusinessHours | duration_pb2.Duration):
            getattr(policy, name).CopyFrom(value)
        else:
            setattr(policy, name, value)
    return policy


def violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    for detail in error_details(error):
        if isinstance(detail, error_details_pb2.BadRequest):
            return {v.field: v.description for v in detail.field_violations}
    raise AssertionError(f"no BadRequest in {error!r}")


async def test_an_admin_creates_a_policy_and_agents_read_it(sla_stub: SlaStub, cast: Cast) -> None:
    sent = a_policy(business_hours=office_hours())
    created = await sla_stub.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(sla_policy=sent, request_id=str(uuid.uuid4())),
        metadata=cast.admin.metadata,
    )
    assert created.id
    assert created.etag
    assert created.first_response_target.seconds == HOUR
    assert created.warning_window.seconds == 15 * 60
    assert created.business_hours.time_zone == "America/Sao_Paulo"
    assert len(created.business_hours.working_hours) == 5
    # Holidays come back sorted and without the duplicate.
    assert list(created.business_hours.holidays) == ["2026-02-16", "2026-12-25"]

    read = await sla_stub.GetSlaPolicy(
        sla_service_pb2.GetSlaPolicyRequest(id=created.id), metadata=cast.agent_a.metadata
    )
    assert read == created
    listed = await sla_stub.ListSlaPolicies(
        sla_service_pb2.ListSlaPoliciesRequest(page_size=200), metadata=cast.agent_a.metadata
    )
    assert created.id in {p.id for p in listed.sla_policies}


async def test_a_retried_create_returns_the_first_policy(sla_stub: SlaStub, cast: Cast) -> None:
    request = sla_service_pb2.CreateSlaPolicyRequest(sla_policy=a_policy(), request_id=str(uuid.uuid4()))
    first = await sla_stub.CreateSlaPolicy(request, metadata=cast.admin.metadata)
    again = await sla_stub.CreateSlaPolicy(request, metadata=cast.admin.metadata)
    assert again.id == first.id


async def test_one_policy_per_priority_and_category(sla_stub: SlaStub, cast: Cast) -> None:
    policy = a_policy()
    await sla_stub.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(sla_policy=policy), metadata=cast.admin.metadata
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sla_stub.CreateSlaPolicy(
            sla_service_pb2.CreateSlaPolicyRequest(sla_policy=policy), metadata=cast.admin.metadata
        )
    assert caught.value.code() is grpc.StatusCode.ALREADY_EXISTS
    assert error_info(caught.value).reason == "SLA_POLICY_EXISTS"
    # The same category at another priority is another policy.
    other = a_policy(category=policy.category, priority=ticket_pb2.TICKET_PRIORITY_LOW)
    await sla_stub.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(sla_policy=other), metadata=cast.admin.metadata
    )


async def test_bad_policies_name_every_bad_field(sla_stub: SlaStub, cast: Cast) -> None:
    hours = sla_policy_pb2.BusinessHours(
        time_zone="Mars/Olympus_Mons",
        working_hours=[
            sla_policy_pb2.WorkingHours(day=sla_policy_pb2.WEEKDAY_MONDAY, start_time="09:00", end_time="12:00"),
            sla_policy_pb2.WorkingHours(day=sla_policy_pb2.WEEKDAY_MONDAY, start_time="11:00", end_time="13:00"),
            sla_policy_pb2.WorkingHours(day=sla_policy_pb2.WEEKDAY_TUESDAY, start_time="9am", end_time="25:00"),
        ],
        holidays=["31/12/2026"],
    )
    bad = a_policy(
        display_name=" ",
        priority=ticket_pb2.TICKET_PRIORITY_UNSPECIFIED,
        resolution_target=duration_pb2.Duration(seconds=60),
        warning_window=duration_pb2.Duration(seconds=2 * HOUR),
        business_hours=hours,
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sla_stub.CreateSlaPolicy(
            sla_service_pb2.CreateSlaPolicyRequest(sla_policy=bad), metadata=cast.admin.metadata
        )
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(caught.value)) == {
        "sla_policy.display_name",
        "sla_policy.priority",
        "sla_policy.resolution_target",
        "sla_policy.warning_window",
        "sla_policy.business_hours.time_zone",
        "sla_policy.business_hours.working_hours[1]",
        "sla_policy.business_hours.working_hours[2].start_time",
        "sla_policy.business_hours.working_hours[2].end_time",
        "sla_policy.business_hours.holidays[0]",
    }


async def test_targets_are_required_and_bounded(sla_stub: SlaStub, cast: Cast) -> None:
    bad = sla_policy_pb2.SlaPolicy(
        display_name="No targets",
        priority=ticket_pb2.TICKET_PRIORITY_LOW,
        first_response_target=duration_pb2.Duration(seconds=30),
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sla_stub.CreateSlaPolicy(
            sla_service_pb2.CreateSlaPolicyRequest(sla_policy=bad), metadata=cast.admin.metadata
        )
    found = violations(caught.value)
    assert set(found) == {"sla_policy.first_response_target", "sla_policy.resolution_target"}
    assert "1 minute" in found["sla_policy.first_response_target"]
    assert found["sla_policy.resolution_target"] == "is required"


async def test_durations_beyond_any_calendar_are_field_errors(sla_stub: SlaStub, cast: Cast) -> None:
    # The wire carries any int64 of seconds, far past what a timedelta holds: refused at its
    # field like any other bad target.
    huge, negative_huge = 2**63 - 1, -(2**63)
    bad = a_policy(
        first_response_target=duration_pb2.Duration(seconds=huge),
        resolution_target=duration_pb2.Duration(seconds=huge),
        warning_window=duration_pb2.Duration(seconds=negative_huge),
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sla_stub.CreateSlaPolicy(
            sla_service_pb2.CreateSlaPolicyRequest(sla_policy=bad), metadata=cast.admin.metadata
        )
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(caught.value)) == {
        "sla_policy.first_response_target",
        "sla_policy.resolution_target",
        "sla_policy.warning_window",
    }

    created = await sla_stub.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(sla_policy=a_policy()), metadata=cast.admin.metadata
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sla_stub.UpdateSlaPolicy(
            sla_service_pb2.UpdateSlaPolicyRequest(
                sla_policy=sla_policy_pb2.SlaPolicy(
                    id=created.id, etag=created.etag, warning_window=duration_pb2.Duration(seconds=huge)
                ),
                update_mask=field_mask_pb2.FieldMask(paths=["warning_window"]),
            ),
            metadata=cast.admin.metadata,
        )
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(caught.value)) == {"sla_policy.warning_window"}


async def test_a_schedule_too_sparse_for_its_resolution_target_is_refused(sla_stub: SlaStub, cast: Cast) -> None:
    # One hour a week never adds up to 365 days of working time within the deadline search.
    sparse = sla_policy_pb2.BusinessHours(
        time_zone="UTC",
        working_hours=[
            sla_policy_pb2.WorkingHours(day=sla_policy_pb2.WEEKDAY_MONDAY, start_time="08:00", end_time="09:00")
        ],
    )
    bad = a_policy(business_hours=sparse, resolution_target=duration_pb2.Duration(seconds=365 * 24 * HOUR))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sla_stub.CreateSlaPolicy(
            sla_service_pb2.CreateSlaPolicyRequest(sla_policy=bad), metadata=cast.admin.metadata
        )
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert violations(caught.value) == {
        "sla_policy.business_hours": "has too little working time to ever reach resolution_target"
    }


async def test_update_with_a_mask_checks_the_whole_policy_and_the_etag(sla_stub: SlaStub, cast: Cast) -> None:
    created = await sla_stub.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(sla_policy=a_policy()), metadata=cast.admin.metadata
    )
    changed = await sla_stub.UpdateSlaPolicy(
        sla_service_pb2.UpdateSlaPolicyRequest(
            sla_policy=sla_policy_pb2.SlaPolicy(
                id=created.id, etag=created.etag, display_name="Renamed", business_hours=office_hours()
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name", "business_hours"]),
        ),
        metadata=cast.admin.metadata,
    )
    assert changed.display_name == "Renamed"
    assert changed.business_hours.time_zone == "America/Sao_Paulo"
    assert changed.resolution_target.seconds == 8 * HOUR  # untouched
    assert changed.etag != created.etag

    # The stale etag is refused.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sla_stub.UpdateSlaPolicy(
            sla_service_pb2.UpdateSlaPolicyRequest(
                sla_policy=sla_policy_pb2.SlaPolicy(id=created.id, etag=created.etag, display_name="Again"),
                update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
            ),
            metadata=cast.admin.metadata,
        )
    assert caught.value.code() is grpc.StatusCode.ABORTED
    assert error_info(caught.value).reason == "ETAG_MISMATCH"

    # A first-response target above the stored resolution target breaks the whole: refused.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sla_stub.UpdateSlaPolicy(
            sla_service_pb2.UpdateSlaPolicyRequest(
                sla_policy=sla_policy_pb2.SlaPolicy(
                    id=created.id, first_response_target=duration_pb2.Duration(seconds=9 * HOUR)
                ),
                update_mask=field_mask_pb2.FieldMask(paths=["first_response_target"]),
            ),
            metadata=cast.admin.metadata,
        )
    assert set(violations(caught.value)) == {"sla_policy.resolution_target"}

    # Naming business_hours without a value: around the clock again.
    cleared = await sla_stub.UpdateSlaPolicy(
        sla_service_pb2.UpdateSlaPolicyRequest(
            sla_policy=sla_policy_pb2.SlaPolicy(id=created.id),
            update_mask=field_mask_pb2.FieldMask(paths=["business_hours"]),
        ),
        metadata=cast.admin.metadata,
    )
    assert not cleared.HasField("business_hours")


async def test_moving_a_policy_onto_a_taken_priority_and_category_is_refused(sla_stub: SlaStub, cast: Cast) -> None:
    first = await sla_stub.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(sla_policy=a_policy()), metadata=cast.admin.metadata
    )
    second = await sla_stub.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(sla_policy=a_policy()), metadata=cast.admin.metadata
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sla_stub.UpdateSlaPolicy(
            sla_service_pb2.UpdateSlaPolicyRequest(
                sla_policy=sla_policy_pb2.SlaPolicy(id=second.id, category=first.category),
                update_mask=field_mask_pb2.FieldMask(paths=["category"]),
            ),
            metadata=cast.admin.metadata,
        )
    assert caught.value.code() is grpc.StatusCode.ALREADY_EXISTS
    # The failed update left the policy as it was.
    again = await sla_stub.GetSlaPolicy(sla_service_pb2.GetSlaPolicyRequest(id=second.id), metadata=cast.admin.metadata)
    assert again == second


async def test_delete_then_not_found(sla_stub: SlaStub, cast: Cast) -> None:
    created = await sla_stub.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(sla_policy=a_policy()), metadata=cast.admin.metadata
    )
    await sla_stub.DeleteSlaPolicy(
        sla_service_pb2.DeleteSlaPolicyRequest(id=created.id, etag=created.etag), metadata=cast.admin.metadata
    )
    for call in (
        sla_stub.GetSlaPolicy(sla_service_pb2.GetSlaPolicyRequest(id=created.id), metadata=cast.admin.metadata),
        sla_stub.DeleteSlaPolicy(sla_service_pb2.DeleteSlaPolicyRequest(id=created.id), metadata=cast.admin.metadata),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() is grpc.StatusCode.NOT_FOUND


async def test_listing_pages_through_every_policy(sla_stub: SlaStub, cast: Cast) -> None:
    for _ in range(3):
        await sla_stub.CreateSlaPolicy(
            sla_service_pb2.CreateSlaPolicyRequest(sla_policy=a_policy()), metadata=cast.admin.metadata
        )
    seen: list[str] = []
    token = ""
    while True:
        page = await sla_stub.ListSlaPolicies(
            sla_service_pb2.ListSlaPoliciesRequest(page_size=2, page_token=token), metadata=cast.agent_a.metadata
        )
        seen.extend(p.id for p in page.sla_policies)
        token = page.next_page_token
        if not token:
            break
    everything = await sla_stub.ListSlaPolicies(
        sla_service_pb2.ListSlaPoliciesRequest(page_size=200), metadata=cast.agent_a.metadata
    )
    assert seen == [p.id for p in everything.sla_policies]
    assert len(seen) == len(set(seen)) >= 3
    priorities = [p.priority for p in everything.sla_policies]
    assert priorities == sorted(priorities, reverse=True)
