"""Shift planning: delivery windows, recurring maintenance, working-day arithmetic."""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil import parser, tz
from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, WEEKLY, rrule
# expect: hallucinated-module -- nomod dateutil.business
from dateutil.business import BusinessDay

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Window:
    start: datetime
    end: datetime
    depot: str
    tags: list[str] = field(default_factory=list)

    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class MaintenancePlan:
    vehicle: str
    every_months: int = 3
    first: date = date(2025, 1, 15)


def parse_customer_time(text: str) -> datetime:
    # ok: unknown-keyword-argument -- runs: dateutil.parser.parse("02/03/2024 10:00", dayfirst=True, fuzzy=True) ## parse(timestr, parserinfo=None, **kwargs) forwards to parser._parse
    return parser.parse(text, dayfirst=True, fuzzy=True)


def parse_in_zone(text: str, zone: str) -> datetime:
    # expect: unknown-keyword-argument -- raises TypeError: dateutil.parser.parse("2024-01-02", tz=None) ## the keyword is tzinfos
    return parser.parse(text, tz=tz.gettz(zone))


def parse_iso(text: str) -> datetime:
    # ok: hallucinated-attribute -- has dateutil.parser isoparse
    return parser.isoparse(text)


def parse_strict(text: str) -> datetime:
    # expect: hallucinated-attribute -- lacks dateutil.parser parse_strict
    return parser.parse_strict(text, "%Y-%m-%d %H:%M")


def window_hours(window: Window) -> float:
    delta = window.end - window.start
    # expect: hallucinated-attribute -- lacks datetime.timedelta hours ## timedelta has days, seconds, microseconds
    return delta.hours + delta.minutes / 60


def window_minutes(window: Window) -> int:
    # ok: hallucinated-attribute -- has datetime.timedelta total_seconds ## datetime - datetime is a timedelta
    return int((window.end - window.start).total_seconds() // 60)


def overlap_minutes(a: Window, b: Window) -> float:
    latest_start = max(a.start, b.start)
    earliest_end = min(a.end, b.end)
    # expect: hallucinated-attribute -- lacks datetime.timedelta total_minutes
    return max(0.0, (earliest_end - latest_start).total_minutes())


def next_month_same_day(day: date) -> date:
    # ok: unknown-keyword-argument -- accepts dateutil.relativedelta.relativedelta months
    return day + relativedelta(months=+1)


def quarter_end(day: date) -> date:
    # expect: unknown-keyword-argument -- raises TypeError: dateutil.relativedelta.relativedelta(quarters=1)
    start = day + relativedelta(quarters=1)
    # ok: unknown-keyword-argument -- accepts dateutil.relativedelta.relativedelta day
    return start + relativedelta(day=31)


def age_in_months(born: date, today: date) -> int:
    diff = relativedelta(today, born)
    # ok: hallucinated-attribute -- has dateutil.relativedelta.relativedelta() months
    return diff.years * 12 + diff.months


def age_in_days(born: date, today: date) -> int:
    diff = relativedelta(today, born)
    # expect: hallucinated-attribute -- lacks dateutil.relativedelta.relativedelta() total_days
    return diff.total_days


def maintenance_dates(plan: MaintenancePlan, count: int = 4) -> list[datetime]:
    start = datetime.combine(plan.first, time(8, 0))
    # ok: unknown-keyword-argument -- accepts dateutil.rrule.rrule interval && accepts dateutil.rrule.rrule dtstart
    rule = rrule(MONTHLY, interval=plan.every_months, dtstart=start, count=count)
    return list(rule)


def weekly_slots(first: datetime, until: datetime) -> list[datetime]:
    # expect: unknown-keyword-argument -- raises TypeError: dateutil.rrule.rrule(dateutil.rrule.MONTHLY, start=datetime.datetime(2024, 1, 1), count=2) ## the keyword is dtstart
    return list(rrule(WEEKLY, start=first, until=until))


def to_utc(local: datetime) -> datetime:
    # ok: hallucinated-attribute -- has dateutil.tz UTC
    return local.replace(tzinfo=BERLIN).astimezone(tz.UTC)


def to_utc_legacy(local: datetime) -> datetime:
    # expect: hallucinated-attribute -- lacks dateutil.tz utc ## dateutil.tz has UTC and tzutc()
    return local.astimezone(tz.utc)


def now_utc() -> datetime:
    # ok: unknown-keyword-argument -- runs: datetime.datetime.now(tz=datetime.timezone.utc)
    return datetime.now(tz=timezone.utc)


def now_berlin() -> datetime:
    # expect: unknown-keyword-argument -- raises TypeError: datetime.datetime.now(timezone=datetime.timezone.utc)
    return datetime.now(timezone=BERLIN)


def stamp() -> str:
    # ok: removed-api -- has datetime.datetime utcnow ## deprecated in Python 3.12, not removed
    return datetime.utcnow().isoformat(timespec="seconds") + "Z"


def week_number(day: date) -> int:
    # ok: hallucinated-attribute -- has datetime.date(2024, 1, 1).isocalendar() week ## a named tuple since Python 3.9
    return day.isocalendar().week


def is_weekend(day: date) -> bool:
    # expect: hallucinated-attribute -- lacks datetime.date is_weekend
    return day.is_weekend()


def month_length(day: date) -> int:
    # ok: hallucinated-attribute -- has calendar monthrange
    return calendar.monthrange(day.year, day.month)[1]


def shift_window(window: Window, hours: int) -> Window:
    # ok: unknown-keyword-argument -- field Window start && field Window end ## dataclasses.replace(obj, **changes) calls the dataclass __init__
    return replace(window, start=window.start + timedelta(hours=hours), end=window.end + timedelta(hours=hours))


def retag_window(window: Window, tag: str) -> Window:
    # expect: unknown-keyword-argument -- nofield Window labels ## replace() passes it to Window.__init__, which raises TypeError
    return replace(window, labels=[*window.tags, tag])


def new_window(depot: str, start: datetime, hours: int) -> Window:
    # expect: unknown-keyword-argument -- nofield Window length
    return Window(start=start, end=start + timedelta(hours=hours), depot=depot, length=hours)


def new_plan(vehicle: str) -> MaintenancePlan:
    # ok: unknown-keyword-argument -- field MaintenancePlan every_months
    return MaintenancePlan(vehicle=vehicle, every_months=6)


def fiscal_year_start(day: date) -> date:
    # ok: hallucinated-attribute -- has datetime.date(2024, 1, 1) replace
    return day.replace(month=4, day=1) if day.month >= 4 else day.replace(year=day.year - 1, month=4, day=1)


def timestamp_ms(moment: datetime) -> int:
    # expect: hallucinated-attribute -- lacks datetime.datetime timestamp_ms
    return moment.timestamp_ms()
