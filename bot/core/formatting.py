"""Dates, times and numbers as people in Indonesia write them (Babel, CLDR data)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal


def long_date(day: date, locale: str) -> str:
    """Rabu, 1 Oktober 2025 (CLDR's `full` pads the day: 01 Oktober)."""
    return format_date(day, "EEEE, d MMMM y", locale=locale)


def date_time(moment: datetime, zone: tzinfo, locale: str) -> str:
    """Rabu, 1 Oktober 2025 pukul 09.00 WITA, in the zone of the place it happens."""
    if locale == "id":
        return format_datetime(moment, "EEEE, d MMMM y 'pukul' HH.mm zzz", tzinfo=zone, locale="id")
    when = format_datetime(moment, "EEEE, d MMMM y, HH:mm", tzinfo=zone, locale=locale)
    return f"{when} {zone_name(zone, moment)}"


def zone_name(zone: tzinfo, moment: datetime) -> str:
    """WIB, WITA or WIT. English CLDR data names Indonesia's zones "+0800"; people there say
    WIB, WITA and WIT whatever language they read, so a zone keeps its Indonesian name."""
    return format_datetime(moment, "zzz", tzinfo=zone, locale="id")


def period(days: int, locale: str) -> str:
    """ "2 tahun" for whole years, else "14 hari": never rounded ("10 days" is not "1 week")."""
    if days % 365 == 0:
        return format_timedelta(timedelta(days=days), locale=locale)
    return format_timedelta(timedelta(days=days), granularity="day", threshold=1e9, locale=locale)


def number(value: float, locale: str) -> str:
    return format_decimal(value, locale=locale)
