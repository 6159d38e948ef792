"""Protobuf <-> domain values for SlaService: policies as sent and as stored."""

from __future__ import annotations

from datetime import timedelta

from google.protobuf import duration_pb2

from helpdesk.v1 import sla_policy_pb2, ticket_pb2
from server.sla.validation import BusinessHoursInput, PolicyInput, WorkingHoursInput
from storage.models import SlaPolicy

# The fields UpdateSlaPolicy may change, in their proto names.
UPDATABLE_FIELDS = (
    "display_name",
    "priority",
    "category",
    "first_response_target",
    "resolution_target",
    "warning_window",
    "business_hours",
)

_CENTURY_SECONDS = 100 * 366 * 24 * 3600


def _duration(message: sla_policy_pb2.SlaPolicy, name: str) -> timedelta | None:
    if not message.HasField(name):  # type: ignore[arg-type]
        return None
    value: duration_pb2.Duration = getattr(message, name)
    # The wire carries any int64 of seconds (Duration's ±10,000-year range is not enforced), more
    # than a timedelta holds: anything beyond a century is held at a century, far past every
    # bound, so validation refuses it at its field instead of the call failing.
    seconds = max(-_CENTURY_SECONDS, min(value.seconds, _CENTURY_SECONDS))
    # Targets are whole seconds: any fraction is kept (as a microsecond) for validation to refuse.
    return timedelta(seconds=seconds) + (timedelta(microseconds=1) if value.nanos else timedelta(0))


def policy_input(message: sla_policy_pb2.SlaPolicy) -> PolicyInput:
    """The policy a request sends."""
    hours = None
    if message.HasField("business_hours"):
        sent = message.business_hours
        hours = BusinessHoursInput(
            time_zone=sent.time_zone,
            working_hours=[
                WorkingHoursInput(day=int(span.day), start_time=span.start_time, end_time=span.end_time)
                for span in sent.working_hours
            ],
            holidays=list(sent.holidays),
        )
    return PolicyInput(
        display_name=message.display_name,
        priority=int(message.priority),
        category=message.category,
        first_response_target=_duration(message, "first_response_target"),
        resolution_target=_duration(message, "resolution_target"),
        warning_window=_duration(message, "warning_window"),
        business_hours=hours,
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def stored_input(policy: SlaPolicy) -> PolicyInput:
    """A stored policy as input, to apply an update's fields to and check again."""
    hours = None
    if policy.business_hours is not None:
        stored = policy.business_hours
        hours = BusinessHoursInput(
            time_zone=stored["time_zone"],
            working_hours=[
                WorkingHoursInput(day=day + 1, start_time=_clock(start), end_time=_clock(end))
                for day, start, end in stored["intervals"]
            ],
            holidays=list(stored["holidays"]),
        )
    return PolicyInput(
        display_name=policy.display_name,
        priority=policy.priority,
        category=policy.category,
        first_response_target=timedelta(seconds=policy.first_response_seconds),
        resolution_target=timedelta(seconds=policy.resolution_seconds),
        warning_window=timedelta(seconds=policy.warning_seconds),
        business_hours=hours,
    )


def _seconds(value: int) -> duration_pb2.Duration:
    return duration_pb2.Duration(seconds=value)


def policy_to_proto(policy: SlaPolicy) -> sla_policy_pb2.SlaPolicy:
    """The API view of a policy."""
    message = sla_policy_pb2.SlaPolicy(
        id=str(policy.id),
        display_name=policy.display_name,
        priority=ticket_pb2.TicketPriority.ValueType(policy.priority),
        category=policy.category,
        first_response_target=_seconds(policy.first_response_seconds),
        resolution_target=_seconds(policy.resolution_seconds),
        etag=policy.etag,
    )
    if policy.warning_seconds:
        message.warning_window.CopyFrom(_seconds(policy.warning_seconds))
    if policy.business_hours is not None:
        stored = policy.business_hours
        message.business_hours.time_zone = stored["time_zone"]
        for day, start, end in stored["intervals"]:
            message.business_hours.working_hours.add(
                day=sla_policy_pb2.Weekday.ValueType(day + 1), start_time=_clock(start), end_time=_clock(end)
            )
        message.business_hours.holidays.extend(stored["holidays"])
    message.create_time.FromDatetime(policy.create_time)
    message.update_time.FromDatetime(policy.update_time)
    return message
