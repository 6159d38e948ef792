"""Working-time arithmetic: worked examples (weekends, holidays, DST days) and properties over random schedules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from server.sla.business_hours import (
    Schedule,
    WorkingInterval,
    add_working_time,
    add_working_times,
    working_time_between,
)

NEW_YORK = ZoneInfo("America/New_York")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
HOUR = timedelta(hours=1)


def office(zone: ZoneInfo, *, start: int = 9, end: int = 17, holidays: tuple[date, ...] = ()) -> Schedule:
    """Monday to Friday, `start`:00 to `end`:00 local."""
    return Schedule(
        zone=zone,
        intervals=tuple(WorkingInterval(day, start * 60, end * 60) for day in range(5)),
        holidays=frozenset(holidays),
    )


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


# ---- worked examples --------------------------------------------------------------------------


def test_a_friday_afternoon_target_lands_on_monday() -> None:
    schedule = office(SAO_PAULO)
    friday_4pm = local(SAO_PAULO, 2026, 3, 6, 16, 0)
    assert add_working_time(friday_4pm, 4 * HOUR, schedule) == local(SAO_PAULO, 2026, 3, 9, 12, 0)


def test_a_request_at_night_starts_counting_when_the_office_opens() -> None:
    schedule = office(SAO_PAULO)
    tuesday_11pm = local(SAO_PAULO, 2026, 3, 10, 23, 0)
    assert add_working_time(tuesday_11pm, HOUR, schedule) == local(SAO_PAULO, 2026, 3, 11, 10, 0)


def test_holidays_are_skipped() -> None:
    # Carnival Monday and Tuesday 2026 (16 and 17 February) off.
    schedule = office(SAO_PAULO, holidays=(date(2026, 2, 16), date(2026, 2, 17)))
    friday_4pm = local(SAO_PAULO, 2026, 2, 13, 16, 0)
    assert add_working_time(friday_4pm, 2 * HOUR, schedule) == local(SAO_PAULO, 2026, 2, 18, 10, 0)
    assert working_time_between(friday_4pm, local(SAO_PAULO, 2026, 2, 18, 9, 0), schedule) == HOUR


def test_a_target_ending_at_closing_time_is_due_at_closing_time() -> None:
    schedule = office(SAO_PAULO)
    monday_9am = local(SAO_PAULO, 2026, 3, 9, 9, 0)
    assert add_working_time(monday_9am, 8 * HOUR, schedule) == local(SAO_PAULO, 2026, 3, 9, 17, 0)


def test_around_the_clock_is_plain_arithmetic() -> None:
    start = datetime(2026, 3, 7, 23, 30, tzinfo=UTC)
    assert add_working_time(start, 5 * HOUR, None) == start + 5 * HOUR
    assert working_time_between(start, start + 5 * HOUR, None) == 5 * HOUR


def test_a_spring_forward_night_is_an_hour_shorter() -> None:
    # New York skips 02:00-03:00 on 8 March 2026; a schedule open all Sunday counts 23 hours.
    schedule = Schedule(zone=NEW_YORK, intervals=(WorkingInterval(6, 0, 24 * 60),))
    sunday = local(NEW_YORK, 2026, 3, 8, 0, 0)
    next_day = local(NEW_YORK, 2026, 3, 9, 0, 0)
    assert working_time_between(sunday, next_day, schedule) == 23 * HOUR
    # Opening at 02:30 that day (a time that does not exist) opens when the clocks jump.
    late = Schedule(zone=NEW_YORK, intervals=(WorkingInterval(6, 150, 300),))
    assert add_working_time(sunday, HOUR, late) == local(NEW_YORK, 2026, 3, 8, 4, 0)


def test_a_fall_back_night_is_an_hour_longer() -> None:
    # New York repeats 01:00-02:00 on 1 November 2026.
    schedule = Schedule(zone=NEW_YORK, intervals=(WorkingInterval(6, 0, 24 * 60),))
    sunday = local(NEW_YORK, 2026, 11, 1, 0, 0)
    assert working_time_between(sunday, local(NEW_YORK, 2026, 11, 2, 0, 0), schedule) == 25 * HOUR
    assert add_working_time(sunday, 25 * HOUR, schedule) == local(NEW_YORK, 2026, 11, 2, 0, 0)


def test_office_hours_keep_their_local_times_across_a_dst_change() -> None:
    schedule = office(NEW_YORK)
    friday_4pm = local(NEW_YORK, 2026, 3, 6, 16, 0)  # EST (UTC-5)
    due = add_working_time(friday_4pm, 2 * HOUR, schedule)
    assert due == local(NEW_YORK, 2026, 3, 9, 10, 0)  # EDT (UTC-4)
    assert due == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        Schedule(zone=SAO_PAULO, intervals=(WorkingInterval(0, 60, 120), WorkingInterval(0, 90, 200)))
    with pytest.raises(ValueError, match="at least one"):
        Schedule(zone=SAO_PAULO, intervals=())
    with pytest.raises(ValueError, match="not a working interval"):
        WorkingInterval(0, 600, 600)
    with pytest.raises(ValueError, match="negative"):
        add_working_time(datetime(2026, 1, 1, tzinfo=UTC), -HOUR, None)


# ---- properties ---------------------------------------------------------------------------------

# Zones with DST at various hours and offsets (30-minute DST in Lord Howe, midnight changes in
# Santiago, southern-hemisphere summers), and zones without DST at odd offsets.
ZONES = (
    "UTC",
    "America/New_York",
    "America/Sao_Paulo",
    "America/Santiago",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
)
# Interval ends on whole hours outside 01:00-03:00, where the DST changes of these zones happen,
# so that a boundary never falls strictly inside a repeated hour (whose second occurrence the
# schedule would not count but the minute-by-minute oracle below would).
_HOURS = (0, 4, 6, 8, 9, 12, 13, 17, 18, 20, 22, 24)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    intervals: list[WorkingInterval] = []
    for day in draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)):
        hours = sorted(draw(st.sets(st.sampled_from(_HOURS), min_size=2, max_size=6)))
        intervals.extend(WorkingInterval(day, hours[i] * 60, hours[i + 1] * 60) for i in range(0, len(hours) - 1, 2))
    holidays = draw(st.sets(st.dates(date(2025, 12, 20), date(2027, 1, 10)), max_size=12))
    return Schedule(zone=zone, intervals=tuple(intervals), holidays=frozenset(holidays))


# Instants across 2026, including every DST change of the zones above.
instants = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)).map(lambda value: value.replace(tzinfo=UTC))
durations = st.integers(min_value=0, max_value=60 * 60 * 24 * 30).map(lambda seconds: timedelta(seconds=seconds))
_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reachable(schedule: Schedule, *durations: timedelta) -> bool:
    """Whether the schedule surely reaches each duration within the deadline search (ten years).

    Saving a policy refuses a schedule too sparse for its targets, so these are the only schedules
    due times are ever computed for; nine years of the weekly working time leave room for holidays
    and DST weeks.
    """
    weekly = timedelta(minutes=sum(interval.end - interval.start for interval in schedule.intervals))
    return all(duration <= weekly * 52 * 9 for duration in durations)


def test_a_schedule_too_sparse_for_a_duration_is_an_error_not_a_wrong_deadline() -> None:
    one_hour_a_week = Schedule(zone=ZoneInfo("UTC"), intervals=(WorkingInterval(0, 8 * 60, 9 * 60),))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert add_working_time(start, 500 * HOUR, one_hour_a_week) > start + timedelta(days=9 * 365)
    with pytest.raises(ValueError, match="no working time within the search horizon"):
        add_working_time(start, 720 * HOUR, one_hour_a_week)


@_SETTINGS
@given(schedule=schedules(), start=instants, duration=durations)
def test_adding_then_measuring_gives_back_the_duration(
    schedule: Schedule, start: datetime, duration: timedelta
) -> None:
    assume(reachable(schedule, duration))
    due = add_working_time(start, duration, schedule)
    assert due >= start
    assert working_time_between(start, due, schedule) == duration


@_SETTINGS
@given(schedule=schedules(), start=instants, first=durations, second=durations)
def test_adding_in_two_steps_is_adding_once(
    schedule: Schedule, start: datetime, first: timedelta, second: timedelta
) -> None:
    assume(reachable(schedule, first + second))
    in_steps = add_working_time(add_working_time(start, first, schedule), second, schedule)
    assert in_steps == add_working_time(start, first + second, schedule)


@_SETTINGS
@given(schedule=schedules(), start=instants, duration=durations.filter(bool))
def test_a_deadline_falls_in_working_time_never_on_a_holiday(
    schedule: Schedule, start: datetime, duration: timedelta
) -> None:
    assume(reachable(schedule, duration))
    due = add_working_time(start, duration, schedule)
    # The last working second before the deadline is inside a working interval of a working date.
    just_before = (due - timedelta(microseconds=1)).astimezone(schedule.zone)
    assert just_before.date() not in schedule.holidays
    minute = just_before.hour * 60 + just_before.minute
    assert any(
        interval.day == just_before.weekday() and interval.start <= minute < interval.end
        for interval in schedule.intervals
    )
    # And nothing shorter reaches it: the deadline is the earliest such instant.
    assert working_time_between(start, due - timedelta(microseconds=1), schedule) < duration


@_SETTINGS
@given(schedule=schedules(), start=instants, many=st.lists(durations, max_size=5))
def test_adding_several_durations_at_once_is_adding_each(
    schedule: Schedule, start: datetime, many: list[timedelta]
) -> None:
    assume(reachable(schedule, *many))
    assert add_working_times(start, many, schedule) == tuple(add_working_time(start, d, schedule) for d in many)


@_SETTINGS
@given(schedule=schedules(), a=instants, b=instants, c=instants)
def test_working_time_adds_up_over_consecutive_spans(schedule: Schedule, a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    total = working_time_between(a, c, schedule)
    assert total == working_time_between(a, b, schedule) + working_time_between(b, c, schedule)
    assert total <= c - a


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=schedules(), start=instants.map(lambda value: value.replace(second=0, microsecond=0)))
def test_working_time_matches_counting_minute_by_minute(schedule: Schedule, start: datetime) -> None:
    # Three days minute by minute: a minute counts when the local wall clock shows a working
    # time on a working date. Both readings of a repeated hour count, as for the people at work.
    end = start + timedelta(days=3)
    by_day: dict[int, list[WorkingInterval]] = {}
    for interval in schedule.intervals:
        by_day.setdefault(interval.day, []).append(interval)
    minutes = 0
    moment = start
    while moment < end:
        wall = moment.astimezone(schedule.zone)
        of_day = wall.hour * 60 + wall.minute
        if wall.date() not in schedule.holidays and any(
            i.start <= of_day < i.end for i in by_day.get(wall.weekday(), ())
        ):
            minutes += 1
        moment += timedelta(minutes=1)
    assert working_time_between(start, end, schedule) == timedelta(minutes=minutes)
