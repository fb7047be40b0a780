"""The workspace's pages on the example family and a small synthetic case: what each
shows, what each change writes (and where), through Starlette's in-process client."""

from __future__ import annotations

import re
import stat

import yaml

from .conftest import workspace_of


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr id="row-(E[0-9a-f]+)"', page)


def test_a_single_case_opens_on_its_page(family):
    client, entry = family
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/case/smith"
    page = client.get("/case/smith").text
    assert "Smith family (synthetic example)" in page
    assert f"<b>{len(entry.rows)}</b> chronology entries" in page


def test_the_chronology_lists_every_entry_and_filters_by_agency_and_text(family):
    client, entry = family
    every = rows_of(client.get("/case/smith/chronology").text)
    assert len(every) == len(entry.rows)
    police = rows_of(client.get("/case/smith/chronology", params={"agency": "Police"}).text)
    expected = entry.rows.loc[entry.rows["agency"] == "Police", "event_id"].tolist()
    assert police == expected and 0 < len(police) < len(every)
    lice = client.get("/case/smith/chronology", params={"q": "HEAD LICE"}).text
    found = rows_of(lice)
    words = (entry.rows["Event"] + " " + entry.rows["Action / outcome"]).str.lower()
    assert found == entry.rows.loc[words.str.contains("head lice"), "event_id"].tolist()
    assert 0 < len(found) < len(entry.rows)


def test_the_chronology_filters_by_child_category_and_significance(family):
    client, entry = family
    rows = entry.rows
    child = entry.result.index_person_ids[-1]
    mine = rows_of(client.get("/case/smith/chronology", params={"child": child}).text)
    assert mine == [e for e, c in zip(rows["event_id"], rows["children"].fillna(""))
                    if child in c.split(";")]
    medical = rows_of(client.get("/case/smith/chronology", params={"category": "medical"}).text)
    assert medical and set(medical) == {e for e, c in zip(rows["event_id"], rows["categories"])
                                        if "medical" in str(c).split(";")}
    significant = rows_of(client.get("/case/smith/chronology",
                                     params={"significance": "significant"}).text)
    other = rows_of(client.get("/case/smith/chronology", params={"significance": "other"}).text)
    assert significant and other and not set(significant) & set(other)
    assert len(significant) + len(other) == len(rows)


def test_an_entry_shows_its_provenance(family):
    client, entry = family
    row = entry.rows[entry.rows["agency"] == "Police"].iloc[0]
    page = client.get(f"/case/smith/event/{row['event_id']}").text
    provenance = page.split('id="provenance"')[1].split("</table>")[0]
    lead = entry.result.events.set_index("event_id").loc[row["event_id"]]
    assert lead["source_file"] in provenance and f"<td>{lead['source_ref']}</td>" in provenance
    assert client.get("/case/smith/event/Enothere").status_code == 404


def test_findings_show_their_evidence(family):
    client, entry = family
    page = client.get("/case/smith/findings").text
    finding = entry.result.findings.iloc[0]
    block = page.split(f'id="finding-{finding["finding_id"]}"')[1].split("</article>")[0]
    ids = str(finding["event_ids"]).split(";")
    assert f"Evidence: {len(ids)} events" in block
    assert all(f"/case/smith/event/{i}" in block for i in ids)


def test_the_ingest_report_shows_the_quarantined_rows(family):
    client, entry = family
    page = client.get("/case/smith/ingest").text
    quarantine = entry.result.quarantine
    assert len(quarantine) > 0
    assert page.count("<code>date.impossible</code>") == int((quarantine["reason"] == "date.impossible").sum())
    assert "31/02/2022" in page          # the planted impossible date, with its row
    one = client.get("/case/smith/ingest", params={"source": "exports/gp_appointments.csv"}).text
    table = one.split('id="quarantine"')[1]
    assert "exports/police_incidents.csv" not in table


def test_the_wizard_sniffs_an_export_and_previews_its_mapping(family):
    client, entry = family
    page = client.get("/case/smith/mapping", params={"file": "exports/police_incidents.csv"}).text
    assert "Occurrence Type" in page and "event type" in page
    draft = re.search(r'<textarea name="yaml"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    import html

    text = html.unescape(draft)
    assert yaml.safe_load(text)["events"][0]["date"] == "Reported"
    preview = client.post("/case/smith/mapping", data={
        "file": "exports/police_incidents.csv", "yaml": text, "action": "preview"}).text
    assert "domestic_abuse_incident" in preview and 'id="preview-events"' in preview
    events = preview.split('id="preview-events"')[1].split("</table>")[0]
    assert "Donna SMITH" in events and "file:" not in events  # names, not record keys
    outside = client.get("/case/smith/mapping", params={"file": "../../etc/passwd"}).text
    assert "inside the case folder" in outside


def test_a_file_outside_the_output_list_is_not_served(family):
    client, _ = family
    assert client.get("/case/smith/files/case.yaml").status_code == 404
    assert client.get("/case/smith/files/..%2Fcase.yaml").status_code == 404


def test_new_case_from_a_folder_of_exports(tmp_path):
    from .conftest import brown_exports, client_for

    brown_exports(tmp_path / "brown")
    client = client_for(tmp_path)
    home = client.get("/").text
    assert 'value="brown"' in home
    answer = client.post("/new", data={"folder": "brown", "name": "Brown review"},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/case/brown")
    manifest = tmp_path / "brown" / "case.yaml"
    data = yaml.safe_load(manifest.read_text())
    assert data["case"] == "Brown review"
    assert [(s["path"], s["mapping"]) for s in data["sources"]] == [
        ("exports/gp.csv", "mappings/gp.yaml"), ("exports/school.csv", "mappings/school.yaml")]
    assert stat.S_IMODE(manifest.stat().st_mode) == 0o600
    again = client.post("/new", data={"folder": "brown"}, follow_redirects=False)
    assert "error=" in again.headers["location"]     # a case is never replaced
    outside = client.post("/new", data={"folder": "../.."}, follow_redirects=False)
    assert "error=" in outside.headers["location"]


def test_the_wizard_saves_a_mapping_and_adds_the_source(brown):
    client, entry = brown
    (entry.root / "exports" / "police.csv").write_text(
        "Ref,Reported,Occurrence Type,Surname,Forename,DOB\n"
        "P1,01/02/2021,Domestic abuse,BROWN,Lacey,12/12/1990\n")
    page = client.get("/case/brown/mapping", params={"file": "exports/police.csv"}).text
    import html

    text = html.unescape(re.search(r'<textarea name="yaml"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    answer = client.post("/case/brown/mapping", data={"file": "exports/police.csv", "yaml": text,
                                                      "name": "police", "action": "save"},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    saved = entry.root / "mappings" / "police.yaml"
    assert saved.read_text() == text and stat.S_IMODE(saved.stat().st_mode) == 0o600
    sources = yaml.safe_load((entry.root / "case.yaml").read_text())["sources"]
    assert sources[-1] == {"name": "police", "path": "exports/police.csv",
                           "mapping": "mappings/police.yaml", "format": "mapped",
                           "agency": "Police"}
    assert list((entry.root / "returns" / "backups").iterdir())   # the old manifest kept


def test_link_review_shows_pairs_and_writes_a_decision(brown):
    client, entry = brown
    page = client.get("/case/brown/links").text
    assert 'data-pair="gp:G1|school:S3"' in page
    explained = client.get("/case/brown/explain", params={"a": "gp:G1", "b": "school:S3"}).text
    assert 'id="weights"' in explained and "dob" in explained
    answer = client.post("/case/brown/links", data={"a": "gp:G1", "b": "school:S3",
                                                    "decision": "same"}, follow_redirects=False)
    assert answer.status_code == 303
    overrides = entry.root / "overrides.yaml"
    assert yaml.safe_load(overrides.read_text())["must_link"] == [["gp:G1", "school:S3"]]
    assert stat.S_IMODE(overrides.stat().st_mode) == 0o600
    assert "Same person" in client.get("/case/brown/links").text.split('data-pair="gp:G1|school:S3"')[1]
    client.post("/case/brown/links", data={"a": "gp:G1", "b": "school:S3", "decision": "different"})
    decided = yaml.safe_load(overrides.read_text())
    assert decided == {"must_link": [], "cannot_link": [["gp:G1", "school:S3"]]}
    bad = client.post("/case/brown/links", data={"a": "gp:G1", "b": "school:S3",
                                                 "decision": "maybe"}, follow_redirects=False)
    assert "error=" in bad.headers["location"]


def test_a_build_writes_every_output_and_each_downloads(brown):
    client, entry = brown
    answer = client.post("/case/brown/build", follow_redirects=False)
    assert answer.headers["location"] == "/case/brown/build"
    workspace_of(client).wait(entry)
    status = client.get("/case/brown/status").json()
    assert status["done"] and status["error"] == "" and status["kind"] == "build"
    assert {"chronology.docx", "events.csv", "genogram.png", "timeline.png"} <= set(status["outputs"])
    events = client.get("/case/brown/files/events.csv")
    assert events.status_code == 200 and events.content == (entry.out / "events.csv").read_bytes()
    assert "attachment" in events.headers["content-disposition"]
    picture = client.get("/case/brown/files/genogram.png", params={"view": "1"})
    assert picture.headers["content-type"] == "image/png"
    assert "genogram.png" in client.get("/case/brown/pictures").text


def test_a_link_decision_holds_after_a_rebuild(brown):
    client, entry = brown
    before = entry.result.record_to_person
    assert before["gp:G1"] != before["school:S3"]
    client.post("/case/brown/links", data={"a": "gp:G1", "b": "school:S3", "decision": "same"})
    client.post("/case/brown/build")
    workspace_of(client).wait(entry)
    after = entry.result.record_to_person
    assert after["gp:G1"] == after["school:S3"]


def test_a_row_annotated_is_in_the_shared_store_and_on_the_page(brown):
    from chronos.annotations import read_annotations

    client, entry = brown
    event = entry.rows.iloc[0]["event_id"]
    answer = client.post("/case/brown/annotate", data={
        "target": event, "field": "significance", "value": "not significant",
        "reason": "routine", "next": f"/case/brown/event/{event}"}, follow_redirects=False)
    assert answer.status_code == 303 and "said=Saved" in answer.headers["location"]
    client.post("/case/brown/annotate", data={"target": event, "field": "note",
                                              "value": "Checked with the school"})
    stored = read_annotations(entry.root)
    assert stored.value(event, "significance") == "not significant"
    assert stored.decision(event, "note").reason == "" and stored.value(event, "note") == \
        "Checked with the school"
    assert stored.decision(event, "significance").who           # who decided, and when
    assert stored.decision(event, "significance").when[:4].isdigit()
    assert stat.S_IMODE((entry.root / "annotations.csv").stat().st_mode) == 0o600
    page = client.get("/case/brown/chronology").text
    row = page.split(f'id="row-{event}"')[1].split("</tr>")[0]
    assert "Marked not significant" in row and "Checked with the school" in row
    hidden = rows_of(client.get("/case/brown/chronology", params={"significance": "other"}).text)
    assert event in hidden
    decisions = client.get("/case/brown/annotations").text
    assert "Checked with the school" in decisions and "routine" in decisions


def test_a_decision_about_an_unknown_id_or_field_is_refused(brown):
    client, entry = brown
    unknown = client.post("/case/brown/annotate", data={"target": "E000000000000", "field": "note",
                                                        "value": "x"}, follow_redirects=False)
    assert "error=" in unknown.headers["location"]
    event = entry.rows.iloc[0]["event_id"]
    bad = client.post("/case/brown/annotate", data={"target": event, "field": "colour",
                                                    "value": "red"}, follow_redirects=False)
    assert "error=" in bad.headers["location"]
    assert not (entry.root / "annotations.csv").exists()


def test_a_finding_dismissed_needs_a_reason_and_shows_it(family):
    client, entry = family
    finding = entry.result.findings.iloc[0]["finding_id"]
    refused = client.post("/case/smith/annotate", data={"target": finding, "field": "dismissed",
                                                        "value": "yes", "reason": ""},
                          follow_redirects=False)
    assert "error=" in refused.headers["location"]
    client.post("/case/smith/annotate", data={"target": finding, "field": "dismissed",
                                              "value": "yes", "reason": "the plan had just begun"})
    page = client.get("/case/smith/findings").text
    block = page.split(f'id="finding-{finding}"')[1].split("</article>")[0]
    assert "dismissed" in block and "the plan had just begun" in block and "Reinstate" in block
    client.post("/case/smith/annotate", data={"target": finding, "field": "dismissed", "value": ""})
    block = client.get("/case/smith/findings").text.split(f'id="finding-{finding}"')[1]
    assert "Reinstate" not in block.split("</article>")[0]


def test_decisions_about_ids_a_rebuild_lost_are_listed_not_dropped(brown):
    from chronos.annotations import decide

    client, entry = brown
    decide(entry.root, "E0123456789ab", "note", "about an event since removed")
    page = client.get("/case/brown/annotations").text
    assert "about an event since removed" in page and "no longer in the case" in page


def test_an_entry_shows_the_reports_merged_into_it(brown):
    client, entry = brown
    merged = entry.result.event_duplicates
    assert len(merged) == 1                     # the missed appointment both reported
    kept = merged.iloc[0]["duplicate_of"]
    other = merged.iloc[0]["source_file"]
    lead = entry.result.events.set_index("event_id").loc[kept, "source_file"]
    assert {other, lead} == {"exports/gp.csv", "exports/school.csv"}
    page = client.get(f"/case/brown/event/{kept}").text
    table = page.split('id="duplicates"')[1].split("</table>")[0]
    assert other in table and f"<td>{merged.iloc[0]['source_ref']}</td>" in table
    assert lead in page.split('id="provenance"')[1].split("</table>")[0]


def test_the_significance_filter_leaves_out_rows_only_a_dismissed_finding_flagged():
    # as the documents do: the rows are the example's, with a finding whose only evidence
    # is an A&E attendance with no concern recorded, then that finding dismissed
    import pandas as pd

    from chronos.annotations import Annotation, Annotations
    from chronos.report._example import example_result
    from chronos.report.chronology import chronology_rows
    from chronos.serve.pages import apply_decisions, filter_rows

    example = example_result()
    rows = chronology_rows(example)
    visit = rows.loc[rows["event_type"] == "ae_attendance", "event_id"].iloc[0]
    example.findings = pd.concat([example.findings, example.findings.iloc[[0]].assign(
        finding_id="F-ae", event_ids=visit)], ignore_index=True)
    rows = chronology_rows(example)
    query = {"significance": "significant"}
    assert visit in set(filter_rows(apply_decisions(rows, Annotations()), query)["event_id"])
    dismissed = Annotations([Annotation("F-ae", "dismissed", "yes", "B Reviewer",
                                        "2026-12-07T11:00:00", "a sibling's visit")])
    shown = filter_rows(apply_decisions(rows, dismissed), query)
    assert visit not in set(shown["event_id"]) and len(shown) > 0
