import datetime as dt

from openpyxl import load_workbook

from chronos.report.xlsx_writer import HEADER_ROW, write_xlsx


def _sheet(chron, tmp_path):
    return load_workbook(write_xlsx(chron, tmp_path / "c.xlsx"))


def _column(ws, name):
    header = [c.value for c in ws[HEADER_ROW]]
    j = header.index(name) + 1
    return [ws.cell(i, j).value for i in range(HEADER_ROW + 1, ws.max_row + 1)]


def test_sheets_header_filters_and_frozen_panes(chron, tmp_path):
    wb = _sheet(chron, tmp_path)
    assert wb.sheetnames == ["Cover", "Chronology", "Significant events", "Findings", "Persons",
                             "Sources"]
    assert wb["Significant events"].max_row - HEADER_ROW == int(chron.rows["significant"].sum())
    ws = wb["Chronology"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[:len(chron.columns)] == chron.columns
    assert ws.max_row - HEADER_ROW == len(chron.rows)
    assert ws.freeze_panes.endswith(str(HEADER_ROW + 1))
    assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}")
    assert ws.column_dimensions["E"].width >= 40
    assert _column(ws, "No.") == list(range(1, len(chron.rows) + 1))


def test_real_dates_only_where_the_day_is_known_for_sure(chron, tmp_path):
    ws = _sheet(chron, tmp_path)["Chronology"]
    dates = _column(ws, "Date")
    for value, (_, row) in zip(dates, chron.rows.iterrows()):
        if row["date_precision"] == "day" and not row["date_uncertain"] and row["date"]:
            assert isinstance(value, dt.datetime)
            assert value.date().isoformat() == row["date"]
        else:
            assert value == row["Date"]
    assert "?22/05/2016" in dates and "May 2015" in dates


def test_findings_persons_and_sources_sheets(example, chron, tmp_path):
    wb = _sheet(chron, tmp_path)
    findings = list(wb["Findings"].values)[3:]  # title, marking, a blank line, then the table
    assert findings[0][:2] == ("Ref", "Finding") and len(findings) == 3
    assert "4, 7, 18" in findings[1]
    persons = list(wb["Persons"].values)[3:]
    assert len(persons) == len(example.persons) + 1
    sources = list(wb["Sources"].values)[3:]
    assert len(sources) == len(example.sources) + 1


def test_agency_colours_and_flagged_rows(chron, tmp_path):
    ws = _sheet(chron, tmp_path)["Chronology"]
    j = chron.columns.index("Agency / source") + 1
    colours = {}
    for i, agency in enumerate(chron.rows["agency"], HEADER_ROW + 1):
        colours.setdefault(agency, set()).add(ws.cell(i, j).fill.fgColor.rgb)
    assert all(len(c) == 1 for c in colours.values())
    assert len({next(iter(c)) for c in colours.values()}) == len(colours)
    flagged = _column(ws, "Flagged")
    assert sum(1 for f in flagged if f) == len(chron.rows[chron.rows["finding_refs"] != ""])


def test_formula_injection_is_neutralised(example, tmp_path):
    from chronos.report.document import build_chronology

    events = example.events.copy()
    events.loc[0, "outcome"] = '=HYPERLINK("http://evil","x")'
    events.loc[1, "outcome"] = "@SUM(A1)"
    example.events = events
    ws = _sheet(build_chronology(example), tmp_path)["Chronology"]
    outcomes = _column(ws, "Action / outcome")
    assert outcomes[0].startswith("'=") and outcomes[1].startswith("'@")
    assert all(ws.cell(i, j).data_type != "f" for i in range(1, ws.max_row + 1)
               for j in range(1, ws.max_column + 1))


def test_control_characters_are_shown_not_dropped_and_do_not_crash(chron, tmp_path):
    chron.rows.loc[0, "Event"] = "Seen\x00 at home\x1b"
    chron.rows.loc[1, "Event"] = "=1+1\x07"
    ws = _sheet(chron, tmp_path)["Chronology"]
    events = _column(ws, "Event")
    assert len(events) == len(chron.rows)
    assert events[0] == "Seen\u2400 at home\u241b"
    assert events[1] == "'=1+1\u2407"


def test_review_decisions_sheet(reviewed, chron, tmp_path):
    wb = load_workbook(write_xlsx(reviewed, tmp_path / "r.xlsx"))
    assert wb.sheetnames[-3:] == ["Review decisions", "Persons", "Sources"]
    ws = wb["Review decisions"]
    rows = [list(r) for r in ws.iter_rows(min_row=4, values_only=True)]
    assert rows[0] == ["About", "Decision", "By", "When", "Reason", "Status"]
    assert len(rows) == 7 and any(r[-1] == "not applied: the case no longer has this event"
                                  for r in rows)
    assert ws.print_title_rows == "$4:$4" and ws.oddHeader.center.text
    findings = [list(r) for r in wb["Findings"].iter_rows(min_row=4, values_only=True)]
    review = findings[0].index("Review")
    assert findings[1][0] == "F1" and findings[1][review].startswith("Dismissed (B Reviewer")
    assert "Review decisions" not in load_workbook(write_xlsx(chron, tmp_path / "c.xlsx")).sheetnames
