"""Mentors and mentees as spreadsheets: one row per person, flat columns, CSV text that Excel
and LibreOffice read and write (the cells' syntax is in `api.csv_cells`). An empty cell leaves
the field out. The delimiter may be "," or ";" (the one used by Excel in locales with a decimal
comma), told apart by the header line. Every problem names the spreadsheet line (the header is
line 1), the person's id and the column.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from marshmallow import Schema, ValidationError

from api.csv_cells import DATE, LEVELS, NUMBER, RANGES, TEXT, WHOLE, WINDOWS, WORDS, CellError, CellFormat, cell_items
from api.tables import MENTEE, MENTOR
from matcher.errors import Problem, ScenarioError
from matcher.schema import MenteeSchema, MentorSchema, problems_of

DELIMITERS = {"comma": ",", "semicolon": ";"}
BOM = "\ufeff"
_REASONS = {
    "give exactly one of count and per_week": "give exactly one of sessions_count and sessions_per_week",
    "must be after start": "the end must be after the start",
    "must not be before from": "the last day must not be before the first",
}


class CsvRejected(ScenarioError):
    """A spreadsheet that cannot be imported; `problems` names each line, id and column."""


def decode(data: bytes, charset: str = "utf-8") -> str:
    """A spreadsheet file's bytes as text, or CsvRejected naming the first line that is not."""
    try:
        return data.decode(charset)
    except LookupError:
        raise CsvRejected([Problem("charset", f"unknown charset {charset!r}")]) from None
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise CsvRejected([Problem(f"line {line}", f"not {charset} text: save the spreadsheet as 'CSV UTF-8'")]) \
            from None


@dataclass(frozen=True)
class Column:
    """A spreadsheet column: its header, where its value sits in the contract document, its
    cell format, and what an empty cell means (`blank`: a value factory, or None: left out)."""

    name: str
    format: CellFormat
    path: tuple[str, ...] = ()
    blank: Callable[[], Any] | None = None

    @property
    def key(self) -> tuple[str, ...]:
        return self.path or (self.name,)


@dataclass(frozen=True)
class Layout:
    """The columns of one role's spreadsheet and the schema its rows are checked with."""

    role: str
    schema: Schema
    columns: tuple[Column, ...]
    required: frozenset[str]

    @property
    def by_name(self) -> dict[str, Column]:
        return {column.name: column for column in self.columns}

    @property
    def plural(self) -> str:
        return f"{self.role}s"


# An empty availability cell is a person with no weekly time yet, as the contract allows.
LAYOUTS = {
    MENTOR: Layout(MENTOR, MentorSchema(), (
        Column("id", TEXT), Column("name", TEXT), Column("kind", TEXT), Column("capacity", WHOLE),
        Column("hours_per_week", NUMBER), Column("min_hours_per_month", NUMBER),
        Column("max_flexible_per_week", WHOLE), Column("competences", LEVELS), Column("interests", WORDS),
        Column("availability", WINDOWS, blank=list), Column("unavailable", RANGES),
    ), frozenset({"id", "kind", "capacity", "hours_per_week", "availability"})),
    MENTEE: Layout(MENTEE, MenteeSchema(), (
        Column("id", TEXT), Column("name", TEXT), Column("needs", LEVELS), Column("wishes", LEVELS),
        Column("kinds", WORDS), Column("interests", WORDS),
        Column("sessions_per_week", WHOLE, ("sessions", "per_week")),
        Column("sessions_count", WHOLE, ("sessions", "count")),
        Column("sessions_minutes", WHOLE, ("sessions", "minutes")),
        Column("min_days_apart", WHOLE, ("sessions", "min_days_apart")),
        Column("availability", WINDOWS, blank=list), Column("unavailable", RANGES),
        Column("waiting_since", DATE), Column("excluded_mentors", WORDS),
    ), frozenset({"id", "sessions_minutes", "availability"})),
}
ROLE_MARKERS = {"capacity": MENTOR, "sessions_minutes": MENTEE}


class Row(NamedTuple):
    """One person read from a spreadsheet: its line (the header is line 1) and its contract
    document (with the id)."""

    line: int
    document: dict

    def at(self, column: str) -> str:
        """The problem path of a column of this row, e.g. ``line 4 (y-07).availability``."""
        return f"{_where(self.line, self.document['id'])}.{column}"


def _where(line: int, ref: str) -> str:
    return f"line {line} ({ref})" if ref else f"line {line}"


def _delimiter(header: str) -> str:
    """";" when the header line has more of them than of ","; else ","."""
    return ";" if header.count(";") > header.count(",") else ","


def _lines(text: str) -> list[tuple[int, list[str]]]:
    """The records of the CSV text, numbered from 1 as a spreadsheet numbers its rows."""
    text = text.removeprefix(BOM)
    if not text.strip():
        raise CsvRejected([Problem("line 1", "the file is empty: the first line must name the columns")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.splitlines()[0]))
    try:
        return list(enumerate(reader, start=1))
    except csv.Error as error:
        raise CsvRejected([Problem(f"line {reader.line_num}", f"not readable as CSV: {error}")]) from None


def detect_role(text: str) -> str:
    """MENTOR for a file with a capacity column, MENTEE for one with a sessions_minutes column."""
    header = {cell.strip().lower() for cell in _lines(text)[0][1]}
    found = {role for marker, role in ROLE_MARKERS.items() if marker in header}
    if len(found) != 1:
        raise CsvRejected([Problem("line 1", "cannot tell mentors from mentees: a mentors file has a capacity "
                                             "column, a mentees file a sessions_minutes column, not both")])
    return found.pop()


def _header(layout: Layout, cells: list[str]) -> dict[int, Column]:
    """The columns by position; unknown, repeated and missing columns are rejected."""
    columns, problems = {}, []
    for index, cell in enumerate(cells):
        name = cell.strip().lower()
        if not name:
            continue
        if name not in layout.by_name:
            problems.append(Problem("line 1", f"unknown column {name!r}; the {layout.plural} columns are "
                                              f"{', '.join(layout.by_name)}"))
        elif layout.by_name[name] in columns.values():
            problems.append(Problem("line 1", f"column {name!r} appears twice"))
        else:
            columns[index] = layout.by_name[name]
    named = {column.name for column in columns.values()}
    problems += [Problem("line 1", f"missing column {name!r}")
                 for name in layout.by_name if name in layout.required and name not in named]
    if problems:
        raise CsvRejected(problems)
    return columns


def _put(document: dict, key: tuple[str, ...], value) -> None:
    for part in key[:-1]:
        document = document.setdefault(part, {})
    document[key[-1]] = value


def _item_of(column: Column, cell: str, rest: str) -> str | None:
    """The item of a cell that a schema path below the column points at: `[1].day` is the
    second item, `.adhd` the level named adhd."""
    found = cell_items(cell)
    index = re.match(r"^\[(\d+)\]", rest)
    if index:
        position = int(index.group(1))
        return found[position] if position < len(found) else None
    name = rest[1:].removesuffix(" (key)")
    return next((item for item in found if item.rpartition(":")[0].strip() == name), None)


def _column_problem(layout: Layout, cells: dict[str, str], where: str, problem: Problem) -> tuple[str, Problem]:
    """A schema problem of a row's document as a problem of its column, the item named."""
    for column in layout.columns:
        key = ".".join(column.key)
        if problem.path == key or problem.path.startswith((key + ".", key + "[")):
            rest = problem.path[len(key):]
            reason = _REASONS.get(problem.reason, problem.reason)
            item = _item_of(column, cells.get(column.name, ""), rest) if rest else None
            return column.name, Problem(f"{where}.{column.name}", f"{reason} (in {item!r})" if item else reason)
    return "", Problem(where, problem.reason)


def _row(layout: Layout, columns: dict[int, Column], line: int, cells: list[str]) -> tuple[str, dict, list[Problem]]:
    """A data line's id cell and its normalised contract document, or the problems that stop
    it, in the order of the columns."""
    named = {column.name: (cells[i].strip() if i < len(cells) else "") for i, column in columns.items()}
    ref = named.get("id", "")
    where = _where(line, ref)
    problems = [("", Problem(where, f"a value in column {i + 1}, which has no name in line 1"))
                for i, cell in enumerate(cells) if i not in columns and cell.strip()]
    document: dict = {}
    for column in columns.values():
        if len(column.key) > 1:
            document.setdefault(column.key[0], {})
        cell = named[column.name]
        if not cell:
            if column.blank is not None:
                _put(document, column.key, column.blank())
            continue
        try:
            _put(document, column.key, column.format.read(cell))
        except CellError as error:
            problems.append((column.name, Problem(f"{where}.{column.name}", str(error))))
    try:
        document = layout.schema.dump(layout.schema.load(document))
    except ValidationError as error:
        unreadable = {name for name, _ in problems}
        problems += [(name, problem) for name, problem in
                     (_column_problem(layout, named, where, p) for p in problems_of(error.messages))
                     if name not in unreadable]
    order = [""] + list(layout.by_name)
    return ref, document, [problem for _, problem in sorted(problems, key=lambda found: order.index(found[0]))]


def parse_rows(role: str, text: str) -> tuple[list[Row], list[Problem]]:
    """The people of a spreadsheet's CSV text that the contract's schema accepts, and the
    problems of every other line, duplicate ids included; raises CsvRejected for a file whose
    header cannot be read."""
    layout = LAYOUTS[role]
    lines = _lines(text)
    columns = _header(layout, lines[0][1])
    rows, problems, first_line = [], [], {}
    for line, cells in lines[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        ref, document, found = _row(layout, columns, line, cells)
        problems += found
        if ref in first_line:
            problems.append(Problem(f"{_where(line, ref)}.id", f"duplicate id {ref!r}, also on line {first_line[ref]}"))
        elif ref:
            first_line[ref] = line
        if not found:
            rows.append(Row(line, document))
    return rows, problems


def by_line(problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the lines they name (stable within a line)."""
    return sorted(problems, key=lambda problem: int(re.match(r"line (\d+)", problem.path).group(1))
                  if problem.path.startswith("line ") else 0)


def read_rows(role: str, text: str) -> list[Row]:
    """Every person of a spreadsheet's CSV text, checked with the contract's schema; raises
    CsvRejected listing every problem of every line."""
    rows, problems = parse_rows(role, text)
    if problems:
        raise CsvRejected(problems)
    return rows


def rows_to_documents(role: str, text: str) -> list[dict]:
    """The contract documents (MentorSchema or MenteeSchema shape, as they dump) of a
    spreadsheet's CSV text; raises CsvRejected listing every problem."""
    return [row.document for row in read_rows(role, text)]


def _cell(column: Column, document: dict, mark: str) -> str:
    value: Any = document
    for part in column.key:
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None or value == [] or value == {} else column.format.write(value, mark)


def documents_to_csv(role: str, documents: list[dict], delimiter: str = ",") -> str:
    """The spreadsheet of contract documents: a header line and one line per person. With ";"
    as the delimiter numbers get a decimal comma, as spreadsheets in such locales write them."""
    layout = LAYOUTS[role]
    mark = "," if delimiter == ";" else "."
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([column.name for column in layout.columns])
    writer.writerows([_cell(column, document, mark) for column in layout.columns] for document in documents)
    return out.getvalue()
