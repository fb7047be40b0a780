"""Case map in the Signs of Safety style, drawn from the case's data for a meeting to
complete: its three questions, with what we do not know beside the worries, and the
scale.

- What are we worried about? The harm (the findings, one line each with their evidence
  rows), apart from complicating factors (parental and household events: domestic abuse,
  substance misuse, mental ill-health, housing); and what we do not know (a child with no
  records from an agency that should know them, household adults nobody assessed, no
  father recorded, long silences in the record, undated records).
- What's working well? Demonstrated safety: what the family and the people around them
  did (support given, a family network's plan, engagement), not routine appointments
  kept; and the protective people, named in those records or recorded as carers.
- What needs to happen? Danger statements and safety goals drafted from the findings, for
  a person to edit (they say so), and the next steps.
- The scale, 0 to 10, with a score per person: each adult of the family and each agency.

At most two pages for a family: the lists are capped (what is left out is counted, and is
in the chronology's appendix)."""

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
    """The three questions (worries split into harm, complicating factors and what we do
    not know), the drafted danger statements and safety goals, and who scores."""

    case: str
    harm: list[Item]
    complicating: list[Item]
    working_well: list[Item]
    protective_people: list[Item]
    gaps: list[Item]
    dangers: list[Item] = field(default_factory=list)
    goals: list[Item] = field(default_factory=list)
    #: who gives a score on the scale: the family's adults, then each agency
    scorers: list[str] = field(default_factory=list)


#: at most this many lines per list (two pages for a family); the rest are counted
MAX_ITEMS = {"harm": 8, "complicating": 6, "working_well": 6, "gaps": 8, "dangers": 3}
#: at most this many adults, and agencies, on the scale (a case file of a whole cohort
#: would otherwise list thousands)
MAX_SCORERS = 12
#: per Horwath category: what the harm may be (a danger statement) and what safety looks
#: like (a safety goal), in words a family can read
CATEGORY_WORDS = {
    "medical": ("not get the health care they need", "taken to every health appointment "
                "and given the treatment they need"),
    "nutritional": ("go hungry or not have the food they need to grow",
                    "enough good food every day"),
    "emotional": ("be frightened and hurt by the adults' arguments and violence",
                  "a home without violence, and feeling safe with the adults who care "
                  "for them"),
    "educational": ("miss school and fall behind", "in school every day and learning"),
    "physical": ("be hurt, or live somewhere unsafe, cold or dirty",
                 "a home that is safe, warm and clean"),
    "supervision": ("be left without an adult to keep them safe",
                    "a safe adult always looking after them"),
}
DRAFT = "Draft from the records: edit with the family."


def build_case_map(result: Any, chronology=None) -> CaseMap:
    """The case map of a built case. ``chronology`` (a :class:`Chronology`) lets items
    cite its row numbers; without it a whole-family chronology is built."""
    from chronos.report.document import build_chronology

    chron = chronology or build_chronology(result)
    rows = chron.rows
    findings = _live(chron.findings)
    return CaseMap(case=chron.case, harm=_capped(_harm(chron), "harm", "more findings"),
                   complicating=_capped(_complicating(rows), "complicating", "more factors"),
                   working_well=_capped(_positive(rows), "working_well", "more records"),
                   protective_people=_protective(result, rows),
                   gaps=_capped(_gaps(result, rows), "gaps", "more gaps"),
                   dangers=_dangers(chron, findings), goals=_goals(chron, findings),
                   scorers=_scorers(result, rows))


def _live(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings not dismissed on review."""
    if "_dismissed" in findings:
        return findings.loc[~findings["_dismissed"].astype(bool)]
    return findings


def _capped(items: list[Item], key: str, what: str) -> list[Item]:
    limit = MAX_ITEMS[key]
    if len(items) <= limit:
        return items
    more = len(items) - limit
    what = what if more > 1 else what.replace("findings", "finding").replace(
        "factors", "factor").replace("records", "record").replace("gaps", "gap")
    return items[:limit] + [Item(f"… and {more} {what}",
                                 "in the chronology and its appendix")]


def _harm(chron) -> list[Item]:
    items = [Item(f"{f['Ref']} {f['Finding']}", f"{f['Severity']}, {f['Window']}",
                  [r for r in str(f["Evidence rows"]).split(", ") if r])
             for f in _live(chron.findings).to_dict("records")]
    if not items:
        concerns = chron.rows[chron.rows["kind"] == "concern"]
        for label, part in concerns.groupby("label", sort=True):
            items.append(Item(f"{label} ×{len(part)}", "no finding raised",
                              [str(n) for n in part["No."]]))
    return items


def _complicating(rows: pd.DataFrame) -> list[Item]:
    """The parental and household factors, one line per factor however each agency
    recorded it: a GP appointment about a mother's mental health counts with the police's
    concern-for-welfare call (the row's leading label), not as an "appointment attended"."""
    context = rows[rows["kind"] == "context"]
    factor = context["label"].astype(str).str.split(" / ", n=1).str[0]
    return [Item(f"{label} ×{len(part)}", _dates_agencies(part), [str(n) for n in part["No."]])
            for label, part in context.groupby(factor, sort=True)]


def _demonstrated(rows: pd.DataFrame) -> pd.DataFrame:
    """Positive records that show safety (support given, a family plan, engagement), not
    routine appointments kept."""
    good = rows[rows["kind"] == "positive"]
    routine = [("Routine" in v) if isinstance(v, str) else False for v in good["Significance"]]
    return good[[not r for r in routine]]


def _positive(rows: pd.DataFrame) -> list[Item]:
    return [Item(f"{r['Date']}: {r['text']}", r["Agency / source"], [str(r["No."])])
            for r in _demonstrated(rows).to_dict("records")]


def _protective(result: Any, rows: pd.DataFrame) -> list[Item]:
    """The adults who keep the children safe: those the records of demonstrated safety
    name (as a person of the record or in its text), and those recorded as carers."""
    names = people.display_names(result)
    kids = {k["person_id"] for k in people.index_children(result)}
    persons = model.conformed(result.persons, "persons").drop_duplicates("person_id")
    roles = dict(zip(persons["person_id"], persons["role"].fillna("")))
    spoken = _spoken_names(persons)
    found: dict[str, list[str]] = {}
    for rec in _demonstrated(rows).to_dict("records"):
        text = f"{rec['Event']} {rec['text']}".lower()
        named = {p for p in str(rec["person_ids"] or "").split(";") if p}
        named |= {pid for pid, names in spoken.items() if any(n in text for n in names)}
        for pid in sorted(named - kids):
            found.setdefault(pid, []).append(str(rec["No."]))
    for pid, role in roles.items():
        if role.lower() in ("carer", "kinship carer", "foster carer") and pid not in kids:
            found.setdefault(pid, [])
    out = []
    for pid, nos in sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        detail = f"named in {len(nos)} record{'s' if len(nos) > 1 else ''} of safety" if nos \
            else "recorded as a carer"
        out.append(Item(f"{names.get(pid, pid)} ({roles.get(pid) or 'role not recorded'})",
                        detail, nos))
    return out


def _spoken_names(persons: pd.DataFrame) -> dict[str, list[str]]:
    """person id -> the full names a record may call them by (given or other name, and
    family name), lower case."""
    out = {}
    for rec in persons.to_dict("records"):
        family = rec.get("family_name") if isinstance(rec.get("family_name"), str) else ""
        firsts = [rec.get("given_name")] + str(rec.get("other_names") or "").split(";")
        out[rec["person_id"]] = [f"{f.strip()} {family}".lower() for f in firsts
                                 if isinstance(f, str) and f.strip() and family]
    return out


# ---------------------------------------------------------------- what needs to happen


def _children_words(chron, ids: str) -> str:
    names = {c["person_id"]: str(c.get("first_name") or c["name"]).split()[0]
             for c in chron.children}
    kids = [names[p] for p in str(ids or "").split(";") if p in names] or list(names.values())
    return kids[0] if len(kids) == 1 else ", ".join(kids[:-1]) + " and " + kids[-1] \
        if kids else "the children"


def _dangers(chron, findings: pd.DataFrame) -> list[Item]:
    """One danger statement per harm category of the highest-ranked findings (at most
    three): who is worried, what may happen to which children, and why."""
    out, seen = [], set()
    for f in findings.to_dict("records"):
        category = str(f["Category"] or "")
        if category in seen or category not in CATEGORY_WORDS:
            continue
        seen.add(category)
        kids = _children_words(chron, f["_children"])
        worry = CATEGORY_WORDS[category][0]
        out.append(Item(f"{f['Agencies'] or 'The agencies'} are worried that {kids} may {worry}: "
                        f"the records show {f['Finding'][0].lower()}{f['Finding'][1:]} "
                        f"({f['Window']}).",
                        DRAFT, [r for r in str(f["Evidence rows"]).split(", ") if r]))
        if len(out) == MAX_ITEMS["dangers"]:
            break
    return out


def _goals(chron, findings: pd.DataFrame) -> list[Item]:
    """The safety goal answering each danger statement."""
    out, seen = [], set()
    for f in findings.to_dict("records"):
        category = str(f["Category"] or "")
        if category in seen or category not in CATEGORY_WORDS:
            continue
        seen.add(category)
        kids = _children_words(chron, f["_children"])
        out.append(Item(f"For {kids}: {CATEGORY_WORDS[category][1]}, seen by everyone "
                        "working with the family for six months.", DRAFT))
        if len(out) == MAX_ITEMS["dangers"]:
            break
    return out


def _scorers(result: Any, rows: pd.DataFrame) -> list[str]:
    """Who scores on the scale: the family's adults (parents, carers, household adults),
    then each agency in the record."""
    names = people.display_names(result)
    kids = {k["person_id"] for k in people.index_children(result)}
    persons = model.conformed(result.persons, "persons").drop_duplicates("person_id")
    adults = [f"{names.get(pid, pid)} ({role})" for pid, role in
              zip(persons["person_id"], persons["role"].fillna(""))
              if pid not in kids and str(role).lower() != "child"]
    agencies = sorted({a for a in rows["agency"].fillna("") if a})
    return adults[:MAX_SCORERS] + agencies[:MAX_SCORERS]


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
    fathers = {b for a, b in zip(*(rel.loc[rel["kind"] == "parent", c]
                                   for c in ("person_a", "person_b"))) if sex.get(a) == "M"}
    out = []
    for kid in people.index_children(result):
        if kid["person_id"] not in fathers:
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


QUESTIONS = ("What are we worried about?", "What's working well?", "What needs to happen?")


def _sections(cm: CaseMap) -> list[list[tuple[str, list[Item]]]]:
    """The three columns, each a list of (heading, items)."""
    return [[("Harm (findings, with their evidence rows)", cm.harm),
             ("Complicating factors", cm.complicating), ("What do we not know?", cm.gaps)],
            [("Demonstrated safety", cm.working_well),
             ("Protective people", cm.protective_people)],
            [("Danger statements", cm.dangers), ("Safety goals", cm.goals),
             ("Next steps (who, what, by when)", [])]]


def case_map_html(cm: CaseMap) -> str:
    """The case map as an HTML fragment (the three questions, then the scale), for the
    case report."""
    from chronos.report.html_writer import e

    def items(title: str, entries: list[Item]) -> str:
        lis = "".join(
            f"<li><b>{e(i.text)}</b>{' — ' + e(i.detail) if i.detail else ''}"
            + (" <span class='rows'>rows " + " ".join(
                f"<a href='#row-{e(r)}'>{e(r)}</a>" for r in i.evidence[:12])
               + (" …" if len(i.evidence) > 12 else "") + "</span>" if i.evidence else "")
            + "</li>" for i in entries) or "<li><i>For the meeting.</i></li>"
        return f"<h4>{e(title)}</h4><ul>{lis}</ul>"

    cols = "".join(f'<div class="cm {cls}"><h3>{e(q)}</h3>'
                   + "".join(items(t, entries) for t, entries in parts) + "</div>"
                   for q, cls, parts in zip(QUESTIONS, ("worry", "well", "next"), _sections(cm)))
    scale = "".join(f"<tr><td>{e(who)}</td><td></td><td></td></tr>" for who in cm.scorers)
    return ('<section class="casemap" id="casemap"><h2>Case map</h2>'
            f'<div class="cm-cols">{cols}</div>'
            f"<h3>{e(SCALE)}</h3><table class='scale'><thead><tr><th>Who</th>"
            f"<th>Score (0–10)</th><th>Why this number</th></tr></thead><tbody>{scale}"
            "</tbody></table></section>")


SCALE = ("On a scale of 0 to 10, where 10 means everyone knows the children are safe enough "
         "for the case to close and 0 means the children will be harmed, where is each person?")


def write_case_map_docx(result: Any, path: str | Path, chronology=None,
                        case_map: CaseMap | None = None) -> Path:
    """The case map as a landscape Word document for the meeting to complete: the three
    questions (header repeated on every page), the drafted danger statements and safety
    goals marked as drafts, and the scale with a row per person. ``case_map``: the case
    map already built (:func:`build_case_map`), else built here."""
    from chronos.report.docx_writer import clean, heading, new_document, save, set_widths

    cm = case_map or build_case_map(result, chronology)
    doc = new_document("Case map")
    heading(doc, f"Case map: {clean(cm.case)}", 1)
    doc.add_paragraph("Drawn from the chronology; rows refer to its numbered entries. The "
                      "danger statements and safety goals are drafts: check every item with "
                      "the family and the agencies.")
    table = doc.add_table(rows=2, cols=3)
    table.style = "Table Grid"
    sections = _sections(cm)
    for cell, head in zip(table.rows[0].cells, QUESTIONS):
        cell.text = head
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(table.rows[0])
    for cell, parts in zip(table.rows[1].cells, sections):
        _fill(cell, parts, clean)
    set_widths(table, [9.4, 7.9, 9.4])
    heading(doc, "Scaling", 3)
    doc.add_paragraph(SCALE).paragraph_format.keep_with_next = True
    scale = doc.add_table(rows=1, cols=3)
    scale.style = "Table Grid"
    for cell, text in zip(scale.rows[0].cells, ("Who", "Score (0–10)", "Why this number")):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(scale.rows[0])
    for who in cm.scorers:
        scale.add_row().cells[0].text = clean(who)
    set_widths(scale, [7.5, 3.0, 16.2])
    save(doc, path)
    return Path(path)


def _repeat_header(row) -> None:
    from docx.oxml import parse_xml

    from chronos.report.docx_writer import W_NS

    row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader xmlns:w="{W_NS}"/>'))


def _fill(cell, parts, clean) -> None:
    cell.paragraphs[0].text = ""
    first = True
    for title, entries in parts:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        p.add_run(title).bold = True
        for item in entries or [Item("For the meeting.")]:
            rows = f" (rows {', '.join(item.evidence[:10])}{'…' if len(item.evidence) > 10 else ''})" \
                if item.evidence else ""
            line = cell.add_paragraph(style="List Bullet")
            line.add_run(clean(item.text)).bold = False
            line.add_run(clean(f" — {item.detail}" if item.detail else "") + rows)
