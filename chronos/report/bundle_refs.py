"""Reading back the bundle references an author typed into a court chronology.

A court chronology (``chronos report --court``) has a Bundle ref column for the author to
fill with the page of the court bundle where each event's record is. So that what was
typed outlives the next build, ``chronos annotate CASE --refs-from FILE`` reads it back from
the Word or Excel court chronology into the case's annotations (:mod:`chronos.annotations`):

- Word: each row's No. cell holds a bookmark named after its event (``ev_E1a2b...``),
  invisible on the page and kept when the document is edited;
- Excel: the Chronology sheet's last column, "Event id (do not edit)".
"""

from __future__ import annotations

from pathlib import Path

from chronos.errors import AnnotationError

BUNDLE_HEADINGS = ("bundle ref", "bundle reference", "bundle page")
EVENT_HEADING = "event id (do not edit)"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_bundle_refs(path: str | Path) -> dict[str, str]:
    """event id -> the bundle reference typed against it (rows left blank are left out)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _from_workbook(path)
    if suffix == ".docx":
        return _from_word(path)
    raise AnnotationError(f"chronos reads bundle references from a court chronology in Word "
                          f"or Excel, not {path.name}", file=str(path),
                          hint="chronos report CASE --court writes chronology.docx and .xlsx")


def _from_workbook(path: Path) -> dict[str, str]:
    from chronos.ingest.workbook import open_workbook

    with open_workbook(path, str(path)) as (book, _facts):
        if "Chronology" not in book.sheetnames:
            raise AnnotationError("the workbook has no Chronology sheet", file=str(path))
        rows = book["Chronology"].iter_rows(values_only=True)
        for number, row in enumerate(rows, 1):
            heads = [str(c or "").strip().lower() for c in row]
            if EVENT_HEADING in heads:
                return _pairs(rows, heads.index(EVENT_HEADING), _bundle_column(heads, path))
            if number > 20:
                break
    raise AnnotationError("the Chronology sheet has no 'Event id (do not edit)' column: "
                          "is this a court chronology chronos wrote?", file=str(path))


def _bundle_column(heads: list[str], path: Path) -> int:
    for name in BUNDLE_HEADINGS:
        if name in heads:
            return heads.index(name)
    raise AnnotationError("no Bundle ref column", file=str(path))


def _pairs(rows, event_at: int, bundle_at: int) -> dict[str, str]:
    found = {}
    for row in rows:
        event = str(row[event_at] or "").strip() if event_at < len(row) else ""
        ref = str(row[bundle_at] or "").strip() if bundle_at < len(row) else ""
        if event and ref:
            found[event] = " ".join(ref.split())
    return found


def _from_word(path: Path) -> dict[str, str]:
    from docx import Document

    from chronos.ingest.guards import check_zip

    check_zip(path, str(path), "Word document")
    try:
        doc = Document(str(path))
    except Exception as exc:  # a damaged file: name it
        raise AnnotationError(f"cannot read the Word document: {exc}", file=str(path)) from None
    for table in doc.tables:
        heads = [c.text.strip().lower() for c in table.rows[0].cells] if table.rows else []
        if "no." in heads and any(h in heads for h in BUNDLE_HEADINGS):
            return _word_rows(table, heads.index("no."), _bundle_column(heads, path))
    raise AnnotationError("the document has no chronology table with a Bundle ref column",
                          file=str(path))


def _word_rows(table, number_at: int, bundle_at: int) -> dict[str, str]:
    found = {}
    for row in table.rows[1:]:
        cells = row.cells
        marks = cells[number_at]._tc.iter(f"{W}bookmarkStart")
        events = [m.get(f"{W}name")[3:] for m in marks if str(m.get(f"{W}name")).startswith("ev_")]
        ref = " ".join(cells[bundle_at].text.split()) if bundle_at < len(cells) else ""
        if events and ref:
            found[events[0]] = ref
    return found
