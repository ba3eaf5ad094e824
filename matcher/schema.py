"""Marshmallow schemas of the scenario contract, and the loader that turns JSON into a Scenario.

Every rejection names the path of the offending value and the reason, for example
``mentees[3].sessions.minutes: must be greater than 0``.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from marshmallow import (RAISE, Schema, ValidationError, fields, post_dump, post_load, pre_dump,
                         validate, validates_schema)

from matcher import model
from matcher.errors import Problem, ScenarioError
from matcher.fields import ClockTime, Day, IsoDate, LocalDateTime, TimeZoneName

HOURS_IN_A_MONTH = 31 * 24  # a minimum above it could never be met (and overflowed the shortfall penalty)


def _greater_than(minimum):
    return validate.Range(min=minimum, min_inclusive=False, error=f"must be greater than {minimum}")


def _at_least(minimum):
    return validate.Range(min=minimum, error=f"must be at least {minimum}")


def _levels():
    return fields.Dict(keys=fields.String(validate=validate.Length(min=1)),
                       values=fields.Integer(strict=True, validate=validate.Range(
                           min=1, max=3, error="level must be between 1 and 3")))


def _strings():
    return fields.List(fields.String(validate=validate.Length(min=1)))


class _Strict(Schema):
    """Unknown fields are rejected on load; absent values (None) are left out on dump, so that
    what is dumped loads back to the same record."""

    class Meta:
        unknown = RAISE

    @post_dump
    def without_absent(self, data, **kwargs):
        return {key: value for key, value in data.items() if value is not None}


class _Span(_Strict):
    """A start and an end time of day; the end must come after the start."""

    start = ClockTime(required=True)
    end = ClockTime(required=True)

    @validates_schema(skip_on_field_errors=False)
    def end_after_start(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError("must be after start", "end")


class WindowSchema(_Span):
    day = Day(required=True)
    flexible = fields.Boolean(load_default=False)

    @post_load
    def make(self, data, **kwargs):
        return model.Window(**data)


class DateRangeSchema(_Strict):
    first = IsoDate(required=True, data_key="from")
    last = IsoDate(required=True, data_key="to")

    @validates_schema(skip_on_field_errors=False)
    def ordered(self, data, **kwargs):
        if "first" in data and "last" in data and data["last"] < data["first"]:
            raise ValidationError("must not be before from", "to")

    @post_load
    def make(self, data, **kwargs):
        return model.DateRange(**data)


class SessionPlanSchema(_Strict):
    minutes = fields.Integer(strict=True, required=True, validate=_greater_than(0))
    per_week = fields.Integer(strict=True, validate=_greater_than(0))
    count = fields.Integer(strict=True, validate=_greater_than(0))
    min_days_apart = fields.Integer(strict=True, load_default=0, validate=_at_least(0))

    @validates_schema(skip_on_field_errors=False)
    def one_frequency(self, data, **kwargs):
        given = [key for key in ("count", "per_week") if key in data]
        if len(given) != 1:
            raise ValidationError("give exactly one of count and per_week", "count")

    @post_load
    def make(self, data, **kwargs):
        return model.SessionPlan(**data)


class DaytimeSchema(_Span):
    @post_load
    def make(self, data, **kwargs):
        return (data["start"], data["end"])

    @pre_dump
    def unpack(self, daytime, **kwargs):
        start, end = daytime
        return {"start": start, "end": end}


class WeightsSchema(_Strict):
    competence = fields.Float(validate=_at_least(0))
    interests = fields.Float(validate=_at_least(0))
    chemistry = fields.Float(validate=_at_least(0))
    availability = fields.Float(validate=_at_least(0))


class ProgrammeSchema(_Strict):
    name = fields.String(load_default="")
    timezone = TimeZoneName(required=True)
    start = IsoDate(required=True)
    weeks = fields.Integer(strict=True, required=True, validate=validate.Range(
        min=1, max=104, error="must be between 1 and 104"))
    slot_minutes = fields.Integer(strict=True, load_default=30, validate=validate.OneOf(
        [5, 10, 15, 20, 30, 60], error="must be one of 5, 10, 15, 20, 30, 60"))
    daytime = fields.Nested(DaytimeSchema, load_default=(8 * 60, 16 * 60))
    weights = fields.Dict(keys=fields.String(), values=fields.Float(), load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def known_weights(self, data, **kwargs):
        weights = data.get("weights")
        if weights is None:
            return
        errors = WeightsSchema().validate(weights)
        if errors:
            raise ValidationError(errors, "weights")
        if sum(weights.values()) <= 0:
            raise ValidationError("must not all be 0", "weights")

    @post_load
    def make(self, data, **kwargs):
        weights = data.pop("weights") or dict.fromkeys(model.COMPONENTS, 0.25)
        return model.Programme(weights={c: float(weights.get(c, 0.0)) for c in model.COMPONENTS}, **data)


class MentorSchema(_Strict):
    id = fields.String(required=True, validate=validate.Length(min=1))
    name = fields.String(load_default="")
    kind = fields.String(required=True, validate=validate.OneOf(
        ["volunteer", "professional"], error="must be volunteer or professional"))
    competences = _levels()
    interests = _strings()
    capacity = fields.Integer(strict=True, required=True, validate=_at_least(0))
    hours_per_week = fields.Float(required=True, validate=_at_least(0))
    min_hours_per_month = fields.Float(validate=validate.Range(
        min=0, max=HOURS_IN_A_MONTH, error=f"must be between 0 and {HOURS_IN_A_MONTH}, the hours of a month"),
        allow_none=True)
    availability = fields.List(fields.Nested(WindowSchema), required=True)
    max_flexible_per_week = fields.Integer(strict=True, validate=_at_least(0), allow_none=True)
    unavailable = fields.List(fields.Nested(DateRangeSchema))

    @post_load
    def make(self, data, **kwargs):
        return model.Mentor(**_tuples(data, "interests", "availability", "unavailable"))


class MenteeSchema(_Strict):
    id = fields.String(required=True, validate=validate.Length(min=1))
    name = fields.String(load_default="")
    needs = _levels()
    wishes = _levels()
    kinds = fields.List(fields.String(validate=validate.OneOf(
        ["volunteer", "professional"], error="must be volunteer or professional")), allow_none=True)
    interests = _strings()
    sessions = fields.Nested(SessionPlanSchema, required=True)
    availability = fields.List(fields.Nested(WindowSchema), required=True)
    unavailable = fields.List(fields.Nested(DateRangeSchema))
    waiting_since = IsoDate(allow_none=True)
    excluded_mentors = _strings()

    @post_load
    def make(self, data, **kwargs):
        return model.Mentee(**_tuples(data, "interests", "availability", "unavailable",
                                      "excluded_mentors", "kinds"))


class FeedbackSchema(_Strict):
    mentor = fields.String(required=True)
    mentee = fields.String(required=True)
    rating = fields.Integer(strict=True, validate=validate.Range(
        min=1, max=5, error="must be between 1 and 5"), allow_none=True)
    breakdown = fields.Boolean(load_default=False)

    @validates_schema(skip_on_field_errors=False)
    def says_something(self, data, **kwargs):
        if data.get("rating") is None and not data.get("breakdown"):
            raise ValidationError("give a rating or breakdown: true", "rating")

    @post_load
    def make(self, data, **kwargs):
        return model.Feedback(**data)


class CurrentMatchSchema(_Strict):
    mentor = fields.String(required=True)
    mentee = fields.String(required=True)
    sessions = fields.List(LocalDateTime())

    @post_load
    def make(self, data, **kwargs):
        return model.CurrentMatch(**_tuples(data, "sessions"))


class ScenarioSchema(_Strict):
    programme = fields.Nested(ProgrammeSchema, required=True)
    mentors = fields.List(fields.Nested(MentorSchema), required=True)
    mentees = fields.List(fields.Nested(MenteeSchema), required=True)
    feedback = fields.List(fields.Nested(FeedbackSchema), load_default=list)
    matches = fields.List(fields.Nested(CurrentMatchSchema), load_default=list)

    @validates_schema(skip_on_field_errors=True)
    def consistent(self, data, **kwargs):
        errors = _reference_errors(data)
        if errors:
            raise ValidationError(errors)

    @post_load
    def make(self, data, **kwargs):
        zone = ZoneInfo(data["programme"].timezone)
        matches = tuple(model.CurrentMatch(m.mentor, m.mentee, tuple(_local(t, zone) for t in m.sessions))
                        for m in data["matches"])
        return model.Scenario(programme=data["programme"], mentors=tuple(data["mentors"]),
                              mentees=tuple(data["mentees"]), feedback=tuple(data["feedback"]),
                              matches=matches)


def _tuples(data: dict, *keys: str) -> dict:
    return {k: (tuple(v) if k in keys and v is not None else v) for k, v in data.items()}


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A booked time as naive local time; one given with an offset is converted first."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment.tzinfo else moment


def _nest(errors: dict, path: tuple, message: str) -> None:
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node.setdefault(path[-1], []).append(message)


def _reference_errors(data: dict) -> dict:
    """Duplicate ids, references to unknown ids, and current matches over capacity."""
    errors: dict = {}
    mentor_ids = Counter(m.id for m in data["mentors"])
    mentee_ids = Counter(m.id for m in data["mentees"])
    for group, counts in (("mentors", mentor_ids), ("mentees", mentee_ids)):
        for index, person in enumerate(data[group]):
            if counts[person.id] > 1:
                _nest(errors, (group, index, "id"), f"duplicate id {person.id!r}")
    for index, mentee in enumerate(data["mentees"]):
        for excluded in mentee.excluded_mentors:
            if excluded not in mentor_ids:
                _nest(errors, ("mentees", index, "excluded_mentors"), f"unknown mentor {excluded!r}")
    for group in ("feedback", "matches"):
        for index, record in enumerate(data[group]):
            if record.mentor not in mentor_ids:
                _nest(errors, (group, index, "mentor"), f"unknown mentor {record.mentor!r}")
            if record.mentee not in mentee_ids:
                _nest(errors, (group, index, "mentee"), f"unknown mentee {record.mentee!r}")
    seen_mentees: set[str] = set()
    broken = {(f.mentor, f.mentee) for f in data["feedback"] if f.breakdown}
    load = Counter()
    for index, match in enumerate(data["matches"]):
        if match.mentee in seen_mentees:
            _nest(errors, ("matches", index, "mentee"), f"{match.mentee!r} already has a current match")
        seen_mentees.add(match.mentee)
        load[match.mentor] += (match.mentor, match.mentee) not in broken
    capacities = {m.id: m.capacity for m in data["mentors"]}
    for index, match in enumerate(data["matches"]):
        if match.mentor in capacities and load[match.mentor] > capacities[match.mentor]:
            _nest(errors, ("matches", index, "mentor"),
                  f"{match.mentor!r} has {load[match.mentor]} current matches that have not broken "
                  f"down but capacity {capacities[match.mentor]}")
    return errors


_MESSAGES = {
    "Missing data for required field.": "is required",
    "Unknown field.": "unknown field",
    "Not a valid integer.": "must be a whole number",
    "Not a valid number.": "must be a number",
    "Not a valid string.": "must be a string",
    "Not a valid boolean.": "must be true or false",
    "Not a valid list.": "must be a list",
    "Not a valid mapping type.": "must be an object",
    "Invalid input type.": "must be an object",
    "Field may not be null.": "must not be null",
    "Invalid value.": "invalid value",
}


def _flatten(messages, path: str = "") -> list[Problem]:
    """Marshmallow's nested error dict as a flat list of (path, reason)."""
    if isinstance(messages, dict):
        problems = []
        for key, value in messages.items():
            if key == "_schema":
                problems += _flatten(value, path)
            elif isinstance(key, int):
                problems += _flatten(value, f"{path}[{key}]")
            elif key == "key":
                problems += _flatten(value, f"{path} (key)")
            elif key == "value":
                problems += _flatten(value, path)
            else:
                problems += _flatten(value, f"{path}.{key}" if path else str(key))
        return problems
    if isinstance(messages, list):
        return [p for m in messages for p in _flatten(m, path)]
    text = str(messages)
    return [Problem(path or "scenario", _MESSAGES.get(text, text.rstrip(".").lower() if text.endswith(".") else text))]


def problems_of(messages, root: str = "scenario") -> list[Problem]:
    """Marshmallow's error messages as sorted problems; `root` names a value with no path."""
    return sorted({Problem(root if p.path == "scenario" else p.path, p.reason) for p in _flatten(messages)})


def load_scenario(data) -> model.Scenario:
    """Validate a scenario already parsed from JSON; raise ScenarioError listing every problem."""
    if not isinstance(data, dict):
        raise ScenarioError([Problem("scenario", "must be a JSON object")])
    try:
        return ScenarioSchema().load(data)
    except ValidationError as error:
        raise ScenarioError(problems_of(error.messages)) from None


def parse_scenario(text: str | bytes) -> model.Scenario:
    """Parse and validate scenario JSON text."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ScenarioError([Problem("scenario", f"not valid JSON: {error}")]) from None
    return load_scenario(data)



def dump_scenario(scenario: model.Scenario) -> dict:
    """The scenario in the contract's JSON form; `load_scenario` reads it back unchanged."""
    return ScenarioSchema().dump(scenario)
