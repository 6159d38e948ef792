"""Which rows answer each bucket: whole local days of a kept UTC offset are day rows, everything else hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from server.reports.buckets import Bucket, boundaries
from server.reports.histogram import MAX_BIN, add_into, percentile, ranked, representative
from server.reports.pieces import pieces

NEW_YORK = ZoneInfo("America/New_York")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
KOLKATA = ZoneInfo("Asia/Kolkata")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


def _bounds(start: datetime, end: datetime, zone: ZoneInfo, bucket: Bucket) -> list[datetime]:
    return boundaries(start=start, end=end, zone=zone, bucket=bucket, limit=400)


def test_days_of_a_kept_offset_are_one_row_each() -> None:
    bounds = _bounds(datetime(2026, 9, 8, 12, tzinfo=UTC), datetime(2026, 12, 7, 12, tzinfo=UTC), SAO_PAULO, Bucket.DAY)
    found = pieces(bounds, zone=SAO_PAULO, bucket=Bucket.DAY, kept={-180}, use_days=True)
    assert found.hours == []
    assert found.offsets == {-180}
    assert len(found.days) == len(bounds) - 1 == 91
    assert found.days[(-180, date(2026, 9, 8))] == 0
    assert found.days[(-180, date(2026, 12, 7))] == 90


def test_an_offset_not_kept_yet_is_read_from_hours_and_asked_for() -> None:
    bounds = _bounds(datetime(2026, 9, 8, 12, tzinfo=UTC), datetime(2026, 12, 7, 12, tzinfo=UTC), SAO_PAULO, Bucket.DAY)
    found = pieces(bounds, zone=SAO_PAULO, bucket=Bucket.DAY, kept={0}, use_days=True)
    assert found.days == {}
    assert found.hours == [(bounds[0], bounds[-1])]
    assert found.offsets == {-180}


def test_the_days_clocks_change_are_hours_and_the_rest_days_of_either_offset() -> None:
    # New York springs forward on 2026-03-08 (a 23-hour day) and falls back on 2026-11-01 (25 hours).
    bounds = _bounds(datetime(2026, 3, 1, 5, tzinfo=UTC), datetime(2026, 11, 30, 5, tzinfo=UTC), NEW_YORK, Bucket.WEEK)
    found = pieces(bounds, zone=NEW_YORK, bucket=Bucket.WEEK, kept={-300, -240}, use_days=True)
    spring = datetime(2026, 3, 8, 5, tzinfo=UTC)
    fall = datetime(2026, 11, 1, 4, tzinfo=UTC)
    assert found.hours == [(spring, spring + timedelta(hours=23)), (fall, fall + timedelta(hours=25))]
    assert found.offsets == {-300, -240}
    # Either side of a change (a Sunday), Saturday and Monday at their own offsets, in consecutive weeks.
    assert found.days[(-300, date(2026, 3, 7))] + 1 == found.days[(-240, date(2026, 3, 9))]
    assert found.days[(-240, date(2026, 10, 31))] + 1 == found.days[(-300, date(2026, 11, 2))]
    # Every other local day of the range is one day row, in the week that holds it.
    weeks = len(bounds) - 1
    assert len(found.days) == weeks * 7 - 2
    for (offset, day), index in found.days.items():
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(minutes=offset)
        assert bounds[index] <= start < bounds[index + 1]
        assert start.astimezone(NEW_YORK).hour == 0


def test_hour_buckets_and_finer_levels_read_hours() -> None:
    start, end = datetime(2026, 12, 1, 3, tzinfo=UTC), datetime(2026, 12, 3, 3, tzinfo=UTC)
    hourly = _bounds(start, end, SAO_PAULO, Bucket.HOUR)
    assert pieces(hourly, zone=SAO_PAULO, bucket=Bucket.HOUR, kept={-180}, use_days=True).hours == [(start, end)]
    daily = _bounds(start, end, SAO_PAULO, Bucket.DAY)
    fine = pieces(daily, zone=SAO_PAULO, bucket=Bucket.DAY, kept={-180}, use_days=False)
    assert (fine.hours, fine.days) == ([(start, end)], {})


def test_whole_hour_zones_read_no_quarter_hours() -> None:
    start, end = datetime(2026, 3, 1, 5, tzinfo=UTC), datetime(2026, 11, 30, 5, tzinfo=UTC)
    for bucket in Bucket:
        # Hours: the ten days around the spring change.
        last = start + timedelta(days=10) if bucket is Bucket.HOUR else end
        bounds = _bounds(start, last, NEW_YORK, bucket)
        for use_days in (True, False):
            found = pieces(bounds, zone=NEW_YORK, bucket=bucket, kept={-300}, use_days=use_days)
            assert found.quarters == []
            assert found.with_after(bounds[-1], datetime(9999, 1, 1, tzinfo=UTC)).quarters == []


def test_days_of_a_half_hour_offset_not_kept_are_whole_hours_between_two_half_hours() -> None:
    # Kolkata's days start at 18:30 UTC: the hour 18:00-19:00 holds the end of one day and the start of the next.
    bounds = _bounds(datetime(2026, 12, 1, 12, tzinfo=UTC), datetime(2026, 12, 3, 12, tzinfo=UTC), KOLKATA, Bucket.DAY)
    assert [bound.strftime("%d %H:%M") for bound in bounds] == ["30 18:30", "01 18:30", "02 18:30", "03 18:30"]
    found = pieces(bounds, zone=KOLKATA, bucket=Bucket.DAY, kept=set(), use_days=True)
    assert found.offsets == {330}
    half = timedelta(minutes=30)
    assert found.hours == [(first + half, last - half) for first, last in pairwise(bounds)]
    # The quarter-hour rows cover the rest: the first and last half hours, and each hour a day boundary cuts.
    assert found.quarters == [
        (bounds[0], bounds[0] + half),
        *((bound - half, bound + half) for bound in bounds[1:-1]),
        (bounds[-1] - half, bounds[-1]),
    ]
    kept = pieces(bounds, zone=KOLKATA, bucket=Bucket.DAY, kept={330}, use_days=True)
    assert (kept.hours, kept.quarters, len(kept.days)) == ([], [], 3)


def test_hours_of_a_half_hour_zone_are_quarter_hours_and_the_backlog_after_them_hours() -> None:
    start = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    bounds = _bounds(start, start + timedelta(hours=5), KOLKATA, Bucket.HOUR)
    found = pieces(bounds, zone=KOLKATA, bucket=Bucket.HOUR, kept={330}, use_days=True)
    assert (found.hours, found.quarters) == ([], [(bounds[0], bounds[-1])])
    forever = datetime(9999, 1, 1, tzinfo=UTC)
    after = found.with_after(bounds[-1], forever)
    assert after.quarters == [(bounds[0], bounds[-1] + timedelta(minutes=30))]
    assert after.hours == [(bounds[-1] + timedelta(minutes=30), forever)]


def test_lord_howe_days_of_a_half_hour_change_are_read_from_hours_and_quarters() -> None:
    # Lord Howe falls back by half an hour on 2026-04-05 (a 24.5-hour day): +11:00 before, +10:30 after.
    bounds = _bounds(datetime(2026, 4, 3, tzinfo=UTC), datetime(2026, 4, 7, tzinfo=UTC), LORD_HOWE, Bucket.DAY)
    found = pieces(bounds, zone=LORD_HOWE, bucket=Bucket.DAY, kept={660, 630}, use_days=True)
    change_day = datetime(2026, 4, 4, 13, tzinfo=UTC)
    assert found.hours == [(change_day, change_day + timedelta(hours=24))]
    assert found.quarters == [(change_day + timedelta(hours=24), change_day + timedelta(hours=24, minutes=30))]
    assert found.offsets == {660, 630}


def test_ranked_bins_are_the_nearest_rank_percentiles() -> None:
    for counts in ([1], [0, 3, 0, 1], [5, 5], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [2, 0, 0, 7, 1]):
        for lo in (0, 3, 40):
            histogram = {lo + i: n for i, n in enumerate(counts) if n}
            total, median_bin, p90_bin = ranked(lo, counts)
            assert total == sum(counts)
            assert representative(median_bin) == percentile(histogram, 0.5)
            assert representative(p90_bin) == percentile(histogram, 0.9)


def test_histograms_from_different_first_bins_add_up() -> None:
    total = [0] * (MAX_BIN + 1)
    add_into(total, 3, [1, 2])
    add_into(total, 4, [5, 0, 1])
    add_into(total, MAX_BIN, [4])
    assert {index: n for index, n in enumerate(total) if n} == {3: 1, 4: 7, 6: 1, MAX_BIN: 4}
