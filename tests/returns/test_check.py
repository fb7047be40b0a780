"""Checking returns filled the way agencies fill them: every numbered message, with the
row and column the agency sees."""

from __future__ import annotations

import datetime as dt
import zipfile

import docx
import openpyxl
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from chronos.errors import Issue, ReturnError
from chronos.ingest.chronology_table import ChronologyTableIngester
from chronos.returns.check import check_return
from chronos.returns.messages import catalogue
from chronos.returns.register import load_register
from tests.returns.agency import (HEADINGS, delete_docx_column, fill_docx, fill_xlsx,
                                  retyped_docx, set_paragraph)
from tests.returns.conftest import issue, template

GOOD = [("03/04/2021", "", "Class teacher", "Jade arrived hungry and with head lice",
         "Spoke to mum at home time", "Signs of neglect", "SIMS 44"),
        ("12/05/2021", "09:15", "DSL", "Unkempt; dirty clothes for the third day",
         "Referral to early help", "Cumulative", "")]


def codes(check) -> list[tuple[str, str]]:
    """(code, where) of each message, in report order."""
    return [(m.code, m.where) for _, m in check.numbered()]


def check(review, path, **kwargs):
    return check_return(path, register=load_register(review), **kwargs)


# --------------------------------------------------------------------------- clean returns


def test_a_clean_return_has_no_messages_and_is_matched_by_its_hidden_reference(review, tmp_path):
    path = fill_docx(template(review, "oakfield-primary-school", ".docx"), tmp_path / "r.docx",
                     GOOD)
    found = check(review, path)
    assert found.messages == []
    assert (found.agency, found.matched_by) == ("Oakfield Primary School", "reference")
    assert found.reference == load_register(review).entry("Oakfield Primary School").references[-1]
    assert (found.rows, found.event_count) == (2, 2)
    assert not found.blocking


def test_typed_dates_in_several_forms_are_read_day_first(review, tmp_path):
    forms = ["03/04/2021", "3.4.21", "3rd April 2021", "Saturday 3 April 2021", "3-Apr-21",
             "2021-04-03", "?03/04/2021", "April 2021", "2021"]
    rows = [(d, "", "HV", f"Home visit {i}", "", "", "") for i, d in enumerate(forms)]
    path = fill_docx(template(review, "health-visiting", ".docx"), tmp_path / "hv.docx", rows)
    found = check(review, path)
    assert found.messages == []
    by_text = found.events.set_index("summary")
    assert list(by_text["date"]) == ["2021-04-03"] * 7 + ["2021-04-01", "2021-01-01"]
    assert list(by_text["date_precision"]) == ["day"] * 7 + ["month", "year"]
    assert bool(by_text.loc["Home visit 6", "date_uncertain"])


def test_excel_dates_typed_as_dates_serials_and_text(review, tmp_path):
    rows = [(dt.datetime(2021, 4, 3), "22:10", "PC 1234", "Domestic incident, Jade present",
             "DASH risk assessment", "High", "OCC-1"),
            (44289, "", "PC 1234", "Follow-up visit", "", "", ""),
            ("4 April 2021", "", "PC 1234", "Call to neighbour", "", "", "")]
    path = fill_xlsx(template(review, "police", ".xlsx"), tmp_path / "police.xlsx", rows)
    found = check(review, path)
    assert found.messages == []
    assert sorted(found.events["date"]) == ["2021-04-03", "2021-04-03", "2021-04-04"]
    assert found.options == {"sheet": "Chronology"}


def test_dates_that_cannot_be_read_name_row_column_and_why(review, tmp_path):
    rows = [("05/13/2021", "", "HV", "Visit A", "", "", ""),
            ("31/02/2021", "", "HV", "Visit B", "", "", ""),
            ("next week", "", "HV", "Visit C", "", "", ""),
            ("03/04", "", "HV", "Visit D", "", "", "")]
    path = fill_docx(template(review, "health-visiting", ".docx"), tmp_path / "hv.docx", rows)
    found = check(review, path)
    assert codes(found) == [("return.date_unreadable", f"table 1, row {n}, column 1 (Date)")
                            for n in (2, 3, 4, 5)]
    texts = [m.text for _, m in found.numbered()]
    assert "month 13" in texts[0] and "read month-first" in texts[0]
    assert "31 February 2021 does not exist" in texts[1]
    assert [m.value for _, m in found.numbered()] == ["05/13/2021", "31/02/2021", "next week",
                                                      "03/04"]
    assert all(m.number == 12 and m.severity == "error" and not m.blocking
               for _, m in found.numbered())
    assert found.rows == 4 and found.event_count == 0


def test_excel_row_numbers_and_column_letters(review, tmp_path):
    rows = [("31/02/2021", "", "Officer", "Rent arrears letter", "", "", ""),
            ("01/06/2021", "", "Officer", "", "Visit booked", "", "")]
    path = fill_xlsx(template(review, "housing", ".xlsx"), tmp_path / "housing.xlsx", rows)
    top = openpyxl.load_workbook(path)["Chronology"]
    header = next(r for r in range(1, 12) if top.cell(r, 1).value == "Date")
    found = check(review, path)
    assert codes(found) == [("return.date_unreadable", f"row {header + 1}, column A (Date)"),
                            ("return.no_event", f"row {header + 2}, column D (Event)")]


# --------------------------------------------------------------------------- rows


def test_dates_outside_the_period_rows_without_event_or_date(review, tmp_path):
    rows = [("31/12/2018", "", "HV", "New birth visit", "", "", ""),
            ("December 2018", "", "HV", "Clinic", "", "", ""),
            ("January 2019", "", "HV", "Clinic weighing", "", "", ""),
            ("2018", "", "HV", "Moved area", "", "", ""),
            ("01/04/2024", "", "HV", "Visit after the period", "", "", ""),
            ("", "", "HV", "Mum said dad had left", "", "", ""),
            ("12/06/2021", "", "HV", "", "Phoned mum", "", "")]
    path = fill_docx(template(review, "health-visiting", ".docx"), tmp_path / "hv.docx", rows)
    found = check(review, path)
    assert codes(found) == [
        ("return.date_outside_period", "table 1, row 2, column 1 (Date)"),
        ("return.date_outside_period", "table 1, row 3, column 1 (Date)"),
        ("return.date_outside_period", "table 1, row 5, column 1 (Date)"),
        ("return.date_outside_period", "table 1, row 6, column 1 (Date)"),
        ("return.no_date", "table 1, row 7, column 1 (Date)"),
        ("return.no_event", "table 1, row 8, column 4 (Event)")]
    texts = [m.text for _, m in found.numbered()]
    assert texts[0].startswith("31/12/2018 is before the period starts")
    assert texts[1].startswith("December 2018 is before")
    assert texts[2].startswith("2018 is before")
    assert texts[3].startswith("01/04/2024 is after the period ends")
    assert found.count("warning") == 5 and found.count("error") == 1


def test_a_nil_return(review, tmp_path):
    path = fill_docx(template(review, "housing", ".docx"), tmp_path / "nil.docx", [])
    found = check(review, path)
    assert codes(found) == [("return.nil_return", "the file")]
    assert found.messages[0].severity == "note"


def test_any_other_row_the_reader_refuses_is_message_18(review, tmp_path, monkeypatch):
    path = fill_docx(template(review, "police", ".docx"), tmp_path / "p.docx", GOOD)
    read = ChronologyTableIngester.read

    def refusing(self, source):
        result = read(self, source)
        result.quarantine.append(Issue("cell.too_long", "the cell is over 32,767 characters",
                                       source.file_label, "T1:2", "Event", "xxx",
                                       severity="error"))
        return result

    monkeypatch.setattr(ChronologyTableIngester, "read", refusing)
    found = check(review, path)
    assert codes(found) == [("return.row_not_read", "table 1, row 3")]
    assert "over 32,767 characters" in found.messages[0].text


# --------------------------------------------------------------------------- the template


def test_an_extra_column(review, tmp_path):
    def add_notes(book, sheet, top):
        sheet.cell(top, 8, "Notes")
        sheet.cell(top + 1, 8, "Mum was tearful")

    path = fill_xlsx(template(review, "police", ".xlsx"), tmp_path / "p.xlsx", GOOD, add_notes)
    found = check(review, path)
    top = 10
    assert codes(found) == [("return.column_added", f"row {top}, column H (Notes)")]
    assert "not one of the review's columns" in found.messages[0].text
    assert found.event_count == 2


def test_an_added_column_the_reader_understands_says_how_it_is_read(review, tmp_path):
    def add_child(document):
        table = document.tables[0]
        table.add_column(docx.shared.Cm(2))
        table.rows[0].cells[-1].text = "Child"
        table.rows[1].cells[-1].text = "Jade Smith"

    path = fill_docx(template(review, "police", ".docx"), tmp_path / "p.docx", GOOD, add_child)
    found = check(review, path)
    assert codes(found) == [("return.column_added", "table 1, row 1, column 8 (Child)")]
    assert "read as the person each event is about" in found.messages[0].text


def test_a_deleted_column(review, tmp_path):
    path = fill_docx(template(review, "oakfield-primary-school", ".docx"), tmp_path / "s.docx",
                     [r[:4] + r[5:] for r in GOOD],
                     lambda d: delete_docx_column(d.tables[0], 4))
    found = check(review, path)
    assert codes(found) == [("return.column_missing", "table 1, row 1")]
    assert "'Action / outcome' was deleted" in found.messages[0].text
    assert found.event_count == 2 and found.events["outcome"].isna().all()


def test_a_deleted_event_column_makes_the_return_unreadable(review, tmp_path):
    def delete_event(book, sheet, top):
        sheet.delete_cols(4)

    path = fill_xlsx(template(review, "housing", ".xlsx"), tmp_path / "h.xlsx", GOOD,
                     delete_event)
    found = check(review, path)
    assert codes(found) == [("return.unreadable", "row 10")]
    assert "no Event column" in found.messages[0].text
    assert found.blocking


def test_renamed_and_moved_headings(review, tmp_path):
    def rename_and_swap(book, sheet, top):
        sheet.cell(top, 1, "Date of contact")
        for row in range(top, top + 3):            # swap Action / outcome and Significance
            a, b = sheet.cell(row, 5).value, sheet.cell(row, 6).value
            sheet.cell(row, 5, b)
            sheet.cell(row, 6, a)

    path = fill_xlsx(template(review, "housing", ".xlsx"), tmp_path / "h.xlsx", GOOD,
                     rename_and_swap)
    found = check(review, path)
    assert codes(found) == [("return.template_altered", "row 10"),
                            ("return.template_altered", "row 10, column A (Date of contact)")]
    assert "moved" in found.messages[-1].text or "moved" in found.messages[0].text
    assert all(m.severity == "note" for m in found.messages)
    assert sorted(found.events["outcome"].dropna()) == sorted(
        r[4] for r in GOOD if r[4])                    # still read by meaning


def test_merged_cells_in_word(review, tmp_path):
    rows = GOOD + [("20/05/2021", "", "DSL", "Jade fell asleep in class", "Spoke to mum", "",
                    "")]

    def merge(document):
        table = document.tables[0]
        table.cell(3, 3).merge(table.cell(3, 4))        # Event and Action, one row
        table.cell(1, 0).merge(table.cell(2, 0))        # Date over two rows

    path = fill_docx(template(review, "oakfield-primary-school", ".docx"), tmp_path / "m.docx",
                     rows, merge)
    found = check(review, path)
    merged = [(m.where, m.text) for _, m in found.numbered() if m.code == "return.merged_cells"]
    assert merged[0][0] == "table 1, row 2, column 1 (Date)"
    assert "rows 2 to 3 are merged: each of those rows is read with the same value" in merged[0][1]
    assert merged[1][0] == "table 1, row 4, column 4 (Event) to 5 (Action / outcome)"
    assert "read out of place" in merged[1][1]


def test_merged_cells_in_excel_leave_rows_without_a_date(review, tmp_path):
    rows = [("05/05/2021", "", "PC 1", "Call from school", "", "", ""),
            (None, "", "PC 1", "Second call", "", "", "")]

    def merge(book, sheet, top):
        sheet.merge_cells(start_row=top + 1, start_column=1, end_row=top + 2, end_column=1)

    path = fill_xlsx(template(review, "police", ".xlsx"), tmp_path / "m.xlsx", rows, merge)
    found = check(review, path)
    assert codes(found) == [("return.merged_cells", "row 11, column A (Date)"),
                            ("return.no_date", "row 12, column A (Date)")]
    assert "only the first of those rows has the value" in found.messages[0].text


def test_a_second_table_in_word(review, tmp_path):
    def second_tables(document):
        more = document.add_table(rows=2, cols=len(HEADINGS))
        for cell, heading in zip(more.rows[0].cells, HEADINGS):
            cell.text = heading
        more.rows[1].cells[0].text, more.rows[1].cells[3].text = "01/07/2021", "Late again"
        other = document.add_table(rows=2, cols=2)
        other.rows[0].cells[0].text, other.rows[1].cells[0].text = "Staff", "Mrs Patel"

    path = fill_docx(template(review, "oakfield-primary-school", ".docx"), tmp_path / "t.docx",
                     GOOD, second_tables)
    found = check(review, path)
    assert codes(found) == [("return.second_table", "table 2"),
                            ("return.second_table", "table 3")]
    assert "its 1 row(s) were read as part of the return" in found.messages[0].text
    assert "its 2 row(s) are not read" in found.messages[1].text
    assert found.event_count == 3


def test_a_second_table_in_excel_another_sheet_and_headings_pasted_below(review, tmp_path):
    def second_tables(book, sheet, top):
        for column, heading in enumerate(HEADINGS, start=1):
            sheet.cell(top + 4, column, heading)
        sheet.cell(top + 5, 1, "02/02/2022")
        sheet.cell(top + 5, 4, "Pasted from last year's chronology")
        extra = book.create_sheet("Sheet2")
        extra.append(["01/03/2022", "Letter sent"])

    path = fill_xlsx(template(review, "housing", ".xlsx"), tmp_path / "t.xlsx", GOOD,
                     second_tables)
    found = check(review, path)
    assert codes(found) == [("return.second_table", "sheet 'Sheet2'"),
                            ("return.second_table", "sheet 'Chronology', row 14")]
    assert "not read (only sheet 'Chronology' is)" in found.messages[0].text
    assert found.event_count == 3                       # the heading row itself is not


def test_formulas(review, tmp_path):
    def formula(book, sheet, top):
        sheet.cell(top + 2, 1, f"=A{top + 1}+7")

    path = fill_xlsx(template(review, "police", ".xlsx"), tmp_path / "f.xlsx", GOOD, formula)
    found = check(review, path)
    assert ("return.formula", "row 12, column A (Date)") in codes(found)
    assert "=A11+7" in next(m.text for m in found.messages if m.code == "return.formula")


def test_a_word_field_is_a_formula(review, tmp_path):
    def field(document):
        cell = document.tables[0].cell(1, 0)
        cell.paragraphs[0]._p.append(parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr=" DATE "><w:r><w:t>x</w:t></w:r>'
            "</w:fldSimple>"))

    path = fill_docx(template(review, "police", ".docx"), tmp_path / "f.docx", GOOD, field)
    found = check(review, path)
    assert ("return.formula", "table 1, row 2, column 1 (Date)") in codes(found)


# --------------------------------------------------------------------------- who it is from


def test_a_return_for_the_wrong_child_is_blocking(review, tmp_path):
    path = fill_docx(template(review, "police", ".docx"), tmp_path / "w.docx", GOOD,
                     lambda d: set_paragraph(d, "Child:", "Child: Kai BROWN (DOB 01/02/2015)"))
    found = check(review, path)
    assert codes(found) == [("return.wrong_child", "the file")]
    assert found.blocking and "Kai BROWN" in found.messages[0].text
    assert "Jade Smith (DOB 03/05/2016)" in found.messages[0].text


def test_a_workbook_for_the_wrong_child(review, tmp_path):
    def other_child(book, sheet, top):
        row = next(r for r in range(1, top) if str(sheet.cell(r, 1).value).startswith("Child:"))
        sheet.cell(row, 1, "Child: Kai BROWN (DOB 01/02/2015)")

    path = fill_xlsx(template(review, "housing", ".xlsx"), tmp_path / "w.xlsx", GOOD,
                     other_child)
    found = check(review, path)
    assert codes(found) == [("return.wrong_child", "the file")] and found.blocking


def test_the_same_name_with_another_date_of_birth_is_another_child(review, tmp_path):
    path = fill_docx(template(review, "police", ".docx"), tmp_path / "w.docx", GOOD,
                     lambda d: set_paragraph(d, "Child:", "Child: Jade SMITH (DOB 14/09/2012)"))
    assert codes(check(review, path)) == [("return.wrong_child", "the file")]


def test_the_child_line_removed(review, tmp_path):
    path = fill_docx(template(review, "police", ".docx"), tmp_path / "c.docx", GOOD,
                     lambda d: set_paragraph(d, "Child:", None))
    found = check(review, path)
    assert codes(found) == [("return.child_missing", "the file")]
    assert not found.blocking


def test_a_template_from_another_review(review, tmp_path):
    other = tmp_path / "other"
    issue(other, ["Police"], child="Kai Brown", dob="2015-02-01")
    path = fill_docx(template(other, "police", ".docx"), tmp_path / "o.docx", GOOD)
    found = check(review, path)
    assert codes(found) == [("return.other_review", "the file")]
    assert found.blocking and "'other'" in found.messages[0].text


def test_a_retyped_template_is_matched_by_its_agency_name(review, tmp_path):
    path = retyped_docx(tmp_path / "typed.docx", GOOD,
                        lines=["Child: Jade SMITH (DOB 03/05/2016)", "Agency: Housing"])
    found = check(review, path)
    assert codes(found) == [("return.reference_missing", "the file")]
    assert (found.agency, found.matched_by) == ("Housing", "agency name")


def test_a_retyped_template_with_its_reference_typed_in(review, tmp_path):
    reference = load_register(review).entry("Police").references[-1]
    path = retyped_docx(tmp_path / "typed.docx", GOOD,
                        lines=["Child: Jade SMITH (DOB 03/05/2016)",
                               f"Return reference: {reference}"])
    found = check(review, path)
    assert (found.agency, found.matched_by) == ("Police", "visible reference")
    assert codes(found) == [("return.reference_missing", "the file")]


def test_a_retyped_return_that_names_no_agency_needs_one(review, tmp_path):
    path = retyped_docx(tmp_path / "typed.docx", GOOD)
    with pytest.raises(ReturnError, match="cannot tell which agency"):
        check(review, path)
    found = check(review, path, agency="Health visiting")
    assert found.agency == "Health visiting"
    assert {c for c, _ in codes(found)} == {"return.reference_missing", "return.child_missing"}
    with pytest.raises(ReturnError, match="was not sent a template"):
        check(review, path, agency="Fire service")


def test_the_agency_line_changed(review, tmp_path):
    path = fill_docx(template(review, "police", ".docx"), tmp_path / "a.docx", GOOD,
                     lambda d: set_paragraph(d, "Agency:", "Agency: Housing"))
    found = check(review, path)
    assert codes(found) == [("return.agency_differs", "the file")]
    assert found.agency == "Police"


# --------------------------------------------------------------------------- unreadable


def test_files_that_are_not_returns(review, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    empty = tmp_path / "letter.docx"
    document = docx.Document()
    document.add_paragraph("Dear reviewer, we had no involvement.")
    document.save(empty)
    for path, words in ((text, "Word (.docx) or Excel"), (broken, "not a complete zip file"),
                        (empty, "no table with a Date and an Event heading")):
        found = check(review, path, agency="Housing")
        assert codes(found) == [("return.unreadable", "the file")], path
        assert words in found.messages[0].text and found.blocking


def test_without_a_case_a_template_is_checked_against_what_it_says(review, tmp_path):
    rows = [("31/12/2018", "", "HV", "Visit", "", "", "")]
    path = fill_docx(template(review, "health-visiting", ".docx"), tmp_path / "hv.docx", rows,
                     lambda d: set_paragraph(d, "Child:", "Child: Kai BROWN (DOB 01/02/2015)"))
    found = check_return(path)
    assert (found.agency, found.expected.case) == ("Health visiting", "review")
    assert found.expected.period == ("2019-01-01", "2024-03-31")
    assert codes(found) == [("return.wrong_child", "the file"),
                            ("return.date_outside_period", "table 1, row 2, column 1 (Date)")]


def test_every_check_in_the_catalogue_is_tested_here():
    source = open(__file__, encoding="utf-8").read()
    missing = [code for code in catalogue() if f'"{code}"' not in source]
    assert missing == []
    numbers = [c.number for c in catalogue().values()]
    assert numbers == list(range(1, len(numbers) + 1))


def test_the_hidden_reference_survives_an_agency_saving_the_file(review, tmp_path):
    path = fill_xlsx(template(review, "police", ".xlsx"), tmp_path / "p.xlsx", GOOD)
    with zipfile.ZipFile(path) as archive:
        assert "chronos_return_id" in archive.read("docProps/custom.xml").decode()
        assert "chronos_return_id" in archive.read("xl/workbook.xml").decode()
