"""Who harmed whom in a domestic abuse incident, as events record it now."""

from chronos.genogram.relations import incident_roles


def row(i, people, details, date="2023-01-01", kind="domestic_abuse_incident", **extra):
    return dict(event_id=f"E{i}", date=date, event_type=kind, people=people, details=details,
                source_file="police.csv", **extra)


def test_nominal_rows_of_one_occurrence_make_one_incident():
    (incident,) = incident_roles([
        row(1, ["m"], "occurrence=OCC/1;involvement=Victim"),
        row(2, ["p"], "occurrence=OCC/1;involvement=Suspect"),
        row(3, ["k"], "occurrence=OCC/1;involvement=Child present")])
    assert incident.harm == {"p"} and incident.harmed == {"m"}
    assert incident.event_ids == ["E1", "E2", "E3"]


def test_without_a_reference_the_date_and_time_group_an_incident():
    found = incident_roles([row(1, ["m"], "involvement=victim", time="23:40"),
                            row(2, ["p"], "involvement=suspect", time="23:40"),
                            row(3, ["m"], "involvement=victim", time="01:15"),
                            row(4, ["q"], "involvement=suspect", time="01:15")])
    assert sorted((sorted(i.harm), sorted(i.harmed)) for i in found) == [(["p"], ["m"]), (["q"], ["m"])]


def test_one_event_naming_both_with_the_perpetrator_in_details():
    (incident,) = incident_roles([row(1, ["m", "p"], "perpetrator=p;victim=m")])
    assert incident.harm == {"p"} and incident.harmed == {"m"}


def test_other_events_are_not_incidents():
    assert incident_roles([row(1, ["m"], "involvement=Victim", kind="police_call_out")]) == []


def test_one_event_with_its_participants_and_their_roles():
    """An occurrence recorded once, its people with roles (person_roles), as the mapped
    reader's occurrence: and role: write it; a victim who also witnessed stays the victim."""
    from chronos.genogram.graph import _event_rows

    (event,) = _event_rows([dict(event_id="E1", date="2023-01-01", event_type="domestic_abuse_incident",
                                 person_ids="police:1;police:2;police:3", details="",
                                 person_roles="police:1=victim+witness;police:2=suspect;police:3=present",
                                 source_file="police.csv")],
                           {"police:1": "m", "police:2": "p", "police:3": "k"})
    assert event["roles"] == {"m": {"victim", "witness"}, "p": {"suspect"}, "k": {"present"}}
    (incident,) = incident_roles([event])
    assert incident.harm == {"p"} and incident.harmed == {"m"}
