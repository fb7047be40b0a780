"""Ecomap rules, from events: lines to individuals, how strong each is, stress, lapsed
and closed involvement, referrals and their direction, the informal network, the key."""

from types import SimpleNamespace

import pytest

from chronos import model
from chronos.genogram import build_ecomap, ecomap_for_case, genogram_for_case, render_ecomap
from chronos.genogram.ecomap import (FAMILY, NORMAL, STRONG, TENUOUS, drawn_ties,
                                     ecomap_key_entries, referral_path, system_places,
                                     member_seats)


def event(i, date, agency, kind, people, **extra):
    return dict(event_id=f"E{i}", date=date, agency=agency, event_type=kind, person_ids=people, **extra)


@pytest.fixture
def family(fam):
    """Mum and her partner, a teenager and a baby in one household; gran lives apart and
    does after-school care; the baby's father lives apart too."""
    people = [fam.person("mum", "F", "1990-01-01"), fam.person("ryan", "M", "1986-01-01"),
              fam.person("teen", "M", "2008-01-01", is_index=True),
              fam.person("baby", "F", "2023-01-01", is_index=True),
              fam.person("gran", "F", "1966-01-01", role="carer", given_name="Pat", family_name="Lee"),
              fam.person("dad", "M", "1988-01-01")]
    rels = [*fam.children_of(["mum"], ["teen"]), *fam.children_of(["mum", "dad"], ["baby"]),
            *fam.children_of(["gran"], ["mum"]), fam.rel("mum", "ryan", "partner", "cohabiting"),
            fam.rel("mum", "dad", "partner", "separated"),
            *[fam.rel("mum", p, "household") for p in ("ryan", "teen", "baby")]]
    return people, rels


def events():
    rows = [event(k, f"2023-{k:02d}-05", "GP", "appointment_attended", "baby") for k in range(4, 9)]
    rows += [event(20, "2023-06-01", "GP", "was_not_brought", "teen"),
             event(21, "2023-09-01", "GP", "was_not_brought", "teen"),
             event(22, "2023-10-01", "GP", "appointment_attended", "teen")]
    rows += [event(30, "2023-12-20", "School", "attendance_summary", "teen", value=47.9)]
    rows += [event(40, "2023-08-01", "Hospital (ED)", "ae_attendance", "baby",
                   outcome="Discharged - safeguarding referral made")]
    rows += [event(50, "2023-09-09", "Police", "domestic_abuse_incident", p) for p in ("mum", "ryan", "teen", "baby")]
    rows += [event(60, "2022-01-10", "Health Visiting", "health_visitor_contact", "teen")]
    rows += [event(70, "2023-05-01", "Children's social care", "referral", "teen", summary="Contact: School concern"),
             event(71, "2023-05-01", "Children's social care", "referral", "baby", summary="Contact: School concern"),
             event(72, "2023-06-01", "Children's social care", "home_visit", "teen"),
             event(73, "2023-11-01", "Children's social care", "case_closed", "teen")]
    rows += [event(80, "2023-10-01", "Housing", "home_visit", "mum", outcome="Notice seeking possession served")]
    rows += [event(90, "2023-09-05", "Children's social care", "support_received", "teen;baby",
                   summary="Family network meeting: grandmother Pat Lee to do after-school care")]
    rows += [event(99, "2025-01-01", "GP", "appointment_attended", "baby")]           # after as_of
    return model.conform(rows, "events")


def ecomap_of(fam, family):
    people, rels = family
    graph = fam.graph(people, rels, events=events(), index_children=["teen", "baby"])
    return build_ecomap(events(), model.conform(people, "persons"), graph=graph, as_of="2024-03-31")


def ties(ecomap, name):
    system = next(s for s in ecomap.systems if s.name == name)
    return {t.member: t for t in system.ties}


def test_the_household_is_in_the_centre(fam, family):
    eco = ecomap_of(fam, family)
    assert [m.pid for m in eco.members] == ["ryan", "mum", "teen", "baby"]
    assert eco.centre == "Test household"


def test_lines_go_to_the_people_an_agency_deals_with(fam, family):
    eco = ecomap_of(fam, family)
    assert set(ties(eco, "School")) == {"teen"}
    assert set(ties(eco, "Hospital (ED)")) == {"baby"}
    assert set(ties(eco, "GP")) == {"teen", "baby"}
    assert ties(eco, "GP")["baby"].event_ids == ["E4", "E5", "E6", "E7", "E8"]   # evidence


def test_regular_attended_contact_is_strong_missed_is_tenuous(fam, family):
    gp = ties(ecomap_of(fam, family), "GP")
    assert gp["baby"].strength == STRONG and gp["baby"].attended == 5
    assert gp["teen"].strength == TENUOUS and gp["teen"].missed == 2


def test_school_attendance_below_90_percent_is_tenuous(fam, family):
    assert ties(ecomap_of(fam, family), "School")["teen"].strength == TENUOUS


def test_lapsed_and_closed_involvement_is_tenuous(fam, family):
    eco = ecomap_of(fam, family)
    assert ties(eco, "Health Visiting")["teen"].strength == TENUOUS           # 2022: lapsed
    assert next(s for s in eco.agencies if s.name == "Health Visiting").lapsed
    assert ties(eco, "Children's social care")["teen"].strength == TENUOUS    # closed


def test_police_and_enforcement_are_stressful(fam, family):
    eco = ecomap_of(fam, family)
    police = ties(eco, "Police")
    assert all(t.stressful and t.reasons == ["domestic_abuse_incident"] for t in police.values())
    housing = ties(eco, "Housing")["mum"]
    assert housing.stressful and housing.reasons == ["notice seeking possession"]
    assert not any(t.stressful for t in ties(eco, "GP").values())
    assert ties(eco, "Hospital (ED)")["baby"].strength == NORMAL


def test_an_agency_dealing_with_everyone_alike_gets_one_line_to_the_household(fam, family):
    eco = ecomap_of(fam, family)
    police = next(s for s in eco.agencies if s.name == "Police")
    (whole,) = drawn_ties(police, eco.members)
    assert whole.member == FAMILY and whole.stressful
    gp = next(s for s in eco.agencies if s.name == "GP")
    assert {t.member for t in drawn_ties(gp, eco.members)} == {"teen", "baby"}


def test_referrals_and_their_direction(fam, family):
    eco = ecomap_of(fam, family)
    referrals = {(a, b): n for a, b, n in eco.referrals}
    assert referrals[("School", "Children's social care")] == 1     # one contact, two children
    assert referrals[("Hospital (ED)", "Children's social care")] == 1   # "referral made"
    assert eco.referral_events[("School", "Children's social care")] == ["E70", "E71"]


def test_referral_arrows_go_round_the_outside(fam, family):
    eco = ecomap_of(fam, family)
    seats, radius = member_seats(eco.members)
    places = system_places(eco, seats)
    points, _ = referral_path(places["School"], places["Children's social care"], radius)
    assert min(x * x + y * y for x, y in points) ** 0.5 >= 7.0            # never inside the ring


def test_informal_network_from_the_family_file_and_relationships(fam, family):
    eco = ecomap_of(fam, family)
    network = {s.name: s for s in eco.network}
    assert set(network) == {"Pat Lee", "dad Test"}
    gran = network["Pat Lee"]
    assert gran.detail == "maternal grandmother, carer"
    assert {t.member: t.strength for t in gran.ties} == {"mum": NORMAL, "teen": STRONG, "baby": STRONG}
    assert [t.event_ids for t in gran.ties if t.member == "teen"] == [["E90"]]
    assert network["dad Test"].detail == "father"


def test_violence_makes_an_informal_line_stressful(fam, family):
    people, rels = family
    nominal = [event(1, "2023-02-02", "Police", "domestic_abuse_incident", "mum",
                     details="occurrence=X1;involvement=Victim"),
               event(2, "2023-02-02", "Police", "domestic_abuse_incident", "dad",
                     details="occurrence=X1;involvement=Suspect")]
    rows = model.conform(nominal, "events")
    graph = fam.graph(people, rels, events=rows, index_children=["teen", "baby"])
    eco = build_ecomap(rows, model.conform(people, "persons"), graph=graph, as_of="2024-03-31")
    dad = {t.member: t for t in next(s for s in eco.network if s.person == "dad").ties}
    assert dad["mum"].stressful and dad["mum"].reasons == ["violence"]
    assert dad["mum"].event_ids == ["E1", "E2"] and not dad["baby"].stressful


def test_the_key_shows_what_is_drawn(fam, family):
    kinds = [k for _, k in ecomap_key_entries(ecomap_of(fam, family))]
    assert kinds == ["strong", "normal", "tenuous", "stressful", "referral", "agency", "informal"]
    only = build_ecomap(model.conform([event(1, "2024-01-01", "GP", "health_contact", "k")], "events"),
                        model.conform([fam.person("k", "F", "2015-01-01", is_index=True)], "persons"),
                        index_children=["k"], as_of="2024-03-31")
    assert [k for _, k in ecomap_key_entries(only)] == ["normal", "agency"]


def test_drawn_with_date_and_key(fam, family, tmp_path):
    (path,) = render_ecomap(ecomap_of(fam, family), tmp_path / "e.svg", title="Test family")
    svg = path.read_text("utf-8")
    assert "31/03/2024" in svg and "Key" in svg and "School" in svg and "referral" in svg
    assert "maternal" in svg and "grandmother, carer" in svg


def test_case_helpers_write_both_charts(blended, tmp_path):
    persons = model.conform([dict(person_id=p, given_name=p, sex=d["sex"], dob=d["dob"])
                             for p, d in blended.nodes(data=True) if d["kind"] == "person"], "persons")
    rels = model.conform([dict(person_a=a, person_b=b, kind=d["kind"], subtype=d["subtype"],
                               start=d["start"], end=d["end"]) for a, b, d in blended.edges(data=True)
                          if d.get("source_file") is not None or d["kind"] != "parent"
                          or not a.startswith("unknown:")], "relationships")
    rows = model.conform([event(1, "2023-05-01", "School", "school_absence", "c")], "events")
    result = SimpleNamespace(persons=persons, relationships=rels, events=rows,
                             findings=model.empty("findings"), index_children=["c"], as_of=None,
                             name="Test case")
    (g,) = genogram_for_case(result, tmp_path / "genogram.svg")
    (e,) = ecomap_for_case(result, tmp_path / "ecomap.png", pseudonymise=True)
    assert "as at 01/05/2023" in g.read_text("utf-8")          # latest event when no as_of
    assert e.stat().st_size > 10000


def test_pseudonymised_ecomap_names_nobody(fam, family, tmp_path):
    (path,) = render_ecomap(ecomap_of(fam, family), tmp_path / "p.svg", pseudonymise=True)
    svg = path.read_text("utf-8")
    assert "Pat Lee" not in svg and "mum Test" not in svg and "Test household" not in svg
    assert "Adult A" in svg and "Child A" in svg
