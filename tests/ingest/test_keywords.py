"""The keyword classifier for free-text event descriptions."""

import pytest

from chronos.ingest.keywords import classify, classify_all, load_rules


@pytest.mark.parametrize("text,expected", [
    ("Child DNA dental appointment", "was_not_brought"),
    ("Was not brought to the 6-8 week check", "was_not_brought"),
    ("Did  not attend clinic", "was_not_brought"),
    ("Attended A&E with a burn to the hand", "ae_attendance"),
    ("Seen in the Emergency Department", "ae_attendance"),
    ("School nurse found nits", "head_lice"),
    ("Police called to a domestic incident at the home", "domestic_abuse_incident"),
    ("Referral to children's social care by school", "referral"),
    ("dna sample taken", "other"),          # acronyms are case-sensitive
    ("Mum rang to ask about housing", "other"),
    ("", "other"),
])
def test_classify(text, expected):
    assert classify(text) == expected


def test_classify_all_lists_every_match_in_rule_order():
    found = classify_all("DNA follow-up after A&E attendance with head lice")
    assert found[:3] == ["was_not_brought", "ae_attendance", "head_lice"]


def test_custom_rules_file_and_unknown_type(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - event_type: hunger\n    phrases: [packed lunch missing]\n")
    assert classify("Packed  lunch missing again", load_rules(path)) == "hunger"
    path.write_text("rules:\n  - event_type: not_a_type\n    phrases: [x]\n")
    with pytest.raises(ValueError, match="not_a_type"):
        load_rules(path)


# Written as workers write case notes, without the words of the shorter list that came
# before (no "home conditions", no "poor hygiene"): each must still be recognised.
@pytest.mark.parametrize("text,expected", [
    ("HV visit: house very cluttered, dog mess on the kitchen floor, no bedding on Leo's cot",
     "home_conditions"),
    ("Strong smell of urine in the property; bags of rubbish piled in the hallway",
     "home_conditions"),
    ("Mould on the walls of the children's bedroom, mattress on the floor", "home_conditions"),
    ("Electric meter had run out, no hot water for three days", "home_conditions"),
    ("Flat smelt strongly of cigarettes and cannabis", "home_conditions"),
    ("Cockroaches seen in the kitchen, overflowing bins", "home_conditions"),
    ("Came in the same uniform all week, smelling of urine", "hygiene_clothing"),
    ("No coat in the rain, shoes too small", "hygiene_clothing"),
    ("Severe nappy rash noted at the 9 month review", "hygiene_clothing"),
    ("Taking food from other children's lunchboxes", "hunger"),
    ("Arrived with no breakfast and no packed lunch", "hunger"),
    ("Found wandering the streets at 9pm by a neighbour", "unsupervised"),
    ("Not collected from school; mum not answering", "unsupervised"),
    ("Dental extraction of 6 teeth under general anaesthetic", "dental_decay"),
    ("Complaining of toothache again, black teeth visible", "dental_decay"),
    ("Extraction of 4 carious deciduous teeth under GA", "dental_decay"),
    ("Tyler left at school gate, nobody collected until 5.30pm", "unsupervised"),
    ("Listed for removal of six teeth under general anaesthetic", "dental_decay"),
    ("Weight has dropped two centiles since the 1 year review", "growth_concern"),
    ("Immunisations not up to date: MMR and pre-school booster outstanding",
     "immunisation_missed"),
    ("Booked late at 26 weeks, concealed pregnancy", "antenatal_missed"),
    ("DASH risk assessment completed after a verbal argument escalated", "domestic_abuse_incident"),
    ("Mum smelt of alcohol at collection", "substance_misuse"),
    ("Dad sectioned under the Mental Health Act", "parental_mental_health"),
    ("Absconded from placement overnight", "missing_episode"),
    ("Failed appointment with the community paediatrician", "was_not_brought"),
])
def test_realistic_phrases(text, expected):
    assert classify(text) == expected


@pytest.mark.parametrize("text, concern", [
    ("No concerns about home conditions", "home conditions"),
    ("Home conditions were good, children clean and well dressed", "Home conditions"),
    ("Home conditions appeared adequate on this visit", "Home conditions"),
    ("No evidence of head lice", "head lice"),
    ("No signs of nappy rash", "nappy rash"),
    ("Denies drug use", "drug use"),
])
def test_absence_and_reassurance_are_not_concerns(text, concern):
    assert classify(text) == "other"
    assert classify(concern) != "other"      # the words alone are a concern


def test_a_negation_reaches_only_its_own_clause():
    assert classify("No concerns about school, home conditions poor") == "home_conditions"
    assert classify("No concerns re lice but nits seen today") == "head_lice"


@pytest.mark.parametrize("text", ["Referred to CAMHS for low mood",
                                  "Seen by the Children and Young People's Mental Health Service",
                                  "CYPMHS assessment: anxiety about school"])
def test_a_childrens_mental_health_service_is_a_concern_about_the_child(text):
    from chronos.ingest.keywords import classify

    assert classify(text) == "child_mental_health"


def test_parental_types_have_a_childs_type_or_become_other():
    from chronos.model import vocabulary

    vocab = vocabulary()
    assert vocab.on_a_child("parental_mental_health") == "child_mental_health"
    assert vocab.on_a_child("domestic_abuse_incident") == "other"
    assert vocab.on_a_child("injury") == "injury"
    assert vocab.event_types["child_mental_health"].kind == "concern"
