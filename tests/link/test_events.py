"""Event de-duplication: the same event from several agencies is counted once."""

import pandas as pd

from chronos.link.events import dedupe_events


def ev(i, date, etype, source, persons, summary="", precision="day", **extra):
    row = {"event_id": f"E{i}", "date": date, "date_precision": precision,
           "event_type": etype, "source_file": source, "source_ref": str(i),
           "person_ids": persons, "summary": summary}
    row.update(extra)
    return row


def run(rows, config=None):
    return dedupe_events(pd.DataFrame(rows), config)


def test_same_attendance_from_three_agencies_counts_once():
    kept, dups = run([
        ev(1, "2021-03-04", "ae_attendance", "hospital.csv", "P1", "A&E: fall, head injury"),
        ev(2, "2021-03-05", "injury", "gp.csv", "P1", "letter"),
        ev(3, "2021-03-04", "ae_attendance", "hv.csv", "P1;P2", "notes"),
    ])
    assert len(kept) == 1 and len(dups) == 2
    row = kept.iloc[0]
    assert row["event_id"] == "E1"                        # the fullest report
    assert row["corroborated_by"] == "E2;E3"
    assert row["person_ids"] == "P1;P2"
    assert "also_reported_in=gp.csv#2|hv.csv#3" in row["details"]
    assert set(dups["duplicate_of"]) == {"E1"}
    assert (kept["event_type"] == "ae_attendance").sum() == 1   # what a rule would count


def test_rows_are_conserved_and_unrelated_events_stay():
    rows = [
        ev(1, "2021-03-04", "ae_attendance", "hospital.csv", "P1"),
        ev(2, "2021-03-04", "ae_attendance", "hospital.csv", "P1"),   # same file: two visits
        ev(3, "2021-03-09", "ae_attendance", "gp.csv", "P1"),         # beyond tolerance
        ev(4, "2021-03-04", "ae_attendance", "gp.csv", "P9"),         # another person
        ev(5, "2021-03-04", "was_not_brought", "gp.csv", "P1"),       # incompatible type
        ev(6, "2021-03-01", "ae_attendance", "hv.csv", "P1", precision="month"),
        ev(7, None, "ae_attendance", "hv.csv", "P1", precision="unknown"),
        ev(8, "2021-03-04", "ae_attendance", "police.csv", ""),       # nobody linked
    ]
    kept, dups = run(rows)
    assert len(kept) + len(dups) == len(rows)
    assert len(dups) == 0
    assert kept["date"].isna().sum() == 1                 # undated kept, not dropped


def test_two_reports_pair_up_one_to_one():
    kept, dups = run([
        ev(1, "2021-03-04", "ae_attendance", "hospital.csv", "P1"),
        ev(2, "2021-03-04", "ae_attendance", "hospital.csv", "P1"),
        ev(3, "2021-03-04", "ae_attendance", "gp.csv", "P1"),
        ev(4, "2021-03-04", "ae_attendance", "gp.csv", "P1"),
    ])
    assert len(kept) == 2 and len(dups) == 2


def test_tolerance_and_groups_are_configurable():
    rows = [ev(1, "2021-03-04", "ae_attendance", "hospital.csv", "P1"),
            ev(2, "2021-03-07", "ae_attendance", "gp.csv", "P1"),
            ev(3, "2021-05-01", "home_conditions", "hv.csv", "P1"),
            ev(4, "2021-05-01", "hygiene_clothing", "school.csv", "P1")]
    kept, dups = run(rows)
    assert len(dups) == 0
    kept, dups = run(rows, {"tolerance_days": 3,
                            "same_event": [["home_conditions", "hygiene_clothing"]]})
    assert len(dups) == 2 and len(kept) == 2


def test_existing_corroboration_is_kept_and_no_input_is_fine():
    kept, dups = run([ev(1, "2021-03-04", "referral", "csc.csv", "P1", corroborated_by="E0"),
                      ev(2, "2021-03-05", "referral", "school.csv", "P1")])
    assert kept.iloc[0]["corroborated_by"] == "E0;E2"
    kept, dups = dedupe_events(None)
    assert kept.empty and dups.empty and "duplicate_of" in dups.columns
