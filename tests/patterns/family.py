"""A small synthetic family and an event builder for the pattern tests (all made up)."""

FAMILY = [
    {"person_id": "M1", "given_name": "Mia", "family_name": "Test", "dob": "1990-04-02",
     "role": "parent", "sex": "F"},
    {"person_id": "P1", "given_name": "Paul", "family_name": "Other", "dob": "1985-09-09",
     "role": "adult", "sex": "M"},
    {"person_id": "S0", "given_name": "Sam", "family_name": "Test", "dob": "2010-02-01",
     "role": "child", "sex": "M"},
    {"person_id": "T1", "given_name": "Tia", "family_name": "Test", "dob": "2008-03-01",
     "role": "child", "sex": "F"},
    {"person_id": "C1", "given_name": "Cal", "family_name": "Test", "dob": "2020-01-15",
     "role": "child", "sex": "M"},
    {"person_id": "B1", "given_name": "Bea", "family_name": "Test", "dob": "2023-06-10",
     "role": "child", "sex": "F"},
]
RELATIONSHIPS = [
    {"person_a": "M1", "person_b": child, "kind": "parent", "subtype": "biological"}
    for child in ("S0", "T1", "C1", "B1")
] + [{"person_a": "M1", "person_b": "P1", "kind": "partner", "subtype": "cohabiting"}]


def event(eid, date, etype, person="C1", agency="GP", precision="day", **extra):
    """One event row; ``date`` None means undated."""
    row = {"event_id": eid, "date": date, "date_precision": precision if date else "unknown",
           "person_ids": person, "agency": agency, "event_type": etype}
    row.update(extra)
    return row


def events_from(rows):
    """Build event dicts from tuples (id, date, type[, person[, agency[, extra]]])."""
    out = []
    for row in rows:
        eid, date, etype, *rest = row
        person = rest[0] if len(rest) > 0 else "C1"
        agency = rest[1] if len(rest) > 1 else "GP"
        extra = rest[2] if len(rest) > 2 else {}
        out.append(event(eid, date, etype, person, agency, **extra))
    return out


