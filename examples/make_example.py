"""Make the synthetic example case ``examples/smith-family`` (deterministic, seeded).

Everyone in it is invented. The exports imitate the shapes real systems produce (a GP
appointments CSV with DNA codes, a hospital workbook with an ED sheet and an outpatients
sheet, an LA school attendance extract, police occurrences with date-times, housing
actions in Windows-1252, children's social care episodes with a byte-order mark, and a
family/persons file), differ the way real exports differ (column names, name spellings,
missing identifiers), and carry planted patterns, decoys and data-quality problems that
``PLANTED.md`` (written here too) lists row by row. Run::

    python examples/make_example.py            # rewrites examples/smith-family/exports
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20240331
CASE = Path(__file__).resolve().parent / "smith-family"
START, END = dt.date(2021, 4, 1), dt.date(2024, 3, 20)


# --------------------------------------------------------------------------- identifiers

def nhs_number(rng: random.Random) -> str:
    """A 10-digit NHS number with a valid modulus-11 check digit (spaced 3-3-4)."""
    while True:
        digits = [rng.randint(4, 6)] + [rng.randint(0, 9) for _ in range(8)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11
        check = 0 if check == 11 else check
        if check != 10:
            text = "".join(map(str, digits + [check]))
            return f"{text[:3]} {text[3:6]} {text[6:]}"


def upn(la: int, school: int, year: int, serial: int) -> str:
    """A unique pupil number: check letter + LA (3) + school (4) + year (2) + serial (3)."""
    body = f"{la:03d}{school:04d}{year:02d}{serial:03d}"
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    return letters[sum(int(c) * w for c, w in zip(body, range(2, 14))) % 23] + body


@dataclass
class Person:
    key: str
    first: str
    last: str
    dob: dt.date
    sex: str
    nhs: str = ""
    upn: str = ""
    gp_id: str = ""
    hospital_no: str = ""
    nominal: str = ""
    la_id: str = ""


def family(rng: random.Random) -> dict[str, Person]:
    people = {
        "donna": Person("F01", "Donna", "Smith", dt.date(1992, 3, 14), "F", nhs_number(rng),
                        gp_id="G10234", hospital_no="RV0044120", nominal="N-55102"),
        "craig": Person("F02", "Craig", "Jones", dt.date(1989, 8, 2), "M", nhs_number(rng),
                        nominal="N-48833"),
        "ryan": Person("F03", "Ryan", "Cole", dt.date(1985, 11, 30), "M", nominal="N-61290"),
        "tyler": Person("F04", "Tyler", "Smith", dt.date(2008, 7, 9), "M", nhs_number(rng),
                        upn(873, 4012, 19, 57), "G10235", "RV0051877", "N-70211", "LA-40871"),
        "kayden": Person("F05", "Kayden", "Smith", dt.date(2016, 11, 22), "M",
                         nhs_number(rng), upn(873, 2207, 21, 113), "G10236", "RV0062310",
                         "N-70212", "LA-40872"),
        "mia": Person("F06", "Mia", "Smith", dt.date(2022, 5, 18), "F", nhs_number(rng),
                      gp_id="G11802", hospital_no="RV0079954", la_id="LA-51233"),
        "pat": Person("F07", "Pat", "Smith", dt.date(1966, 4, 4), "F"),
    }
    return people


# --------------------------------------------------------------------------- recording

@dataclass
class Export:
    """Rows of one export, with the planted tag of each row (for PLANTED.md)."""

    name: str
    header: list[str]
    first_row: int = 2               # spreadsheet row / file line of the first data row
    sheet: str = ""                  # workbook sheet (refs are then "Sheet!row")
    rows: list[list] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # space-separated planted tags per row

    def add(self, row: list, tag: str = "") -> None:
        self.rows.append(row)
        self.tags.append(tag)

    def sort(self, key) -> None:
        pairs = sorted(zip(self.rows, self.tags), key=lambda p: key(p[0]))
        self.rows, self.tags = [p[0] for p in pairs], [p[1] for p in pairs]

    def refs(self, tag: str) -> list[str]:
        prefix = f"{self.sheet}!" if self.sheet else ""
        return [f"{prefix}{self.first_row + i}" for i, t in enumerate(self.tags)
                if tag in t.split()]


def d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def write_csv(out: Path, export: Export, encoding: str = "utf-8", footer: list[str] = ()) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(export.header)
    writer.writerows(export.rows)
    for line in footer:
        buffer.write(line + "\r\n")
    (out / export.name).write_bytes(buffer.getvalue().encode(encoding))


# --------------------------------------------------------------------------- GP

GP_HEADER = ["Patient ID", "NHS Number", "Patient Name", "DOB", "Appt Date", "Appt Time",
             "Clinician", "Slot Type", "Status", "Coded Entry"]
CLINICIANS = ["Dr A Patel", "Dr R Hughes", "Nurse K Doyle", "Dr S Okafor"]
ROUTINE = ["", "", "", "Upper respiratory tract infection", "Otitis media", "Eczema",
           "Asthma review", "Medication review"]


def gp(people: dict[str, Person], rng: random.Random) -> Export:
    ex = Export("gp_appointments.csv", GP_HEADER)

    def row(who, day, status="Attended", coded="", slot="GP appointment", time=None, tag=""):
        p = people[who]
        time = time or f"{rng.randint(8, 17):02d}:{rng.choice(['00', '10', '20', '30', '40', '50'])}"
        date = day if isinstance(day, str) else d(day)
        ex.add([p.gp_id, p.nhs, f"{p.last.upper()}, {p.first}", d(p.dob), date, time,
                rng.choice(CLINICIANS), slot, status, coded], tag)

    planted = {dt.date(2022, 1, 12), dt.date(2022, 8, 30)}
    for who, per_year in (("donna", 3), ("tyler", 2), ("kayden", 3), ("mia", 2)):
        first = max(START, people[who].dob + dt.timedelta(days=120))
        for _ in range(int(per_year * 3)):
            day = first + dt.timedelta(days=rng.randint(0, (END - first).days))
            if day not in planted:
                row(who, day, coded=rng.choice(ROUTINE))
    # was not brought: Kayden, GP part of the cross-agency pattern (outpatients has the rest)
    row("kayden", dt.date(2022, 1, 12), "DNA", time="09:10", tag="wnb_kayden")
    row("kayden", dt.date(2022, 8, 30), "DNA", slot="Practice nurse", time="15:40",
        tag="wnb_kayden")
    for day in (dt.date(2021, 10, 5), dt.date(2022, 1, 20), dt.date(2022, 6, 14),
                dt.date(2023, 3, 2)):
        row("kayden", day, coded="Head lice", tag="head_lice")
    row("kayden", dt.date(2022, 9, 20), coded="Dental caries", tag="dental_decay")
    row("donna", dt.date(2022, 6, 10), coded="Depression", tag="toxic_trio_2022")
    row("donna", dt.date(2022, 6, 24), coded="Alcohol misuse", tag="toxic_trio_2022")
    row("donna", dt.date(2023, 5, 9), coded="Anxiety with depression", tag="toxic_trio_2023")
    row("mia", dt.date(2022, 7, 6), slot="Baby check", coded="6-8 week check", tag="positive")
    for day in (dt.date(2022, 7, 13), dt.date(2022, 8, 10), dt.date(2022, 9, 7)):
        row("mia", day, slot="Immunisations", coded="Immunisation given", tag="positive")
    ex.sort(lambda r: (dt.datetime.strptime(r[4], "%d/%m/%Y"), r[5], r[0]))
    # data-quality problems, kept at the end as a late back-fill would be
    row("kayden", "31/02/2022", coded="Otitis media", tag="dq_impossible_date")
    row("tyler", "", slot="Telephone consultation", tag="dq_no_date")
    row("tyler", dt.date(2023, 2, 7), "Walked out", tag="dq_unknown_wording")
    return ex


# --------------------------------------------------------------------------- hospital

ED_HEADER = ["Attendance No", "Hospital No", "NHS No", "Surname", "Forename", "Date of Birth",
             "Arrival", "Presenting Complaint", "Injury", "Diagnosis", "Discharge Outcome"]
OP_HEADER = ["Hospital No", "NHS No", "Patient", "DOB", "Clinic", "Appointment Date",
             "Appointment Time", "Attendance Status", "Outcome / Diagnosis"]


def emergency(people: dict[str, Person]) -> Export:
    ex = Export("hospital_activity.xlsx", ED_HEADER, first_row=5, sheet="ED Attendances")
    visits = [
        ("mia", dt.datetime(2023, 2, 11, 19, 42), "Fall from changing table, head injury", "Y",
         "Minor head injury", "Discharged - safeguarding referral made", "ae_baby_injury"),
        ("mia", dt.datetime(2023, 7, 19, 14, 5), "Accidental ingestion of paracetamol", "N",
         "Ingestion - observed 4 hours", "Discharged home", "ae_toddler"),
        ("mia", dt.datetime(2023, 10, 3, 18, 20), "Scald to left hand (hot drink)", "Y",
         "Superficial scald", "Discharged - dressings clinic", "ae_toddler"),
        ("mia", dt.datetime(2024, 1, 22, 11, 15), "Laceration to forehead, fell against table",
         "Y", "Laceration - glued", "Discharged home", "ae_toddler"),
        ("tyler", dt.datetime(2021, 8, 21, 16, 30), "Wrist injury playing football", "Y",
         "Sprain", "Discharged home", "decoy_ae_spaced"),
        ("tyler", dt.datetime(2022, 9, 10, 20, 10), "Shortness of breath", "N",
         "Asthma exacerbation", "Discharged - GP follow up", "decoy_ae_spaced"),
        ("tyler", dt.datetime(2023, 10, 28, 13, 0), "Knee injury - football", "Y",
         "Soft tissue injury", "Discharged home", "decoy_ae_spaced"),
    ]
    for n, (who, when, complaint, injury, diagnosis, outcome, tag) in enumerate(
            sorted(visits, key=lambda v: v[1]), 1):
        p = people[who]
        nhs = "" if tag == "ae_toddler" and when.month == 7 else p.nhs  # a missing identifier
        ex.add([f"ED{when:%y}-{n:05d}", p.hospital_no, nhs, p.last, p.first, p.dob, when,
                complaint, injury, diagnosis, outcome], tag)
    return ex


def outpatients(people: dict[str, Person]) -> Export:
    ex = Export("hospital_activity.xlsx", OP_HEADER, sheet="Outpatients")
    visits = [
        ("tyler", dt.date(2021, 9, 14), "Orthopaedics", "DNA", "", "decoy_single_missed"),
        ("tyler", dt.date(2021, 10, 12), "Orthopaedics", "Attended", "Discharged", "positive"),
        ("kayden", dt.date(2022, 3, 8), "Paediatric Dental", "Was not brought", "",
         "wnb_kayden"),
        ("kayden", dt.date(2022, 5, 17), "Paediatrics", "DNA", "", "wnb_kayden"),
        ("kayden", dt.date(2022, 6, 21), "Paediatrics", "Attended",
         "Reviewed - growth within normal range", "positive"),
        ("kayden", dt.date(2022, 11, 15), "Paediatric Dental", "Attended",
         "Dental caries - extractions under GA", "dental_decay"),
        ("mia", dt.date(2023, 3, 1), "Paediatrics", "Attended",
         "Follow up after head injury - no concerns", "positive"),
    ]
    for who, day, clinic, status, outcome, tag in visits:
        p = people[who]
        ex.add([p.hospital_no, p.nhs, f"{p.last.upper()} {p.first}", d(p.dob), clinic, d(day),
                "10:30", status, outcome], tag)
    return ex


def write_hospital(out: Path, ed: Export, op: Export) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = ed.sheet
    sheet.append(["Riverside University Hospitals NHS Trust - Emergency Department attendances"])
    sheet.append(["Extract run 02/04/2024 for multi-agency review; all times local"])
    sheet.append([])
    sheet.append(ed.header)
    for row in ed.rows:
        sheet.append(row)
    for cell in sheet["F"][4:]:
        cell.number_format = "dd/mm/yyyy"
    for cell in sheet["G"][4:]:
        cell.number_format = "dd/mm/yyyy hh:mm"
    sheet.merge_cells("A1:K1")
    other = book.create_sheet(op.sheet)
    other.append(op.header)
    for row in op.rows:
        other.append(row)
    stamp = dt.datetime(2024, 4, 2, 9, 0)
    book.properties.created = book.properties.modified = stamp
    book.save(out / ed.name)


# --------------------------------------------------------------------------- school

SCHOOL_HEADER = ["UPN", "Legal Surname", "Forename", "DOB", "Gender", "School", "NC Year",
                 "Term", "Term End", "Possible Sessions", "Attended Sessions", "Attendance %",
                 "Unauthorised Absence Sessions"]
TERMS = [("Summer 2021", dt.date(2021, 7, 21), 120), ("Autumn 2021", dt.date(2021, 12, 17), 142),
         ("Spring 2022", dt.date(2022, 4, 1), 118), ("Summer 2022", dt.date(2022, 7, 22), 126),
         ("Autumn 2022", dt.date(2022, 12, 16), 140), ("Spring 2023", dt.date(2023, 3, 31), 120),
         ("Summer 2023", dt.date(2023, 7, 21), 128), ("Autumn 2023", dt.date(2023, 12, 20), 142),
         ("Spring 2024", dt.date(2024, 3, 28), 116)]
TYLER_PCT = [95.1, 93.4, 91.2, 88.6, 84.0, 76.3, 63.5, 48.2, 41.7]
KAYDEN_PCT = [97.8, 96.5, 95.0, 96.9, 97.2, 95.8, 96.4, 97.0, 96.1]


def school_year(dob: dt.date, day: dt.date) -> int:
    """National curriculum year on ``day`` (0 = Reception, negative = not yet at school)."""
    cohort = dob.year if dob.month >= 9 else dob.year - 1
    academic = day.year if day.month >= 9 else day.year - 1
    return academic - cohort - 5


def school(people: dict[str, Person]) -> Export:
    ex = Export("school_attendance.csv", SCHOOL_HEADER)
    pupils = (("tyler", "Smith", "Tyler", "Riverside Academy", TYLER_PCT, "falling_attendance"),
              ("kayden", "Smith-Jones", "Kaden", "Oakfield Primary School", KAYDEN_PCT,
               "decoy_good_attendance"))
    for term_no, (term, end, possible) in enumerate(TERMS):
        for who, surname, forename, school_name, pcts, tag in pupils:
            p = people[who]
            year = school_year(p.dob, end)
            if year < 0:
                continue  # not yet at school
            attended = round(possible * pcts[term_no] / 100)
            ex.add([p.upn, surname, forename, d(p.dob), p.sex, school_name,
                    f"Year {year}" if year else "Reception", term, d(end), possible, attended,
                    f"{100 * attended / possible:.1f}", max(0, possible - attended - 2)], tag)
    return ex


# --------------------------------------------------------------------------- police

POLICE_HEADER = ["Occurrence Ref", "Reported", "Occurrence Type", "Location", "Nominal ID",
                 "Surname", "Forename", "DOB", "Involvement", "Children Present", "Summary"]


def police(people: dict[str, Person]) -> Export:
    ex = Export("police_incidents.csv", POLICE_HEADER)
    home1, home2 = "Flat 3, 27 Mill Lane", "14 Elm Court"
    incidents = [
        ("OCC/21/1102", dt.datetime(2021, 7, 17, 19, 20), "Neighbour dispute", home1,
         [("donna", "Caller")], "N", "Noise complaint against neighbour; words of advice", ""),
        ("OCC/22/0214", dt.datetime(2022, 2, 14, 23, 40), "Domestic abuse", home1,
         [("donna", "Victim"), ("craig", "Suspect"), ("tyler", "Child present"),
          ("kayden", "Child present")], "Y", "Verbal argument, crockery thrown; DASH medium",
         "domestic_abuse"),
        ("OCC/22/0603", dt.datetime(2022, 6, 3, 1, 15), "Domestic abuse", home2,
         [("donna", "Victim"), ("craig", "Suspect"), ("tyler", "Child present"),
          ("kayden", "Child present"), ("mia", "Child present")], "Y",
         "Assault on partner, suspect intoxicated; DASH high; baby 2 weeks old in the home",
         "domestic_abuse"),
        ("OCC/22/0620", dt.datetime(2022, 6, 20, 16, 45), "Concern for welfare - mental health",
         home2, [("donna", "Subject")], "Y", "Low mood, expressed thoughts of self harm",
         "toxic_trio_2022"),
        ("OCC/22/0625", dt.datetime(2022, 6, 25, 23, 55), "Drunk and disorderly", "Market St",
         [("craig", "Arrested")], "N", "Arrested drunk and disorderly", "toxic_trio_2022"),
        ("OCC/22/1224", dt.datetime(2022, 12, 24, 22, 5), "Domestic abuse", home2,
         [("donna", "Victim"), ("craig", "Suspect"), ("tyler", "Child present"),
          ("kayden", "Child present"), ("mia", "Child present")], "Y",
         "Argument escalated, door damaged; suspect left before arrival", "domestic_abuse"),
        ("OCC/23/0520", dt.datetime(2023, 5, 20, 0, 30), "Domestic abuse", home2,
         [("donna", "Victim"), ("ryan", "Suspect"), ("tyler", "Child present"),
          ("kayden", "Child present"), ("mia", "Child present")], "Y",
         "New partner pushed victim; both had been drinking", "domestic_abuse"),
        ("OCC/23/0521", dt.datetime(2023, 5, 21, 10, 10), "Drugs - possession", home2,
         [("ryan", "Suspect")], "N", "Cannabis and cocaine found during follow-up visit",
         "toxic_trio_2023"),
        ("OCC/23/0909", dt.datetime(2023, 9, 9, 21, 10), "Domestic abuse", home2,
         [("donna", "Victim"), ("ryan", "Suspect"), ("kayden", "Child present"),
          ("mia", "Child present")], "Y", "Shouting heard by neighbours; victim declined support",
         "domestic_abuse"),
        ("OCC/23/1015", dt.datetime(2023, 10, 15, 22, 30), "Missing person", home2,
         [("tyler", "Missing person")], "N", "Reported missing by mother, found next day",
         "missing"),
    ]
    for ref, when, kind, place, nominals, children, summary, tag in incidents:
        for who, role in nominals:
            p = people[who]
            row_tag = tag
            if tag == "domestic_abuse" and role == "Child present":
                row_tag = "domestic_abuse_child"
            trio = {(2022, 6): "toxic_trio_2022", (2023, 5): "toxic_trio_2023"}
            if tag.startswith("domestic_abuse") and (when.year, when.month) in trio:
                row_tag += " " + trio[(when.year, when.month)]
            ex.add([ref, when.strftime("%d/%m/%Y %H:%M"), kind, place, p.nominal, p.last.upper(),
                    p.first, d(p.dob), role, children, summary], row_tag)
    return ex


# --------------------------------------------------------------------------- housing

HOUSING_HEADER = ["Tenancy Ref", "Lead Tenant", "Tenant DOB", "Property Address", "Postcode",
                  "Action Date", "Action Type", "Notes", "Officer"]


def housing() -> Export:
    ex = Export("housing_actions.csv", HOUSING_HEADER)
    old = ("T-20931", "Flat 3, 27 Mill Lane, Riverton", "rv4 2ab")
    new = ("T-31477", "14 Elm Court, Riverton", "RV69QT")
    actions = [
        (old, dt.date(2021, 4, 12), "Rent arrears letter", "Arrears £420.16", "arrears"),
        (old, dt.date(2021, 9, 1), "Notice seeking possession", "Arrears £865.00", "arrears"),
        (new, dt.date(2022, 2, 28), "Transfer - tenancy start", "Management transfer", "move"),
        (new, dt.date(2022, 11, 8), "Home conditions concern",
         "Strong smell, dog faeces in kitchen, no working cooker", "home_conditions"),
        (new, dt.date(2023, 3, 6), "Household change",
         "Ryan Cole (DOB 30/11/1985) added as occupant", "unassessed_partner"),
        (new, dt.date(2023, 8, 14), "Rent arrears letter", "Arrears £1,150.40", "arrears"),
        (new, dt.date(2024, 1, 10), "Repair - damp and mould", "Bedroom 2", ""),
        (new, dt.date(2024, 6, 1), "Tenancy review", "Scheduled", "dq_future_date"),
    ]
    for (ref, address, postcode), day, action, notes, tag in actions:
        ex.add([ref, "Ms Donna SMITH", "14/03/92", address, postcode, d(day), action, notes,
                "J Whitfield"], tag)
    return ex


# --------------------------------------------------------------------------- social care

CSC_HEADER = ["LA Child ID", "Child Name", "DOB", "Gender", "Episode Type", "Start Date",
              "End Date", "Worker", "Category", "Outcome", "Persons Assessed"]


def social_care(people: dict[str, Person]) -> Export:
    ex = Export("csc_episodes.csv", CSC_HEADER)
    two, three = ("tyler", "kayden"), ("tyler", "kayden", "mia")
    assessed_2021 = "Donna Smith (mother); Craig Jones (father)"
    assessed_2022 = "Donna Smith (mother); Craig Jones (father); Pat Smith (maternal grandmother)"
    episodes = [
        (two, "Contact", "10/05/2021", "", "Duty team", "", "School concern: hygiene, head lice",
         "", "referral_2021"),
        (two, "Single Assessment", "12/05/2021", "25/06/2021", "Siân Evans", "",
         "CIN plan", assessed_2021, "assessment"),
        (two, "CIN Plan", "28/06/2021", "15/12/2021", "Siân Evans", "Neglect", "", "", ""),
        (two, "Case Closure", "15/12/2021", "", "Siân Evans", "", "Closed - progress made", "",
         "closed_then_rereferred"),
        (three, "Contact", "06/06/2022", "", "Duty team", "", "Police DA notification", "",
         "closed_then_rereferred"),
        (three, "Strategy Discussion", "08/06/2022", "", "Siân Evans", "", "S47 agreed", "", ""),
        (three, "S47 Enquiry", "09/06/2022", "28/06/2022", "Siân Evans", "",
         "Concerns substantiated - ICPC", "", ""),
        (three, "Single Assessment", "09/06/2022", "20/07/2022", "Siân Evans", "",
         "CP plan", assessed_2022, "assessment"),
        (three, "ICPC", "01/07/2022", "", "Siân Evans", "Neglect", "Child protection plan", "",
         ""),
        (three, "CP Plan", "01/07/2022", "20/10/2023", "Siân Evans", "Neglect", "", "",
         "cp_plan_long"),
        (three, "Home Visit", "15/07/2022", "", "Siân Evans", "", "Children seen", "", ""),
        (three, "Worker Change", "15/08/2022", "", "Mark Bell", "", "Siân Evans left team", "",
         "worker_changes"),
        (three, "Family Network Meeting", "05/09/2022", "", "Mark Bell", "",
         "Maternal grandmother Pat Smith to provide after-school care twice weekly", "",
         "positive_grandparent"),
        (three, "RCPC", "23/09/2022", "", "Mark Bell", "Neglect", "Remain on plan", "", ""),
        (three, "Home Visit", "12/10/2022", "", "Mark Bell", "", "Children seen; home cluttered",
         "", ""),
        (three, "Worker Change", "01/12/2022", "", "Priya Shah", "", "Reallocation", "",
         "worker_changes"),
        (three, "Home Visit", "18/01/2023", "", "Priya Shah", "", "Children seen", "", ""),
        (three, "Worker Change", "20/03/2023", "", "Tom Reed (agency)", "",
         "Priya Shah on long-term leave", "", "worker_changes"),
        (three, "RCPC", "24/03/2023", "", "Tom Reed (agency)", "Neglect", "Remain on plan", "",
         ""),
        (three, "Home Visit", "07/06/2023", "", "Tom Reed (agency)", "",
         "Ryan Cole present; not spoken to", "", "unassessed_partner"),
        (three, "Worker Change", "10/07/2023", "", "Aisha Khan", "", "Agency contract ended",
         "", "worker_changes"),
        (three, "RCPC", "22/09/2023", "", "Aisha Khan", "Neglect", "Step down to CIN", "", ""),
        (three, "CIN Plan", "20/10/2023", "", "Aisha Khan", "Neglect", "", "", ""),
    ]
    for children, kind, start, end, worker, category, outcome, assessed, tag in episodes:
        for who in children:
            p = people[who]
            ex.add([p.la_id, f"{p.first} {p.last}", d(p.dob),
                    "Male" if p.sex == "M" else "Female", kind, start, end, worker, category,
                    outcome, assessed], tag)
    return ex


# --------------------------------------------------------------------------- family

FAMILY_HEADER = ["Person Ref", "Forename", "Surname", "DOB", "Sex", "NHS Number", "UPN", "Role",
                 "Mother Ref", "Father Ref", "Partner Ref", "Partner Status", "Partner From",
                 "Partner To", "Household", "Notes"]
#: when the partnerships began and ended (Ryan moved in on the housing record's date)
TOGETHER = (dt.date(2015, 6, 14), dt.date(2023, 1, 10))
MOVED_IN = dt.date(2023, 3, 6)


def persons_file(people: dict[str, Person]) -> Export:
    ex = Export("family_persons.csv", FAMILY_HEADER)
    p = people
    rows = [
        ("donna", "parent", p["pat"].key, "", p["ryan"].key, "cohabiting", (MOVED_IN, None), "H1",
         "Mother"),
        ("craig", "parent", "", "", p["donna"].key, "separated", TOGETHER, "H2",
         "Father of Kayden and Mia; left the household January 2023"),
        ("ryan", "adult", "", "", p["donna"].key, "cohabiting", (MOVED_IN, None), "H1",
         "Mother's partner; moved in March 2023"),
        ("tyler", "child", p["donna"].key, "", "", "", (None, None), "H1", "Father not known"),
        ("kayden", "child", p["donna"].key, p["craig"].key, "", "", (None, None), "H1", ""),
        ("mia", "child", p["donna"].key, p["craig"].key, "", "", (None, None), "H1",
         "Born 18/05/2022"),
        ("pat", "carer", "", "", "", "", (None, None), "H3",
         "Maternal grandmother; after-school care"),
    ]
    for who, role, mother, father, partner, status, (since, until), household, notes in rows:
        q = p[who]
        ex.add([q.key, q.first, q.last, d(q.dob), q.sex, q.nhs, q.upn, role, mother, father,
                partner, status, d(since) if since else "", d(until) if until else "",
                household, notes], "family")
    return ex


# --------------------------------------------------------------------------- PLANTED.md

PATTERNS = [
    ("wnb_kayden", "Repeated was-not-brought (Kayden, 4 in under 8 months, GP + dental + "
                   "paediatrics, Jan-Aug 2022)", ["gp", "op"]),
    ("ae_toddler", "A&E attendances: Mia as a toddler, 3 in 6 months (Jul 2023 - Jan 2024; "
                   "4 in 12 months counting Feb 2023)", ["ed"]),
    ("ae_baby_injury", "A&E: Mia under 1 (8 months) with a head injury, 11/02/2023", ["ed"]),
    ("head_lice", "Head lice, Kayden, 4 times (Oct 2021 - Mar 2023; GP coded entries)", ["gp"]),
    ("dental_decay", "Dental decay in the young child (Kayden: GP caries Sep 2022, extractions "
                     "under GA Nov 2022)", ["gp", "op"]),
    ("falling_attendance", "Falling school attendance, Tyler: 95% in Summer 2021, below 90% "
                           "from Summer 2022 (88.9%), below 50% from Autumn 2023 (47.9%, "
                           "then 41.4%)", ["school"]),
    ("domestic_abuse", "Domestic abuse call-outs (5 incidents, Feb 2022 - Sep 2023; victim "
                       "and suspect rows)", ["police"]),
    ("domestic_abuse_child", "Children present at those domestic abuse incidents (one row per "
                             "child)", ["police"]),
    ("toxic_trio_2022", "Toxic trio in June 2022: DA 03/06, mother's depression 10/06 and "
                        "police mental-health call 20/06, alcohol misuse 24/06 and father drunk "
                        "and disorderly 25/06", ["gp", "police"]),
    ("toxic_trio_2023", "Toxic trio in May 2023: anxiety with depression 09/05 (GP), DA 20/05, "
                        "partner's drugs possession 21/05 (police)", ["gp", "police"]),
    ("cp_plan_long", "CP plan for neglect lasting over 12 months (01/07/2022 - 20/10/2023, "
                     "one row per child; start and end events)", ["csc"]),
    ("closed_then_rereferred", "Case closed 15/12/2021 then re-referred 06/06/2022 (within 12 "
                               "months)", ["csc"]),
    ("worker_changes", "Frequent worker changes: 4 in 11 months (Aug 2022 - Jul 2023), per "
                       "child", ["csc"]),
    ("unassessed_partner", "Mother's new partner Ryan Cole in the household from March 2023 "
                           "(family file H1, housing, police suspect) but named in no "
                           "assessment's Persons Assessed", ["housing", "csc"]),
    ("home_conditions", "Poor home conditions (housing inspection)", ["housing"]),
    ("arrears", "Rent arrears and notice seeking possession", ["housing"]),
    ("missing", "Tyler missing from home 15/10/2023", ["police"]),
]
DECOYS = [
    ("decoy_single_missed", "One single missed appointment for Tyler (orthopaedics DNA "
                            "14/09/2021): must not count as repeated was-not-brought", ["op"]),
    ("decoy_ae_spaced", "Tyler's A&E visits about one a year (Aug 2021, Sep 2022, Oct 2023; "
                        "always more than 12 months apart): not a frequent-attendance "
                        "pattern", ["ed"]),
    ("decoy_good_attendance", "Kayden's (school: 'Kaden Smith-Jones', from Reception in "
                              "Autumn 2021) attendance 95-98% every term: not falling "
                              "attendance", ["school"]),
    ("positive", "Positive events: appointments kept, Mia's baby check and immunisations, "
                 "paediatric reviews", ["gp", "op"]),
    ("positive_grandparent", "Grandparent support: family network meeting 05/09/2022 "
                             "(support_received)", ["csc"]),
    ("assessment", "Assessments of May 2021 and June 2022 (Persons Assessed never includes "
                   "Ryan Cole), made before he moved in (March 2023): not evidence that he "
                   "was left out", ["csc"]),
]
QUALITY = [
    ("dq_impossible_date", "Impossible date 31/02/2022 -> quarantined date.impossible", ["gp"]),
    ("dq_no_date", "Row with no appointment date -> quarantined date.missing", ["gp"]),
    ("dq_unknown_wording", "Unknown status wording 'Walked out' -> quarantined "
                           "event_type.unmapped", ["gp"]),
    ("dq_future_date", "Scheduled tenancy review 01/06/2024, after the case's as_of "
                       "2024-03-31 -> quarantined date.future", ["housing"]),
]


def planted_md(exports: dict[str, Export]) -> str:
    files = {"gp": "exports/gp_appointments.csv",
             "op": "exports/hospital_activity.xlsx", "ed": "exports/hospital_activity.xlsx",
             "school": "exports/school_attendance.csv", "police": "exports/police_incidents.csv",
             "housing": "exports/housing_actions.csv", "csc": "exports/csc_episodes.csv"}
    lines = [
        "# Smith family: what is planted (generated by examples/make_example.py)",
        "",
        "Everyone here is invented. Rows are the row numbers a spreadsheet user sees, and",
        "also the `source_ref` of the events the mapped ingester makes: CSV file lines",
        "(header = line 1) and `Sheet!row` Excel references for the workbook (the ED sheet",
        "has a title block: its header is on row 4). The case's `as_of` is 2024-03-31.",
        "",
        "People (family file ids): Donna Smith F01 (mother, b. 14/03/1992), Craig Jones F02",
        "(father of Kayden and Mia; left Jan 2023), Ryan Cole F03 (mother's partner from",
        "Mar 2023, in no assessment), Tyler Smith F04 (b. 09/07/2008, teenager), Kayden Smith",
        "F05 (b. 22/11/2016; 'Kaden Smith-Jones' at school), Mia Smith F06 (b. 18/05/2022, born",
        "during the period), Pat Smith F07 (maternal grandmother).",
        "",
    ]
    for title, items in (("Patterns that later rules must find", PATTERNS),
                         ("Decoys that must NOT be flagged", DECOYS),
                         ("Data-quality problems that must be quarantined", QUALITY)):
        lines += [f"## {title}", ""]
        for tag, text, sources in items:
            lines.append(f"- **{tag}**: {text}")
            for source in sources:
                rows = exports[source].refs(tag)
                if rows:
                    lines.append(f"  - {files[source]}: rows {', '.join(rows)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(case_dir: Path = CASE) -> None:
    """Write the exports and PLANTED.md under ``case_dir`` (same bytes every run for the
    CSV files and PLANTED.md; the workbook's cells are the same every run)."""
    rng = random.Random(SEED)
    out = case_dir / "exports"
    out.mkdir(parents=True, exist_ok=True)
    people = family(rng)
    exports = {"gp": gp(people, rng), "ed": emergency(people), "op": outpatients(people),
               "school": school(people), "police": police(people), "housing": housing(),
               "csc": social_care(people), "family": persons_file(people)}
    write_csv(out, exports["gp"])
    write_hospital(out, exports["ed"], exports["op"])
    total = len(exports["school"].rows)
    write_csv(out, exports["school"], footer=["", f"Total rows: {total},,,,,,,,,,,,"])
    write_csv(out, exports["police"])
    write_csv(out, exports["housing"], encoding="cp1252")
    write_csv(out, exports["csc"], encoding="utf-8-sig")
    write_csv(out, exports["family"])
    (case_dir / "PLANTED.md").write_text(planted_md(exports), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
