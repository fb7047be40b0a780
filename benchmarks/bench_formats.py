"""Events per second for the CIN census and FHIR ingesters, 100,000 children each.

Generates synthetic files in a temporary folder, then times (median of --repeat runs)
the ingester against a bare standard-library parse of the same file (ElementTree
iterparse with the same element clearing for CIN, json.load for FHIR), and prints the
ratio. Not a test: run by hand.

    python benchmarks/bench_formats.py [--children 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronos.ingest.base import Source  # noqa: E402
from chronos.ingest.cin_census import CinCensusIngester  # noqa: E402
from chronos.ingest.fhir import FhirIngester  # noqa: E402
from _timing import median_with_result  # noqa: E402  (benchmarks/ is on the path)

CHILD = """<Child><ChildIdentifiers><LAchildID>C{n:07d}</LAchildID><UPN>A{n:012d}</UPN>
<PersonBirthDate>2015-03-{d:02d}</PersonBirthDate><Sex>{s}</Sex></ChildIdentifiers>
<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>
<CINdetails><CINreferralDate>2022-10-{d:02d}</CINreferralDate><ReferralSource>3B</ReferralSource>
<PrimaryNeedCode>N1</PrimaryNeedCode><CINclosureDate>2023-09-{d:02d}</CINclosureDate>
<ReasonForClosure>RC7</ReasonForClosure><Assessments>
<AssessmentActualStartDate>2022-10-{d:02d}</AssessmentActualStartDate>
<AssessmentAuthorisationDate>2022-11-{d:02d}</AssessmentAuthorisationDate>
<FactorsIdentifiedAtAssessment><AssessmentFactors>3B</AssessmentFactors>
<AssessmentFactors>16A</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>
<CINPlanDates><CINPlanStartDate>2022-12-{d:02d}</CINPlanStartDate>
<CINPlanEndDate>2023-09-{d:02d}</CINPlanEndDate></CINPlanDates>
<Section47><S47ActualStartDate>2022-11-{d:02d}</S47ActualStartDate>
<DateOfInitialCPC>2022-12-{d:02d}</DateOfInitialCPC><ICPCnotRequired>false</ICPCnotRequired></Section47>
<ReferralNFA>false</ReferralNFA></CINdetails></Child>
"""


def write_cin(path: Path, children: int) -> None:
    """A CIN census file with ``children`` children, 11 events each."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("<?xml version='1.0'?>\n<Message><Header><CollectionDetails><Collection>CIN"
                  "</Collection><Year>2023</Year></CollectionDetails></Header><Children>\n")
        for n in range(children):
            out.write(CHILD.format(n=n, d=n % 28 + 1, s="MF"[n % 2]))
        out.write("</Children></Message>\n")


def write_fhir(path: Path, children: int) -> None:
    """A FHIR batch Bundle: per child a Patient, 2 encounters, 2 immunisations, 1 no-show
    appointment, 1 condition and 1 vital-sign observation (6 events)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"resourceType": "Bundle", "type": "batch", "entry": [\n')
        for n in range(children):
            d = f"{n % 28 + 1:02d}"
            subject = {"reference": f"urn:uuid:p{n}"}
            resources = [
                {"resourceType": "Patient", "id": f"p{n}", "birthDate": f"2016-01-{d}",
                 "gender": "female", "name": [{"family": f"Fam{n}", "given": ["Kid"]}],
                 "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number",
                                 "value": f"{9000000000 + n}"}]},
                *[{"resourceType": "Encounter", "id": f"e{n}-{k}", "status": "finished",
                   "class": {"code": code}, "subject": subject,
                   "period": {"start": f"2020-0{k + 1}-{d}T10:00:00+00:00"}}
                  for k, code in enumerate(("AMB", "EMER"))],
                *[{"resourceType": "Immunization", "id": f"i{n}-{k}", "status": "completed",
                   "vaccineCode": {"text": "MMR"}, "patient": subject,
                   "occurrenceDateTime": f"2017-0{k + 1}-{d}"} for k in range(2)],
                {"resourceType": "Appointment", "id": f"a{n}", "status": "noshow",
                 "start": f"2021-03-{d}T09:00:00Z", "participant": [{"actor": subject}]},
                {"resourceType": "Condition", "id": f"c{n}", "subject": subject,
                 "code": {"coding": [{"system": "http://snomed.info/sct",
                                      "code": "81000006"}]}, "onsetDateTime": f"2021-05-{d}"},
                {"resourceType": "Observation", "id": f"o{n}", "status": "final",
                 "category": [{"coding": [{"code": "vital-signs"}]}], "subject": subject,
                 "code": {"text": "Body weight"}, "effectiveDateTime": f"2021-05-{d}",
                 "valueQuantity": {"value": 20.5, "unit": "kg"}},
            ]
            for k, res in enumerate(resources):
                sep = "" if n == children - 1 and k == len(resources) - 1 else ","
                entry = {"fullUrl": f"urn:uuid:{res['id']}", "resource": res}
                out.write(json.dumps(entry) + sep + "\n")
        out.write("]}\n")


def bare_cin(path: Path) -> None:
    for _event, elem in ET.iterparse(path):
        if elem.tag == "Child":
            elem.clear()


def bare_fhir(path: Path) -> None:
    with open(path, encoding="utf-8") as handle:
        json.load(handle)


def bench(label: str, path: Path, ingester, bare, repeat: int) -> None:
    source = Source(path=path, name="bench")
    base, _ = median_with_result(lambda: bare(path), repeat)
    took, result = median_with_result(lambda: ingester.read(source), repeat)
    events = len(result.events)
    print(f"{label}: {path.stat().st_size / 1e6:.0f} MB, {len(result.persons)} children, "
          f"{events} events; ingest median {took:.2f} s = {events / took:,.0f} events/s; "
          f"bare parse {base:.2f} s; ratio ingest/bare {took / base:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cin, fhir = Path(tmp) / "cin.xml", Path(tmp) / "fhir.json"
        write_cin(cin, args.children)
        bench("CIN census", cin, CinCensusIngester(), bare_cin, args.repeat)
        write_fhir(fhir, args.children)
        bench("FHIR bundle", fhir, FhirIngester(), bare_fhir, args.repeat)


if __name__ == "__main__":
    main()
