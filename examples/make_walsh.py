"""Write the second synthetic example case, examples/walsh-family (everyone invented).

Three children (Jake, Ruby and Alfie, born part-way through), a father whose divorce is
recorded and who lives elsewhere, the mother's partner who moves in part-way (June 2022)
and is left out of the assessment made after, police occurrences that name several people
in several roles (one person twice, one wording chronos does not know), children's social
care episodes repeated for every child, and the school's per-child Word chronology for
Ruby (a table with no child column). ``PLANTED.md`` lists what the rules must find and
what they must not, row by row. Run::

    python examples/make_walsh.py            # rewrites examples/walsh-family
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CASE = ROOT / "walsh-family"
sys.path.insert(0, str(ROOT.parent))

from chronos.link.identifiers import nhs_check_digit, upn_check_letter  # noqa: E402


def nhs(first_nine: str) -> str:
    """A valid NHS number (the first nine digits chosen so that a check digit exists)."""
    digit = nhs_check_digit(first_nine)
    if digit is None:
        raise ValueError(first_nine)
    n = first_nine + str(digit)
    return f"{n[:3]} {n[3:6]} {n[6:]}"


def upn(last_twelve: str) -> str:
    return upn_check_letter(last_twelve) + last_twelve


@dataclass
class Person:
    key: str
    first: str
    last: str
    dob: str        # dd/mm/yyyy
    sex: str
    nhs: str = ""
    upn: str = ""
    gp: str = ""
    la: str = ""


PEOPLE = {
    "leanne": Person("W01", "Leanne", "Walsh", "21/06/1990", "F", nhs("485777302"), gp="P20411"),
    "darren": Person("W02", "Darren", "Walsh", "02/02/1987", "M", nhs("485777310")),
    "kyle": Person("W03", "Kyle", "Brent", "17/10/1991", "M"),
    "jake": Person("W04", "Jake", "Walsh", "03/03/2011", "M", nhs("485777329"),
                   upn("873301211045"), "P20412", "LA-77101"),
    "ruby": Person("W05", "Ruby", "Walsh", "30/08/2015", "F", nhs("485777337"),
                   upn("873301511209"), "P20413", "LA-77102"),
    "alfie": Person("W06", "Alfie", "Brent", "14/02/2023", "M", nhs("485777345"), "",
                    "P20414", "LA-77103"),
}


class Export:
    """Rows of one export with the planted tag of each (for PLANTED.md)."""

    def __init__(self, name: str, header: list[str], first_row: int = 2):
        self.name, self.header, self.rows, self.tags = name, header, [], []
        self.first_row = first_row

    def add(self, row: list, tag: str = "") -> None:
        self.rows.append(row)
        self.tags.append(tag)

    def refs(self, tag: str) -> list[str]:
        return [str(i + self.first_row) for i, t in enumerate(self.tags) if t == tag]

    def write(self, folder: Path) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        (folder / self.name).write_text(buffer.getvalue(), encoding="utf-8")


def family() -> Export:
    ex = Export("family_persons.csv", ["Person Ref", "Forename", "Surname", "DOB", "Sex",
                                       "NHS Number", "Role", "Mother Ref", "Father Ref",
                                       "Partner Ref", "Partner Status", "Household", "Notes"])
    p = PEOPLE
    rows = [("leanne", "parent", "", "", "kyle", "cohabiting", "H1", "Mother"),
            ("darren", "parent", "", "", "leanne", "divorced", "H2",
             "Father of Jake and Ruby; divorced, left September 2021; contact at weekends"),
            ("kyle", "adult", "", "", "leanne", "cohabiting", "H1",
             "Mother's partner; moved in June 2022; father of Alfie"),
            ("jake", "child", "leanne", "darren", "", "", "H1", ""),
            ("ruby", "child", "leanne", "darren", "", "", "H1", ""),
            ("alfie", "child", "leanne", "kyle", "", "", "H1", "Born 14/02/2023")]
    for who, role, mother, father, partner, status, household, notes in rows:
        q = p[who]
        ex.add([q.key, q.first, q.last, q.dob, q.sex, q.nhs, role,
                p[mother].key if mother else "", p[father].key if father else "",
                p[partner].key if partner else "", status, household, notes],
               "separated_father" if who == "darren" else "family")
    return ex


GP_HEADER = ["Patient ID", "NHS Number", "Patient Name", "DOB", "Appt Date", "Appt Time",
             "Clinician", "Slot Type", "Status", "Coded Entry"]


def gp() -> Export:
    ex = Export("gp_appointments.csv", GP_HEADER)
    rows = [
        ("ruby", "18/01/2022", "09:10", "Dr N Shah", "GP appointment", "Attended", "Eczema", "routine"),
        ("jake", "02/03/2022", "16:20", "Nurse L Grant", "Asthma clinic", "Attended", "Asthma review", "routine"),
        ("leanne", "11/05/2022", "10:00", "Dr N Shah", "GP appointment", "Attended", "Low mood", ""),
        ("ruby", "10/03/2023", "15:40", "Dr N Shah", "GP appointment", "DNA", "", "wnb_ruby"),
        ("alfie", "28/03/2023", "11:00", "Dr N Shah", "Baby check", "Attended", "6-8 week check", "routine"),
        ("alfie", "18/04/2023", "09:30", "Nurse L Grant", "Immunisations", "DNA",
         "Immunisation not given - not brought", "imms_alfie"),
        ("jake", "04/05/2023", "16:00", "Nurse L Grant", "Asthma clinic", "DNA", "", "decoy_single_dna"),
        ("ruby", "12/06/2023", "15:50", "Dr T Moss", "GP appointment", "DNA", "", "wnb_ruby"),
        ("alfie", "13/06/2023", "09:30", "Nurse L Grant", "Immunisations", "DNA",
         "Immunisation not given - not brought", "imms_alfie"),
        ("alfie", "24/07/2023", "10:20", "Dr T Moss", "GP appointment", "Attended",
         "Follow up after ED attendance", "routine"),
        ("ruby", "02/10/2023", "16:10", "Dr T Moss", "GP appointment", "DNA", "", "wnb_ruby"),
        ("jake", "06/11/2023", "16:40", "Dr N Shah", "GP appointment", "Attended", "Sports injury review", "routine"),
    ]
    for who, date, time, clinician, slot, status, coded, tag in rows:
        q = PEOPLE[who]
        ex.add([q.gp or "P20410", q.nhs, f"{q.last.upper()}, {q.first}", q.dob, date, time,
                clinician, slot, status, coded], tag)
    return ex


def hospital() -> Export:
    ex = Export("ed_attendances.csv", ["Attendance No", "Hospital No", "NHS No", "Surname",
                                       "Forename", "Date of Birth", "Arrival",
                                       "Presenting Complaint", "Injury", "Diagnosis",
                                       "Discharge Outcome"])
    rows = [
        ("ED23-1101", "jake", "RH40211", "30/09/2023 14:05", "Rugby tackle - shoulder pain", "Y",
         "Shoulder sprain", "Discharged home", "decoy_sports_injury"),
        ("ED23-0807", "alfie", "RH51873", "14/07/2023 20:30",
         "Bruise to left cheek, mother unsure how it happened", "Y",
         "Bruising - unexplained in non-mobile infant", "Discharged - safeguarding referral made",
         "baby_bruise"),
    ]
    rows.sort(key=lambda r: r[3][6:10] + r[3][3:5] + r[3][0:2])
    for ref, who, hosp, arrival, complaint, injury, diagnosis, outcome, tag in rows:
        q = PEOPLE[who]
        ex.add([ref, hosp, q.nhs, q.last, q.first, q.dob, arrival, complaint, injury, diagnosis,
                outcome], tag)
    return ex


def school() -> Export:
    ex = Export("school_attendance.csv", ["UPN", "Legal Surname", "Forename", "DOB", "Gender",
                                          "School", "Term", "Term End", "Possible Sessions",
                                          "Attended Sessions", "Attendance %"])
    terms = [("Autumn 2021", "17/12/2021", 140), ("Spring 2022", "08/04/2022", 118),
             ("Summer 2022", "22/07/2022", 124), ("Autumn 2022", "16/12/2022", 142),
             ("Spring 2023", "31/03/2023", 120), ("Summer 2023", "21/07/2023", 126),
             ("Autumn 2023", "15/12/2023", 140), ("Spring 2024", "28/03/2024", 118)]
    jake = [96.0, 93.5, 88.0, 84.9, 78.2, 71.0, 58.3, 47.5]
    ruby = [98.1, 97.2, 96.5, 97.9, 98.3, 96.9, 95.2, 97.0]
    for (term, end, possible), j, r in zip(terms, jake, ruby):
        for who, value, school_name, tag in (
                ("jake", j, "Hillside Academy", "falling_attendance"),
                ("ruby", r, "Brookfield Primary", "decoy_good_attendance")):
            q = PEOPLE[who]
            attended = round(possible * value / 100)
            ex.add([q.upn, q.last, q.first, q.dob, q.sex, school_name, term, end, possible,
                    attended, f"{value:.1f}"], tag if who == "ruby" or value < 90 else
                   ("falling_attendance" if value < 95 else "attendance_before"))
    return ex


POLICE_HEADER = ["Occurrence Ref", "Reported", "Occurrence Type", "Location", "Nominal ID",
                 "Surname", "Forename", "DOB", "Involvement", "Summary"]


def police() -> Export:
    ex = Export("police_occurrences.csv", POLICE_HEADER)
    home = "22 Linden Way, Ashby"
    nominals = {"leanne": "N-80211", "kyle": "N-80377", "jake": "N-80412", "ruby": "N-80413",
                "alfie": "", "neighbour": "N-80990"}
    occurrences = [
        ("OCC/22/1002", "02/10/2022 22:15", "Domestic abuse",
         "Shouting and a door broken; DASH medium; children in the home",
         [("leanne", "Victim"), ("leanne", "Witness"), ("kyle", "Suspect"), ("jake", "Child present"),
          ("ruby", "Child present"), ("neighbour", "Person reporting")], "da_not_acted_on"),
        ("OCC/22/1205", "05/12/2022 23:40", "Domestic abuse",
         "Assault on partner (6 months pregnant); DASH high; children upstairs",
         [("leanne", "Victim"), ("kyle", "Suspect"), ("jake", "Child present"),
          ("ruby", "Child present")], "domestic_abuse"),
        ("OCC/23/0620", "20/06/2023 01:10", "Domestic abuse",
         "Suspect intoxicated, threats; arrested; baby in the home; DASH high",
         [("leanne", "Victim"), ("kyle", "Suspect"), ("jake", "Child present"),
          ("ruby", "Child present"), ("alfie", "Child present")], "domestic_abuse"),
        ("OCC/24/0112", "12/01/2024 19:30", "Missing person",
         "Jake missing overnight, found at a friend's house", [("jake", "Missing person")],
         "missing"),
    ]
    for ref, when, kind, summary, people, tag in occurrences:
        for who, role in people:
            if who == "neighbour":
                ex.add([ref, when, kind, home, nominals[who], "PRICE", "Maureen", "11/04/1958",
                        role, summary], tag)
                continue
            q = PEOPLE[who]
            ex.add([ref, when, kind, home, nominals[who], q.last.upper(), q.first, q.dob, role,
                    summary], tag)
    return ex


def housing() -> Export:
    ex = Export("housing_actions.csv", ["Tenancy Ref", "Lead Tenant", "Tenant DOB",
                                        "Property Address", "Postcode", "Action Date",
                                        "Action Type", "Notes"])
    q = PEOPLE["leanne"]
    rows = [("12/11/2021", "Rent arrears letter", "Arrears £310.00", "arrears"),
            ("06/06/2022", "Household change", "Kyle Brent (DOB 17/10/1991) added as occupant",
             "partner_moves_in"),
            ("19/09/2023", "Notice seeking possession", "Arrears £1,204.50", "arrears")]
    for date, kind, notes, tag in rows:
        ex.add(["T-44120", f"Ms {q.first} {q.last.upper()}", q.dob, "22 Linden Way, Ashby",
                "AS4 7LW", date, kind, notes], tag)
    return ex


CSC_HEADER = ["LA Child ID", "Child Name", "DOB", "Gender", "Episode Type", "Start Date",
              "End Date", "Worker", "Category", "Outcome", "Persons Assessed"]


def social_care() -> Export:
    ex = Export("csc_episodes.csv", CSC_HEADER)
    two, three = ("jake", "ruby"), ("jake", "ruby", "alfie")
    episodes = [
        (two, "Contact", "14/02/2022", "", "Duty team", "", "School concern: hunger, hygiene", "", "referral_2022"),
        (two, "Single Assessment", "01/03/2022", "18/03/2022", "Amy Clarke", "", "CIN plan",
         "Leanne Walsh (mother)", "assessment_before_move_in"),
        (two, "CIN Plan", "20/03/2022", "15/09/2022", "Amy Clarke", "Neglect", "", "", ""),
        (two, "Case Closure", "15/09/2022", "", "Amy Clarke", "", "Closed - step down to early help", "",
         "closed_then_rereferred"),
        (two, "Contact", "06/12/2022", "", "Duty team", "", "Police DA notification", "",
         "closed_then_rereferred"),
        (two, "Strategy Discussion", "08/12/2022", "", "Amy Clarke", "", "S47 agreed", "", ""),
        (two, "S47 Enquiry", "09/12/2022", "20/12/2022", "Amy Clarke", "", "Concerns substantiated - ICPC", "",
         ""),
        (two, "Single Assessment", "09/12/2022", "30/12/2022", "Amy Clarke", "", "CP plan",
         "Leanne Walsh (mother); Darren Walsh (father)", "unassessed_partner"),
        (two, "ICPC", "05/01/2023", "", "Amy Clarke", "Neglect", "Child protection plan", "", ""),
        (two, "CP Plan", "05/01/2023", "", "Amy Clarke", "Neglect", "", "", "cp_plan_long"),
        (three, "Home Visit", "20/01/2023", "", "Amy Clarke", "", "Kyle Brent present; declined to speak", "",
         "unassessed_partner"),
        (("alfie",), "CP Plan", "01/03/2023", "", "Amy Clarke", "Neglect", "", "", "cp_plan_long"),
        (three, "RCPC", "05/04/2023", "", "Amy Clarke", "Neglect", "Remain on plan", "", ""),
        (three, "Worker Change", "12/06/2023", "", "Ben Osei", "", "Amy Clarke left", "", ""),
        (three, "RCPC", "04/10/2023", "", "Ben Osei", "Neglect", "Remain on plan", "", ""),
        (three, "Worker Change", "08/01/2024", "", "Cara Doyle", "", "Reallocation", "", ""),
        (three, "RCPC", "04/04/2024", "", "Cara Doyle", "Neglect", "Remain on plan", "", ""),
    ]
    for children, kind, start, end, worker, category, outcome, assessed, tag in episodes:
        for who in children:
            q = PEOPLE[who]
            ex.add([q.la, f"{q.first} {q.last}", q.dob, "Male" if q.sex == "M" else "Female", kind,
                    start, end, worker, category, outcome, assessed], tag)
    return ex


#: the school's chronology for Ruby (Word): Date, Source, Event, Action (no child column)
RUBY_CHRONOLOGY = [
    ("12/01/2022", "Class teacher", "Ruby arrived hungry, no breakfast; given toast",
     "Logged with DSL", "ruby_word"),
    ("03/02/2022", "DSL", "Ruby in the same clothes all week, unwashed, smells",
     "Spoke to mum; referral to children's social care", "ruby_word"),
    ("09/05/2023", "Class teacher", "Ruby said mum and Kyle were shouting at night; tired in class",
     "DSL informed; shared with social worker", "ruby_word"),
    ("20/11/2023", "Class teacher", "Head lice noted", "Letter sent home", "ruby_word"),
    ("?14/03/2024", "DSL", "Ruby reluctant to go home at the end of the day",
     "Shared with social worker", "ruby_word"),
]


def write_word(folder: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_heading("Brookfield Primary: safeguarding chronology for Ruby Walsh (b. 30/08/2015)", 1)
    table = doc.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, ("Date", "Source", "Event", "Action")):
        cell.text = text
    for date, source, event, action, _ in RUBY_CHRONOLOGY:
        cells = table.add_row().cells
        for cell, text in zip(cells, (date, source, event, action)):
            cell.text = text
    target = folder / "ruby_school_chronology.docx"
    doc.save(target)
    _fix_docx_dates(target)


def _fix_docx_dates(path: Path) -> None:
    """python-docx stamps the save time into docProps/core.xml: rewrite it with a fixed
    date so that the file is the same every run."""
    import re
    import zipfile

    data = {}
    with zipfile.ZipFile(path) as zin:
        infos = zin.infolist()
        for info in infos:
            data[info.filename] = zin.read(info.filename)
    core = data.get("docProps/core.xml", b"").decode()
    core = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", r"\g<1>2024-06-30T00:00:00Z\2", core)
    data["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in infos:
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 6, 30, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, data[info.filename])


MAPPINGS = {
    "family.yaml": """# Family / persons file: people, parents, partners and households; no events.
person:
  id: Person Ref
  given_name: Forename
  family_name: Surname
  dob: DOB
  sex: Sex
  nhs_number: NHS Number
  role: Role
related:
  - {column: Mother Ref, kind: parent, subtype: biological, direction: to_subject}
  - {column: Father Ref, kind: parent, subtype: biological, direction: to_subject}
  - {column: Partner Ref, kind: partner, subtype: {column: Partner Status}}
household: Household
""",
    "gp.yaml": """# GP appointments (one row per appointment; a coded entry made at it).
agency: GP
dayfirst: true
person:
  id: Patient ID
  name: Patient Name
  dob: DOB
  nhs_number: NHS Number
events:
  - name: appointment
    date: Appt Date
    time: Appt Time
    type:
      column: Status
      map: {DNA: was_not_brought, Attended: appointment_attended}
    summary: "{Slot Type} with {Clinician}: {Status}"
    outcome: Coded Entry
  - name: coded entry
    date: Appt Date
    time: Appt Time
    when: {column: Coded Entry, not_empty: true}
    type:
      column: Coded Entry
      map:
        Immunisation not given - not brought: immunisation_missed
        Low mood: parental_mental_health
      unmapped: ignore
    summary: "GP coded entry: {Coded Entry}"
""",
    "hospital_ed.yaml": """# Emergency Department attendances (date-times, injury flag).
agency: Hospital (ED)
dayfirst: true
person:
  id: Hospital No
  given_name: Forename
  family_name: Surname
  dob: Date of Birth
  nhs_number: NHS No
events:
  - name: attendance
    date: Arrival
    type: {value: ae_attendance}
    summary: "A&E: {Presenting Complaint}"
    outcome: "{Diagnosis}; {Discharge Outcome}"
  - name: injury
    date: Arrival
    type: {value: injury}
    when: {column: Injury, equals: "Y"}
    summary: "Injury: {Presenting Complaint}"
    outcome: "{Diagnosis}; {Discharge Outcome}"
""",
    "school.yaml": """# School attendance: one row per pupil per term.
agency: School
source_org: {column: School}
person:
  id: UPN
  upn: UPN
  given_name: Forename
  family_name: Legal Surname
  dob: DOB
  sex: Gender
  role: {value: child}
events:
  - date: Term End
    type: {value: attendance_summary}
    value: Attendance %
    summary: "{Term} attendance at {School}: {Attendance %}%"
    details: {possible: Possible Sessions, attended: Attended Sessions}
""",
    "police.yaml": """# Police occurrences: one row per person per occurrence. The rows of one occurrence
# are one event naming everyone in their role.
agency: Police
person:
  id: Nominal ID
  given_name: Forename
  family_name: Surname
  dob: DOB
events:
  - date: Reported
    occurrence: Occurrence Ref
    role: {column: Involvement, map: {Missing person: subject}}
    type:
      column: Occurrence Type
      map: {Domestic abuse: domestic_abuse_incident, Missing person: missing_episode}
    summary: "{Occurrence Type}: {Summary}"
    details: {occurrence: Occurrence Ref, location: Location}
""",
    "housing.yaml": """# Housing management actions (the lead tenant's key from name and date of birth).
agency: Housing
person:
  name: Lead Tenant
  dob: Tenant DOB
events:
  - date: Action Date
    type:
      column: Action Type
      map:
        Rent arrears letter: eviction_arrears
        Notice seeking possession: eviction_arrears
        Household change: other
    summary: "{Action Type}: {Notes}"
""",
    "csc.yaml": """# Children's social care episodes: one row per child per episode, repeated for each child.
agency: Children's social care
person:
  id: LA Child ID
  la_child_id: LA Child ID
  name: Child Name
  dob: DOB
  sex: Gender
  role: {value: child}
events:
  - name: episode
    date: Start Date
    occurrence: [Episode Type, Start Date, End Date, Worker, Outcome]
    role: {value: child}
    type:
      column: Episode Type
      map:
        Contact: referral
        Single Assessment: assessment
        Strategy Discussion: strategy_discussion
        S47 Enquiry: s47_enquiry
        ICPC: initial_conference
        RCPC: review_conference
        CIN Plan: cin_plan_start
        CP Plan: cp_plan_start
        Case Closure: case_closed
        Worker Change: worker_change
        Home Visit: home_visit
    summary: "{Episode Type}: {Outcome}"
    outcome: Outcome
    details: {worker: Worker, category: Category, persons_assessed: Persons Assessed}
  - name: plan end
    date: End Date
    when:
      - {column: End Date, not_empty: true}
      - {column: Episode Type, in: [CIN Plan, CP Plan]}
    occurrence: [Episode Type, Start Date, End Date, Worker]
    role: {value: child}
    type:
      column: Episode Type
      map: {CIN Plan: cin_plan_end, CP Plan: cp_plan_end}
    summary: "{Episode Type} ended"
""",
}

MANIFEST = """# The second synthetic example (everyone invented), made by examples/make_walsh.py.
# What is planted, row by row: PLANTED.md.
case: "Walsh family (synthetic example)"
index_children: ["family:W04", "family:W05", "family:W06"]   # Jake, Ruby, Alfie
as_of: 2024-06-30
sources:
  - {name: family, path: exports/family_persons.csv, format: mapped, agency: Children's social care (family file), mapping: mappings/family.yaml}
  - {name: gp, path: exports/gp_appointments.csv, format: mapped, agency: GP, mapping: mappings/gp.yaml}
  - {name: ed, path: exports/ed_attendances.csv, format: mapped, agency: Hospital (ED), mapping: mappings/hospital_ed.yaml}
  - {name: school, path: exports/school_attendance.csv, format: mapped, agency: School, mapping: mappings/school.yaml}
  - {name: police, path: exports/police_occurrences.csv, format: mapped, agency: Police, mapping: mappings/police.yaml}
  - {name: housing, path: exports/housing_actions.csv, format: mapped, agency: Housing, mapping: mappings/housing.yaml}
  - {name: csc, path: exports/csc_episodes.csv, format: mapped, agency: Children's social care, mapping: mappings/csc.yaml}
  - {name: ruby_school, path: exports/ruby_school_chronology.docx, format: chronology_table, agency: School (Brookfield Primary), subject: {name: Ruby Walsh, dob: 2015-08-30}}
"""

PATTERNS = [
    ("wnb_ruby", "Ruby not brought to 3 GP appointments in 7 months (Mar - Oct 2023)",
     {"gp": ["wnb_health"]}),
    ("imms_alfie", "Alfie's immunisations missed twice (Apr and Jun 2023)",
     {"gp": ["immunisations_missed"]}),
    ("baby_bruise", "Alfie at 5 months (not mobile) with an unexplained bruise; safeguarding "
                    "referral made (14/07/2023); no health visitor contact followed",
     {"ed": ["injury_non_mobile_baby", "ae_infant_no_hv_followup"]}),
    ("falling_attendance", "Jake's attendance falls term by term below 90% from Summer 2022 "
                           "(88.0%) to 47.5% in Spring 2024: one trend", {"school": ["absence_persistent"]}),
    ("da_not_acted_on", "Domestic abuse 02/10/2022 (Leanne victim and witness, Kyle suspect, "
                        "Jake and Ruby present, a neighbour reporting): no plan open (closed "
                        "15/09/2022), no other agency acted within 30 days",
     {"police": ["info_not_acted_on", "domestic_abuse_child_present"]}),
    ("domestic_abuse", "Further domestic abuse: 05/12/2022 and 20/06/2023 (one occurrence, "
                       "several rows each)", {"police": ["domestic_abuse_child_present"]}),
    ("cp_plan_long", "Child protection plan from 05/01/2023 (Alfie from 01/03/2023), still "
                     "open at as-of: over 12 months", {"csc": ["drift_cp_plan"]}),
    ("closed_then_rereferred", "Case closed 15/09/2022, re-referred 06/12/2022 (the second "
                               "referral within 12 months of the first, 14/02/2022)",
     {"csc": ["closed_then_rereferred", "re_referral"]}),
    ("unassessed_partner", "Kyle Brent in the household from June 2022 (housing), suspect in "
                           "every incident, present at a home visit, but not in the persons "
                           "assessed of the December 2022 assessment",
     {"housing": ["invisible_adult"], "csc": ["invisible_adult"]}),
    ("missing", "Jake missing overnight 12/01/2024", {"police": ["missing_adolescent"]}),
]
DECOYS = [
    ("decoy_single_dna", "Jake's single missed asthma clinic: not repeated was-not-brought", ["gp"]),
    ("decoy_sports_injury", "Jake's rugby shoulder sprain (no concern recorded): no neglect "
                            "label, no finding", ["ed"]),
    ("decoy_good_attendance", "Ruby's attendance 95-98% every term: no label, no finding", ["school"]),
    ("assessment_before_move_in", "The March 2022 assessment (Leanne only), made before Kyle "
                                  "moved in: not evidence that he was left out", ["csc"]),
    ("routine", "Routine appointments kept (baby check, asthma review, follow-ups): marked "
                "routine, no finding", ["gp"]),
]
CONTEXT = [
    ("separated_father", "Darren Walsh, divorced and living elsewhere (family file, household "
                         "H2): must not be flagged as an adult nobody assessed", ["family"]),
    ("partner_moves_in", "Kyle Brent added as occupant 06/06/2022 (the start of the time he "
                         "is known to be in the household)", ["housing"]),
    ("ruby_word", "The school's chronology for Ruby (Word, no child column): hunger, hygiene, "
                  "shouting at home, head lice, reluctance to go home. Its rows name no "
                  "child: the manifest's `subject:` attaches them to Ruby; "
                  "they are in the chronology, significant where they indicate neglect",
     ["ruby"]),
]
FILES = {"gp": "exports/gp_appointments.csv", "ed": "exports/ed_attendances.csv",
         "school": "exports/school_attendance.csv", "police": "exports/police_occurrences.csv",
         "housing": "exports/housing_actions.csv", "csc": "exports/csc_episodes.csv",
         "family": "exports/family_persons.csv", "ruby": "exports/ruby_school_chronology.docx"}


def planted_md(exports: dict[str, Export]) -> str:
    lines = ["# Walsh family: what is planted (generated by examples/make_walsh.py)", "",
             "Everyone here is invented. Rows are the row numbers a spreadsheet user sees (CSV",
             "file lines, header = line 1; `T1:n` for row n of the Word table). The case's",
             "`as_of` is 2024-06-30.", "",
             "People (family file ids): Leanne Walsh W01 (mother), Darren Walsh W02 (father of",
             "Jake and Ruby; divorced, lives elsewhere), Kyle Brent W03 (mother's partner from",
             "June 2022, father of Alfie), Jake Walsh W04 (b. 03/03/2011), Ruby Walsh W05",
             "(b. 30/08/2015), Alfie Brent W06 (b. 14/02/2023, born during the period).", "",
             "## Patterns that rules must find", ""]
    for tag, text, where in PATTERNS:
        rules = sorted({r for rs in where.values() for r in rs})
        lines.append(f"- **{tag}** (found by {', '.join(rules)}): {text}")
        for source in where:
            rows = exports[source].refs(tag)
            if rows:
                lines.append(f"  - {FILES[source]}: rows {', '.join(rows)}")
        lines.append("")
    for title, items in (("Decoys that must NOT be flagged", DECOYS),
                         ("Context (not a finding on its own)", CONTEXT)):
        lines += [f"## {title}", ""]
        for tag, text, sources in items:
            lines.append(f"- **{tag}**: {text}")
            for source in sources:
                rows = exports[source].refs(tag)
                if rows:
                    lines.append(f"  - {FILES[source]}: rows {', '.join(rows)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(case_dir: Path = CASE) -> None:
    exports = {"family": family(), "gp": gp(), "ed": hospital(), "school": school(),
               "police": police(), "housing": housing(), "csc": social_care()}
    ruby = Export("ruby_school_chronology.docx", [], first_row=1)
    for *_, tag in RUBY_CHRONOLOGY:
        ruby.add([], tag)
    ruby.refs = lambda tag: [f"T1:{i + 1}" for i, t in enumerate(ruby.tags) if t == tag]
    exports["ruby"] = ruby
    (case_dir / "exports").mkdir(parents=True, exist_ok=True)
    (case_dir / "mappings").mkdir(parents=True, exist_ok=True)
    for key, export in exports.items():
        if key != "ruby":
            export.write(case_dir / "exports")
    write_word(case_dir / "exports")
    for name, text in MAPPINGS.items():
        (case_dir / "mappings" / name).write_text(text, encoding="utf-8")
    (case_dir / "case.yaml").write_text(MANIFEST, encoding="utf-8")
    (case_dir / "PLANTED.md").write_text(planted_md(exports), encoding="utf-8")
    print(f"wrote {case_dir}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else CASE)
