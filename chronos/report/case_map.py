"""Case map in the Signs of Safety style: what we are worried about, what is working well,
and what we do not know, drawn from the case's data for a meeting to complete.

- Worried about: findings with their evidence (harm), apart from complicating factors
  (parental and household events: domestic abuse, substance misuse, mental ill-health,
  housing).
- Working well: positive events (appointments kept, engagement, support) and the
  protective people they name (e.g. a grandparent's support).
- Do not know: information gaps: a child with no records from an agency that should know
  them, household adults nobody assessed, no father recorded, long silences in the record,
  undated records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from chronos import model
from chronos.report import people

SILENCE_DAYS = 183
#: agencies that should know a child of a given age: (label, name keywords, min age, max age)
EXPECTED_AGENCIES = [
    ("GP", ("gp", "general practice", "surgery", "primary care"), 0, 18),
    ("Health visiting", ("health visit", "hv"), 0, 5),
    ("School", ("school", "education", "academy", "college"), 5, 18),
]
ASSESSMENT_TYPES = {"assessment", "s47_enquiry", "initial_conference", "gcp2_assessment",
                    "home_visit"}


@dataclass
class Item:
    """One line of the case map, with the chronology rows or event ids behind it."""

    text: str
    detail: str = ""
    evidence: list[str] = field(default_factory=list)


@dataclass
class CaseMap:
    """The three columns (worries split into harm and complicating factors)."""

    case: str
    harm: list[Item]
    complicating: list[Item]
    working_well: list[Item]
    protective_people: list[Item]
    gaps: list[Item]


def build_case_map(result: Any, chronology=None) -> CaseMap:
    """The case map of a built case. ``chronology`` (a :class:`Chronology`) lets items
    cite its row numbers; without it a whole-family chronology is built."""
    from chronos.report.document import build_chronology

    chron = chronology or build_chronology(result)
    rows = chron.rows
    return CaseMap(case=chron.case, harm=_harm(chron), complicating=_complicating(rows),
                   working_well=_positive(rows), protective_people=_protective(result, rows),
                   gaps=_gaps(result, rows))


def _harm(chron) -> list[Item]:
    items = [Item(f"{f['Ref']} {f['Finding']}",
                  f"{f['Severity']} · {f['Window']} · {f['Agencies']}. {f['Explanation']}",
                  [r for r in str(f["Evidence rows"]).split(", ") if r])
             for f in chron.findings.to_dict("records")]
    if not items:
        concerns = chron.rows[chron.rows["kind"] == "concern"]
        for label, part in concerns.groupby("label", sort=True):
            items.append(Item(f"{label} ×{len(part)}", "no finding raised",
                              [str(n) for n in part["No."]]))
    return items


def _complicating(rows: pd.DataFrame) -> list[Item]:
    context = rows[rows["kind"] == "context"]
    return [Item(f"{label} ×{len(part)}", _dates_agencies(part), [str(n) for n in part["No."]])
            for label, part in context.groupby("label", sort=True)]


def _positive(rows: pd.DataFrame) -> list[Item]:
    good = rows[rows["kind"] == "positive"]
    return [Item(f"{r['Date']}: {r['text']}", r["Agency / source"], [str(r["No."])])
            for r in good.to_dict("records")]


def _protective(result: Any, rows: pd.DataFrame) -> list[Item]:
    names = people.display_names(result)
    kids = {k["person_id"] for k in people.index_children(result)}
    persons = model.conformed(result.persons, "persons").drop_duplicates("person_id")
    roles = dict(zip(persons["person_id"], persons["role"].fillna("")))
    counts: dict[str, list[str]] = {}
    for rec in rows[rows["kind"] == "positive"].to_dict("records"):
        for pid in str(rec["person_ids"] or "").split(";"):
            if pid and pid not in kids:
                counts.setdefault(pid, []).append(str(rec["No."]))
    return [Item(f"{names.get(pid, pid)} ({roles.get(pid) or 'role not recorded'})",
                 f"named in {len(nos)} positive record{'s' if len(nos) > 1 else ''}", nos)
            for pid, nos in sorted(counts.items())]


def _dates_agencies(part: pd.DataFrame) -> str:
    agencies = ", ".join(sorted(set(part["agency"]) - {""}))
    dates = [d for d in part["Date"] if d != "Undated"]
    span = f"{dates[0]} to {dates[-1]}" if len(dates) > 1 else (dates[0] if dates else "undated")
    return f"{agencies}; {span}"


# ---------------------------------------------------------------- what we do not know


def _gaps(result: Any, rows: pd.DataFrame) -> list[Item]:
    return (_missing_agencies(result, rows) + _unassessed_adults(result, rows)
            + _unknown_fathers(result) + _silences(rows) + _undated(rows))


def _as_of(result: Any, rows: pd.DataFrame) -> str:
    dated = rows.loc[rows["date"] != "", "date"]
    return str(getattr(result, "as_of", None) or (dated.max() if len(dated) else ""))


def _age_years(dob: str | None, when: str) -> float | None:
    if not dob or not when:
        return None
    return (pd.Timestamp(when[:10]) - pd.Timestamp(dob[:10])).days / 365.25


def _missing_agencies(result: Any, rows: pd.DataFrame) -> list[Item]:
    as_of, first = _as_of(result, rows), rows.loc[rows["date"] != "", "date"].min()
    out = []
    by_person = _agencies_by_person(rows)
    for kid in people.index_children(result):
        agencies = " ".join(by_person.get(kid["person_id"], ()))
        oldest = _age_years(kid["dob"], as_of)
        youngest = _age_years(kid["dob"], first if isinstance(first, str) else as_of)
        if oldest is None:
            continue
        for label, words, lo, hi in EXPECTED_AGENCIES:
            in_range = oldest >= lo and (youngest or 0) < hi
            if in_range and not any(w in agencies for w in words):
                out.append(Item(f"No {label} records for {kid['name']}",
                                f"aged {int(oldest)} by {as_of}: an agency that should know them"))
    return out


def _agencies_by_person(rows: pd.DataFrame) -> dict[str, list[str]]:
    """Each person's agencies (lower case, one per row naming them), in one pass over the
    rows whatever the number of children."""
    found: dict[str, list[str]] = {}
    for ids, agency in zip(rows["person_ids"], rows["agency"].str.lower()):
        for pid in set(str(ids or "").split(";")):
            found.setdefault(pid, []).append(agency)
    return found


def _unassessed_adults(result: Any, rows: pd.DataFrame) -> list[Item]:
    rel = model.conformed(getattr(result, "relationships", None), "relationships")
    kids = {k["person_id"] for k in people.index_children(result)}
    parents = set(rel.loc[(rel["kind"] == "parent") & rel["person_b"].isin(kids), "person_a"])
    around = set()
    for a, b, kind in zip(rel["person_a"], rel["person_b"], rel["kind"]):
        if kind in ("partner", "household") and (a in parents | kids or b in parents | kids):
            around |= {a, b}
    around -= parents | kids
    assessed = set(";".join(rows.loc[rows["event_type"].isin(ASSESSMENT_TYPES), "person_ids"])
                   .split(";"))
    names = people.display_names(result)
    return [Item(f"{names.get(pid, pid)}: adult in the household, no assessment recorded",
                 "who is this adult, and what do we know about them?")
            for pid in sorted(around - assessed)]


def _unknown_fathers(result: Any) -> list[Item]:
    rel = model.conformed(getattr(result, "relationships", None), "relationships")
    persons = model.conformed(result.persons, "persons").drop_duplicates("person_id")
    sex = dict(zip(persons["person_id"], persons["sex"].fillna("U")))
    out = []
    for kid in people.index_children(result):
        parents = rel.loc[(rel["kind"] == "parent") & (rel["person_b"] == kid["person_id"]),
                          "person_a"]
        if not any(sex.get(p) == "M" for p in parents):
            out.append(Item(f"No father recorded for {kid['name']}",
                            "who is the father; is he known to agencies; does he have contact?"))
    return out


def _silences(rows: pd.DataFrame) -> list[Item]:
    dated = rows[(rows["date"] != "") & ~rows["summarised"].astype(bool)]
    days = pd.to_datetime(dated["date"]).drop_duplicates().sort_values()
    gaps = days.diff().dt.days
    out = []
    for i in gaps[gaps > SILENCE_DAYS].sort_values(ascending=False).index[:5]:
        start = days[days < days[i]].max()
        months = round(gaps[i] / 30.44)
        out.append(Item(f"No records for {months} months",
                        f"{start:%d/%m/%Y} to {days[i]:%d/%m/%Y}: what was happening?"))
    return out


def _undated(rows: pd.DataFrame) -> list[Item]:
    undated = rows[rows["date"] == ""]
    if undated.empty:
        return []
    return [Item(f"{len(undated)} record{'s' if len(undated) > 1 else ''} without a date",
                 "when did this happen?", [str(n) for n in undated["No."]])]


# ---------------------------------------------------------------- renderings


def case_map_html(cm: CaseMap) -> str:
    """The case map as an HTML fragment (three columns), for the case report."""
    from chronos.report.html_writer import e

    def items(title: str, entries: list[Item]) -> str:
        lis = "".join(
            f"<li><b>{e(i.text)}</b>{' — ' + e(i.detail) if i.detail else ''}"
            + (" <span class='rows'>rows " + " ".join(
                f"<a href='#row-{e(r)}'>{e(r)}</a>" for r in i.evidence[:12])
               + (" …" if len(i.evidence) > 12 else "") + "</span>" if i.evidence else "")
            + "</li>" for i in entries) or "<li><i>Nothing in the records.</i></li>"
        return f"<h4>{e(title)}</h4><ul>{lis}</ul>"

    return ('<section class="casemap" id="casemap"><h2>Case map</h2><div class="cm-cols">'
            f'<div class="cm worry"><h3>What are we worried about?</h3>'
            f"{items('Harm (findings with their evidence)', cm.harm)}"
            f"{items('Complicating factors', cm.complicating)}</div>"
            f'<div class="cm well"><h3>What is working well?</h3>'
            f"{items('Positive events', cm.working_well)}"
            f"{items('Protective people', cm.protective_people)}</div>"
            f'<div class="cm unknown"><h3>What do we not know?</h3>'
            f"{items('Information gaps', cm.gaps)}</div></div></section>")


def write_case_map_docx(result: Any, path: str | Path, chronology=None) -> Path:
    """The case map as a landscape Word document for the meeting to complete (scaling
    question and next steps left blank)."""
    from chronos.report.docx_writer import clean, new_document, save, set_widths

    cm = build_case_map(result, chronology)
    doc = new_document("Case map")
    doc.add_heading(f"Case map: {clean(cm.case)}", level=1)
    doc.add_paragraph("Drawn from the chronology; rows refer to its numbered entries. "
                      "Check every item with the family and the agencies.")
    table = doc.add_table(rows=2, cols=3)
    table.style = "Table Grid"
    heads = ["What are we worried about?", "What is working well?", "What do we not know?"]
    sections = [[("Harm", cm.harm), ("Complicating factors", cm.complicating)],
                [("Positive events", cm.working_well), ("Protective people", cm.protective_people)],
                [("Information gaps", cm.gaps)]]
    for cell, head, parts in zip(table.rows[0].cells, heads, sections):
        cell.text = head
        cell.paragraphs[0].runs[0].bold = True
    for cell, parts in zip(table.rows[1].cells, sections):
        _fill(cell, parts, clean)
    set_widths(table, [8.9, 8.9, 8.9])
    doc.add_heading("Scaling: on a scale of 0 to 10, where 10 means the children are safe "
                    "enough and 0 means harm is certain, where are we?", level=3)
    doc.add_paragraph("Rating: ____    Reasons: " + "_" * 90)
    doc.add_heading("Next steps (who, what, by when)", level=3)
    steps = doc.add_table(rows=4, cols=3)
    steps.style = "Table Grid"
    for cell, text in zip(steps.rows[0].cells, ("Who", "What", "By when")):
        cell.text = text
    set_widths(steps, [6, 15, 5.7])
    save(doc, path)
    return Path(path)


def _fill(cell, parts, clean) -> None:
    cell.paragraphs[0].text = ""
    first = True
    for title, entries in parts:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        p.add_run(title).bold = True
        for item in entries or [Item("Nothing in the records.")]:
            rows = f" (rows {', '.join(item.evidence[:10])}{'…' if len(item.evidence) > 10 else ''})" \
                if item.evidence else ""
            line = cell.add_paragraph(style="List Bullet")
            line.add_run(clean(item.text)).bold = False
            line.add_run(clean(f" — {item.detail}" if item.detail else "") + rows)
