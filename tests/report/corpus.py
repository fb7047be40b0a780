"""A generated case for the pseudonymisation tests (everyone invented): every way a
record gives someone away. Names in several forms (nicknames, initials, "SURNAME, Given",
titles, surnames alone), professionals named only in free text, dates of birth written in
free text, addresses, phone numbers, e-mail addresses and NHS numbers in notes.

NHS numbers are in the 999 test range (valid check digits); phone numbers are in the
ranges Ofcom keeps for drama; postcodes and places do not exist.

``PLANTED`` lists every identifying string the case holds: none may appear in a shared
output, whatever the pseudonymiser or the checker think.
"""

from __future__ import annotations

from pathlib import Path

FAMILY = """Ref,Forename,Surname,Other Names,DOB,Sex,NHS Number,Role,Mother Ref,Father Ref,Partner Ref,Partner Status,Household,Address,Postcode
M1,Katherine,Walsh,,12/06/1991,F,999 787 7896,parent,G1,,P2,cohabiting,H1,"12 Foxglove Road, Millbrook",MB3 9QX
F1,Daniel,Okoro,,03/02/1988,M,999 174 2182,parent,,,M1,separated,H2,,
C1,Alexander,Walsh,,30/09/2012,M,999 908 1002,child,M1,,,,H1,"12 Foxglove Road, Millbrook",MB3 9QX
C2,Eleanor,Okoro,Ellie-Mae,14/04/2019,F,999 339 0755,child,M1,F1,,,H1,"12 Foxglove Road, Millbrook",MB3 9QX
G1,Brian,Walsh,,05/11/1962,M,,carer,,,,,H3,,
P2,Liam,Fletcher,,21/07/1990,M,,adult,,,M1,cohabiting,H1,,
"""

NOTES = [
    # date, child ref, child name, type, worker, note
    ("02/03/2022", "C1", "Alexander Walsh", "Contact", "Priya Shah",
     "Referral from school: Alex (d.o.b. 30.09.2012) arrived hungry; Katie says money is short. "
     "Mum's mobile 07700 900461, email kate.walsh@example.org."),
    ("02/03/2022", "C2", "Eleanor Okoro", "Contact", "Priya Shah",
     "Ellie seen at nursery with a bruise; Ms K W told staff she fell. HV Joanne Price informed."),
    ("09/03/2022", "C1", "Alexander Walsh", "Home Visit", "Priya Shah",
     "Home visit to 12 Foxglove Road: WALSH, Katherine present; Danny Okoro not seen. "
     "Social worker Priya Shah to call Dr M Adeyemi at Millbrook Surgery on (01632) 960 001."),
    ("15/03/2022", "C2", "Eleanor Okoro", "Strategy Discussion", "Tom Reed (agency)",
     "Strategy discussion: PC 4471 Harris reported K. Walsh and Mr Okoro argued; NHS no 999 339 0755 "
     "checked. Mrs Gillespie (class teacher) worried about Alex's attendance."),
    ("21/04/2022", "C1", "Alexander Walsh", "Home Visit", "Tom Reed (agency)",
     "Liam Fletcher (DOB 21/07/1990) now living at the address; Ms Walsh says Liam is 'just a friend'. "
     "Grandad Brian collects the children; Mr Walsh lives at Flat 2, 7 Heron Way, MB4 2LT."),
    ("30/05/2022", "C2", "Eleanor Okoro", "Assessment", "Tom Reed (agency)",
     "Assessment: Ellie-Mae (born 14 April 2019) speech delayed; Dr Adeyemi referred to SALT. "
     "Fletcher refused to give his details. The Walsh family were offered a family support worker."),
    ("14/07/2022", "C1", "Alexander Walsh", "Worker Change", "Aisha Khan",
     "Tom Reed on long-term leave; Aisha Khan allocated. Contact Aisha on 0161 496 0123."),
]

HEALTH = [
    # NHS number, patient name, dob, date, clinician, status, note
    ("999 908 1002", "WALSH, Alexander", "30/09/2012", "11/01/2022", "Dr M Adeyemi", "DNA",
     "Not brought; mother Katherine phoned later"),
    ("999 339 0755", "OKORO, Eleanor", "14/04/2019", "18/01/2022", "Nurse B Quigley", "Attended",
     "Ellie weighed; Kate reports poor sleep"),
    ("999 339 0755", "OKORO, Eleanor", "14/04/2019", "25/05/2022", "Dr M Adeyemi", "DNA",
     "Was not brought. Letter to Ms Walsh at MB3 9QX"),
]

#: every identifying string of the case (what must not reach a shared output)
PLANTED = [
    "Katherine", "Walsh", "Katie", "Kate", "Daniel", "Danny", "Okoro", "Alexander", "Alex",
    "Eleanor", "Ellie", "Ellie-Mae", "Brian", "Liam", "Fletcher", "K W", "K. Walsh",
    "Priya Shah", "Priya", "Shah", "Joanne Price", "Joanne", "Adeyemi", "Harris", "Gillespie",
    "Tom Reed", "Aisha Khan", "Aisha", "Quigley",
    "12 Foxglove Road", "Foxglove Road", "Flat 2, 7 Heron Way", "7 Heron Way", "MB3 9QX", "MB39QX",
    "MB4 2LT", "07700 900461", "07700900461", "(01632) 960 001", "01632 960 001", "0161 496 0123",
    "kate.walsh@example.org", "999 787 7896", "9997877896", "999 174 2182", "9991742182",
    "999 908 1002", "9999081002", "999 339 0755", "9993390755", "Millbrook Surgery",
    "12/06/1991", "1991-06-12", "03/02/1988", "1988-02-03", "30/09/2012", "30.09.2012",
    "2012-09-30", "14/04/2019", "14 April 2019", "2019-04-14", "05/11/1962", "1962-11-05",
    "21/07/1990", "1990-07-21",
]


def write_case(folder: Path) -> Path:
    """Write the generated case (case.yaml, exports, mappings) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "family.csv").write_text(FAMILY, "utf-8")
    notes = ["LA Ref,Child Name,DOB,Date,Type,Worker,Note"]
    dobs = {"C1": "30/09/2012", "C2": "14/04/2019"}
    for date, ref, name, kind, worker, note in NOTES:
        notes.append(",".join(_q(v) for v in (f"LA-{ref}", name, dobs[ref], date, kind, worker, note)))
    (folder / "csc_notes.csv").write_text("\n".join(notes) + "\n", "utf-8")
    health = ["NHS Number,Patient Name,DOB,Date,Clinician,Status,Note"]
    health += [",".join(_q(v) for v in row) for row in HEALTH]
    (folder / "health.csv").write_text("\n".join(health) + "\n", "utf-8")
    (folder / "family.yaml").write_text(FAMILY_MAPPING, "utf-8")
    (folder / "csc.yaml").write_text(CSC_MAPPING, "utf-8")
    (folder / "health.yaml").write_text(HEALTH_MAPPING, "utf-8")
    (folder / "case.yaml").write_text(CASE, "utf-8")
    return folder


def _q(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


CASE = """case: "Walsh family (generated test case)"
index_children: ["family:C1", "family:C2"]
as_of: 2022-09-30
sources:
  - {name: family, path: family.csv, format: mapped, agency: Children's social care (family file), mapping: family.yaml}
  - {name: csc, path: csc_notes.csv, format: mapped, agency: Children's social care, mapping: csc.yaml}
  - {name: health, path: health.csv, format: mapped, agency: GP, mapping: health.yaml}
"""

FAMILY_MAPPING = """person:
  id: Ref
  given_name: Forename
  family_name: Surname
  other_names: Other Names
  dob: DOB
  sex: Sex
  nhs_number: NHS Number
  role: Role
  address: Address
  postcode: Postcode
related:
  - {column: Mother Ref, kind: parent, subtype: biological, direction: to_subject}
  - {column: Father Ref, kind: parent, subtype: biological, direction: to_subject}
  - {column: Partner Ref, kind: partner, subtype: {column: Partner Status}}
household: Household
"""

CSC_MAPPING = """agency: Children's social care
person:
  id: LA Ref
  la_child_id: LA Ref
  name: Child Name
  dob: DOB
  role: {value: child}
events:
  - name: note
    date: Date
    type:
      column: Type
      map: {Contact: referral, Home Visit: home_visit, Strategy Discussion: strategy_discussion,
            Assessment: assessment, Worker Change: worker_change}
    summary: "{Type}: {Note}"
    details: {worker: Worker}
"""

HEALTH_MAPPING = """agency: GP
dayfirst: true
person:
  id: NHS Number
  name: Patient Name
  dob: DOB
  nhs_number: NHS Number
events:
  - name: appointment
    date: Date
    type:
      column: Status
      map: {DNA: was_not_brought, Attended: appointment_attended}
    summary: "Appointment with {Clinician}: {Status}"
    outcome: Note
"""
