"""Marshmallow fields of the scenario contract: times of day, weekdays, dates, time zones."""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields

from matcher import model

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
_DAY_INDEX = {name: index for index, name in enumerate(model.DAY_NAMES)}


class ClockTime(fields.Field):
    """A local time of day "HH:MM" (24:00 allowed as an end), loaded as minutes from midnight."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _CLOCK.match(value):
            raise ValidationError(f"must be a time of day HH:MM, got {value!r}")
        hours, minutes = value.split(":")
        return int(hours) * 60 + int(minutes)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value // 60:02d}:{value % 60:02d}"


class Day(fields.Field):
    """A day of the week by its three-letter English name, loaded as 0 (Monday) to 6."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or value.lower() not in _DAY_INDEX:
            raise ValidationError(f"unknown day {value!r}; use one of {', '.join(model.DAY_NAMES)}")
        return _DAY_INDEX[value.lower()]

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else model.DAY_NAMES[value]


class _IsoText(fields.Field):
    """A value written in an ISO 8601 form: `parse` reads it, `write` writes it back."""

    form = ""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return self.parse(value)
        except (TypeError, ValueError):
            raise ValidationError(f"must be {self.form}, got {value!r}") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else self.write(value)


class IsoDate(_IsoText):
    """A calendar date "YYYY-MM-DD"."""

    form = "a date YYYY-MM-DD"
    parse = staticmethod(date.fromisoformat)
    write = staticmethod(date.isoformat)


class LocalDateTime(_IsoText):
    """A local date and time "YYYY-MM-DDTHH:MM" (an offset, if given, is kept for conversion)."""

    form = "a date and time YYYY-MM-DDTHH:MM"
    parse = staticmethod(datetime.fromisoformat)
    write = staticmethod(lambda moment: moment.isoformat(timespec="minutes"))


class TimeZoneName(fields.String):
    """An IANA time zone name such as Europe/Copenhagen."""

    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"unknown time zone {name!r}") from None
        return name
