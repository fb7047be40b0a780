"""Ecomap data from events: volume, lapsed involvement, adverse relationships, referrals."""

from types import SimpleNamespace

from chronos import model
from chronos.genogram import build_ecomap, ecomap_for_case, genogram_for_case, render_ecomap
from chronos.genogram.ecomap import FAMILY, line_width


def event(i, date, agency, kind, people="k", **extra):
    return dict(event_id=f"E{i}", date=date, agency=agency, event_type=kind, person_ids=people, **extra)


EVENTS = [
    *[event(k, f"2023-{k:02d}-10", "School", "school_absence") for k in range(1, 10)],
    event(20, "2021-01-05", "Health Visiting", "health_visitor_contact"),
    event(21, "2023-06-01", "Police", "police_call_out", "m;p"),
    event(22, "2023-07-01", "Housing", "home_visit", "m", outcome="Notice to quit served"),
    event(23, "2023-08-01", "Children's Social Care", "referral", details="from=School"),
    event(24, "2023-09-01", "School", "referral"),
    event(25, "2023-10-01", "Children's Social Care", "referral", details="referred_by=Police"),
    event(26, "2025-01-01", "GP", "appointment_attended"),      # after as_of: left out
]


def ecomap():
    return build_ecomap(model.conform(EVENTS, "events"), as_of="2024-03-31")


def test_contacts_counted_per_agency_up_to_as_of():
    links = {a.agency: a for a in ecomap().agencies}
    assert "GP" not in links
    assert links["School"].contacts == 10 and links["School"].last == "2023-09-10"
    assert links["School"].event_ids[:2] == ["E1", "E2"]        # evidence, not copies


def test_lapsed_after_twelve_months_without_contact():
    links = {a.agency: a for a in ecomap().agencies}
    assert links["Health Visiting"].lapsed and not links["School"].lapsed
    assert ecomap().lapsed_before == "2023-03-28" or ecomap().lapsed_before.startswith("2023-03")


def test_adverse_relationships_from_event_types_and_enforcement_words():
    links = {a.agency: a for a in ecomap().agencies}
    assert links["Police"].adverse and links["Police"].adverse_reasons == ["police_call_out"]
    assert links["Housing"].adverse and links["Housing"].adverse_reasons == ["notice to quit"]
    assert not links["School"].adverse


def test_referral_directions():
    referrals = {(a, b): n for a, b, n in ecomap().referrals}
    assert referrals[("School", "Children's Social Care")] == 2     # one recorded by each side
    assert referrals[("Police", "Children's Social Care")] == 1
    assert all(FAMILY not in pair for pair in referrals)


def test_line_weight_grows_with_contacts():
    assert line_width(1, 10) < line_width(5, 10) < line_width(10, 10) == 6.0


def test_drawn_with_date_and_key(tmp_path):
    (path,) = render_ecomap(ecomap(), tmp_path / "e.svg", title="Test family")
    svg = path.read_text("utf-8")
    assert "2024-03-31" in svg and "Key" in svg and "School" in svg and "referral" in svg


def test_case_helpers_write_both_charts(blended, tmp_path):
    from chronos.genogram.graph import _records

    persons = model.conform([dict(person_id=p, given_name=p, sex=d["sex"], dob=d["dob"])
                             for p, d in blended.nodes(data=True)], "persons")
    rels = model.conform([dict(person_a=a, person_b=b, kind=d["kind"], subtype=d["subtype"],
                               start=d["start"], end=d["end"]) for a, b, d in blended.edges(data=True)],
                         "relationships")
    events = model.conform([event(1, "2023-05-01", "School", "school_absence", "c")], "events")
    result = SimpleNamespace(persons=persons, relationships=rels, events=events,
                             findings=model.empty("findings"), index_children=["c"], as_of=None,
                             name="Test case")
    (g,) = genogram_for_case(result, tmp_path / "genogram.svg")
    (e,) = ecomap_for_case(result, tmp_path / "ecomap.png")
    assert "as at 2023-05-01" in g.read_text("utf-8")          # latest event when no as_of
    assert e.stat().st_size > 10000 and _records(None) == []
