"""A synthetic family for tests, benchmarks and documentation of the report writers.

Everything here is invented. :func:`example_result` returns an object with the attributes
of :class:`chronos.case.CaseResult` that reports read (``name``, ``index_children``,
``as_of``, ``events``, ``persons``, ``relationships``, ``findings``, ``links``,
``quarantine``, ``sources``, ``report``); ``n_events`` pads the record with generated
events for benchmarks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from chronos import model

JORDAN, AMELIA, KERRY, DEAN, PAT = "P-jordan", "P-amelia", "P-kerry", "P-dean", "P-pat"

PERSONS = [
    dict(person_id=JORDAN, given_name="Jordan", family_name="Smith", dob="2015-03-14",
         dob_precision="day", sex="M", nhs_number="9434765919", upn="A123456789012",
         la_child_id="LA-77123", postcode="ZZ1 4QT", address="14 Larch Close, Eastham, ZZ1 4QT",
         role="child", is_index=True),
    dict(person_id=AMELIA, given_name="Amelia", family_name="Smith", dob="2018-07-02",
         dob_precision="day", sex="F", nhs_number="9434765870", la_child_id="LA-80991",
         postcode="ZZ1 4QT", address="14 Larch Close, Eastham, ZZ1 4QT", role="child",
         is_index=True),
    dict(person_id=KERRY, given_name="Kerry", family_name="Smith", dob="1994-11-20",
         dob_precision="day", sex="F", nhs_number="9434765838", postcode="ZZ1 4QT",
         address="14 Larch Close, Eastham, ZZ1 4QT", role="parent"),
    dict(person_id=DEAN, given_name="Dean", family_name="Walsh", dob="1990-01-01",
         dob_precision="year", sex="M", role="adult", postcode="ZZ1 4QT"),
    dict(person_id=PAT, given_name="Patricia", family_name="Smith", other_names="Pat",
         dob="1968-02-05", dob_precision="day", sex="F", role="carer", postcode="ZZ3 9RD",
         address="2 Mill Row, Westford, ZZ3 9RD"),
]

RELATIONSHIPS = [
    dict(person_a=KERRY, person_b=JORDAN, kind="parent", subtype="biological"),
    dict(person_a=KERRY, person_b=AMELIA, kind="parent", subtype="biological"),
    dict(person_a=PAT, person_b=KERRY, kind="parent", subtype="biological"),
    dict(person_a=KERRY, person_b=DEAN, kind="partner", subtype="cohabiting", start="2019-06-01"),
    dict(person_a=JORDAN, person_b=AMELIA, kind="sibling", subtype="biological"),
]

# date, precision, uncertain, persons, agency, org, type, summary, outcome, source, ref
EVENTS = [
    ("2015-03-14", "day", False, [JORDAN, KERRY], "Hospital", "Eastham General", "birth",
     "Jordan born at 38 weeks, 2.9kg.", "Discharged home with Kerry Smith.", "hospital.csv", "2"),
    ("2015-05", "month", False, [JORDAN], "Health Visiting", "Eastham HV Team",
     "health_visitor_contact", "New birth visit; home warm, baby well cared for.",
     "Universal service.", "hv.csv", "3"),
    ("2015-06-10", "day", False, [JORDAN], "GP", "Riverside Surgery", "immunisation_given",
     "8-week immunisations given.", "", "gp.csv", "4"),
    ("2016-05-22", "day", True, [JORDAN], "GP", "Riverside Surgery", "was_not_brought",
     "Jordan was not brought to 12-month review.", "Letter sent to mother.", "gp.csv", "7"),
    ("2016-09-03", "day", False, [JORDAN], "Hospital", "Eastham General", "ae_attendance",
     "A&E: scald to left hand; Kerry's account consistent.", "Dressed, discharged.",
     "hospital.csv", "9"),
    ("2017", "year", False, [KERRY], "Police", "Eastshire Police", "police_call_out",
     "Neighbours reported shouting at the address.", "No further action.", "police.csv", "4"),
    ("2017-11-14", "day", False, [JORDAN], "GP", "Riverside Surgery", "was_not_brought",
     "Not brought to asthma review.", "Second letter.", "gp.csv", "12"),
    ("2018-07-02", "day", False, [AMELIA, KERRY], "Hospital", "Eastham General", "birth",
     "Amelia born; mother declined postnatal follow-up.", "", "hospital.csv", "15"),
    ("2018-10-08", "day", False, [AMELIA], "Health Visiting", "Eastham HV Team",
     "growth_concern", "Amelia's weight dropped from 50th to 9th centile.",
     "Review in 2 weeks.", "hv.csv", "11"),
    ("2019-01-15", "day", False, [JORDAN], "School", "Larch Primary", "head_lice",
     "Head lice noted again; uniform unwashed.", "Letter home to K. Smith.", "school.csv", "5"),
    ("2019-03-02", "day", False, [KERRY, DEAN], "Police", "Eastshire Police",
     "domestic_abuse_incident", "DA incident: Dean Walsh arrested; children present.",
     "DASH standard risk; notification to CSC.", "police.csv", "9"),
    ("2019-03-05", "day", False, [JORDAN, AMELIA], "Children's Social Care", "Eastshire CSC",
     "referral", "Police notification following DA incident.", "Single assessment opened.",
     "csc.csv", "2"),
    ("2019-04-20", "day", False, [JORDAN, AMELIA], "Children's Social Care", "Eastshire CSC",
     "assessment", "Single assessment: home conditions poor, mother low mood.",
     "Child in need plan.", "csc.csv", "3"),
    ("2019-05-01", "day", False, [JORDAN, AMELIA], "Children's Social Care", "Eastshire CSC",
     "cin_plan_start", "Child in need plan started.", "", "csc.csv", "4"),
    ("2019-06-12", "day", False, [JORDAN, PAT], "Children's Social Care", "Eastshire CSC",
     "support_received", "Grandmother Pat Smith collecting Jordan from school twice weekly.",
     "Protective factor noted.", "csc.csv", "6"),
    ("2019-09-30", "day", False, [JORDAN], "School", "Larch Primary", "attendance_summary",
     "Autumn term attendance 84%.", "Attendance officer informed.", "school.csv", "9"),
    ("2020-02-11", "day", False, [AMELIA], "GP", "Riverside Surgery", "was_not_brought",
     "Amelia was not brought to 18-month check.", "", "gp.csv", "21"),
    ("2020-02", "month", True, [KERRY], "Housing", "Eastham Homes", "eviction_arrears",
     "Rent arrears of £1,200; notice seeking possession.", "Referred to money advice.",
     "housing.csv", "3"),
    ("2020-06-18", "day", False, [JORDAN], "School", "Larch Primary", "hygiene_clothing",
     "Jordan arrived hungry, same clothes all week.", "Breakfast club offered.",
     "school.csv", "14"),
    ("2020-09-01", "day", False, [JORDAN, AMELIA, KERRY, DEAN], "Housing", "Eastham Homes",
     "housing_move", "Family moved to temporary accommodation, 3 Birch Court.", "",
     "housing.csv", "6"),
    ("2021-01-20", "day", False, [JORDAN], "GP", "Riverside Surgery", "appointment_attended",
     "Asthma review attended with grandmother.", "Inhaler technique good.", "gp.csv", "30"),
    ("2021-03-09", "day", False, [JORDAN, AMELIA], "Children's Social Care", "Eastshire CSC",
     "strategy_discussion", "Strategy discussion after school raised neglect concerns.",
     "S47 enquiry.", "csc.csv", "12"),
    ("2021-04-14", "day", False, [JORDAN, AMELIA], "Children's Social Care", "Eastshire CSC",
     "cp_plan_start", "Initial conference: child protection plan, category neglect.",
     "CP plan.", "csc.csv", "14"),
    ("2021-06-01", "day", False, [JORDAN], "Dental", "Smile Dental", "dental_decay",
     "Six teeth extracted under general anaesthetic.", "", "dental.csv", "2"),
    ("2021-10-07", "day", False, [JORDAN, AMELIA], "Children's Social Care", "Eastshire CSC",
     "positive_engagement", "Kerry Smith engaging well with parenting programme.",
     "Good progress recorded.", "csc.csv", "20"),
    ("", "unknown", False, [DEAN], "Police", "Eastshire Police", "substance_misuse",
     "Intelligence: Dean using cocaine at home (undated).", "", "police.csv", "15"),
]

FINDINGS = [
    dict(finding_id="F-wnb", rule_id="repeated_was_not_brought",
         title="Repeated was-not-brought across health appointments", person_id=JORDAN,
         category="medical", severity="high", window_start="2016-05-22",
         window_end="2020-02-11", agencies="GP",
         explanation="3 was-not-brought appointments within 4 years."),
    dict(finding_id="F-phys", rule_id="physical_neglect_cluster",
         title="Physical neglect signs reported by two agencies", person_id=JORDAN,
         category="physical", severity="medium", window_start="2019-01-15",
         window_end="2020-06-18", agencies="School;Children's Social Care",
         explanation="Head lice, unwashed clothing and poor home conditions within 18 months."),
]


@dataclass
class ExampleResult:
    """The attributes of a built case that the report writers read."""

    name: str
    index_children: list[str]
    as_of: str | None
    events: Any
    persons: Any
    relationships: Any
    findings: Any
    links: Any = None
    quarantine: Any = None
    sources: list = field(default_factory=list)
    report: dict = field(default_factory=dict)


def _event_rows() -> list[dict]:
    vocab = model.vocabulary()
    rows = []
    for n, (d, prec, unc, persons, agency, org, etype, summary, outcome, src, ref) in enumerate(EVENTS):
        iso = {"year": f"{d}-01-01", "month": f"{d}-01"}.get(prec, d) if d else None
        rows.append(dict(
            event_id=model.make_event_id(src, ref, etype, iso, 0), date=iso,
            date_precision=prec, date_uncertain=unc, person_ids=";".join(persons),
            agency=agency, source_org=org, event_type=etype,
            categories=vocab.categories_for(etype), summary=summary, outcome=outcome,
            source_format="mapped", source_file=src, source_ref=ref))
    return rows


def _findings(events) -> list[dict]:
    by_type = {t: events.loc[events.event_type == t, "event_id"].tolist()
               for t in ("was_not_brought", "head_lice", "hygiene_clothing", "assessment")}
    rows = [dict(f) for f in FINDINGS]
    rows[0]["event_ids"] = ";".join(by_type["was_not_brought"])
    rows[1]["event_ids"] = ";".join(by_type["head_lice"] + by_type["hygiene_clothing"]
                                    + by_type["assessment"])
    return rows


def _padding(n: int, start: date = date(2015, 3, 14)) -> list[dict]:
    """Generated events for benchmarks: deterministic, spread over the child's life."""
    rng = random.Random(7)
    vocab = model.vocabulary()
    types = sorted(vocab.event_types)
    agencies = ["GP", "Hospital", "School", "Police", "Housing", "Children's Social Care"]
    rows = []
    for i in range(n):
        etype = rng.choice(types)
        day = start + timedelta(days=rng.randrange(0, 3200))
        rows.append(dict(
            event_id=model.make_event_id("bulk.csv", str(i + 2), etype, day.isoformat()),
            date=day.isoformat(), date_precision=rng.choice(["day"] * 8 + ["month", "year"]),
            date_uncertain=rng.random() < 0.05, person_ids=rng.choice([JORDAN, AMELIA, KERRY]),
            agency=rng.choice(agencies), source_org="Generated", event_type=etype,
            categories=vocab.categories_for(etype),
            summary=f"Generated record {i}: {vocab.label(etype).lower()} noted by worker.",
            outcome="Follow-up arranged." if i % 3 else "", source_format="mapped",
            source_file="bulk.csv", source_ref=str(i + 2)))
    return rows


def _sources(events) -> list:
    from chronos.ingest.base import Source, SourceResult

    out = []
    for (src, agency), group in events.groupby(["source_file", "agency"], sort=True):
        name = Path(src).stem
        source = Source(path=Path(src), name=name, format="mapped", agency=agency,
                        display_path=src)
        out.append(SourceResult(source=source, format="mapped", records_read=len(group),
                                records_to_data=len(group)))
    return out


def example_result(n_events: int | None = None) -> ExampleResult:
    """The synthetic Smith family; with ``n_events``, padded to that many events."""
    rows = _event_rows()
    if n_events and n_events > len(rows):
        rows += _padding(n_events - len(rows))
    events = model.conform(rows, "events")
    return ExampleResult(
        name="Smith family (synthetic example)", index_children=[JORDAN, AMELIA],
        as_of="2022-03-31", events=events, persons=model.conform(PERSONS, "persons"),
        relationships=model.conform(RELATIONSHIPS, "relationships"),
        findings=model.conform(_findings(events), "findings"),
        links=model.empty("links"), quarantine=model.empty("quarantine"),
        sources=_sources(events))
