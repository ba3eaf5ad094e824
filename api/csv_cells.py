"""Spreadsheet cells: how each kind of cell reads into a contract value and writes back.

Cells that hold several values separate them with ";": ``football; music``; levels are
``adhd:3; family:2``; weekly windows ``tue 16:00-20:00; sat 10:00-13:00 flexible``; dates away
``2027-02-08..2027-02-14`` (or one date for a single day). Numbers may have a decimal comma and
dates may be day-first (``20-12-2026``), as spreadsheets in such locales write them.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, NamedTuple

ITEM_SEPARATOR = ";"
_WINDOW = re.compile(r"^(\S+)\s+(\S+?)\s*-\s*(\S+)(?:\s+(\S+))?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-.](\d{1,2})[-.](\d{4})$")
_SINGLE_DIGIT_HOUR = re.compile(r"^\d:\d\d$")
_WHOLE = re.compile(r"^[+-]?\d+$")


class CellError(ValueError):
    """A cell that does not follow its column's syntax."""


def cell_items(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(ITEM_SEPARATOR) if item.strip()]


def _whole(cell: str) -> int:
    if not _WHOLE.match(cell):
        raise CellError(f"must be a whole number, got {cell!r}")
    return int(cell)


def _number(cell: str) -> float:
    try:
        value = float(cell.replace(",", ".", 1) if cell.count(",") == 1 and "." not in cell else cell)
    except ValueError:
        raise CellError(f"must be a number, got {cell!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError(f"must be a number, got {cell!r}")
    return value


def _iso_date(text: str) -> str:
    """A date as YYYY-MM-DD; a day-first date (20-12-2026, 20.12.2026) is turned around, and
    anything else is left for the schema to reject with its reason."""
    day_first = _DAY_FIRST.match(text)
    if not day_first:
        return text
    day, month, year = map(int, day_first.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise CellError(f"must be a date YYYY-MM-DD, got {text!r}") from None


def _levels(cell: str) -> dict[str, int]:
    levels: dict[str, int] = {}
    for item in cell_items(cell):
        name, colon, level = item.rpartition(":")
        name, level = name.strip(), level.strip()
        if not colon or not name:
            raise CellError(f"{item!r} needs a name and a level, e.g. 'adhd:2'")
        if not _WHOLE.match(level):
            raise CellError(f"the level of {name!r} must be a whole number, got {level!r}")
        if name in levels:
            raise CellError(f"{name!r} is given twice")
        levels[name] = int(level)
    return levels


def _clock(text: str) -> str:
    return f"0{text}" if _SINGLE_DIGIT_HOUR.match(text) else text


def _windows(cell: str) -> list[dict]:
    windows = []
    for item in cell_items(cell):
        parts = _WINDOW.match(item)
        if not parts or (parts.group(4) or "flexible").lower() != "flexible":
            raise CellError(f"{item!r} is not a weekly window: write 'tue 16:00-20:00', "
                            f"or 'sat 10:00-13:00 flexible'")
        day, start, end, flexible = parts.groups()
        windows.append({"day": day, "start": _clock(start), "end": _clock(end), "flexible": flexible is not None})
    return windows


def _ranges(cell: str) -> list[dict]:
    ranges = []
    for item in cell_items(cell):
        first, dots, last = item.partition("..")
        if not first.strip() or (dots and not last.strip()):
            raise CellError(f"{item!r} is not a date range: write '2027-02-08..2027-02-14', or one date")
        first = _iso_date(first.strip())
        ranges.append({"from": first, "to": _iso_date(last.strip()) if dots else first})
    return ranges


def _decimal(value: float, mark: str) -> str:
    number = float(value)
    text = str(int(number)) if number.is_integer() else repr(number)
    return text.replace(".", mark)


def _write_window(window: dict) -> str:
    text = f"{window['day']} {window['start']}-{window['end']}"
    return f"{text} flexible" if window.get("flexible") else text


class CellFormat(NamedTuple):
    """How a column's cell reads into a contract value, and how the value writes back; the
    writer gets the decimal mark of the file (numbers only use it)."""

    read: Callable[[str], Any]
    write: Callable[[Any, str], str]


TEXT = CellFormat(str, lambda value, mark: str(value))
WHOLE = CellFormat(_whole, lambda value, mark: str(value))
NUMBER = CellFormat(_number, _decimal)
DATE = CellFormat(_iso_date, lambda value, mark: str(value))
WORDS = CellFormat(cell_items, lambda values, mark: f"{ITEM_SEPARATOR} ".join(values))
LEVELS = CellFormat(_levels, lambda levels, mark: f"{ITEM_SEPARATOR} ".join(f"{k}:{v}" for k, v in levels.items()))
WINDOWS = CellFormat(_windows, lambda windows, mark: f"{ITEM_SEPARATOR} ".join(map(_write_window, windows)))
RANGES = CellFormat(_ranges, lambda ranges, mark: f"{ITEM_SEPARATOR} ".join(f"{r['from']}..{r['to']}" for r in ranges))
