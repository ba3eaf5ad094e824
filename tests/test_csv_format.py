"""Mentors and mentees as CSV spreadsheets: the cell syntax, delimiters, byte order marks,
problems named by line, id and column, and export then import giving the same documents."""
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.csv_format import (MENTEE, MENTOR, CsvRejected, decode, detect_role, documents_to_csv, read_rows,
                            rows_to_documents)
from matcher.schema import MenteeSchema, MentorSchema
from strategies import mentee_bodies, mentor_bodies

BUNDLED = sorted(Path(__file__).parent.parent.joinpath("scenarios").glob("*.json"))
SCHEMAS = {MENTOR: MentorSchema(), MENTEE: MenteeSchema()}
MENTORS_HEADER = "id,name,kind,capacity,hours_per_week,availability,competences,unavailable"
MENTEES_HEADER = "id,name,kinds,sessions_per_week,sessions_count,sessions_minutes,availability,waiting_since"
GOOD_MENTOR = "m-01,Ane,volunteer,3,4,tue 16:00-20:00,adhd:3,2027-02-08..2027-02-14"


def normalised(role, documents):
    """Documents as the contract's schema loads and dumps them."""
    schema = SCHEMAS[role]
    return [schema.dump(schema.load(document)) for document in documents]


def problems(role, text):
    with pytest.raises(CsvRejected) as rejected:
        rows_to_documents(role, text)
    return [(p.path, p.reason) for p in rejected.value.problems]


@pytest.mark.parametrize("delimiter", [",", ";"], ids=["comma", "semicolon"])
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_scenario_exports_and_imports_to_the_same_documents(path, delimiter):
    scenario = json.loads(path.read_text())
    for role, group in ((MENTOR, "mentors"), (MENTEE, "mentees")):
        text = documents_to_csv(role, scenario[group], delimiter)
        assert rows_to_documents(role, text) == normalised(role, scenario[group])


# What the shared strategies leave out: dates away, and a mentee's wishes and exclusions.
days_away = st.lists(st.dates().map(lambda day: {"from": str(day), "to": str(day)}), max_size=2)
mentor_extras = st.fixed_dictionaries({}, optional={"unavailable": days_away})
mentee_extras = st.fixed_dictionaries({}, optional={
    "unavailable": days_away,
    "wishes": st.dictionaries(st.sampled_from(["adhd", "school", "family"]), st.integers(1, 3), max_size=2),
    "excluded_mentors": st.lists(st.sampled_from(["m-0", "m-1", "m-2"]), max_size=2, unique=True),
})


def _people(bodies, extras, prefix):
    names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12).map(str.strip)
    return st.lists(st.tuples(bodies, extras, names), max_size=4).map(lambda drawn: [
        {**body, **more, "id": f"{prefix}-{index}", "name": name} for index, (body, more, name) in enumerate(drawn)])


@settings(max_examples=60, deadline=None)
@given(mentors=_people(mentor_bodies, mentor_extras, "m"), mentees=_people(mentee_bodies, mentee_extras, "y"),
       delimiter=st.sampled_from([",", ";"]))
def test_random_people_export_and_import_to_the_same_documents(mentors, mentees, delimiter):
    for role, documents in ((MENTOR, mentors), (MENTEE, mentees)):
        assert rows_to_documents(role, documents_to_csv(role, documents, delimiter)) == normalised(role, documents)


def test_cells_read_into_the_contract_fields():
    text = (f"{MENTORS_HEADER},interests\n"
            "m-01,Ane,volunteer,3,4.5,tue 16:00-20:00; sat 10:00-13:00 flexible,adhd:3; family:2,"
            "2027-02-08..2027-02-14; 2027-03-01,football; music\n")
    [mentor] = rows_to_documents(MENTOR, text)
    assert mentor["availability"] == [{"day": "tue", "start": "16:00", "end": "20:00", "flexible": False},
                                      {"day": "sat", "start": "10:00", "end": "13:00", "flexible": True}]
    assert mentor["competences"] == {"adhd": 3, "family": 2}
    assert mentor["unavailable"] == [{"from": "2027-02-08", "to": "2027-02-14"},
                                     {"from": "2027-03-01", "to": "2027-03-01"}]
    assert mentor["interests"] == ["football", "music"]
    assert mentor["hours_per_week"] == 4.5 and mentor["capacity"] == 3


def test_an_empty_cell_leaves_the_field_out():
    [mentee] = rows_to_documents(MENTEE, f"{MENTEES_HEADER}\ny-01,Jonas,,1,,60,,\n")
    assert "kinds" not in mentee and "waiting_since" not in mentee
    assert mentee["availability"] == [] and mentee["sessions"] == {"per_week": 1, "minutes": 60, "min_days_apart": 0}
    [given] = rows_to_documents(MENTEE, f"{MENTEES_HEADER}\ny-01,Jonas,volunteer,1,,60,,2026-12-20\n")
    assert given["kinds"] == ["volunteer"] and given["waiting_since"] == "2026-12-20"


def test_the_delimiter_is_told_from_the_header_line():
    semicolons = MENTORS_HEADER.replace(",", ";") + "\nm-01;Hansen, Ane;volunteer;3;4,5;tue 16:00-20:00;;\n"
    [mentor] = rows_to_documents(MENTOR, semicolons)
    assert mentor["name"] == "Hansen, Ane" and mentor["hours_per_week"] == 4.5
    commas = f'{MENTORS_HEADER}\nm-01,"Hansen; Ane",volunteer,3,"4,5",tue 16:00-20:00,,\n'
    [mentor] = rows_to_documents(MENTOR, commas)
    assert mentor["name"] == "Hansen; Ane" and mentor["hours_per_week"] == 4.5


def test_a_semicolon_export_writes_decimal_commas_and_a_comma_export_decimal_points():
    mentor = {"id": "m-01", "kind": "volunteer", "capacity": 1, "hours_per_week": 2.5, "availability": []}
    assert "m-01;;volunteer;1;2,5;" in documents_to_csv(MENTOR, [mentor], ";")
    assert "m-01,,volunteer,1,2.5," in documents_to_csv(MENTOR, [mentor], ",")


def test_a_byte_order_mark_and_headers_in_any_case_are_accepted():
    text = "\ufeff" + " ID ,Name,KIND,Capacity,Hours_Per_Week,Availability\r\nm-01,Ane,volunteer,3,4,\r\n"
    assert rows_to_documents(MENTOR, text)[0]["id"] == "m-01"
    assert decode(text.encode("utf-8")) == text


def test_day_first_dates_and_one_digit_hours_are_read_as_spreadsheets_write_them():
    [mentee] = rows_to_documents(MENTEE, f"{MENTEES_HEADER}\ny-01,Jonas,,1,,60,tue 9:00-11:30,20-12-2026\n")
    assert mentee["waiting_since"] == "2026-12-20"
    assert mentee["availability"][0]["start"] == "09:00"
    assert problems(MENTEE, f"{MENTEES_HEADER}\ny-01,Jonas,,1,,60,,31-02-2027\n") == [
        ("line 2 (y-01).waiting_since", "must be a date YYYY-MM-DD, got '31-02-2027'")]
    assert problems(MENTEE, f"{MENTEES_HEADER}\ny-01,Jonas,,1,,60,,12/20/2026\n") == [
        ("line 2 (y-01).waiting_since", "must be a date YYYY-MM-DD, got '12/20/2026'")]


def test_unknown_repeated_and_missing_columns_are_named_on_line_1():
    found = problems(MENTOR, "id,name,colour,name,hours_per_week\n")
    assert ("line 1", "column 'name' appears twice") in found
    assert any(path == "line 1" and reason.startswith("unknown column 'colour'") for path, reason in found)
    assert ("line 1", "missing column 'kind'") in found and ("line 1", "missing column 'capacity'") in found
    assert ("line 1", "missing column 'availability'") in found
    assert ("line 1", "missing column 'hours_per_week'") not in found
    assert problems(MENTEE, "id,availability\n") == [("line 1", "missing column 'sessions_minutes'")]


@pytest.mark.parametrize("column, cell, reason", [
    ("capacity", "three", "must be a whole number, got 'three'"),
    ("capacity", "2.5", "must be a whole number, got '2.5'"),
    ("hours_per_week", "lots", "must be a number, got 'lots'"),
    ("competences", "adhd", "'adhd' needs a name and a level, e.g. 'adhd:2'"),
    ("competences", "adhd:high", "the level of 'adhd' must be a whole number, got 'high'"),
    ("competences", "adhd:2; adhd:3", "'adhd' is given twice"),
    ("availability", "tue 16:00", "'tue 16:00' is not a weekly window: write 'tue 16:00-20:00', "
                                  "or 'sat 10:00-13:00 flexible'"),
    ("availability", "tue 16:00-20:00 maybe", "'tue 16:00-20:00 maybe' is not a weekly window: write "
                                              "'tue 16:00-20:00', or 'sat 10:00-13:00 flexible'"),
    ("unavailable", "2027-02-08..", "'2027-02-08..' is not a date range: write '2027-02-08..2027-02-14', or one date"),
])
def test_each_cell_syntax_error_is_named_by_line_id_and_column(column, cell, reason):
    cells = dict(zip(MENTORS_HEADER.split(","), GOOD_MENTOR.split(",")))
    assert rows_to_documents(MENTOR, f"{MENTORS_HEADER}\n{GOOD_MENTOR}\n")   # the row is good as it stands
    broken = ",".join(f'"{cell}"' if name == column else value for name, value in cells.items())
    assert problems(MENTOR, f"{MENTORS_HEADER}\n{GOOD_MENTOR.replace('m-01', 'm-00')}\n{broken}\n") == [
        (f"line 3 (m-01).{column}", reason)]


def test_schema_errors_are_mapped_back_to_their_columns():
    text = (f"{MENTORS_HEADER}\n{GOOD_MENTOR}\n"
            "m-02,Bo,robot,2,4,tue 16:00-20:00; tus 16:00-20:00; wed 20:00-18:00,adhd:5,2027-02-14..2027-02-08\n")
    assert problems(MENTOR, text) == [
        ("line 3 (m-02).kind", "must be volunteer or professional"),
        ("line 3 (m-02).competences", "level must be between 1 and 3 (in 'adhd:5')"),
        ("line 3 (m-02).availability",
         "unknown day 'tus'; use one of mon, tue, wed, thu, fri, sat, sun (in 'tus 16:00-20:00')"),
        ("line 3 (m-02).availability", "the end must be after the start (in 'wed 20:00-18:00')"),
        ("line 3 (m-02).unavailable", "the last day must not be before the first (in '2027-02-14..2027-02-08')"),
    ]


def test_mentee_session_and_date_errors_name_the_spreadsheet_columns():
    text = f"{MENTEES_HEADER}\ny-01,Jonas,robot,1,3,0,tue 16:00-18:00,sometime\n"
    assert problems(MENTEE, text) == [
        ("line 2 (y-01).kinds", "must be volunteer or professional (in 'robot')"),
        ("line 2 (y-01).sessions_count", "give exactly one of sessions_count and sessions_per_week"),
        ("line 2 (y-01).sessions_minutes", "must be greater than 0"),
        ("line 2 (y-01).waiting_since", "must be a date YYYY-MM-DD, got 'sometime'"),
    ]


def test_a_row_without_an_id_and_a_cell_without_a_column_are_named_by_line():
    text = f"{MENTORS_HEADER}\n,Ane,volunteer,3,4,,,\n{GOOD_MENTOR},surplus\n{GOOD_MENTOR.replace('m-01', 'm-02')},,\n"
    assert problems(MENTOR, text) == [("line 2.id", "is required"),
                                      ("line 3 (m-01)", "a value in column 9, which has no name in line 1")]


def test_line_numbers_count_blank_rows_as_a_spreadsheet_shows_them():
    text = f"{MENTORS_HEADER}\n{GOOD_MENTOR}\n\n,,,,,,,\nm-02,Bo,volunteer,x,4,,,\n"
    assert problems(MENTOR, text) == [("line 5 (m-02).capacity", "must be a whole number, got 'x'")]
    assert [row.line for row in read_rows(MENTOR, f"{MENTORS_HEADER}\n\n{GOOD_MENTOR}\n")] == [3]


def test_a_duplicate_id_names_both_lines():
    text = f"{MENTORS_HEADER}\n{GOOD_MENTOR}\nm-02,Bo,volunteer,1,2,,,\n{GOOD_MENTOR}\n"
    assert problems(MENTOR, text) == [("line 4 (m-01).id", "duplicate id 'm-01', also on line 2")]


def test_every_bad_line_is_listed():
    text = (f"{MENTORS_HEADER}\nm-01,Ane,volunteer,x,4,,,\n{GOOD_MENTOR.replace('m-01', 'm-02')}\n"
            "m-03,Cy,volunteer,1,y,,,\n")
    assert [path for path, _ in problems(MENTOR, text)] == ["line 2 (m-01).capacity", "line 4 (m-03).hours_per_week"]


def test_an_empty_file_is_rejected():
    assert problems(MENTOR, "\ufeff \n") == [("line 1", "the file is empty: the first line must name the columns")]


def test_the_role_is_told_from_the_header():
    assert detect_role(f"{MENTORS_HEADER}\n") == MENTOR
    assert detect_role("\ufeffID;Sessions_Minutes;availability\n") == MENTEE
    for header in ("id,name,availability\n", "id,capacity,sessions_minutes\n"):
        with pytest.raises(CsvRejected) as rejected:
            detect_role(header)
        assert rejected.value.problems[0].path == "line 1"


def test_text_that_is_not_utf8_names_its_line():
    assert decode("id\nSøren".encode("utf-8")) == "id\nSøren"
    with pytest.raises(CsvRejected) as rejected:
        decode("id\nm-01\nSøren".encode("cp1252"))
    assert [(p.path, p.reason) for p in rejected.value.problems] == [
        ("line 3", "not utf-8 text: save the spreadsheet as 'CSV UTF-8'")]
    assert decode("Søren".encode("cp1252"), "windows-1252") == "Søren"


TRICKY_CELLS = ["", " ", "-1", "0", "1e309", "nan", "inf", "1,5", "1.5.5", "3:00-1:00", "mon 25:00-26:00",
                "tue 16:00-20:00", "mon 16:00-", "adhd:9", "adhd:", ":3", "2027-02-30", "31/12/2027", "2027-01-01..",
                "..2027-01-01", "9999-12-31..0001-01-01", "volunteer", "robot", "m-01", '"', '""', "a\nb", ";", ",",
                "\ufeff", "\x00", "é", "🙂", "x" * 300]


@settings(max_examples=100, deadline=None)
@given(path=st.sampled_from(BUNDLED), role=st.sampled_from([MENTOR, MENTEE]), delimiter=st.sampled_from([",", ";"]),
       data=st.data())
def test_any_cells_changed_import_to_valid_documents_or_a_rejection_naming_lines(path, role, delimiter, data):
    scenario = json.loads(path.read_text())
    lines = documents_to_csv(role, scenario["mentors" if role == MENTOR else "mentees"], delimiter).splitlines()
    cells = st.one_of(st.sampled_from(TRICKY_CELLS), st.text(max_size=20))
    for _ in range(data.draw(st.integers(1, 4), label="changes")):
        number = data.draw(st.integers(0, len(lines) - 1), label="line")
        row = lines[number].split(delimiter)
        row[data.draw(st.integers(0, len(row) - 1), label="column")] = data.draw(cells, label="cell")
        lines[number] = delimiter.join(row)
    text = "\n".join(lines)
    try:
        documents = rows_to_documents(role, text)
    except CsvRejected as rejected:
        assert rejected.problems and all(problem.path and problem.reason for problem in rejected.problems)
        return
    for document in documents:
        SCHEMAS[role].load(document)  # what the import accepts, the contract accepts
