"""What the build summary tells a person about rows and cells chronos did not understand."""

from __future__ import annotations

from pathlib import Path

from chronos.cli_render import ingest_summary


def _source(file, quarantined=None, skipped=None, warned=None, nobody=0):
    quarantined, skipped = quarantined or {}, skipped or {}
    return {"source": file.split(".")[0], "format": "mapped", "file": file,
            "records_read": 10, "records_to_data": 10 - sum(quarantined.values())
            - sum(skipped.values()), "records_quarantined": sum(quarantined.values()),
            "records_skipped": skipped, "events": 5, "quarantine_by_reason": quarantined,
            "warnings_by_code": warned or {}, "events_unattributed": nobody}


def test_the_summary_names_every_reason_rows_were_left_out_or_warned_about(capsys):
    report = {"case": "brookes", "reconciles": True, "as_of": "2026-12-07",
              "as_of_from": "today", "warnings": [],
              "totals": {"events": 10, "records_quarantined": 2},
              "sources": [_source("school.csv", {"date.impossible": 1}, {"totals_row": 1},
                                  {"event_type.other": 2}),
                          _source("chronology.docx", {"date.future": 1}, nobody=3)]}
    ingest_summary(report, Path("out"))
    err = " ".join(capsys.readouterr().err.split())
    for line in ("quarantined in school.csv: 1 x date.impossible",
                 "skipped in school.csv: 1 x totals_row",
                 "warned in school.csv: 2 x event_type.other",
                 "quarantined in chronology.docx: 1 x date.future",
                 "3 event(s) of chronology.docx name nobody",
                 "as of today (2026-12-07)", "counts reconcile", "ingest-report.json"):
        assert line in err, line
    assert "warned in chronology.docx" not in err
