"""Concept extraction from prompts and answers onto the shipped vocabulary."""

from __future__ import annotations

import pytest

from drivexplain.operators.contrastive import load_vocabulary
from drivexplain.operators.verdicts.concepts import ConceptExtractor
from drivexplain.operators.verdicts.lexicon import lemma, tokens
from drivexplain.operators.verdicts.mentions import same_object, same_thing


@pytest.fixture(scope="module")
def extractor() -> ConceptExtractor:
    return ConceptExtractor(load_vocabulary("configs/vocabulary.yaml"))


@pytest.mark.parametrize(
    ("prompt", "concepts"),
    [
        ("Can you see any pedestrians in this image?", ("pedestrian",)),
        ("Is the traffic light ahead green?", ("traffic light",)),
        ("Is the red traffic light on?", ("red traffic light",)),  # longest phrase wins
        ("How many buses are there?", ("bus",)),
        ("Are there people on the zebra crossing?", ("pedestrian", "crosswalk")),
        ("Any children near the fire hydrants?", ("child", "fire hydrant")),
        ("Is there a stoplight?", ("traffic light",)),
        ("Do you see the street lamps and the trees?", ("street lamp", "tree")),
        # an instruction to answer yes or no negates nothing
        ("Please answer with yes or no: is there a car in the image?", ("car",)),
        ("Yes/no: are there any buses?", ("bus",)),
        # a definite light said to change is a traffic light, whatever its colour
        ("How long until the light changes?", ("traffic light",)),
        ("Is the signal about to change?", ("traffic light",)),
    ],
)
def test_prompt_concepts(extractor: ConceptExtractor, prompt: str, concepts: tuple) -> None:
    found = extractor.prompt(prompt)
    assert found.kind == "specific"
    assert found.concepts == concepts


@pytest.mark.parametrize(
    ("prompt", "kind"),
    [
        ("Describe this image.", "generic"),
        ("What do you see?", "generic"),
        ("What is ahead?", "generic"),
        ("I don't like winter.", "ambiguous"),
        ("Is it safe to drive?", "ambiguous"),
        ("Did the light turn on?", "ambiguous"),  # any lamp turns on
    ],
)
def test_prompts_without_concepts(extractor: ConceptExtractor, prompt: str, kind: str) -> None:
    found = extractor.prompt(prompt)
    assert found.concepts == () and found.kind == kind
    assert found.notes and ("Case II" if kind == "generic" else "Case III") in found.notes[0]


def test_yes_inherits_the_prompt_concept(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("Can you see any pedestrians?")
    answer = extractor.answer("Yes.", prompt)
    assert answer.concepts == ("pedestrian",) and answer.denied == ()
    assert answer.polarity == "affirm" and answer.source == "inherited from the prompt"


def test_no_denies_the_prompt_concept(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("Are there any buses?")
    for text in ("No.", "no", "Zero.", "Nope, none."):
        answer = extractor.answer(text, prompt)
        assert answer.concepts == () and answer.denied == ("bus",), text
        assert answer.polarity == "deny"


def test_no_with_its_own_concept_keeps_it(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("Is it safe to drive?")
    answer = extractor.answer("No, a pedestrian is crossing.", prompt)
    # the comma ends the negation's scope: the pedestrian is asserted, not denied
    assert answer.concepts == ("pedestrian",) and answer.denied == ()


def test_negation_inside_an_answer(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("I don't like winter.")
    answer = extractor.answer("There is no snow, it is raining.", prompt)
    assert answer.denied == ("snow",) and answer.concepts == ("rain",)
    answer = extractor.answer("I can't see any cars but a bus is parked.", prompt)
    assert answer.denied == ("car",) and answer.concepts == ("bus",)


def test_bare_answers_inherit_and_colours_refine(extractor: ConceptExtractor) -> None:
    car = extractor.prompt("What colour is the car?")
    assert extractor.answer("Red.", car).concepts == ("red car",)
    assert extractor.answer("Two.", extractor.prompt("How many trucks?")).concepts == ("truck",)
    # a colour the vocabulary does not pair with the concept leaves it alone
    assert extractor.answer("Purple.", car).concepts == ("car",)


def test_answer_naming_another_concept(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("Can you see any pedestrians in this image?")
    answer = extractor.answer("I see the street.", prompt)
    assert answer.concepts == ("road",) and answer.source == "vocabulary"


def test_generic_prompt_answer_with_nothing_to_inherit(extractor: ConceptExtractor) -> None:
    prompt = extractor.prompt("Describe this image.")
    answer = extractor.answer("It looks fine.", prompt)
    assert answer.concepts == () and answer.source == "none"


class _FakeLLM:
    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls: list[str] = []

    def generate_text(self, prompt: str, *, max_new_tokens: int | None = None) -> str:
        self.calls.append(prompt)
        return self.reply


def test_llm_helps_only_where_the_rules_find_nothing() -> None:
    vocabulary = load_vocabulary("configs/vocabulary.yaml")
    llm = _FakeLLM("a school bus, a unicorn")
    extractor = ConceptExtractor(vocabulary, llm=llm)
    found = extractor.prompt("Is the yellow transporter stopping?")
    assert found.concepts == ("school bus",) and found.source == "llm"
    # a rule match never asks the LLM, and LLM words outside the vocabulary are dropped
    calls = len(llm.calls)
    assert extractor.prompt("Is there a car?").concepts == ("car",)
    assert len(llm.calls) == calls
    # a repeated text is answered from the extractor's cache, not by a second LLM call
    again = extractor.prompt("Is the yellow transporter stopping?")
    assert again.concepts == ("school bus",) and len(llm.calls) == calls


def test_a_failing_llm_falls_back_to_the_rules() -> None:
    class Broken:
        def generate_text(self, prompt: str, *, max_new_tokens: int | None = None) -> str:
            raise RuntimeError("out of memory")

    extractor = ConceptExtractor(["car"], llm=Broken())
    assert extractor.prompt("Describe this image.").kind == "generic"


def test_lemmas_and_same_thing() -> None:
    assert [lemma(w) for w in ("pedestrians", "buses", "people", "lights", "bus", "glass")] == [
        "pedestrian", "bus", "person", "light", "bus", "glass"]
    assert same_thing("red car", "car") and same_thing("cars", "car")
    assert not same_thing("car", "bus") and not same_thing("parked car", "car")
    # a thing in a state is the same object, for what an answer says of the prompt's concept
    assert same_object("wet road", "road") and same_object("car", "parked car")
    assert same_object("red car", "car") and not same_object("wet road", "snowy road")


def test_empty_vocabulary_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        ConceptExtractor(["  "])


# ----------------------------------------------------------------- answers as people write them
@pytest.mark.parametrize(
    ("prompt", "answer", "concepts"),
    [
        ("Is there a car?", "The car is black.", ("black car",)),
        ("Describe this image.", "There is a black car.", ("black car",)),  # pre-nominal
        ("What colour is the car?", "it's red", ("red car",)),
        ("What colour is the car?", "It is red, next to a bus.", ("red car", "bus")),
        ("Is the traffic light red?", "the light is green", ("green traffic light",)),
        ("Describe this image.", "the light is green", ("green traffic light",)),
        ("Describe this image.", "A yellow light is on.", ("amber traffic light",)),
        ("Describe this image.", "The traffic light turned yellow.", ("amber traffic light",)),
        ("Describe this image.", "There is a car. It is black.", ("black car",)),
        ("Describe this image.", "There is a car which is white.", ("white car",)),
        ("Describe this image.", "The colour of the car is black.", ("black car",)),
        ("Describe this image.", "The car's colour is black.", ("black car",)),
        ("Describe this image.", "The bus on the left is yellow.", ("bus",)),  # no "yellow bus"
        ("Is it safe to drive?", "No, the traffic light is red.", ("red traffic light",)),
        # a shade before the colour; a pronoun's colour goes to the last concept that has it
        ("What colour is the car?", "The car is navy blue.", ("blue car",)),
        ("What colour is the traffic light?", "The light has just turned green.",
         ("green traffic light",)),
        ("What colour is the traffic light?", "The traffic light is illuminated red.",
         ("red traffic light",)),
        ("What colour is the car?", "A dark-colored SUV, most likely black.", ("black car",)),
        ("Is there a traffic light?", "Yes, a traffic light is above the intersection, and "
         "it is showing green.", ("green traffic light", "intersection")),
        # nothing to refine: a negated copula, two colours, a colour the vocabulary lacks
        ("Describe this image.", "The car is not black.", ("car",)),
        ("Describe this image.", "The car is black and white.", ("car",)),
        ("Describe this image.", "The car is purple.", ("car",)),
        # "light" alone is no concept without a colour
        ("Describe this image.", "Light rain is falling.", ("rain",)),
    ],
)
def test_colours_after_the_noun(extractor: ConceptExtractor, prompt: str, answer: str,
                                concepts: tuple) -> None:
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert found.concepts == concepts and found.denied == (), found


def test_post_nominal_colour_needs_the_coloured_concept_in_the_vocabulary() -> None:
    vocabulary = load_vocabulary("configs/vocabulary.yaml")
    with_bus = ConceptExtractor([*vocabulary, "yellow bus"])
    generic = with_bus.prompt("Describe this image.")
    found = with_bus.answer("The bus on the left is yellow.", generic)
    assert found.concepts == ("yellow bus",)
    assert any("yellow" in note for note in found.notes)
    # the green light falls back to the plain concept when no coloured one exists
    plain = ConceptExtractor([c for c in vocabulary if not c.endswith(" traffic light")])
    assert plain.answer("the light is green", generic).concepts == ("traffic light",)


@pytest.mark.parametrize(
    ("prompt", "answer", "concepts", "denied", "polarity"),
    [
        ("Is there a pedestrian?", "No, there is no pedestrian.", (), ("pedestrian",), "deny"),
        ("Any cyclists?", "I don't see any cyclists.", (), ("cyclist",), "deny"),
        ("Any cars?", "There are no cars, only trucks.", ("truck",), ("car",), None),
        ("Any cars?", "There are no cars but trucks.", ("truck",), ("car",), None),
        ("Any cars?", "There are no cars, just trucks.", ("truck",), ("car",), None),
        ("Is there a pedestrian?", "Yes, there is a pedestrian ahead.", ("pedestrian",), (),
         "affirm"),
        ("Is there a bus?", "No.", (), ("bus",), "deny"),
        ("Is there a bus?", "Not that I can see.", (), ("bus",), "deny"),
        ("Is there a bus?", "There aren't any.", (), ("bus",), "deny"),
        ("Is there a bus?", "Not a single bus.", (), ("bus",), "deny"),
        # "No," opens the answer: what was asked is denied, and what follows is asserted
        ("Is there a bus?", "No, trucks.", ("truck",), ("bus",), "deny"),
        ("Is there a bus?", "No, but there's a truck.", ("truck",), ("bus",), "deny"),
        # ... but a colour question's "no" says which colour the car has, not that no car
        # of the asked colour is anywhere
        ("Is the car red?", "No, it is a blue car.", ("blue car",), (), "deny"),
        # a question about a definite concept takes it as given: its "no" denies what is
        # asked of it, not the concept; an existential question's "no" denies the concept
        ("Is the pedestrian on the crosswalk?", "No.", (), (), "deny"),
        ("Does the bus have its doors open?", "Nope.", (), (), "deny"),
        ("Is the bus stopped?", "No, the truck is.", ("truck",), (), "deny"),
        # a no that goes on about the concept asked of takes it as there
        ("Is the bus moving?", "No, it's stopped.", ("bus",), (), "deny"),
        ("Is the pedestrian on the sidewalk?", "No, on the road.", ("road", "pedestrian"), (),
         "deny"),
        ("Is the bus moving?", "No, it isn't.", (), (), "deny"),
        # an exception after a negated kind denies the others, not the kind
        ("Describe the scene.", "No vehicles other than a single bus are visible.", ("bus",),
         (), "deny"),
        ("Describe the scene.", "There are no cars, except a taxi.", ("taxi",), (), None),
        ("Is there a car?", "No vehicles apart from a bus.", ("bus",), ("car",), "deny"),
        ("Is there a pedestrian on the crosswalk?", "No.", (), ("pedestrian",), "deny"),
        ("Is a pedestrian crossing?", "No.", (), ("pedestrian",), "deny"),
        # saying one cannot tell is neither a claim nor a denial, nor is what it covers
        ("Is there a bus?", "I'm not sure.", (), (), None),
        ("Is there a bus?", "I can't tell.", (), (), None),
        ("Is there a bus?", "Hard to say.", (), (), None),
        ("Is there a bus?", "No idea.", (), (), None),
        ("Is there a bus?", "Unknown.", (), (), None),
        ("Is there a bus?", "N/A", (), (), None),
        ("What colour is the car?", "No idea, maybe blue.", ("blue car",), (), None),
        # a "one" under a negator points back at what was asked
        ("Is there a stop sign?", "There isn't one, although there is a traffic light.",
         ("traffic light",), ("stop sign",), "deny"),
        # an existential question's no denies it, and another colour is asserted beside it
        ("Is there a white car?", "No, but there is a grey one.", ("silver car",),
         ("white car",), "deny"),
        ("Is the car red?", "No, blue.", ("blue car",), (), "deny"),
        # a bus stop is no bus; a reason after "because" is said
        ("Is there a pedestrian?", "Yes, near the bus stop.", ("pedestrian",), (), "affirm"),
        ("Is the light red?", "Hard to tell because of the glare.", ("glare",), (), None),
        # "there could be one" says yes; a bicycle rack is no bicycle
        ("Is there a pedestrian?", "There could be one behind the bus.", ("bus", "pedestrian"),
         (), "affirm"),
        ("Is there a bicycle?", "There is a bicycle rack, but no bicycles.", (), ("bicycle",),
         "deny"),
        # a place named for what it serves is none of it; a trade's shop is a shop; a snow
        # plough is a truck
        ("Is there a car?", "No, only a car wash on the corner.", (), ("car",), "deny"),
        ("Is there a dog?", "There's a dog park on the right, but no dogs in it.", (),
         ("dog",), "deny"),
        ("Is there a fire truck?", "No, though there is a fire station on the left.", (),
         ("fire truck",), "deny"),
        ("Are there any bicycles?", "Just a bike shop on the corner.", ("shop",), ("bicycle",),
         "deny"),
        ("Is it snowing?", "No, but there's a snow plough clearing the shoulder.", ("truck",),
         ("snow",), "deny"),
        ("Is there a stop sign?", "I'm not sure there is one.", (), (), None),
        ("Is there a stop sign?", "I can't tell whether there is a stop sign.", (), (), None),
        ("Is there a bus?", "It is unclear if a bus is there, but a truck is.", ("truck",), (),
         None),
        ("Is there a bus?", "Not sure, probably not.", (), ("bus",), "deny"),
        # a hedged opener is a hedged yes or no
        ("Is there a pedestrian?", "Possibly, near the crosswalk.",
         ("crosswalk", "pedestrian"), (), "affirm"),
        ("Is there a bus?", "Probably not.", (), ("bus",), "deny"),
        ("Is there a pedestrian?", "Absent.", (), ("pedestrian",), "deny"),
        ("Is there a pedestrian?", "Nowhere to be seen.", (), ("pedestrian",), "deny"),
        ("Is there a pedestrian?", "Missing.", (), ("pedestrian",), "deny"),
        # a colour or a state put first and negated after it
        ("Is the car black?", "Black it is not.", ("car",), ("black car",), "deny"),
        ("Is the road wet?", "Wet it isn't.", ("road",), ("wet road",), "deny"),
        # doubt denies
        ("Is there a bus?", "Unlikely.", (), ("bus",), "deny"),
        ("Is there a bus?", "I doubt it.", (), ("bus",), "deny"),
        # a yes granted to the listener and taken back is a no; a condition on the viewer's
        # looking supposes nothing of the frame
        ("Is there a pedestrian?", "You might think so, but it's a mannequin in a shop window.",
         ("shop",), ("pedestrian",), "deny"),
        ("Is the bus moving?", "You'd think so, but it's parked.", ("bus",), (), "deny"),
        ("Is there a stop sign?", "If you look right, you'll see it.", ("stop sign",), (), None),
        ("Is there a cyclist?", "If you zoom in, there's a cyclist by the tree.",
         ("cyclist", "tree"), (), None),
        ("Is there a bus?", "I doubt there is a bus here.", (), ("bus",), "deny"),
    ],
)
def test_negation_and_its_scope(extractor: ConceptExtractor, prompt: str, answer: str,
                                concepts: tuple, denied: tuple, polarity: str | None) -> None:
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert (found.concepts, found.denied, found.polarity) == (concepts, denied, polarity), found


@pytest.mark.parametrize(
    ("answer", "concepts", "denied"),
    [
        # a list keeps the negation going across commas and "or"
        ("I don't see any cars, trucks or buses.", (), ("car", "truck", "bus")),
        ("No cars or trucks are visible.", (), ("car", "truck")),
        ("There is no snow and rain.", (), ("snow", "rain")),
        # a new clause after "and" ends it
        ("There is no snow and the road is wet.", ("wet road",), ("snow",)),
        ("There is no snow and it is raining.", ("rain",), ("snow",)),
        # a preposition ends it: the crosswalk is there, the pedestrians are not
        ("There are no pedestrians on the crosswalk.", ("crosswalk",), ("pedestrian",)),
        ("Two cars and no buses.", ("car",), ("bus",)),
    ],
)
def test_negation_scope_is_the_clause(extractor: ConceptExtractor, answer: str,
                                      concepts: tuple, denied: tuple) -> None:
    found = extractor.answer(answer, extractor.prompt("Describe this image."))
    assert (found.concepts, found.denied) == (concepts, denied), found


@pytest.mark.parametrize(
    ("prompt", "answer", "concepts", "denied", "polarity"),
    [
        ("Describe this image.", "two pedestrians", ("pedestrian",), (), "affirm"),
        ("Describe this image.", "2 cars", ("car",), (), "affirm"),
        ("How many buses?", "three.", ("bus",), (), "affirm"),
        ("How many buses?", "There are three.", ("bus",), (), None),
        ("How many buses?", "zero", (), ("bus",), "deny"),
        ("How many buses?", "0.", (), ("bus",), "deny"),
        ("How many buses?", "none", (), ("bus",), "deny"),
        ("How many buses?", "There are none.", (), ("bus",), "deny"),
        ("How many buses?", "no buses", (), ("bus",), "deny"),
        ("How many buses?", "There are zero buses.", (), ("bus",), "deny"),
    ],
)
def test_counts(extractor: ConceptExtractor, prompt: str, answer: str, concepts: tuple,
                denied: tuple, polarity: str | None) -> None:
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert (found.concepts, found.denied, found.polarity) == (concepts, denied, polarity), found


def test_plurals_and_synonyms_reach_the_vocabulary(extractor: ConceptExtractor) -> None:
    found = extractor.answer(
        "I see cyclists, people, lorries, bikes, traffic lights and stoplights.",
        extractor.prompt("Describe this image."))
    assert found.concepts == ("cyclist", "pedestrian", "truck", "bicycle", "traffic light")
    assert [lemma(w) for w in ("lorries", "bikes", "stoplights", "cyclists", "houses",
                               "benches", "glasses")] == [
        "lorry", "bike", "stoplight", "cyclist", "house", "bench", "glass"]
    assert extractor.prompt("Is there a stop light on the pavement?").concepts == (
        "traffic light", "sidewalk")


def test_a_word_in_single_quotes_is_the_word(extractor: ConceptExtractor) -> None:
    """A detector's log quotes its labels: the opening quote is no clitic ("'s") to glue to
    the word, so 'scooter' names the scooter and the question's motorcycle is not inherited."""
    found = extractor.answer("Detections: none for 'motorcycle'; found 'scooter' (0.71).",
                             extractor.prompt("Is there a motorcycle?"))
    assert (found.concepts, found.denied) == (("scooter",), ("motorcycle",))
    found = extractor.answer("Found 'scooter'.", extractor.prompt("Is there a motorcycle?"))
    assert (found.concepts, found.denied) == (("scooter",), ())
    assert tokens("The car's lights; the cars' roofs.") == [
        "the", "car", "'s", "lights", ";", "the", "cars", "roofs", "."]


@pytest.mark.parametrize(("prompt", "answer", "concepts", "denied"), [
    # a colour or a state likened to something names only the colour or state
    ("Is the car black?", "Black as night.", ("black car",), ()),
    ("Describe the scene.", "The car is as white as snow.", ("white car",), ()),
    ("Describe the scene.", "A car as white as snow.", ("white car",), ()),
    ("Is the road wet?", "The road is as dry as a bone.", ("road",), ("wet road",)),
    ("Describe the scene.", "A black car, as night falls.", ("black car", "night"), ()),
])
def test_figures_of_speech_name_nothing(extractor: ConceptExtractor, prompt: str, answer: str,
                                        concepts: tuple, denied: tuple) -> None:
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert (set(found.concepts), set(found.denied)) == (set(concepts), set(denied))


@pytest.mark.parametrize(("answer", "concepts", "denied"), [
    # a clause that says nothing before the answer is no part of it
    ("From my perspective, nope.", (), ("bus",)),
    ("Here's what I found: No.", (), ("bus",)),
    ("Sadly, none.", (), ("bus",)),
    # before a hedge, "absent", a count or a colour too
    ("Upon review, absent.", (), ("bus",)),
    ("Upon review, possibly, near the crosswalk.", ("bus", "crosswalk"), ()),
    ("To the best of my knowledge, two.", ("bus",), ()),
    ("Upon review, neither, only cars.", ("car",), ("bus",)),
    # before a doubt, a supposition or a filler too; a place may follow an answer ("How fast?"
    # "Slowly, behind a bus."), and stays
    ("From my perspective, hard to tell.", (), ()),
    ("Sadly, if there were one, the truck would hide it.", ("truck",), ()),
    # one that names something stays, and so does a noun phrase
    ("At night, no.", ("night",), ()),
    ("On the left, there's a truck.", ("truck",), ()),
    ("The bus, as far as I can see, is red.", ("bus",), ()),
])
def test_an_idle_clause_before_the_answer(extractor: ConceptExtractor, answer: str,
                                          concepts: tuple, denied: tuple) -> None:
    found = extractor.answer(answer, extractor.prompt("Is there a bus?"))
    assert (set(found.concepts), set(found.denied)) == (set(concepts), set(denied))


@pytest.mark.parametrize(("prompt", "answer", "concepts", "denied"), [
    # a prompt that asks two questions is answered for each
    ("Is there a bus, and what colour is the light?", "No bus; the light is green.",
     ("green traffic light",), ("bus",)),
    ("Is the road wet? Is it night?", "Yes and no: wet, but it's daytime.", ("wet road",),
     ("night",)),
    ("Is the light red, and is anyone crossing?", "Red, and nobody is crossing.",
     ("red traffic light",), ("pedestrian",)),
    ("Are the headlights on, and is it foggy?", "Both yes.", ("headlights", "fog"), ()),
    ("How many lanes are there, and are there any cones?",
     "Q: How many lanes are there, and are there any cones?\nA: Three lanes; no cones.", (),
     ("traffic cone",)),
    ("Is there a bus, and is there a truck? A. Yes B. No", "B", (), ("bus", "truck")),
    # a place alone says where what was asked is
    ("Is there a taxi?", "On the right, behind the bus.", ("taxi", "bus"), ()),
    ("Is there a taxi?", "In the other lane, a truck.", ("truck",), ()),
    # the place asked about, said to be empty, is there with no one in it
    ("Is anyone on the crosswalk?", "It's empty.", ("crosswalk",), ("pedestrian",)),
    ("Is anyone on the crosswalk?", "No, it's empty.", ("crosswalk",), ("pedestrian",)),
    ("Is the crosswalk empty?", "It's empty.", ("crosswalk",), ()),
    # what an exception sets aside is there, and so is the place asked to be empty
    ("Is the road empty?", "Empty except for a cone in the middle lane.",
     ("road", "traffic cone"), ()),
    ("Is the sky clear?", "Clear save for a few clouds.", ("sky", "cloud"), ()),
    ("How many cars?", "Four, not counting the taxi.", ("car", "taxi"), ()),
    ("Is anyone on the sidewalk?", "Nobody, not counting the man at the bus stop.",
     ("pedestrian",), ()),
    ("Are all the cars silver?", "All except one, which is red.", ("silver car", "red car"), ()),
])
def test_questions_places_and_emptiness(extractor: ConceptExtractor, prompt: str, answer: str,
                                        concepts: tuple, denied: tuple) -> None:
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert (set(found.concepts), set(found.denied)) == (set(concepts), set(denied))


@pytest.mark.parametrize(("prompt", "answer", "concepts", "denied"), [
    # a statement about a definite thing with a tag asks what the question does
    ("The car is white, correct?", "Incorrect - it's silver.", ("silver car",), ()),
    ("The car is white, correct?", "Correct.", ("white car",), ()),
    ("In this frame, the car is white, correct?", "Incorrect - it's silver.", ("silver car",),
     ()),
    # agreeing with a negative statement says there is none
    ("No pedestrians, correct?", "Correct, none at all.", (), ("pedestrian",)),
    ("There's no truck, right?", "Right.", (), ("truck",)),
    ("There's no truck, right?", "No, there is one.", ("truck",), ()),
    # a bare yes to a negative question still may mean either
    ("Is there no bus?", "Yes.", (), ()),
])
def test_statements_asked_to_be_confirmed(extractor: ConceptExtractor, prompt: str, answer: str,
                                          concepts: tuple, denied: tuple) -> None:
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert (set(found.concepts), set(found.denied)) == (set(concepts), set(denied))


@pytest.mark.parametrize(("prompt", "answer", "concepts", "denied"), [
    ("Is there a truck?", "An artic is overtaking on the dual carriageway.", ("truck", "road"),
     ()),
    ("Is there a police car?", "A panda car is parked outside the shops.",
     ("police car", "shop"), ()),
    ("Describe the scene.", "A pelican crossing just ahead.", ("crosswalk",), ()),
    ("Is the road wet?", "Yeah nah, it's bone dry.", ("road",), ("wet road",)),
    ("Is there a bus?", "Nah yeah, one is coming.", ("bus",), ()),
    ("Is there a bus?", "Yeah, no problem.", ("bus",), ()),
])
def test_regional_words(extractor: ConceptExtractor, prompt: str, answer: str,
                        concepts: tuple, denied: tuple) -> None:
    """British and Australian names and answers: an artic is a lorry, a panda car a police
    car, a pelican crossing a crosswalk; "Yeah nah" is a no and "Nah yeah" a yes."""
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert (set(found.concepts), set(found.denied)) == (set(concepts), set(denied))


@pytest.mark.parametrize(("prompt", "answer", "concepts", "denied"), [
    ("Is the nearest car white?", "No, the nearest is silver; the white one is farther back.",
     ("silver car", "white car"), ()),
    ("Is the last traffic light green?", "Red; the others are green.",
     ("red traffic light", "green traffic light"), ()),
    ("What colour is the car?", "Red; the roof is white.", ("car",), ()),
    # "one" after a denied thing is another of its kind, which the denial does not reach
    ("Describe the scene.", "There's no red car; the parked one is blue.",
     ("blue car", "parked car"), ("red car",)),
    ("Describe the scene.", "Two cars: one is red, the other is silver.",
     ("red car", "silver car"), ()),
    ("What colour is the car?", "Red and white.", ("car",), ()),
])
def test_colours_of_several_in_clauses_of_their_own(extractor: ConceptExtractor, prompt: str,
                                                    answer: str, concepts: tuple,
                                                    denied: tuple) -> None:
    """Colours in clauses of their own, one of which points at one of several ("the white
    one", "the others"), are of several things, even to a question about one; one thing's
    two colours refine nothing."""
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert (set(found.concepts), set(found.denied)) == (set(concepts), set(denied))


@pytest.mark.parametrize(("prompt", "answer", "concepts", "denied"), [
    ("Is the road wet?", "Wet, with puddles by the curb.", ("wet road", "puddle", "curb"), ()),
    ("Is the road wet?", "Wet it is, with puddles.", ("wet road", "puddle"), ()),
    ("Is the road snowy?", "Snowy.", ("snowy road", "snow"), ()),
    ("Is the road snowy?", "Very snowy, with slush.", ("snowy road", "snow"), ()),
    ("Is the road wet?", "Wet sidewalks.", ("sidewalk",), ()),
    ("Is the road wet?", "Dry, with puddles by the curb.", ("road", "puddle", "curb"),
     ("wet road",)),
    # a negation after a colour put first negates it only where its clause ends there
    ("Is the car black?", "Black, it is not a taxi.", ("black car",), ("taxi",)),
])
def test_a_state_the_answer_opens_with(extractor: ConceptExtractor, prompt: str, answer: str,
                                       concepts: tuple, denied: tuple) -> None:
    """A state said first, before what else the answer names, is the asked concept's, as a
    colour said first is ("Silver, on the road."), unless the answer says it is not."""
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert (set(found.concepts), set(found.denied)) == (set(concepts), set(denied))


@pytest.mark.parametrize(("answer", "concepts", "denied"), [
    ("Nope. Over.", (), ("bus",)),
    ("Yes, over and out.", ("bus",), ()),
    ("No. Roger that.", (), ("bus",)),
    ("Copy that, no.", (), ("bus",)),
    ("No, the car is pulling over.", ("car",), ("bus",)),
])
def test_radio_words_around_the_answer(extractor: ConceptExtractor, answer: str,
                                       concepts: tuple, denied: tuple) -> None:
    """A radio's acknowledgment before the answer and sign-off after it say nothing; "over"
    in a sentence of the answer's own is no sign-off."""
    found = extractor.answer(answer, extractor.prompt("Is there a bus?"))
    assert (set(found.concepts), set(found.denied)) == (set(concepts), set(denied))


def test_the_light_a_scene_is_lit_by_is_no_traffic_light(extractor: ConceptExtractor) -> None:
    """"low light" is the light the frame was taken in: a note on it closes the answer and
    names no traffic light, even when the prompt asks about traffic lights."""
    prompt = extractor.prompt("Any traffic lights?")
    for answer in ("No! (Note: low light.)", "No. Low light conditions."):
        found = extractor.answer(answer, prompt)
        assert (found.concepts, found.denied) == ((), ("traffic light",)), answer
    found = extractor.answer("A red light, hard to see in low light.", prompt)
    assert found.concepts == ("red traffic light",)
    # after a yes said by "Of course." or "Certainly.", the note is no answer either
    for answer in ("Of course. (Note: low light.)", "Certainly. Note: low light."):
        found = extractor.answer(answer, prompt)
        assert (found.concepts, found.denied) == (("traffic light",), ()), answer


@pytest.mark.parametrize(("prompt", "answer", "concepts", "denied"), [
    ("Is there a bus?", "Of course not.", (), ("bus",)),
    ("Is there a bus?", "Of course not, only cars.", ("car",), ("bus",)),
    ("Is there a cyclist? A. Yes B. No", "B Let me know if I can help further.", (),
     ("cyclist",)),
    ("Is there a bus?", "No. Let me know if I can assist with anything else!", (), ("bus",)),
])
def test_short_answers_with_what_follows_them(extractor: ConceptExtractor, prompt: str,
                                             answer: str, concepts: tuple,
                                             denied: tuple) -> None:
    """"Of course not." is a no, and an offer of help after a letter or a no, with or without
    a stop between, says nothing."""
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert (set(found.concepts), set(found.denied)) == (set(concepts), set(denied))


def test_one_phrase_matcher_for_prompts_answers_and_heatmaps() -> None:
    from drivexplain.operators.verdicts.concepts import concepts_in_text
    from drivexplain.operators.vlm.hybrid import concepts_in_text as hybrid_concepts
    from drivexplain.pipeline.prompts import match_concepts

    vocabulary = load_vocabulary("configs/vocabulary.yaml")
    extractor = ConceptExtractor(vocabulary)
    for text in ("Is the red car near the pedestrians?", "There are no cars, only lorries.",
                 "carpool lane", "Are there people on the zebra crossing?"):
        expected = list(dict.fromkeys(m.concept for m in extractor.mentions(text)))
        assert concepts_in_text(text, vocabulary) == expected, text
        assert hybrid_concepts(text, vocabulary) == expected, text
        assert match_concepts(text, vocabulary) == expected, text
    # named and denied both count: they are all concepts the text is about, once each
    assert concepts_in_text("No cars, only trucks and a car.", vocabulary) == ["car", "truck"]
    assert concepts_in_text("a car", []) == []


@pytest.mark.parametrize(
    ("prompt", "answer", "concepts", "denied"),
    [
        ("Describe this image.", "The pedestrian is not visible.", (), ("pedestrian",)),
        ("Describe this image.", "The bus isn't there, but a truck is.", ("truck",), ("bus",)),
        ("Describe this image.", "Pedestrians cannot be seen.", (), ("pedestrian",)),
        ("Describe this image.", "The cyclist is missing.", (), ("cyclist",)),
        ("Is there a pedestrian?", "It is not visible.", (), ("pedestrian",)),
        # not a statement of absence: the car is somewhere
        ("Is there a car?", "The car is in the lane.", ("car",), ()),
    ],
)
def test_a_clause_can_deny_its_subject(extractor: ConceptExtractor, prompt: str, answer: str,
                                       concepts: tuple, denied: tuple) -> None:
    found = extractor.answer(answer, extractor.prompt(prompt))
    assert (found.concepts, found.denied) == (concepts, denied), found


def test_head_words_point_at_the_prompt(extractor: ConceptExtractor) -> None:
    sign = extractor.prompt("Is there a stop sign?")
    found = extractor.answer("Yes, the sign is on the right.", sign)
    assert found.concepts == ("stop sign",) and found.source == "inherited from the prompt"
    light = extractor.prompt("Is the traffic light red?")
    assert extractor.answer("No, I don't see the light.", light).denied == ("traffic light",)
    # a relative pronoun takes the colour to the concept just before it
    found = extractor.answer("There is a pedestrian near the car that is red.", sign)
    assert found.concepts == ("pedestrian", "red car")


def test_vague_heads_need_a_signal_colour(extractor: ConceptExtractor) -> None:
    generic = extractor.prompt("Describe this image.")
    assert extractor.answer("A blue light is flashing.", generic).concepts == ()
    assert extractor.answer("The light is bright.", generic).concepts == ()
    light = extractor.prompt("Is the traffic light red?")
    assert extractor.answer("Yes, the red light is on.", light).concepts == (
        "red traffic light",)
    # an adjective "light" is no reference to the prompt's traffic light
    assert extractor.answer("No, there is light rain.", light).concepts == ("rain",)
    # a possessive 's is no copula: the red belongs to what follows
    assert extractor.answer("The car's red door is open.", generic).concepts == ("car",)
    assert extractor.answer("The car's black.", generic).concepts == ("black car",)


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        # the verb: a pedestrian who is crossing (the demo's prompt, synthworld's captions)
        ("Is a pedestrian crossing in front of the car?", ("pedestrian", "car")),
        ("a pedestrian crossing in front", ("pedestrian",)),
        ("A pedestrian crossing the road.", ("pedestrian", "road")),
        ("Two pedestrians crossing.", ("pedestrian",)),
        # the noun: a crosswalk
        ("There is a pedestrian crossing ahead.", ("crosswalk",)),
        ("A car waits at the pedestrian crossing.", ("car", "crosswalk")),
        ("The pedestrian crossing is empty.", ("crosswalk",)),
        ("Pedestrian crossings on both corners.", ("crosswalk",)),
    ],
)
def test_pedestrian_crossing_is_a_crosswalk_only_as_a_noun(
        extractor: ConceptExtractor, text: str, concepts: tuple) -> None:
    assert tuple(m.concept for m in extractor.mentions(text)) == concepts


def test_list_and_table_values(extractor: ConceptExtractor) -> None:
    generic = extractor.prompt("Describe this image.")
    for text in ("- Car: yes\n- Bus: no", "| car | yes |\n| bus | no |",
                 "Car - present; bus - absent", "Cars: 3, buses: 0.",
                 "Visible: cars. Not visible: buses."):
        found = extractor.answer(text, generic)
        assert (found.concepts, found.denied) == (("car",), ("bus",)), text
    # a value only counts for a concept that opens its line: here "no" answers nothing
    found = extractor.answer("There is a car: no bus though.", generic)
    assert found.concepts == ("car",) and found.denied == ("bus",)
    assert extractor.answer("Car (black), truck (white).", generic).concepts == (
        "black car", "truck")


def test_colour_questions_and_colour_names(extractor: ConceptExtractor) -> None:
    red = extractor.prompt("Is the car red?")
    assert (red.concepts, extractor.answer("Yes, it is.", red).concepts) == (("car",),
                                                                              ("red car",))
    nope = extractor.answer("Nope.", red)
    assert (nope.concepts, nope.denied) == (("car",), ("red car",))
    assert extractor.answer("No, blue.", red).concepts == ("blue car",)
    # "is there" asks about presence, not colour: a no denies the red car itself
    assert extractor.answer("No.", extractor.prompt("Is there a car next to the red bus?")
                            ).denied == ("car",)
    generic = extractor.prompt("Describe this image.")
    assert extractor.answer("A grey SUV and an orange light.", generic).concepts == (
        "silver car", "amber traffic light")
    assert extractor.answer("A red-coloured sedan.", generic).concepts == ("red car",)
    assert extractor.answer("A red and white bus.", generic).concepts == ("bus",)


def test_a_no_denies_what_the_question_asks_about(extractor: ConceptExtractor) -> None:
    cones = extractor.prompt("Are there traffic cones or barriers on the road?")
    assert cones.concepts == ("traffic cone", "barrier", "road")
    found = extractor.answer("No.", cones)
    assert (found.concepts, found.denied) == ((), ("traffic cone", "barrier"))
    assert extractor.answer("Yes, a cone.", cones).concepts == ("traffic cone", "road")
    assert extractor.answer("Yes.", cones).concepts == ("road",)


def test_text_as_typed(extractor: ConceptExtractor) -> None:
    generic = extractor.prompt("Describe this image.")
    for text in ("I dont see any trucks", "No trucks \u2014 only a bus.", "Nobody; no trucks.",
                 "The road is clear of trucks."):
        assert "truck" in extractor.answer(text, generic).denied, text
    assert extractor.answer("No one is crossing.", generic).denied == ("pedestrian",)
    assert extractor.answer("Not a bus - a truck.", generic).concepts == ("truck",)


def test_riders_lights_where_cars_stop_and_glowing_colours(extractor: ConceptExtractor) -> None:
    generic = extractor.prompt("Describe this image.")
    assert extractor.answer("A man riding a bike.", generic).concepts == ("cyclist", "bicycle")
    assert extractor.answer("A man next to a bike.", generic).concepts == (
        "pedestrian", "bicycle")
    assert extractor.answer("Cars are stopped at the light.", generic).concepts == (
        "car", "traffic light")
    assert extractor.answer("The light is bright.", generic).concepts == ()
    assert extractor.answer("A traffic light glows red.", generic).concepts == (
        "red traffic light",)


@pytest.mark.parametrize(
    "prompt",
    ["Is the light red?", "Is the signal green?", "What colour is the light?",
     "Which colour is the light showing?", "Is the light green or red?",
     "What is the colour of the signal?"],
)
def test_a_light_whose_colour_is_asked_is_a_traffic_light(extractor: ConceptExtractor,
                                                          prompt: str) -> None:
    assert extractor.prompt(prompt).concepts == ("traffic light",)


def test_questions_about_a_lights_colour(extractor: ConceptExtractor) -> None:
    red = extractor.prompt("Is the light red?")
    assert extractor.answer("Yes.", red).concepts == ("red traffic light",)
    assert extractor.answer("No, it's green.", red).concepts == ("green traffic light",)
    assert extractor.answer("No.", red).denied == ("red traffic light",)
    # a shade or the weather is no light: nothing licenses the head
    for text, concepts in (("The car is light green.", ("green car",)),
                           ("Is there light rain?", ("rain",)), ("Is the light on?", ())):
        assert tuple(m.concept for m in extractor.mentions(text)) == concepts, text


def test_one_colour_by_several_names_refines_a_bare_answer(extractor: ConceptExtractor
                                                           ) -> None:
    car = extractor.prompt("What colour is the car ahead?")
    assert extractor.answer("Grey-ish, maybe silver.", car).concepts == ("silver car",)
    assert extractor.answer("Black or white.", car).concepts == ("car",)
    light = extractor.prompt("What color is the traffic light?")
    assert extractor.answer("Amber / yellow.", light).concepts == ("amber traffic light",)


def test_colour_as_a_possession_and_emphatic_answers(extractor: ConceptExtractor) -> None:
    car = extractor.prompt("What colour is the car ahead?")
    assert extractor.answer("The car in front has a red colour.", car).concepts == ("red car",)
    assert extractor.answer("The car has a white paint job.", car).concepts == ("white car",)
    # what a car has that is red is not the car
    assert extractor.answer("The car has a red light on.", car).concepts == (
        "car", "red traffic light")
    bus = extractor.prompt("Is there a bus?")
    assert extractor.answer("Absolutely.", bus).concepts == ("bus",)
    assert extractor.answer("Definitely not.", bus).denied == ("bus",)
    cyclists = extractor.prompt("Are there any cyclists?")
    assert extractor.answer("Yes, someone is riding a bike.", cyclists).concepts == (
        "cyclist", "bicycle")


def test_an_empty_road_denies_what_was_asked(extractor: ConceptExtractor) -> None:
    car = extractor.prompt("Is there a car?")
    for text in ("The road is empty.", "The road ahead is clear.",
                 "The street looks completely deserted."):
        found = extractor.answer(text, car)
        assert (found.denied, found.polarity) == (("car",), "deny"), text
    # the weather is no place on the road, and a yes keeps what it asserts
    assert extractor.answer("The sky is clear.", car).denied == ()
    assert extractor.answer("Yes, and the road is clear.", car).concepts == ("road", "car")
    pedestrians = extractor.prompt("Are there pedestrians?")
    assert extractor.answer("The crosswalk is completely empty.", pedestrians).denied == (
        "pedestrian",)


def test_the_vehicle_is_the_prompts_one_vehicle(extractor: ConceptExtractor) -> None:
    car = extractor.prompt("What colour is the car?")
    assert extractor.answer("The vehicle is blue.", car).concepts == ("blue car",)
    assert extractor.answer("No, the vehicle is moving.",
                            extractor.prompt("Is the red car parked?")).concepts == ("red car",)
    # two vehicles asked about, or none, or no definite article: the word stays itself
    for prompt, answer in (("Is there a car or a truck?", "The vehicle is blue."),
                           ("Is there a pedestrian?", "The vehicle is blue."),
                           ("What colour is the car?", "A vehicle is parked.")):
        assert extractor.answer(answer, extractor.prompt(prompt)).concepts == ("vehicle",)
    # a vehicle said to be another kind is that one, not the prompt's
    van = extractor.prompt("Is there a van?")
    bus = extractor.answer("No, the vehicle ahead is a bus.", van)
    assert (set(bus.concepts), bus.denied) == ({"vehicle", "bus"}, ("van",))
    assert extractor.answer("Yes, the vehicle on the left is a van.", van).concepts == ("van",)
    assert set(extractor.answer("The vehicle next to the bus is blue.", car).concepts) == {
        "blue car", "bus"}


def test_list_numbers_parts_comparisons_and_a_yes_to_a_colour(extractor: ConceptExtractor
                                                              ) -> None:
    bus = extractor.prompt("Is there a bus?")
    # a numbered list's marker counts nothing: the list names what it names
    listed = extractor.answer("1. A car\n2. A truck", bus)
    assert (listed.concepts, listed.polarity) == (("car", "truck"), None)
    assert extractor.answer("1) car 2) truck", bus).concepts == ("car", "truck")
    assert extractor.answer("2.", extractor.prompt("How many buses?")).concepts == ("bus",)
    car = extractor.prompt("What colour is the car on the right?")
    # a part's colour, or one compared against, is not the answer's
    assert extractor.answer("Red, with black tyres.", car).concepts == ("red car",)
    white = extractor.prompt("Is the car white?")
    assert extractor.answer("It looks more silver than white.", white).concepts == (
        "silver car",)
    # a yes asserts the colour asked about, beside what else it names
    assert set(extractor.answer("Yes, it's a yellow taxi.",
                                extractor.prompt("Is the car yellow?")).concepts) == {
        "yellow car", "taxi"}
    # "both" takes the colour of the lights it points back to
    lights = extractor.prompt("Are there any traffic lights?")
    assert set(extractor.answer("Yes, two traffic lights at the crossroads; both look green.",
                                lights).concepts) == {"green traffic light", "intersection"}
    generic = extractor.prompt("Describe the scene.")
    assert extractor.answer("A man crosses the avenue.", generic).concepts == (
        "pedestrian", "road")
    assert extractor.answer("There is construction ahead.", generic).concepts == (
        "construction zone",)


@pytest.mark.parametrize("answer", ["Answer: No.", "A: no", "**Answer:** No", "Short answer: no.",
                                    "Final answer: no bus."])
def test_a_label_before_the_answer_is_not_the_answer(extractor: ConceptExtractor,
                                                     answer: str) -> None:
    read = extractor.answer(answer, extractor.prompt("Is there a bus?"))
    assert (read.concepts, read.denied, read.polarity) == ((), ("bus",), "deny")


@pytest.mark.parametrize(
    ("answer", "concepts", "denied"),
    [
        # a negated list keeps its negation up to the predicate it shares
        ("No pedestrians, cyclists, or dogs are present.", (),
         ("pedestrian", "cyclist", "dog")),
        ("No pedestrians, and a bus is visible.", ("bus",), ("pedestrian",)),
        # "other" and a fronted exception deny no kind the answer has just named
        ("A red car is ahead. There are no other cars.", ("red car",), ()),
        ("A parked car is on the left and there are no moving vehicles.", ("parked car",), ()),
        ("There are no large trucks.", (), ()),
        ("I don't see any traffic signs.", (), ("road sign",)),
        ("Besides the bus, there are no other vehicles.", ("bus",), ()),
        ("Apart from the truck, no vehicles are visible.", ("truck",), ()),
        ("Apart from the truck, no pedestrians are visible.", ("truck",), ("pedestrian",)),
        ("Except for a van, there are no cars.", ("van",), ("car",)),
    ],
)
def test_negated_lists_other_and_exceptions(extractor: ConceptExtractor, answer: str,
                                            concepts: tuple[str, ...],
                                            denied: tuple[str, ...]) -> None:
    read = extractor.answer(answer, extractor.prompt("Describe the scene."))
    assert (read.concepts, read.denied) == (concepts, denied)


@pytest.mark.parametrize(("answer", "concepts"), [
    ("Navy.", ("blue car",)), ("A maroon sedan.", ("red car",)), ("Cream.", ("white car",)),
    ("Sky blue.", ("blue car",)), ("It looks greenish.", ("car",)),
])
def test_shades_are_their_colour_and_an_ish_colour_is_none(extractor: ConceptExtractor,
                                                          answer: str,
                                                          concepts: tuple[str, ...]) -> None:
    read = extractor.answer(answer, extractor.prompt("What colour is the car?"))
    assert read.concepts == concepts


def test_seeing_badly_is_not_seeing_nothing(extractor: ConceptExtractor) -> None:
    light = extractor.prompt("What colour is the traffic light?")
    read = extractor.answer("I cannot see the light clearly, but it seems red.", light)
    assert (read.concepts, read.denied) == (("red traffic light",), ())
    pedestrian = extractor.prompt("Is there a pedestrian?")
    assert extractor.answer("I can't see any pedestrians well.", pedestrian).denied == ()
    assert extractor.answer("I do not see any pedestrians.", pedestrian).denied == (
        "pedestrian",)
    # a pedestrian signal is a signal, not a pedestrian
    assert extractor.answer("The pedestrian signal is green.", light).concepts == (
        "green traffic light",)


def test_unsure_by_degree_questions_with_a_time_and_a_no_that_goes_on(
    extractor: ConceptExtractor
) -> None:
    pedestrian = extractor.prompt("Is there a pedestrian?")
    for answer in ("I'm not entirely sure, the image is too dark.", "I am not 100% sure."):
        read = extractor.answer(answer, pedestrian)
        assert (read.concepts, read.denied) == ((), ()), answer
    assert extractor.prompt("Is the light green for us?").concepts == ("traffic light",)
    assert extractor.answer("Not yet, it's red.", extractor.prompt(
        "Is the light green for us?")).concepts == ("red traffic light",)
    # a no about a given concept that says how it is instead takes it as there
    assert extractor.answer("No, dry.", extractor.prompt("Is the road wet?")).concepts == (
        "road",)
    assert set(extractor.answer("No, just standing at the curb.", extractor.prompt(
        "Is the pedestrian crossing?")).concepts) == {"pedestrian", "curb"}
    no_to_state = extractor.answer("No.", extractor.prompt("Is the road wet?"))
    assert (no_to_state.concepts, no_to_state.denied) == (("road",), ("wet road",))
    generic = extractor.prompt("Describe the scene.")
    assert set(extractor.answer("A coach pulls away from the kerb onto the carriageway.",
                                generic).concepts) == {"bus", "curb", "road"}


def test_more_vlm_synonyms(extractor: ConceptExtractor) -> None:
    generic = extractor.prompt("Describe the scene.")
    assert set(extractor.answer("A cop car is parked near the hydrant.", generic).concepts) == {
        "police car", "fire hydrant"}
    assert set(extractor.answer("A streetcar and two youngsters.", generic).concepts) == {
        "tram", "child"}
    # a log's shorthand
    assert set(extractor.answer("2 peds at the xing, moto on the left.", generic).concepts) == {
        "pedestrian", "crosswalk", "motorcycle"}
    assert set(extractor.answer("Veh ahead braking.", generic).concepts) == {"vehicle"}


def test_not_many_is_a_small_count(extractor: ConceptExtractor) -> None:
    read = extractor.answer("Not many, maybe two.", extractor.prompt("How many pedestrians?"))
    assert (read.concepts, read.denied) == (("pedestrian",), ())
    read = extractor.answer("Not a bus - a truck.", extractor.prompt("Is there a bus?"))
    assert (read.concepts, read.denied) == (("truck",), ("bus",))


def test_as_well_is_no_manner_of_seeing(extractor: ConceptExtractor) -> None:
    read = extractor.answer("There is no truck, and no bus as well.",
                            extractor.prompt("Describe the scene."))
    assert read.denied == ("truck", "bus")


# (prompt, answer, concepts named, concepts denied): readings of phrasings VLMs write
READINGS = [
    # a colour under a negator is denied, never asserted
    ("Is the car red?", "It is not red.", ("car",), ("red car",)),
    ("What colour is the car?", "It isn't red.", ("car",), ("red car",)),
    ("Is the light green?", "It is not green.", ("traffic light",), ("green traffic light",)),
    # with the colour it has, the answer says that colour, as "No, it's blue." does
    ("What colour is the car?", "Red, not blue.", ("red car",), ()),
    ("Is the car red?", "Not red, blue.", ("blue car",), ()),
    ("Is there a traffic light?", "I believe so, at the far end.", ("traffic light",), ()),
    ("Is there a truck?", "Unlikely, I only see cars.", ("car",), ("truck",)),
    ("How many traffic cones are on the road?", "Around six cones.",
     ("traffic cone", "road"), ()),
    # a kind of what was asked answers it; the broader word adds nothing to check
    ("Is there a bus?", "Yes, a school bus is stopped ahead.", ("school bus",), ()),
    ("Is there a car?", "Yes, a police car.", ("police car",), ()),
    # nobody on a bike is no cyclist, and names no bike
    ("Is there a cyclist?", "Nope, there's nobody on a bike.", (), ("cyclist",)),
    # a concept said plain and coloured keeps the coloured form, not neither
    ("Describe the scene.", "There is a black car, a sedan.", ("black car",), ()),
    ("What colour is the traffic light?",
     "The traffic light is currently displaying a red signal.", ("red traffic light",), ()),
    ("Describe the scene.", "A man can be seen riding a bicycle.", ("cyclist", "bicycle"),
     ()),
    ("Is there a bus?", "It is not possible to determine whether there is a bus.", (), ()),
    ("Is there a bus?", "The image does not give enough information to tell.", (), ()),
    ("Is there a truck?", "I am unable to see a truck.", (), ("truck",)),
    ("Is there a truck?", "The scene lacks any trucks.", (), ("truck",)),
    ("Is there a truck?", "Without a doubt.", ("truck",), ()),
    ("Is there a truck?", "No doubt there is a truck.", ("truck",), ()),
    # negations of want or of missing affirm
    ("Are there traffic lights?", "No shortage of them.", ("traffic light",), ()),
    ("Are there cars?", "No lack of cars.", ("car",), ()),
    ("Is the crosswalk empty?", "Not without people - two are crossing.",
     ("pedestrian", "crosswalk"), ()),
    ("Is there a cyclist?", "You can't miss him - he's in the bike lane.",
     ("bike lane", "cyclist"), ()),
    # yeses and nos said by an interjection or an idiom
    ("Is there a dog?", "Uh-huh, on a leash by the bench.", ("bench", "dog"), ()),
    ("Is there a stop sign?", "Mm-hmm.", ("stop sign",), ()),
    ("Is there a police car?", "Bingo - behind the van.", ("van", "police car"), ()),
    ("Is there a bus?", "Fat chance.", (), ("bus",)),
    ("Is there a truck?", "Not a chance; only cars.", ("car",), ("truck",)),
    ("Any cyclists?", "Zilch.", (), ("cyclist",)),
    ("Are there any buses?", "Nada.", (), ("bus",)),
    ("Is there a dog?", "Mm, no.", (), ("dog",)),  # "Mm," is a filler, "Mm-hmm" a yes
    ("Is there a bus?", "Looking at frame 12, nope.", (), ("bus",)),  # a frame's number
    ("Is there a crosswalk?", "There sure is, at the intersection.",
     ("intersection", "crosswalk"), ()),
    ("Is there a truck?", "I doubt it.", (), ("truck",)),
    ("Is there a truck?", "Highly improbable.", (), ("truck",)),
    ("Is the traffic light green?", "The light is not green.", ("traffic light",),
     ("green traffic light",)),
    ("Is the car red?", "No, the car is not red.", ("car",), ("red car",)),
    # a sign is seen; whether it is a stop sign cannot be told
    ("Is there a stop sign?", "I see a sign, but I cannot read it.", ("road sign",), ()),
    ("Is there a truck?", "I cannot identify any truck.", (), ("truck",)),
    # a colour before a noun is that noun's, even after a copula: the car is not white
    ("What is in front of the car?", "Directly in front of the car is a white box truck.",
     ("car", "truck"), ()),
    ("Is there a traffic light?", "Yes, there is a traffic light, and it is displaying green.",
     ("green traffic light",), ()),
    ("Is there a truck?", "It's possible; there is a large vehicle far ahead.",
     ("vehicle", "truck"), ()),
    ("Is there a truck?", "It is possible.", ("truck",), ()),
    ("Describe the scene.", "A lorry is overtaking a hatchback on the motorway.",
     ("truck", "car", "highway"), ()),
    # a colour on a concept with no coloured form goes to its head noun as well
    ("What colour is the parked car?", "The parked car is white.", ("parked car", "white car"),
     ()),
    ("Describe the scene.", "A red police car.", ("police car", "red car"), ()),
    ("Describe the scene.", "There is no white parked car.", (), ()),
    # a person cycling is a cyclist, with or without a bike named
    ("Is anyone cycling?", "No.", (), ("cyclist",)),
    ("Is there a cyclist?", "Nope, there's nobody cycling.", (), ("cyclist",)),
    ("Describe the scene.", "A man is biking in the rain.", ("cyclist", "rain"), ()),
    # asking whether a definite concept is visible asks whether it is there
    ("Is the bus visible?", "Nope.", (), ("bus",)),
    ("Is the traffic light visible?", "No, it is hidden behind the truck.", ("truck",),
     ("traffic light",)),
    # a reasoning model's thoughts and a code block's fences are no part of its answer
    ("Is there a pedestrian?", "<think>The image shows a road with cars.</think> No.", (),
     ("pedestrian",)),
    ("Is there a truck?", '```json\n{"present": false}\n```', (), ("truck",)),
    ("Is there a truck?", '{"visible": "yes"}', ("truck",), ()),
    # only a heading of presence denies the list after its colon
    ("Describe the scene.", "Nothing unusual: a few cars, no pedestrians.", ("car",),
     ("pedestrian",)),
    ("Describe the scene.", "Not visible: buses, trucks.", (), ("bus", "truck")),
    ("Is the car in front braking?", "Yes, its brake lights are on.", ("tail lights", "car"),
     ()),
    # a no about where, with one elsewhere, leaves the concept there
    ("Is there a car on the left?", "No, there's one on the right.", ("car",), ()),
    ("Is there a car on the left?", "Not on the left, but one is on the right.", ("car",), ()),
    ("Is there a pedestrian on the crosswalk?", "No, but there is one on the sidewalk.",
     ("sidewalk", "pedestrian"), ()),
    ("Is there a bus?", "No, I don't think there is one.", (), ("bus",)),
    ("Is there a bus?", "No, there is one truck.", ("truck",), ("bus",)),
    # a yes to alternatives asserts only the one it names, and a bare yes none
    ("Are there any cars or trucks?", "Yes, two cars.", ("car",), ()),
    ("Are there any cars or trucks?", "Yes.", (), ()),
    ("Are there any cars or trucks?", "No.", (), ("car", "truck")),
    ("Are there cars and trucks?", "Yes, two cars.", ("car", "truck"), ()),
    # after a no, what was asked is there elsewhere, or in another number
    ("Is there a stop sign on the right?", "No, it's on the left.", ("stop sign",), ()),
    ("How many cars are on the left?", "None on the left, but two on the right.", ("car",),
     ()),
    ("How many pedestrians are on the crosswalk?", "Zero; they are all on the sidewalk.",
     ("sidewalk", "pedestrian"), ()),
    ("Is there a bus ahead?",
     "There's no bus directly ahead, but there is one in the oncoming lane.", ("bus",), ()),
    ("Are there two buses?", "No, just one.", ("bus",), ()),
    ("Are there two buses?", "No, not one.", (), ("bus",)),
    ("Is there a bus?", "No, it isn't there.", (), ("bus",)),
    ("Is there a bus?", "No, it's a truck.", ("truck",), ("bus",)),
    ("Is there a bus?", "No, one is a truck and the other is a van.", ("truck", "van"),
     ("bus",)),
    ("Is there a traffic light?", "I don't see one in this frame; there is a stop sign.",
     ("stop sign",), ("traffic light",)),
    ("Is there a motorcycle?", "There might be one partially hidden behind the bus.",
     ("bus", "motorcycle"), ()),
    ("Is there a bus on the left?", "No, it is partially hidden behind the truck.",
     ("truck", "bus"), ()),
    # too dark to tell is a cannot-tell
    ("Is there a bus?", "It's too dark to tell.", (), ()),
    ("Is there a bus?", "Too far away to see.", (), ()),
    # a road user is no road
    ("Are there any vulnerable road users?", "No.", (), ()),
    # a kind the answer says is there is not denied with its class
    ("Describe the scene.",
     "Several trucks are in the right lane; the left lane is free of vehicles.", ("truck",),
     ()),
    ("Describe the scene.", "There are no vehicles, only a parked car.", ("parked car",), ()),
    ("Describe the scene.", "There is a car, but no red car.", ("car",), ("red car",)),
    # a question about what the driver may do asks about no concept
    ("Is it safe to proceed through the intersection?", "No.", (), ()),
    ("Should we stop at the crosswalk?", "No.", (), ()),
    ("Is it a bus?", "No.", (), ("bus",)),
    ("Do you see a bus?", "No.", (), ("bus",)),
    ("Are there two traffic lights?", "No, there is just one.", ("traffic light",), ()),
    ("Is there a stop sign at the intersection?",
     "Not at the intersection, but there's one further down the road.",
     ("intersection", "road", "stop sign"), ()),
    # several colours for several things: one of each; for one thing, none
    ("What colour are the cars?", "One is red and the other is blue.", ("red car", "blue car"),
     ()),
    ("What colour are the cars?", "Red or blue, hard to say.", (), ()),
    ("What colour is the car?", "Red and white.", ("car",), ()),
    # a no to how many there are denies the number, not the concept
    ("Are there more than 3 cars?", "No.", (), ()),
    ("Are there two buses?", "No.", (), ()),
    ("Is there at least one car?", "No.", (), ("car",)),
    ("Is there exactly one car?", "No, there are two.", ("car",), ()),
    ("How many pedestrians?", "No pedestrians, 0.", (), ("pedestrian",)),
    ("How many pedestrians?", "Nil.", (), ("pedestrian",)),
    ("What colour is the light?", "I can't make out the colour from here.", (), ()),
    ("Is the car red?", "It is not red in colour.", ("car",), ("red car",)),
    ("Is there a fire truck?", "I'm not entirely certain, but it looks like one.",
     ("fire truck",), ()),
    ("List what is present and absent.", "Present: car, bus\nAbsent: truck, bicycle",
     ("car", "bus"), ("truck", "bicycle")),
    ("Describe the scene.", "Road works ahead, with some pylons.", ("roadwork", "traffic cone"),
     ()),
    # formats other VLM families write (operators/verdicts/formats.py)
    ("Detect the trucks and output their boxes in JSON.", "[]", (), ("truck",)),
    ("Detect the buses.", "Detections: none.", (), ("bus",)),
    ("Detect the cars.", "Sure! ```json\n[]\n```", (), ("car",)),
    ("How many cars? Answer in JSON.", '{"count": 0}', (), ("car",)),
    ("What colour is the car in front?",
     "<ref>the car in front</ref><box>(300,310),(420,400)</box> is red.", ("red car",), ()),
    ("Describe the vehicles as JSON.",
     '{"vehicles": [{"type": "car", "color": "black"}, {"type": "truck"}]}',
     ("vehicle", "black car", "truck"), ()),
    ("Is there a traffic cone? (A) Yes (B) No", "(B) No", (), ("traffic cone",)),
    ("Which of these is in the image? A. bus B. bicycle C. stop sign", "C", ("stop sign",), ()),
    # after a reasoning chain, the final answer is the yes or no
    ("Are there any trucks on the road?",
     "Step 1: I look at the lanes. Step 2: I see only cars and a bus. Final answer: No.",
     ("car", "bus"), ("truck",)),
    ("Is there a pedestrian?", "Let me check. I see cars only. So the answer is no.", ("car",),
     ("pedestrian",)),
    # a rider is who rides the bicycle named before
    ("Is there a cyclist?", "There's a bicycle parked by the wall, but no one is riding it.",
     ("bicycle", "wall"), ("cyclist",)),
    ("What is on the pavement?", "A pushbike and a pedestrian.", ("bicycle", "pedestrian"), ()),
    # a lit lamp's colour is the traffic light's, as a light's is
    ("Is the traffic light green?", "The traffic light has its red lamp lit. Final answer: no.",
     ("red traffic light",), ()),
    # a place alone answers where a given concept is: it is there
    ("Is the pedestrian on the sidewalk or on the road?", "On the sidewalk.",
     ("sidewalk", "pedestrian"), ()),
    ("Is there a bus?", "ASSISTANT: No.", (), ("bus",)),
    # a no for want of seeing is a cannot-tell; a no that says none is seen denies
    ("Is there a pedestrian?", "No, it is too dark to see.", (), ()),
    ("Is there a pedestrian?", "No, too far away to make out.", (), ()),
    ("Is there a pedestrian?", "No, I can't see any.", (), ("pedestrian",)),
    # "a blue one" after a concept is that concept in blue
    ("Describe the scene.", "Two cars, a red one and a blue one.", ("red car", "blue car"), ()),
    ("Describe the scene.", "A red car and a white one.", ("red car", "white car"), ()),
    ("Is there a red car?", "No red car, only a blue one.", ("blue car",), ("red car",)),
    ("Describe the scene.", "A bus and a red one.", ("bus",), ()),  # no red bus to check
    # a pronoun opening the answer is the question's definite concept
    ("Is the truck parked?", "It appears to be parked at the curb, yes.", ("truck", "curb"), ()),
    ("What is the car on the right doing?", "It is turning right at the intersection.",
     ("intersection", "car"), ()),
    ("Is there a truck?", "It looks like a bus.", ("bus",), ()),
    ("Is the truck parked?", "It is not there.", (), ("truck",)),
    # a no that names kinds denies those kinds, not their class
    ("Do you see any emergency vehicles?", "No ambulances, fire trucks or police cars.", (),
     ("ambulance", "fire truck", "police car")),
    ("Is there a vehicle?", "No cars.", (), ("car",)),
    # a correction takes back what came before it: a class taken back is denied, a colour
    # replaced by another is one colour
    ("Is there a bus?", "Yes, there's a bus. Actually, looking again, it's a truck.",
     ("truck",), ("bus",)),
    ("What colour is the car?", "It's blue. Sorry, I meant black.", ("black car",), ()),
    ("Is the light red?", "It was red, but it just turned green.", ("green traffic light",),
     ()),
    # a yes taken back for another thing denies what it had said yes to; a state taken back
    # for another is one road
    ("Is there a cyclist?", "Yes - scratch that, it's a pedestrian.", ("pedestrian",),
     ("cyclist",)),
    ("Is there a dog?", "Yes... no, it's a fire hydrant.", ("fire hydrant",), ("dog",)),
    ("Is there a stop sign?", "No. Wait, yes, behind the tree.", ("tree", "stop sign"), ()),
    ("Is the road wet?", "It's dry. Correction: wet in the right lane.", ("wet road",), ()),
    ("Is there a bus?", "Yes. Wait, I'm not sure.", (), ()),  # taken back to nothing
    ("Describe the scene.", "A black car, sorry, dark blue.", ("blue car",), ()),
    # "only" a thing not asked about says none of what was asked is there
    ("Is anyone on the crosswalk?", "Only a dog.", ("dog",), ("pedestrian",)),
    # a part of the thing asked about after "only", or "half of it", is some of it; "its"
    # first is the thing asked about
    ("Is there a dog?", "Only a tail, wagging behind the hedge.", ("bush", "dog"), ()),
    ("Is the stop sign visible?", "Half of it, the rest is behind a tree.",
     ("tree", "stop sign"), ()),
    ("Is there a car ahead?", "Its tail lights are all I can make out.", ("tail lights", "car"),
     ()),
    ("Is there a car?", "Only a red one.", ("red car",), ()),
    ("Are there trucks or buses?", "Only trucks.", ("truck",), ("bus",)),  # not the other
    ("Is anyone crossing?", "Just a cyclist.", ("cyclist",), ()),  # a cyclist is someone
    # a yes that doubts the kind asserts only what it names
    ("Is there a motorcycle?", "Yes, a scooter, if that counts.", ("scooter",), ()),
    ("Is there a crosswalk?", "Yes, with a pedestrian island.", ("crosswalk",), ()),
    # the colour an answer to "What colour?" opens with is the asked concept's, whatever else
    # it goes on to name; one under a negator is not
    ("What colour is the car?", "Red, next to a blue truck.", ("truck", "red car"), ()),
    ("What colour is the car?", "I'd guess silver, but the glare makes it hard to tell.",
     ("glare", "silver car"), ()),
    ("What colour is the car?", "Not red, the red one is the truck.", ("truck",), ()),
    ("What colour is the car ahead?", "Blue-ish.", ("car",), ()),  # an -ish colour
    # a question whose first concept is where it looks asks about nothing the vocabulary has
    ("Find any animals on the road.", "No animals found.", (), ()),
    ("Is anything on the road?", "No.", (), ()),
    ("Are there cones on the road?", "No.", (), ("traffic cone",)),
    # daytime is no night
    ("Is it night?", "No, it is daytime.", (), ("night",)),
    # a participle after a comma gives its colour to the concept before the comma
    ("Describe only the traffic signals.", "One traffic light, showing green.",
     ("green traffic light",), ()),
    ("What is the traffic light doing?", "The traffic light is turning from green to amber.",
     ("amber traffic light",), ()),
    ("What colour is the car?", "Red and white.", ("car",), ()),  # two colours: none
    # "Are we in a tunnel?" asks about the tunnel, not what the driver may do
    ("Are we in a tunnel?", "No, we're on an open road.", ("road",), ("tunnel",)),
    ("Are we allowed to turn left at the intersection?", "No.", (), ()),
    # three-word compounds that name no concept; British and everyday names
    ("Is there a crosswalk?", "No zebra crossing, but there is a pedestrian crossing signal.",
     (), ("crosswalk",)),
    ("Where are we?", "In a car park next to a shopping centre.", ("parking lot",), ()),
    ("Is there a trash can?", "There's a bin next to the bench.", ("trash can", "bench"), ()),
    ("What is the speed limit?", "The sign says 30.", ("speed limit sign",), ()),
    # a table cell asking about presence takes the next cell as its value
    ("Is there a school bus?", "| Question | Answer |\n|---|---|\n| School bus present? | No |",
     (), ("school bus",)),
    ("Is there a bus?", "<answer>no</answer><reason>Only cars are visible.</reason>", ("car",),
     ("bus",)),
    # a question asks about what it negates; a bare yes or no to "Is there no bus?" may mean
    # either, one to "Isn't there a bus?" does not
    ("Isn't there a pedestrian on the left?", "No, there isn't.", (), ("pedestrian",)),
    ("Isn't there a bus?", "Yes.", ("bus",), ()),
    ("Is there no bus?", "Yes.", (), ()),
    ("Is there no bus?", "There is a bus, on the right.", ("bus",), ()),
    ("There's no truck, right?", "Actually, there is one behind the bus.", ("bus", "truck"), ()),
    ("No pedestrians?", "None.", (), ("pedestrian",)),
    # a concept after the question's verb is where it looks; one in a condition is supposed
    ("Who is crossing the road?", "No one.", (), ("pedestrian",)),
    ("Is something blocking the crosswalk?", "No.", (), ()),
    ("Is there a waiting bus?", "No.", (), ("bus",)),  # a participle before its noun
    # "Is the X a Y?" asks what the given X is: its no denies no Y elsewhere
    ("Is the closest vehicle a truck?", "No, it's a car.", ("car", "vehicle"), ()),
    ("Is the truck the only vehicle?", "No, there's also a bus.", ("bus", "truck"), ()),
    ("Is the nearest light red?", "The nearest one is green.", ("green traffic light",), ()),
    ("Is the light on the left red?", "No.", ("traffic light",), ("red traffic light",)),
    ("What is the weather?", "Heavy snowfall.", ("snow",), ()),
    # a concept opening its item and followed by a bare no is denied
    ("Are there pedestrians or cyclists?", "Pedestrians yes, cyclists no.", ("pedestrian",),
     ("cyclist",)),
    ("Describe the scene.", "A road without any markings and no traffic lights.", ("road",),
     ("lane marking", "traffic light")),
    ("What should we do if the light turns red?", "Stop at the line.", (), ()),
    ("Say yes if there is a truck, otherwise say no.", "I say no.", (), ("truck",)),
    ("Would a truck fit in that gap?", "Probably not.", (), ()),
    # a colour in the future is not the colour now
    ("Is the light going to turn green?", "It will turn green soon.", ("traffic light",), ()),
    # a place answering where a definite concept is says it is there
    ("Where is the stop sign?", "On the right, next to the tree.", ("tree", "stop sign"), ()),
    ("Where is the stop sign?", "There isn't one.", (), ("stop sign",)),
]


@pytest.mark.parametrize(("prompt", "answer", "concepts", "denied"), READINGS)
def test_reads_vlm_phrasings(extractor: ConceptExtractor, prompt: str, answer: str,
                             concepts: tuple[str, ...], denied: tuple[str, ...]) -> None:
    read = extractor.answer(answer, extractor.prompt(prompt))
    assert (read.concepts, read.denied) == (concepts, denied)


STATE_READINGS = [
    # a state after the noun folds like a colour, where the vocabulary has the concept in it
    ("Describe the scene.", "The road is slick with rain.", {"wet road", "rain"}, set()),
    ("Describe the scene.", "The street looks completely wet.", {"wet road"}, set()),
    ("Describe the scene.", "The road is covered in snow.", {"snowy road", "snow"}, set()),
    ("Describe the scene.", "A car is parked on the left.", {"parked car"}, set()),
    ("Describe the scene.", "No cars are parked on the street.", {"road"}, {"parked car"}),
    ("Describe the scene.", "A truck is parked at the curb.", {"truck", "curb"}, set()),
    ("Describe the scene.", "A damp street and a snow-covered sidewalk.",
     {"wet road", "sidewalk", "snow"}, set()),
    ("Describe the scene.", "A snow-covered road.", {"snowy road"}, set()),
    ("Describe the scene.", "The road is covered with a thin layer of snow.",
     {"snowy road", "snow"}, set()),
    ("Describe the scene.", "The road is covered in a layer of leaves.", {"road"}, set()),
    # a coloured concept in a state the vocabulary has only for its plain form says both
    ("Describe the scene.", "A silver car is parked on the right.", {"silver car", "parked car"},
     set()),
    ("Describe the scene.", "The white car is not parked.", {"white car"}, set()),
    # a negated state, or two, says none
    ("Describe the scene.", "The road is not wet.", {"road"}, set()),
    ("Describe the scene.", "The road is wet or snowy.", {"road", "snow"}, set()),
    # a yes/no question about a state: a no keeps the concept and denies the state
    ("Is the road wet?", "Yes.", {"wet road"}, set()),
    ("Is the road wet?", "Nah.", {"road"}, {"wet road"}),
    ("Is the road wet?", "It's wet.", {"wet road"}, set()),
    ("Is the road snowy?", "Yes, it's covered.", {"snowy road"}, set()),
    ("Is the road covered in snow?", "Yeah.", {"snowy road"}, set()),
    ("Is the car parked?", "No, it's moving.", {"car"}, {"parked car"}),
    ("Is the truck parked?", "Yes.", {"truck"}, set()),
    ("Does the road look wet?", "No, it doesn't look like it.", {"road"}, {"wet road"}),
    ("Does the road seem to be covered in snow?", "Yes.", {"snowy road"}, set()),
    ("Is the road surface wet?", "Yes.", {"wet road"}, set()),
    # a frame's condition after a preposition is what is asked, not where
    ("Was this taken at night?", "No, it doesn't look like it.", set(), {"night"}),
    ("Are there pedestrians in the rain?", "No.", set(), {"pedestrian"}),
    # a bare state refines what was asked about
    ("Are the roads icy?", "No, just wet.", {"wet road"}, set()),
    ("What is the road like?", "Wet.", {"wet road"}, set()),
]


@pytest.mark.parametrize(("answer", "concepts", "denied"), [
    ("Yes.", set(), {"night"}),
    ("Yes, mid-afternoon.", set(), {"night"}),
    ("Nope, it's dark out.", {"night"}, set()),
    ("No, it's night.", {"night"}, set()),
    ("It's daytime.", set(), {"night"}),
])
def test_a_question_about_the_opposite_swaps_its_yes_and_no(
        extractor: ConceptExtractor, answer: str, concepts: set[str], denied: set[str]) -> None:
    prompt = extractor.prompt("Is it daytime?")
    assert (prompt.concepts, prompt.denied) == ((), ("night",))
    read = extractor.answer(answer, prompt)
    assert (set(read.concepts), set(read.denied)) == (concepts, denied)
    # a negated question stays one: its bare yes may mean either
    nobody = extractor.answer("Yes.", extractor.prompt("Is no one crossing?"))
    assert (nobody.concepts, nobody.denied) == ((), ())


TERSE_READINGS = [
    ("Describe the scene.", "Bus no longer visible.", set(), {"bus"}),
    ("Describe the scene.", "Truck ahead; pedestrians not visible.", {"truck"}, {"pedestrian"}),
    ("Any cyclists?", "Cyclist not detected.", set(), {"cyclist"}),
    ("Is there a bus?", "Bus no longer in view.", set(), {"bus"}),
    ("Describe the scene.", "Truck missing from its usual spot.", set(), {"truck"}),
    # "not" after a concept that says something else denies nothing
    ("Describe the scene.", "A car, not far ahead.", {"car"}, set()),
    ("Describe the scene.", "A bus not moving.", {"bus"}, set()),
    # "still" asks whether it is there
    ("Is the bus still there?", "No longer visible.", set(), {"bus"}),
    # an absence said as a noun
    ("Describe the scene.", "The absence of pedestrians suggests an early morning.", set(),
     {"pedestrian"}),
]


WEATHER_READINGS = [
    ("What is the weather?", "A steady drizzle.", {"rain"}, set()),
    ("Describe the scene.", "Heavy downpour at night.", {"rain", "night"}, set()),
    # a day, an afternoon or noon is daytime: not night
    ("Describe the scene.", "A snowy street during the day.", {"snowy road", "snow"},
     {"night"}),
    ("What time of day is it?", "Around noon.", set(), {"night"}),
    ("Is it a rainy day?", "Yes.", {"rain"}, {"night"}),
    ("Is it a rainy day?", "Yes, it's raining steadily.", {"rain"}, {"night"}),
    ("Is it day or night?", "Night.", {"night"}, set()),
]

# Structured answers: check marks and crosses, a table row's later cells, JSON objects
# described under their label.
STRUCTURED_READINGS = [
    # a label before the answer, and a key around an entry's concept
    ("Is there a bus?", "Verdict: absent.", set(), {"bus"}),
    ("Is there a dog?", "Verdict \u2014 no.", set(), {"dog"}),
    ("Is there a cyclist?", "Presence of cyclists: none.", set(), {"cyclist"}),
    ("Is there a cyclist?", "Cyclist presence: absent.", set(), {"cyclist"}),
    ("Describe the scene.", "The light (currently red) is above the intersection.",
     {"red traffic light", "intersection"}, set()),
    # a hedged colour is read as the colour, as "..., possibly black" is
    ("Describe the scene.", "Traffic light (probably green)", {"green traffic light"}, set()),
    ("Which of car, bus, truck are visible?", "car \u2705\nbus \u274c\ntruck \u2714",
     {"car", "truck"}, {"bus"}),
    ("Is there a truck?", "\u274c", set(), {"truck"}),
    ("Tabulate the road users.", "| Type | Count | Colour |\n|---|---|---|\n| Car | 2 | white |"
     "\n| Bus | 1 | yellow |", {"white car", "bus"}, set()),
    ("Which objects are present?", "| car | no | red |", set(), {"car"}),
    ("Report the traffic light as JSON.", '{"traffic_light": {"visible": true, "colour": '
     '"red"}}', {"red traffic light"}, set()),
    ("Report as JSON.", '{"bus": {"visible": false}, "car": {"colour": "black"}}',
     {"black car"}, {"bus"}),
    # a decimal is one number: the 0 of "41.0" is no "zero"
    ("Point to the cones.", "x=41.0 traffic cones", {"traffic cone"}, set()),
]

# A question that asks something of a definite subject takes it as there, and so does an
# answer that says it; the setting after a preposition, "why" and "how" (often the ego
# vehicle) and colour questions do not.
SUBJECT_READINGS = [
    # what was asked given by ellipsis to another of the things asked about
    ("Is the car on the left red?", "No, the one on the right is.", {"car", "red car"}, set()),
    ("Is the nearest light green?", "No, the far one is.",
     {"traffic light", "green traffic light"}, set()),
    ("Is the parked car red?", "No, the moving one is.", {"parked car", "red car"}, set()),
    ("Is the pedestrian on the left crossing?", "No, the one on the right is.",
     {"pedestrian"}, set()),
    ("Is the car on the left red?", "No, the one on the right isn't either.", {"car"},
     {"red car"}),
    # a question word asking something of a given thing: a no denies only what is asked,
    # unless it says the thing is not there, and one that goes on to say something of the
    # thing has it
    ("How fast is the car going?", "It's not moving.", set(), set()),
    ("How far away is the truck?", "Not far.", set(), set()),
    ("How fast is the tram going?", "It isn't; it's stopped.", {"tram"}, set()),
    ("Where is the taxi parked?", "It isn't parked; it's waiting at the light.",
     {"taxi", "traffic light"}, set()),
    ("How fast is the cyclist going?", "There's no cyclist in the image.", set(),
     {"cyclist"}),
    ("What is the cyclist doing?", "There isn't one; you may mean the motorcyclist.",
     {"motorcycle"}, {"cyclist"}),
    ("What is the traffic signal ahead?", "None.", set(), {"traffic light"}),
    ("Which lane is the cyclist in?", "Lane 1, the bike lane.", {"cyclist", "bike lane"}, set()),
    ("What is the cyclist doing?", "Riding in the bike lane.", {"cyclist", "bike lane"}, set()),
    ("What is the cyclist doing?", "There is no cyclist.", set(), {"cyclist"}),
    ("What is in front of the car?", "A bus.", {"bus"}, set()),
    ("Why is the car slowing down?", "Because the light is red.", {"red traffic light"},
     set()),
    ("How fast is the car going?", "Slowly, behind a bus.", {"bus"}, set()),
    ("What colour is the car?", "Red, next to a blue truck.", {"red car", "truck"}, set()),
]

# Reasoning written out: a bare yes or no that ends it, a likeness a negation reaches through,
# a colour given as a label, thoughts as Ollama prints them, a belief then corrected.
REASONING_READINGS = [
    # a conclusion said as a sentence of its own after a word that concludes
    ("Is there a pedestrian?", "Crosswalk empty, sidewalks empty. Therefore no.",
     {"crosswalk", "sidewalk"}, {"pedestrian"}),
    ("Is there a bus?", "Stop empty, lane empty. Verdict: no.", set(), {"bus"}),
    ("Is there a pedestrian?", "Looking... none.", set(), {"pedestrian"}),
    ("Is there a pedestrian?", "Initially no, but then one appears from behind the van.",
     {"pedestrian", "van"}, set()),
    ("Is there a cyclist?", "Nobody on two wheels.", set(), {"cyclist"}),
    ("Is there a bicycle?", "It is a motorcycle. No.", {"motorcycle"}, {"bicycle"}),
    ("Is there a bus?", "I looked at both lanes. Yes.", {"bus"}, set()),
    ("Is there a pedestrian?", "I'll answer with yes or no. No.", set(), {"pedestrian"}),
    ("Is there a bus?", "Nothing with the shape of a bus.", set(), {"bus"}),
    ("Describe the scene.", "No cars on the road.", {"road"}, {"car"}),
    ("Is the light red?", "Step 1: find the traffic light. Step 2: its colour: red. Answer: yes.",
     {"red traffic light"}, set()),
    ("Is there a truck?", "Thinking...\nThe large vehicle has a cargo box.\n...done thinking.\n\n"
     "Yes, a truck.", {"truck"}, set()),
    ("Is there a bus?", "Initially I thought it was a truck, but it is a bus.", {"bus"},
     {"truck"}),
    ("Is there a bus?", "I first thought it was a bus, but no.", set(), {"bus"}),
]
# What a condition or a restated question names is supposed, not said; what follows answers.
SUPPOSED_READINGS = [
    # a condition after the clause it conditions says no yes, and a thing named with "the" in a
    # clause of what "a" thing would be is there
    ("Is there a bus?", "A bus would be hidden behind the truck if there were one.", {"truck"},
     set()),
    ("Is there a bus?", "I'd stop if there were one, but there isn't.", set(), {"bus"}),
    ("Is there a bus?", "If there were a bus, it would be in the left lane.", set(), set()),
    ("Is there a pedestrian?", "If there were a pedestrian, I'd stop. There isn't one.", set(),
     {"pedestrian"}),
    ("Is there a truck?", "Had there been a truck, we would see it. No.", set(), {"truck"}),
    ("Is the light green?", "Were the light green, we could go. It is red.",
     {"red traffic light"}, set()),
    ("Is there a car?", "There's a bus, unless that is a truck.", {"bus"}, set()),
    ("Is there a stop sign?", "You asked about a stop sign: I can't find one.", set(),
     {"stop sign"}),
    ("Is there a cyclist?", "Regarding your question about a cyclist: yes, on the right.",
     {"cyclist"}, set()),
    ("Is there a bus?", "Were there buses? Yes, two.", {"bus"}, set()),
    ("Is there a crosswalk?", "Yes; slow down in case someone steps out.", {"crosswalk"}, set()),
]
# A subject that has left the frame is not there; "on the left" and "left of" are places.
DEPARTED_READINGS = [
    ("Is there a bus?", "The bus has just left the frame.", set(), {"bus"}),
    ("Is there a truck?", "The truck has left.", set(), {"truck"}),
    ("Are there any cars?", "The cars have all driven off.", set(), {"car"}),
    ("Is there a pedestrian?", "The pedestrian walked away.", set(), {"pedestrian"}),
    ("Is there a cyclist?", "The cyclist has disappeared from view.", set(), {"cyclist"}),
    # "left" or "gone" with no auxiliary, after a pronoun, "and" or only adverbs, with the
    # clause's end or a time gone by after it; more verbs of going off; "he" and "she"
    ("Is there a van?", "It left a second ago.", set(), {"van"}),
    ("Is there a van?", "Just left.", set(), {"van"}),
    ("Is there a van?", "Already gone.", set(), {"van"}),
    ("Is there a van?", "It raced off.", set(), {"van"}),
    ("Is there a pedestrian?", "He's long gone.", set(), {"pedestrian"}),
    ("Is there a pedestrian?", "They crossed and left.", set(), {"pedestrian"}),
    ("Is there a van?", "Gone round the bend.", set(), {"van"}),
    ("Is the van moving?", "It left the curb and is in our lane.", {"van", "curb"}, set()),
    ("Is there a van?", "Left of the truck, yes.", {"van", "truck"}, set()),
    ("Is there a bus?", "The bus is on the left.", {"bus"}, set()),
    ("Is there a bus?", "A bus is parked left of the truck.", {"bus", "truck"}, set()),
    ("Is there a bus?", "Yes, the bus is leaving the frame.", {"bus"}, set()),
    ("Is there a pedestrian?", "Not yet, but one is waiting at the curb.",
     {"pedestrian", "curb"}, set()),
    ("Is there a pedestrian?", "Not really.", set(), {"pedestrian"}),
    # a side of a thing after a preposition is a possessive, not a departure
    ("Is there a traffic light?", "Yes, the red light on the bus's left.",
     {"red traffic light", "bus"}, set()),
    ("Is there a bus?", "The bus's left.", set(), {"bus"}),
    ("Describe the scene.", "The taxi's roof sign is lit.", {"taxi"}, set()),
]
# "The former" and "the latter" pick one of the last two things named, or of the question's
# alternatives; "one ... the other" gives each of a kind its own colour; a place "behind it" is
# by the thing the question placed its subject by.
REFERRING_READINGS = [
    ("Describe the scene.", "There's a car and a truck; the former is red.", {"red car", "truck"},
     set()),
    ("Describe the scene.", "A bus and a car; the latter is blue.", {"bus", "blue car"}, set()),
    ("Is there a pedestrian or a cyclist?", "The former, not the latter.", {"pedestrian"},
     {"cyclist"}),
    ("Is there a bus or a truck?", "The latter.", {"truck"}, set()),
    ("Describe the scene.", "The latter is red.", set(), set()),
    ("What colour are the cars?", "Two cars: one is red, the other is silver.",
     {"red car", "silver car"}, set()),
    ("What colour is the car on the left?", "The one on the left is red.", {"red car"}, set()),
    ("Describe the scene.", "One car is blue.", {"blue car"}, set()),
    ("Is the cyclist behind the van?", "No, in front of it.", {"cyclist", "van"}, set()),
    ("Is there a cone in front of the car?", "No, but there's one behind it.",
     {"traffic cone", "car"}, set()),
    ("Is there a cone in front of the car?", "No.", set(), {"traffic cone"}),
]
# The ego vehicle, where the camera rides, is not in the frame: naming it names no car there.
EGO_READINGS = [
    ("Describe the scene.", "The photo is taken from inside the vehicle, and a truck is ahead.",
     {"truck"}, set()),
    ("Describe the scene.", "A man stepped out from inside a car.", {"pedestrian", "car"},
     set()),
    ("Is it raining?", "Yes, and the wipers are on.", {"rain", "windshield wiper"}, set()),
    ("What is in front of us?", "Our car is right behind a bus.", {"bus"}, set()),
    ("Is there a car ahead?", "No car is ahead of my car.", set(), {"car"}),
    ("Describe the scene.", "The ego vehicle waits at a red light.", {"red traffic light"},
     set()),
    ("Is there a car?", "Besides our own car, there is a red car.", {"red car"}, set()),
    ("What is on the hood?", "The hood of the car is covered in snow.",
     {"hood of the car", "snow"}, set()),
    ("Describe the scene.", "The hood of our car is visible at the bottom.",
     {"hood of the car"}, set()),  # the ego car's own part is in the frame
    ("Is the light green?", "Our light is green.", {"green traffic light"}, set()),
]
# A likeness of a thing is not the thing: what a poster, a symbol or a reflection shows is not in
# the scene, nor what a smudge looks like, and "This is a picture of ..." is the frame itself; a
# prohibition sign's "no" denies nothing.
DEPICTED_READINGS = [
    ("Is there a truck?", "A truck-sized van.", {"van"}, set()),
    ("Is there a bus?", "A bus-sized vehicle.", {"bus", "vehicle"}, set()),
    ("Is there a bus?", "There's a billboard with a picture of a bus on it.", {"billboard"},
     set()),
    ("Describe the scene.", "A poster of a cyclist hangs on the wall.", {"wall"}, set()),
    ("Is there a bicycle?", "A bicycle symbol is painted on the bike lane.", {"bike lane"}, set()),
    ("Is there a truck?", "There's a toy truck on the sidewalk.", {"sidewalk"}, set()),
    ("Is there a pedestrian?", "Only a pedestrian-shaped shadow on the sidewalk.",
     {"shadow", "sidewalk"}, {"pedestrian"}),
    ("Is there a bus?", "Not a real one - a bus painted on a mural.", set(), {"bus"}),
    ("Is there a bus?", "A bus painted on the wall.", {"wall"}, set()),
    # what is painted on the road is a marking there
    ("Describe the scene.", "A crosswalk painted on the road.", {"crosswalk", "road"}, set()),
    ("Is the car red?", "Yes, a car painted red.", {"red car"}, set()),
    ("Is there a child?", "A small figure, child-sized, holding an adult's hand.",
     {"child", "pedestrian"}, set()),
    ("Is there a traffic light?", "A traffic light's reflection is in the puddle.", {"puddle"},
     set()),
    ("Describe the scene.", "This is a picture of a road with a bus.", {"road", "bus"}, set()),
    ("Describe the scene.", "The image shows a picture of a car.", {"car"}, set()),
    ("Is there a car?", "Yes, a car, and its reflection on the wet road.", {"car", "wet road"},
     set()),
    ("Is there a pedestrian?", "A smudge on the lens that looks like a pedestrian, but no person.",
     set(), {"pedestrian"}),
    ("Is there a pedestrian?", "Something that looks like a pedestrian.", {"pedestrian"}, set()),
    ("Is there a truck?", "The vehicle ahead looks like a truck.", {"truck"}, set()),
    ("May I turn left?", "No, there is a no-left-turn sign.", {"road sign"}, set()),
    # a short answer that names only a thing outside the vocabulary says nothing of what was
    # asked, and with "only" that it is not there; one that names it in other words or in
    # part still does
    ("Is there a bus?", "A kiosk.", set(), set()),
    ("Is there a bus?", "Only a kiosk.", set(), {"bus"}),
    ("Is there a dog?", "A fox, crossing.", set(), set()),
    ("Is there a truck?", "Just a truck-sized gap in the traffic.", set(), {"truck"}),
    ("Is there a bus?", "A big one.", {"bus"}, set()),
    ("Is there a bus?", "A trolleybus.", {"bus"}, set()),
    ("Is there a police car?", "A police Volvo estate, lights off.", {"police car"}, set()),
    ("Is it foggy?", "A light mist.", {"fog"}, set()),
    ("Is there a motorcycle?", "A quad bike.", set(), set()),
    # a thing named only as another's owner and denied after it is not there
    ("Is there a dog?", "A dog's leash trails from the bench, but no dog.", {"bench"}, {"dog"}),
    ("Is there a bus?", "The bus's doors are open.", {"bus"}, set()),
    # what was asked placed only in a likeness is not there
    ("Is there a car?", "Only on the billboard.", {"billboard"}, {"car"}),
    ("Is there a car?", "Just in an advert on the bus.", {"bus"}, {"car"}),
    ("Is there a car?", "Only in the left lane.", {"car"}, set()),
]
# Hidden in part is there; out of view is not; a truck's cab is no taxi.
OCCLUDED_READINGS = [
    # a glimpse or an outline of what was asked is it, seen; so is what was seen briefly
    ("Is there a cyclist?", "Just a glimpse.", {"cyclist"}, set()),
    ("Is there a cyclist?", "Caught a glimpse behind the van.", {"cyclist", "van"}, set()),
    ("Is there a pedestrian?", "A silhouette at the far end.", {"pedestrian"}, set()),
    ("Is there a car?", "Briefly, through the gap in the trucks.", {"car", "truck"}, set()),
    ("Is there a pedestrian?", "Briefly, no.", set(), {"pedestrian"}),
    ("Is there a pedestrian?", "A glimpse of a dog.", {"dog"}, set()),
    ("Is there a pedestrian?", "No glimpse of one.", set(), {"pedestrian"}),
    # what was asked, left out as the subject, doing something or seen in part
    ("Is there a car?", "Stopped at the light.", {"car", "traffic light"}, set()),
    ("Is there a car?", "Mostly hidden by the bus.", {"car", "bus"}, set()),
    ("Is there a car?", "Partly, behind the truck.", {"car", "truck"}, set()),
    ("Is there a dog?", "Tied to a lamp post.", {"dog", "street lamp"}, set()),
    ("Is there a pedestrian?", "Just stepped off the curb.", {"pedestrian", "curb"}, set()),
    ("Is there a bus?", "Just parked cars.", {"parked car"}, {"bus"}),
    ("Is there a stop sign?", "The stop sign is hidden from view by the van.", {"van"},
     {"stop sign"}),
    ("Is there a bus?", "The bus is out of the frame.", set(), {"bus"}),
    ("Is there a bus?", "The bus is partly hidden from view.", {"bus"}, set()),
    ("Is there a bus?", "The bus is out of the way.", {"bus"}, set()),
    ("Is there a car?", "The car will be out of view soon.", {"car"}, set()),
    ("Is there a truck?", "The truck is occluded, but its cab is visible.", {"truck"}, set()),
    ("Is there a taxi?", "A cab is waiting.", {"taxi"}, set()),
]
# A generalisation, an expectation, a purpose or a warning about whoever may come names no one
# in the frame; "the cyclist" is one there.
GENERIC_READINGS = [
    ("Are there pedestrians?", "Pedestrians usually cross here, but I don't see any today.",
     set(), {"pedestrian"}),
    ("Is there a bus?", "This lane is reserved for buses, but none is in it now.", set(),
     {"bus"}),
    ("Is there a truck?", "Trucks typically use the right lane; one is there now.", {"truck"},
     set()),
    ("Describe the scene.", "A street where cars are normally parked.", {"road"}, set()),
    ("Is there a bicycle?", "Bicycles are common here, but there are none in this frame.", set(),
     {"bicycle"}),
    ("Is there a cyclist?", "The bike lane is meant for cyclists; a cyclist is riding in it.",
     {"bike lane", "cyclist"}, set()),
    # who a place is used by is its purpose; "used by a man" says one is there
    ("Is anyone crossing?", "The sidewalk is used by pedestrians.", {"sidewalk"}, set()),
    ("Is anyone crossing?", "The crosswalk is being used by a man walking his dog.",
     {"crosswalk", "pedestrian", "dog"}, set()),
    # what a sign or a light means is no report of who is there
    ("Is the light red?", "Yes, it is red, meaning that cars must stop.", {"red traffic light"},
     set()),
    ("Describe the scene.", "A stop sign, indicating that vehicles must stop; a truck waits.",
     {"stop sign", "truck"}, set()),
    ("Is there a pedestrian?", "No, but always watch out for pedestrians.", set(), {"pedestrian"}),
    ("Is it safe to go?", "Yes, but be ready to stop for pedestrians.", set(), set()),
    ("Is there a cyclist?", "Watch out for the cyclist on your right!", {"cyclist"}, set()),
    ("Is there a bicycle?", "You'd expect bicycles here, but I don't see any.", set(),
     {"bicycle"}),
    ("Is there a truck?", "No. A truck would be easy to spot here.", set(), {"truck"}),
]
# a bare sign is a road sign, "no sign of" is none, and what a sign says is no thing there
SIGN_READINGS = [
    ("Describe the scene.", "There is a sign on the pole.", {"road sign", "pole"}, set()),
    ("Is there a cyclist?", "There is no sign of a cyclist.", set(), {"cyclist"}),
    ("Is there a cyclist?", "I don't see a cyclist, but a road sign warns of cyclists ahead.",
     {"road sign"}, {"cyclist"}),
    ("Describe the scene.", "A billboard on the right advertises a new car model.",
     {"billboard"}, set()),
    ("Describe the scene.", "A pedestrian crossing sign, and a pedestrian is crossing.",
     {"road sign", "pedestrian"}, set()),
    ("Describe the scene.", "A sign, and a car shows its tail lights.",
     {"road sign", "car", "tail lights"}, set()),
    # a message ends where the sign is placed, and a colon after the sign opens one; "any"
    # closing a negated clause points back at what was asked
    ("Describe the scene.",
     "A road sign reading 'Pedestrians crossing' beside a zebra crossing.",
     {"road sign", "crosswalk"}, set()),
    ("Describe the scene.", "The billboard: 'Drive a new car today'.", {"billboard"}, set()),
    ("Is there a truck?", "The sign says 'No trucks', and I don't see any.", {"road sign"},
     {"truck"}),
    # what a thing is marked with names nothing there unless it is what was asked
    ("Is there a bike lane?", "Yes, marked BIKES ONLY.", {"bike lane"}, set()),
    ("Is there a police car?", "Yes, a marked police car.", {"police car"}, set()),
    # the message a sign is asked for: a prohibition is no "no", and a kind's word is the kind
    ("What does the sign say?", "No entry.", {"road sign"}, set()),
    ("What does the sign say?", "It says 'No entry'.", {"road sign"}, set()),
    ("What does the sign say?", "STOP, in white on red.", {"stop sign"}, set()),
    ("What does the sign say?", "The sign says 'Yield'.", {"yield sign"}, set()),
    ("What does the sign read?", "Give way.", {"yield sign"}, set()),
    ("What does the sign say?", "No, it's blank.", set(), {"road sign"}),
    ("Is there a cyclist?", "The picture shows no cyclist.", set(), {"cyclist"}),
]
# a colour that closes a second predicate after "and" is the subject's
CONJOINED_READINGS = [
    ("Describe the scene.", "The traffic light is about 50 m away and currently green.",
     {"green traffic light"}, set()),
    ("Describe the scene.", "The truck is far ahead and white", {"truck"}, set()),
    ("Describe the scene.", "The bus is on the left and the car is red.", {"bus", "red car"},
     set()),
    ("Describe the scene.", "The car is parked and silver.", {"parked car"}, set()),
]
# what an answer sets aside for what it names is neither there nor denied; a colour denied for
# another ("not white but black") is the other
SET_ASIDE_READINGS = [
    ("Describe the scene.", "It is a van rather than a truck.", {"van"}, set()),
    ("Is there a truck?", "There is a van instead of a truck.", {"van"}, set()),
    ("Describe the scene.", "Rather than a truck, it is a van that is blocking the road.",
     {"van", "road"}, set()),
    ("Describe the scene.", "Instead of turning, the bus stopped at the crosswalk.",
     {"bus", "crosswalk"}, set()),
    ("Describe the scene.", "I would rather not guess, but there is a bus.", {"bus"}, set()),
    ("What colour is the car?", "The car is not white but black.", {"black car"}, set()),
    ("What colour is the car?", "The car is not white.", {"car"}, set()),
    ("Is there a bus?", "A tram, as opposed to a bus.", {"tram"}, set()),
    # a kind a size is measured by is no thing in the frame; a thing compared with is
    ("Is there a truck?", "Yes, about the size of a bus.", {"truck"}, set()),
    ("Describe the vehicle.", "Something bigger than a car - probably a van.", {"van"}, set()),
    ("Is there a pedestrian?", "Yes - about as tall as a mailbox.", {"pedestrian"}, set()),
    ("Are there trucks?", "One, longer than any bus I've seen.", {"truck"}, set()),
    ("Describe the vehicle ahead.", "A van, smaller than the truck beside it.",
     {"van", "truck"}, set()),
    ("Describe the scene.", "There are more cars than buses.", {"car", "bus"}, set()),
    ("Is there a van?", "Something van-sized behind the bus.", {"bus"}, set()),
    ("How big is the puddle?", "Wider than a car.", {"puddle"}, set()),  # about the puddle
    # "too ... to be a" denies what it could not be
    ("Is there a motorcycle?", "It's a bicycle, too thin to be a motorcycle.", {"bicycle"},
     {"motorcycle"}),
    ("Is there a dog?", "There might be one, but it's too small to be sure.", {"dog"}, set()),
]
# a person named by a role is a pedestrian when said to be there; none of them denies none; a
# person in or on a vehicle is no pedestrian
ROLE_READINGS = [
    # people by other nouns; an answer that names only the persons asked about keeps the place
    ("Is there a pedestrian?", "An elderly gentleman.", {"pedestrian"}, set()),
    ("Describe the scene.", "Commuters waiting at the crossing.", {"pedestrian", "crosswalk"},
     set()),
    ("Describe the scene.", "Schoolkids at the crosswalk.", {"child", "crosswalk"}, set()),
    ("Are there pedestrians?", "No commuters, but a few tourists.", {"pedestrian"}, set()),
    ("Is anyone waiting at the crosswalk?", "A crowd of people.", {"pedestrian", "crosswalk"},
     set()),
    ("Is anyone waiting at the crosswalk?", "A cyclist.", {"cyclist"}, set()),
    ("Describe the scene.", "A worker is standing next to a truck.", {"pedestrian", "truck"},
     set()),
    ("Describe the scene.", "A traffic warden is writing a ticket.", {"pedestrian"}, set()),
    ("Describe the scene.", "A group of schoolchildren is crossing.", {"child"}, set()),
    ("Describe the scene.", "There are no workers or vehicles in the lane.", set(), {"vehicle"}),
    ("Are there any children?", "No children, but two adults are waiting.", {"pedestrian"},
     {"child"}),
    ("Describe the scene.", "A police car, and police officers beside it.",
     {"police car", "pedestrian"}, set()),
    ("Are there pedestrians?", "No, nobody.", set(), {"pedestrian"}),
    ("Describe the scene.", "A schoolboy and two girls wait at the bus stop.", {"child"}, set()),
    ("Describe the scene.", "No boys here.", set(), set()),
    ("Is there a child?", "No, just a grown man.", {"pedestrian"}, {"child"}),
    ("How many people are in the bus?", "There's no bus in this frame.", set(), {"bus"}),
    ("Describe the scene.", "Three people are on the bus.", {"bus"}, set()),
    ("Describe the scene.", "Someone on a motorcycle.", {"motorcycle"}, set()),
    ("Describe the scene.", "A person is standing next to the bus.", {"pedestrian", "bus"},
     set()),
]
# a negated driving action ("don't pass") negates the action, not its object; a negated
# perception ("don't see") still denies
ACTION_READINGS = [
    ("What should the driver do?", "Don't pass the school bus.", {"school bus"}, set()),
    ("Is there a stop sign?", "Don't miss the stop sign on the right.", {"stop sign"}, set()),
    ("What should the driver do?", "You should not overtake the truck.", {"truck"}, set()),
    ("Describe the scene.", "The pedestrian does not cross the road.", {"pedestrian", "road"},
     set()),
    ("Describe the scene.", "Don't see any cars.", set(), {"car"}),
    ("Describe the scene.", "I do not see a bus.", set(), {"bus"}),
    # alarm before where the thing is, a place after an adverb of degree, a side or a
    # distance in cars, and what it does beside the place
    ("Is there a cyclist?", "Oh no, right behind the van.", {"cyclist", "van"}, set()),
    ("Is there a cyclist?", "Uh oh, right behind the van.", {"cyclist", "van"}, set()),
    ("Is there a cyclist?", "Oh no, sorry, none.", set(), {"cyclist"}),
    ("Is there a pedestrian?", "Whoa - right in front of the bus!", {"pedestrian", "bus"},
     set()),
    ("Is there a cyclist?", "Right there, behind the van.", {"cyclist", "van"}, set()),
    ("Is there a cyclist?", "Right there is a van.", {"van"}, set()),
    ("Is there a child?", "Immediately to the left of the bus.", {"child", "bus"}, set()),
    ("Is there a truck?", "Directly ahead, two cars up.", {"truck", "car"}, set()),
    ("Is there a cyclist?", "Close to the curb, wobbling.", {"cyclist", "curb"}, set()),
    ("Is there a dog?", "It's running onto the road.", {"dog", "road"}, set()),
    ("Is there a dog?", "It's raining on the road.", {"rain", "road"}, set()),
    # a count whose verb says it has left the frame denies what was asked
    ("Is there a cyclist?", "One just rode out of frame.", set(), {"cyclist"}),
    ("Is there a cyclist?", "A cyclist just rode out of frame.", set(), {"cyclist"}),
    ("Is there a cyclist?", "One, riding off to the left.", {"cyclist"}, set()),
    # "the zebra" on a road is its crossing
    ("Describe the scene.", "People are crossing at the zebra.", {"pedestrian", "crosswalk"},
     set()),
    # a code the prompt gives for a yes or a no is that word, and the instruction asks nothing
    ("Is there a pedestrian? Answer with 1 for yes and 0 for no.", "0", set(), {"pedestrian"}),
    ("Is there a bus? Reply Y = yes, N = no.", "Y", {"bus"}, set()),
    # a frame too poor to identify, and a doubt pointing back at the clause before it
    ("Is there a stop sign?", "The resolution is insufficient to identify any stop sign.",
     set(), set()),
    ("Is there a stop sign?", "It is hard to identify any stop sign.", set(), set()),
    ("Is there a dog?", "There might be a dog, but I can't confirm it.", set(), set()),
    ("Is there an ambulance?",
     "A white vehicle, which might be an ambulance, but I cannot confirm it.",
     {"vehicle", "ambulance"}, set()),
    ("Is there a dog?", "There's a dog, and I can't tell its breed.", {"dog"}, set()),
    ("Is there a child?", "Possibly a child, though I can't verify it.", set(), set()),
    ("Is there a fire truck?", "Something red, possibly a fire truck, but I can't confirm that.",
     {"fire truck"}, set()),
    ("Is there a stop sign?", "I see a sign, but I cannot read it.", {"road sign"}, set()),
    # the landmark a doubt places its thing by is there, and "if" after a doubt asks whether
    ("Is there a truck?", "Maybe one behind the bus, but I can't be sure of that.", {"bus"},
     set()),
    ("Is there a truck?", "I'm not sure there's one behind the bus.", {"bus"}, set()),
    ("Is there a truck?", "Not sure if there's one behind a bus.", {"bus"}, set()),
    ("Is there a truck?", "I'm not sure if it's a truck.", set(), set()),
    ("Is there a bus?", "One was here a moment ago; it has since left.", set(), {"bus"}),
    # asked back alone, an answer says nothing
    ("Is there a cyclist?", "Really?", set(), set()),
    ("Is there a cyclist?", "Which one?", set(), set()),
    ("Is there a cyclist?", "That one? No.", set(), {"cyclist"}),
    # a clause about the past that a later one about now supersedes names what was there
    ("Is there a stop sign?", "Earlier there was one; now there is none.", set(),
     {"stop sign"}),
    ("What colour is the light?", "It used to be green; now it's red.", {"red traffic light"},
     set()),
    ("Is there a truck?", "There was a truck; now there are two.", {"truck"}, set()),
    ("Is there a traffic cone?", "There used to be cones here; they're gone now.", set(),
     {"traffic cone"}),
    ("Is there a cyclist?", "A bike leans on the post, riderless.", {"bicycle", "pole"},
     {"cyclist"}),
    # "let alone" after an opening "None," carries the denial
    ("Are there any trams?", "None, let alone buses.", set(), {"tram", "bus"}),
    ("Are there any trams?", "Yes, let alone buses.", {"tram", "bus"}, set()),
    # a rider beside a bicycle is its cyclist; a motorcycle's is no cyclist
    ("Is there a bicycle?", "There's one chained to the railings, no rider.",
     {"bicycle", "fence"}, {"cyclist"}),
    ("Describe the scene.", "A motorcycle and its rider.", {"motorcycle"}, set()),
    # a place asked about, said empty after "Nobody," or "Nothing at all;", or kept by "on it"
    ("Is there no one on the crosswalk?", "Nobody, it's empty.", {"crosswalk"},
     {"pedestrian"}),
    ("Is anything blocking the crosswalk?", "Nothing at all; it's completely clear.",
     {"crosswalk"}, set()),
    ("Is the crosswalk occupied?", "Nobody on it.", {"crosswalk"}, {"pedestrian"}),
    ("Is anyone on the crosswalk?", "Nobody.", set(), {"pedestrian"}),
    ("Is anyone on the sidewalk?", "No one at all; it's deserted.", {"sidewalk"},
     {"pedestrian"}),
    ("Is anyone in the crosswalk?", "Not a soul in it.", {"crosswalk"}, {"pedestrian"}),
    ("Is the intersection busy?", "Not at all - nothing in it.", {"intersection"}, set()),
    ("Is there anyone on the bench?", "Nobody; it's empty.", {"bench"}, {"pedestrian"}),
    # people a vehicle holds, named before them or asked about, are its passengers
    ("Is the bus full?", "Nobody in it.", {"bus"}, set()),
    ("Is the bus full?", "Yes, packed with people.", {"bus"}, set()),
    ("Describe the scene.", "A car with two people in it.", {"car"}, set()),
    ("Is the tram crowded?", "A few people inside.", {"tram"}, set()),
    ("Are there people on the sidewalk?", "No, they're all on the tram.", {"tram"},
     {"pedestrian"}),
    ("Is there a pedestrian?", "No, but there's one in the car park.",
     {"parking lot", "pedestrian"}, set()),
    ("Describe the scene.", "People waiting at the bus stop, and more on the bus.",
     {"pedestrian", "bus"}, set()),
    # a vehicle's lamps, with no vehicle named, show the cars or vehicles asked about, but no
    # kind of vehicle
    ("Are there cars?", "A sea of brake lights ahead.", {"car", "tail lights"}, set()),
    ("Are there cars?", "Just headlights in the distance.", {"car", "headlights"}, set()),
    ("Is there a car ahead?", "Two tail lights glowing through the rain.",
     {"car", "tail lights", "rain"}, set()),
    ("Is there a bus?", "Just brake lights in the fog.", {"tail lights", "fog"}, set()),
    ("Describe the vehicle ahead.", "A silver hatchback with its brake lights on.",
     {"silver car", "tail lights"}, set()),
    # emoji for a vocabulary word or a yes or a no, in an answer of emoji or among its words;
    # one closing an answer in words is a decoration
    ("Is there a car?", "\U0001F697", {"car"}, set()),
    ("Is there a pedestrian?", "\U0001F44D", {"pedestrian"}, set()),
    ("Is there a truck?", "\U0001F6AB\U0001F69A", set(), {"truck"}),
    ("Is there a bus?", "No \U0001F68C, just \U0001F695", {"taxi"}, {"bus"}),
    ("Describe the scene.", "\U0001F697\U0001F68C \U0001F6A6\U0001F534",
     {"car", "bus", "red traffic light"}, set()),
    ("Is there a bus?", "Of course. \U0001F697", {"bus"}, set()),
    ("Is there a bus?", "no \U0001F697", set(), {"bus"}),
    ("Is there a truck?", "... \U0001F697", set(), set()),
    # slang for none and for many
    ("How many cyclists are there?", "Zip.", set(), {"cyclist"}),
    ("Any pedestrians?", "Bugger all.", set(), {"pedestrian"}),
    ("Any cyclists?", "Not a sausage.", set(), {"cyclist"}),
    ("Are there any vans?", "A smattering.", {"van"}, set()),
    ("How many traffic cones?", "A gazillion.", {"traffic cone"}, set()),
    # what was asked, named again by its kind, names nothing else; "not that type" denies it
    ("Is there a bus?", "No such vehicle here.", set(), {"bus"}),
    ("Is there a fire truck?", "No vehicle of that kind.", set(), {"fire truck"}),
    ("Is there a cyclist?", "No such person.", set(), {"cyclist"}),
    ("Is there a school bus?", "Not that sort of bus - a city bus.", {"bus"}, {"school bus"}),
    ("Is there a police car?", "There's a car, but not that type.", {"car"}, {"police car"}),
    # riding with no ride named rides what was asked about
    ("Is there a cyclist?", "No, nobody's riding.", set(), {"cyclist"}),
    ("Is there a pedestrian?", "Nobody's riding.", set(), {"pedestrian"}),
]
# a partitive negation ("none of the cars") takes the set as there and denies only what is said
# of it; a partitive question asks about what follows the set
PARTITIVE_READINGS = [
    ("Describe the scene.", "None of the cars are red.", {"car"}, {"red car"}),
    ("Describe the scene.", "Not one of the people on the sidewalk is crossing.",
     {"pedestrian", "sidewalk"}, set()),
    ("Describe the scene.", "Neither of the lights is green.", {"traffic light"},
     {"green traffic light"}),
    ("Describe the scene.", "None of the vehicles is a bus.", {"vehicle"}, {"bus"}),
    ("Describe the scene.", "There are no cars.", set(), {"car"}),
    ("Are any of the vehicles buses?", "No.", set(), {"bus"}),
    ("Are any of the vehicles buses?", "Yes, one of them is a bus.", {"vehicle", "bus"}, set()),
    ("Are any of the cars red?", "No.", {"car"}, {"red car"}),
]
# what a frame says against the one before it: a colour changed to, an absence in the past; a
# colour it will change to is not the light's now
CHANGE_READINGS = [
    ("Describe the scene.", "The light changed from red to green.", {"green traffic light"},
     set()),
    ("Describe the scene.", "The light switched to green.", {"green traffic light"}, set()),
    ("Describe the scene.", "The car changed lanes.", {"car"}, set()),
    ("Is there a traffic cone?", "Two cones that were not there before.", {"traffic cone"},
     set()),
    ("Is there a traffic cone?", "The cone was not there.", set(), {"traffic cone"}),
    ("Is there a traffic light?", "Yes, and you should wait until it turns green.",
     {"traffic light"}, set()),
    ("Is there a traffic light?", "Yes, it just turned green.", {"green traffic light"}, set()),
]
# lane lines by the names drivers give them
LANE_READINGS = [
    ("Describe the road.", "A dashed white line separates the lanes.", {"dashed lane line"},
     set()),
    ("Describe the road.", "Double yellow lines run down the middle.", {"solid lane line"},
     set()),
    ("Describe the road.", "A broken centre line.", {"dashed lane line"}, set()),
    ("Describe the road.", "The lane lines have faded.", {"lane marking"}, set()),
    ("Is there a dashed lane line?", "No, only solid lines.", {"solid lane line"},
     {"dashed lane line"}),
    ("Describe the scene.", "Power lines hang over the road.", {"power line", "road"}, set()),
]
# the roadside, the ego car's inside, vehicles and colours by other names
OTHER_NAMES_READINGS = [
    ("Describe the scene.", "Shrubs and a grassy verge on the right.", {"bush", "grass"}, set()),
    # makes and models that name one kind; "Uber Eats" is a courier, and a courier on a bike
    # its cyclist
    ("What's ahead?", "A white Tesla in our lane.", {"white car"}, set()),
    ("Is there a motorcycle?", "A Harley, rumbling at the light.",
     {"motorcycle", "traffic light"}, set()),
    ("Describe the scene.", "An Uber Eats courier on a bike.", {"bicycle", "cyclist"}, set()),
    ("Is there a truck?", "Yes, a Ford F-150 pickup.", {"truck"}, set()),
    ("Where are we?", "On a slip road joining the motorway.", {"on-ramp", "highway"}, set()),
    ("Describe the road.", "A drain cover in the lane.", {"manhole cover"}, set()),
    ("Describe the skyline.", "Tall high-rises and an office tower.", {"skyscraper"}, set()),
    ("Describe the image.", "Raindrops on the windscreen.", {"rain", "windshield"}, set()),
    ("Where are we?", "Entering a traffic circle.", {"roundabout"}, set()),
    ("Describe the image.", "The rearview mirror and the dash.", {"rear-view mirror",
                                                                  "dashboard"}, set()),
    ("Describe the image.", "This dash cam footage shows a car.", {"car"}, set()),
    ("Describe the scene.", "A fire engine and a police cruiser.", {"fire truck", "police car"},
     set()),
    ("Describe the scene.", "A light-rail train crosses the intersection.",
     {"tram", "intersection"}, set()),
    ("What colour is the car?", "Gunmetal.", {"silver car"}, set()),
    ("Describe the scene.", "A cherry-red convertible.", {"red car"}, set()),
    ("Is there a bicycle?", "A bicycle chained to the railing.", {"bicycle", "fence"}, set()),
    ("Describe the road.", "Slush on the road.", {"snow", "road"}, set()),
    ("Is there a road sign?", "Yes, a give way sign.", {"yield sign", "road sign"}, set()),
    ("Is there a speed limit sign?", "Yes, a 30 mph sign.", {"speed limit sign"}, set()),
    ("What colour is the car?", "Snow white.", {"white car"}, set()),
    ("What colour is the car?", "Fire-engine red.", {"red car"}, set()),
    ("Describe the scene.", "Heavy snow; white cars.", {"snow", "white car"}, set()),
    ("Describe the scene.", "A few traffic cones marking a lane closure.", {"traffic cone"},
     set()),
    ("Describe the road.", "Faded markings on the left.", {"lane marking"}, set()),
]
# a yes or no that only restates its agreement is as bare as "Yes." or "No."; to a negative
# question it may mean either
AGREEMENT_READINGS = [
    ("Is it true that no cars are parked?", "Yes, that's true.", set(), set()),
    ("Is there no bus?", "No, it is not.", set(), set()),
    ("Is there a bus?", "Yes, that is true.", {"bus"}, set()),
    ("Is there a bus?", "No, it isn't.", set(), {"bus"}),
]
# "only" opening an answer, after a subject and a verb of seeing: a thing not asked about is a
# no to what was; "just the one" counts what was asked
ONLY_READINGS = [
    ("Is there a truck?", "I only see cars.", {"car"}, {"truck"}),
    ("Is there a truck?", "There are only cars.", {"car"}, {"truck"}),
    ("Is there a truck?", "Just one truck.", {"truck"}, set()),
    ("Are there pedestrians?", "Just the one, near the bus.", {"pedestrian", "bus"}, set()),
    ("Are there pedestrians?", "Only a dog.", {"dog"}, {"pedestrian"}),
    ("Is there a bus?", "All I see are cars.", {"car"}, {"bus"}),
    ("Is there a bus?", "Apart from cars, nothing.", {"car"}, {"bus"}),
    ("Is there a bus?", "Except for a truck, no vehicles.", {"truck"}, {"bus"}),
    ("Is there a bus?", "The only vehicles are cars.", {"car", "vehicle"}, {"bus"}),
    ("Is there a bus?", "The only vehicle is a bus.", {"bus", "vehicle"}, set()),
    ("Is there a red car?", "The only car is red.", {"red car"}, set()),
    ("Is there a cyclist?", "The only road users I can see are pedestrians.", {"pedestrian"},
     {"cyclist"}),
    ("Is anyone crossing?", "Just a cyclist.", {"cyclist"}, set()),
    # a cyclist is someone, but not on foot
    ("Is there a pedestrian?", "Only a cyclist.", {"cyclist"}, {"pedestrian"}),
    # "nothing else", "instead" and the like after what is named say what "only" would, and so
    # do a place said empty but for one thing, "the sole" and "the only one"
    ("Is there a car?", "A van, nothing else.", {"van"}, {"car"}),
    ("Is there a truck?", "Buses, and that's all.", {"bus"}, {"truck"}),
    ("Is there a truck?", "Buses. That's all I can see.", {"bus"}, set()),
    ("Is there a car?", "A scooter instead.", {"scooter"}, {"car"}),
    ("Is there a car?", "The tram has the road to itself.", {"tram", "road"}, {"car"}),
    ("Is there a bus?", "Deserted, except for a van.", {"van"}, {"bus"}),
    ("Is there a bus?", "Empty street apart from a taxi.", {"taxi", "road"}, {"bus"}),
    ("Is there a bus?", "Besides a taxi, empty.", {"taxi"}, {"bus"}),
    ("Is there a bus?", "The sole vehicle is a taxi.", {"taxi", "vehicle"}, {"bus"}),
    ("Is there a cyclist?", "Pedestrians solely.", {"pedestrian"}, {"cyclist"}),
    ("Is there a pedestrian?", "The dog is the only one on the sidewalk.", {"dog", "sidewalk"},
     {"pedestrian"}),
    ("Is there a pedestrian?", "The only one is by the bus.", {"pedestrian", "bus"}, set()),
    ("Is there a pedestrian?", "The only one on the road is a cyclist.", {"cyclist", "road"},
     {"pedestrian"}),
    ("Is there a pedestrian?", "Deserted.", set(), {"pedestrian"}),
    # a verdict said as such, and "one" with a participle after "there is"
    ("Is there a bus?", "That would be a no.", set(), {"bus"}),
    ("Is there a bus?", "That's a yes.", {"bus"}, set()),
    ("Is there a bicycle?", "I'm going to say yes: there's one locked to the railing.",
     {"bicycle", "fence"}, set()),
    ("Is there a bicycle?", "There's one parked by the wall.", {"bicycle", "wall"}, set()),
    # a colour-only head for the light asked about, "unoccupied", "Not yet;" as "No;", a post
    ("Is there a traffic light?", "There's no signal at this junction, just a yield sign.",
     {"intersection", "yield sign"}, {"traffic light"}),
    ("What colour is the traffic light?", "The signal is currently displaying a steady red.",
     {"red traffic light"}, set()),
    ("Are there any pedestrians on the crosswalk?", "The crosswalk is currently unoccupied.",
     {"crosswalk"}, {"pedestrian"}),
    ("Is the pedestrian crossing the road?", "Not right now; they are waiting on the kerb.",
     {"pedestrian", "curb"}, set()),
    ("Is there a bus?", "Not right now.", set(), {"bus"}),
    ("Is there a stop sign?", "Yes, it is mounted on a post.", {"stop sign", "pole"}, set()),
    # a count with a state, a covering substance, "pedestrian crosswalk"
    ("How many cars are visible?", "Three cars: one in front and two parked on the left side.",
     {"car", "parked car"}, set()),
    ("Describe the scene.", "I see a car, and two parked vans.", {"car", "van"}, set()),
    ("What is the weather like?", "Snowy, with snow covering the road.", {"snow", "snowy road"},
     set()),
    ("Describe the road.", "There is water pooling on the street.", {"wet road"}, set()),
    ("Is there a crosswalk?", "Yes, a pedestrian crosswalk just ahead.", {"crosswalk"}, set()),
    ("What's the state of the light?", "Red.", {"red traffic light"}, set()),
]
# A yes or no to a question about a state or colour that names its subject again, plain, says
# of it what "Yes." or "No." would; the state's opposite ("dry", "clear") is a no
RESTATED_READINGS = [
    ("Is the road wet?", "Yes, there is water on the road.", {"wet road"}, set()),
    ("Is the road wet?", "No, the road is dry.", {"road"}, {"wet road"}),
    ("Is the road wet?", "Dry.", {"road"}, {"wet road"}),
    ("Is the road covered in snow?", "It's clear.", {"road"}, {"snowy road"}),
    ("Is the car parked?", "No, the car is moving.", {"car"}, {"parked car"}),
    ("Is the car red?", "Yes, the car on the left.", {"red car"}, set()),
    ("Is the car red?", "No, the car is blue.", {"blue car"}, set()),
    ("Is the road wet?", "Yes, the road is snowy.", {"snowy road", "snow"}, set()),
]
# the standard of an equal comparison ("as big as the bus") lies outside a negation before it
COMPARISON_READINGS = [
    ("Describe the scene.", "None of the trucks is as long as the bus.", {"truck", "bus"},
     set()),
    ("Describe the scene.", "The truck is not as big as the bus.", {"truck", "bus"}, set()),
    ("Describe the scene.", "No cars, as far as I can see.", set(), {"car"}),
]
# Alternatives: "neither" opening an answer denies them all, "only" or "just" with one of them
# (or of the things asked together with "and") denies the others, and "either ... or" in an
# answer leaves each open
ALTERNATIVE_READINGS = [
    # "Yes and no" before what explains it: the explanation is the answer
    ("Is there a bus?", "Yes and no: there's a bus, but it's out of service.", {"bus"}, set()),
    ("Is the light green?", "Yes and no: green for turning, red for straight.",
     {"green traffic light", "red traffic light"}, set()),
    ("Is there a pedestrian?", "Both yes and no: one on the sidewalk, none on the road.",
     {"pedestrian", "sidewalk", "road"}, set()),
    ("Are there cars?", "Yes and no - parked ones, but none moving.", {"parked car"}, set()),
    ("Is there a van?", "Yes and no; a van-shaped trailer.", set(), set()),
    ("Count the vehicles.", "1 car, 0 trucks.", {"car"}, {"truck"}),
    # a likeness taken back by what the thing is
    ("Is there a motorcycle?", "Looks like a motorcycle, but it's a scooter.", {"scooter"},
     {"motorcycle"}),
    ("Is there a stop sign?", "Shaped like one, but it's a yield sign.", {"yield sign"},
     {"stop sign"}),
    ("Is there a bus?", "Looks like a bus, but it's a long way off.", {"bus"}, set()),
    ("Is there a bus or a truck?", "Neither, only cars.", {"car"}, {"bus", "truck"}),
    ("Is there a bus or a truck?", "Just the truck.", {"truck"}, {"bus"}),
    ("Is there a bus or a truck?", "There's either a bus or a truck, it's hard to tell.",
     set(), set()),
    ("Describe the scene.", "Either a bus or a truck is parked there.", set(), set()),
    ("Describe the scene.", "Cars are parked on either side of the road.",
     {"parked car", "road"}, set()),
    ("Are there cars and trucks?", "Cars, yes; trucks, no.", {"car"}, {"truck"}),
    ("Are there pedestrians and cyclists?", "Only pedestrians.", {"pedestrian"}, {"cyclist"}),
    ("Are there traffic lights and stop signs?", "Traffic lights only.", {"traffic light"},
     {"stop sign"}),
    ("Is there a stop sign?", "Traffic lights only.", {"traffic light"}, {"stop sign"}),
    ("What is that vehicle?", "The shape could be a truck or a bus.", set(), set()),
    ("Is there a pedestrian?", "It could be a shadow or a pedestrian.", set(), set()),
    ("Is there a truck?", "It could be a truck.", {"truck"}, set()),
]
# a participle right after its noun is its state; a no to whether any are in a state keeps no
# concept, as the question did not say there are any
PARTICIPLE_STATE_READINGS = [
    ("Describe the scene.", "Road wet, sky grey, car ahead red.", {"wet road", "sky", "red car"},
     set()),
    ("Describe the scene.", "Car black, parked on left.", {"black car", "parked car"}, set()),
    ("Describe the scene.", "Car, parked on the left.", {"parked car"}, set()),
    # a note's bare noun opening its clause, with its colour or state right after it
    ("Describe the scene.", "Car red, light green, road wet.",
     {"red car", "green traffic light", "wet road"}, set()),
    ("Describe the scene.", "Car red light ahead.", {"car", "red traffic light"}, set()),
    ("Describe the scene.", "There are two cars parked on the left.", {"parked car"}, set()),
    ("Are there any cars parked?", "Nope.", set(), {"parked car"}),
    ("Are any cars parked?", "None.", set(), {"parked car"}),
    ("Is the car parked?", "No.", {"car"}, {"parked car"}),
    ("Describe the scene.", "No cars parked here.", set(), {"parked car"}),
    ("Describe the scene.", "A truck parked at the curb.", {"truck", "curb"}, set()),
]
# "crossing" is a crosswalk as a noun only, and a railway crossing none; a family is people
CROSSING_READINGS = [
    ("Describe the scene.", "Cars stop before the crossing.", {"car", "crosswalk"}, set()),
    ("Describe the scene.", "A dog is crossing the road.", {"dog", "road"}, set()),
    ("Describe the scene.", "No one is crossing.", set(), {"pedestrian"}),
    ("Describe the scene.", "Railway crossing ahead, barriers down.", {"barrier"}, set()),
    ("Describe the scene.", "A family is waiting at the crossing.", {"pedestrian", "crosswalk"},
     set()),
]
# a light crossed against is a traffic light; plural verbs link a colour as singular ones do
SIGNAL_READINGS = [
    # a signal not lit or not working is there, with no colour
    ("What colour is the light?", "Off - it's not working.", {"traffic light"}, set()),
    ("Is there a traffic light?", "One, but it isn't working.", {"traffic light"}, set()),
    ("Is the light green?", "It's not lit at all.", {"traffic light"}, {"green traffic light"}),
    ("Is the light red?", "It's blank.", {"traffic light"}, {"red traffic light"}),
    ("Is the light green?", "No, it's dead ahead.", {"traffic light"}, {"green traffic light"}),
    ("Is the light green?", "It's off to the left.", {"green traffic light"}, set()),
    ("Describe the scene.", "Pedestrians are crossing against the light.",
     {"pedestrian", "traffic light"}, set()),
    ("Describe the scene.", "Traffic signals at the intersection show red.",
     {"red traffic light", "intersection"}, set()),
    ("Describe the scene.", "A set of temporary lights controls the roadwork.",
     {"traffic light", "roadwork"}, set()),
]
# moving "out of frame", "out of view" is leaving it
OUT_OF_FRAME_READINGS = [
    # what the ego vehicle has gone past lies behind the camera; the next one out of view
    ("Are we approaching a crosswalk?", "Just passed one.", set(), {"crosswalk"}),
    ("Is there a stop sign?", "We drove past it a moment ago.", set(), {"stop sign"}),
    ("Is there a traffic cone?", "Went past a row of them.", set(), {"traffic cone"}),
    ("Is there a traffic light ahead?", "The next one is out of view.", set(),
     {"traffic light"}),
    ("Is there a motorcycle?", "Yep, a rider on a motorcycle just overtook us.",
     {"motorcycle"}, set()),
    ("Is there a cyclist?", "A cyclist rode out of frame.", set(), {"cyclist"}),
    ("Is there a cyclist?", "It moved out of view.", set(), {"cyclist"}),
    ("Describe the scene.", "A truck drove out of the frame; a bus remains.", {"bus"},
     {"truck"}),
    ("Describe the scene.", "A car drove out of the garage.", {"car"}, set()),
    # gone, removed or towed away is out of the frame; gone through a light is not; weather
    # that has ended is a no; a yes in the past before what is so now is a no; "still there"
    # is a yes
    ("Are there cones?", "They've been removed since the last frame.", set(),
     {"traffic cone"}),
    ("Is there a truck?", "It has gone from view.", set(), {"truck"}),
    ("Describe the scene.", "A car has gone through the light.", {"car"}, set()),
    ("Is it raining?", "It stopped a minute ago.", set(), {"rain"}),
    ("Is it snowing?", "It's just let up.", set(), {"snow"}),
    # the weather named, or no subject at all, ends as "it" does
    ("Is it raining?", "The rain has eased.", set(), {"rain"}),
    ("Is it foggy?", "The haze lifted an hour ago.", set(), {"fog"}),
    ("Is it raining?", "The drizzle's over.", set(), {"rain"}),
    ("Is it snowing?", "Stopped a while back.", set(), {"snow"}),
    ("Is it raining?", "Just stopped, by the look of the road.", {"road"}, {"rain"}),
    ("Is it raining?", "The rain hasn't stopped.", {"rain"}, set()),
    ("Is there a bus?", "No, by the look of it.", set(), {"bus"}),
    ("Is there a bus?", "It stopped a minute ago.", {"bus"}, set()),
    ("Is the car parked?", "It was; now it's pulling out.", {"car"}, {"parked car"}),
    ("Are the pedestrians crossing?", "They were, but they've stopped at the curb.",
     {"pedestrian", "curb"}, set()),
    ("Is there a police car?", "It's still there, parked behind the van.",
     {"police car", "van"}, set()),
    # one "just out of frame" is not in it; a hedged conclusion after "so" is the answer;
    # "it" covering what is named is the weather asked about; crossing lights are a railway's
    ("Is there a bus?", "There's one just out of frame.", set(), {"bus"}),
    ("Is there a bus?", "There's one just behind the truck.", {"bus", "truck"}, set()),
    ("Is it raining?", "The wipers are on, so probably.", {"windshield wiper", "rain"}, set()),
    ("Is it raining?", "The wipers are off, so probably not.", {"windshield wiper"}, {"rain"}),
    ("Is it foggy?", "Visibility is poor, so I'd say yes.", {"fog"}, set()),
    ("Is the light red?", "Cars are stopped at it, so likely red.",
     {"car", "red traffic light"}, set()),
    ("Is there snow?", "The trees are white with it.", {"tree", "snow"}, set()),
    ("Is there a train?", "The crossing lights are flashing, but no train yet.", set(),
     {"train"}),
    # a hyphenated modifier that names what is not there names no concept; a kind's size
    # measuring a gap, or the shape of a billboard, is no thing of that kind
    ("Is there a car?", "No, it's a car-free street.", {"road"}, {"car"}),
    ("Is there a bus?", "There's a bus-only lane, but no bus in it.", set(), {"bus"}),
    ("Describe the scene.", "A sun-bleached stop sign leans by the road.",
     {"stop sign", "road"}, set()),
    ("Is there a van?", "There's a van-like vehicle on the right.", {"van", "vehicle"}, set()),
    ("Describe the scene.", "A truck-sized gap in the traffic.", set(), set()),
    ("Describe the scene.", "A bus-shaped billboard towers over the car park.",
     {"billboard", "parking lot"}, set()),
    ("Is there a dog?", "There's a dog-walker, but her dog is out of frame.", {"pedestrian"},
     {"dog"}),
    # texting: "ya" is a yes, "v" before a state "very", "idk" cannot tell and is not
    # passed over, "ppl" are people; an interjection run into a yes opens it; a weak hedge
    # alone before a cannot-tell says nothing; "it" doing something after a doubt is the
    # definite thing asked about
    ("Is the road wet?", "ya v wet, puddles everywhere", {"wet road", "puddle"}, set()),
    ("Is there a taxi?", "idk, maybe? cant really tell", set(), set()),
    ("Is there a taxi?", "Maybe? Can't really tell.", set(), set()),
    ("Is there a pedestrian?",
     "Possibly - there's a small figure near the crosswalk, but it's hard to be sure.",
     {"pedestrian", "crosswalk"}, set()),
    ("Are there any people?", "ppl waiting @ the crosswalk", {"pedestrian", "crosswalk"}, set()),
    ("Is there a police car?", "omg yes, right behind the van", {"police car", "van"}, set()),
    ("Is the traffic light working?", "Not sure, it's facing the other way.", {"traffic light"},
     set()),
    ("Is the traffic light working?", "Not sure, it's raining too hard.", {"rain"}, set()),
    # figures: a group noun before "of them", a wall of fog, rain "cats and dogs", a likeness
    # after "red as", a negation reaching "X or otherwise"
    ("Are there cones?", "A forest of them around the roadwork.", {"traffic cone", "roadwork"},
     set()),
    ("Is it foggy?", "A wall of fog, yes.", {"fog"}, set()),
    ("Describe the scene.", "The wall of the tunnel is wet.", {"wall", "tunnel"}, set()),
    ("Is it raining?", "Cats and dogs.", {"rain"}, set()),
    ("Is the light red?", "Red as a stop sign, yes.", {"red traffic light"}, set()),
    ("Is there a bus?", "Not a soul on the road, bus or otherwise.", {"road"}, {"bus"}),
    ("Describe the scene.", "A bus on the road, parked or otherwise.", {"bus", "road"}, set()),
    # a demonstrative asked back first is set aside; "That one is," is a short yes that keeps
    # the colour asked beside another; "Not that one -" is a no
    ("Is that a police car?", "That one? No, it's a regular car.", {"car"}, {"police car"}),
    ("How many cars?", "Including parked ones? Five in total.", {"car"}, set()),
    ("Is that car red?", "That one is, the other is white.", {"red car", "white car"}, set()),
    ("Is that car red?", "It is, the other is white.", {"red car", "white car"}, set()),
    ("Is that a van?", "Not that one - that's an ambulance.", {"ambulance"}, {"van"}),
    # "nobody on it" empties the place asked about; "Not tonight" is a no
    ("Check for pedestrians on the crosswalk.", "Clear - nobody on it.", {"crosswalk"},
     {"pedestrian"}),
    ("Is anyone on the sidewalk?", "Nobody on it.", {"sidewalk"}, {"pedestrian"}),
    ("Can you see the moon?", "Not tonight, it's cloudy.", {"cloud", "night"}, {"moon"}),
    # "minus" negates; a place "unfenced" or a sky "cloudless" is without them; "that one"
    # after "I think" is no complementizer
    ("Describe the scene.", "A bus stop minus the bus.", set(), {"bus"}),
    ("Is there a fence?", "The field is unfenced.", {"field"}, {"fence"}),
    ("Describe the sky.", "A cloudless sky.", {"sky"}, {"cloud"}),
    # "the mirror" is the driver's own; a vehicle's side mirror and a verb are not
    ("Is there a motorcycle?", "Just the motorcycle's headlight in the mirror.",
     {"motorcycle", "headlights", "rear-view mirror"}, set()),
    ("Is there a bus?", "Yes, its side mirror is just visible on the right.", {"bus"}, set()),
    ("Describe the scene.", "The puddle mirrors the sky.", {"puddle", "sky"}, set()),
    ("Describe the road.", "A narrow alley with bins on both sides.", {"road", "trash can"},
     set()),
    ("Describe the scene.", "A guardrail along the median.", {"barrier"}, set()),
    ("Is that car red?", "I think that one is, the other is white.", {"red car", "white car"},
     set()),
]
# A state's opposite: asked about ("Is the road dry?"), its yes denies the state and its no
# says it; said not to be so ("Not dry at all."), it says the state; before the road ("a dry
# road"), it denies the state. "Is the road clear?" asks about traffic, not snow.
OPPOSITE_STATE_READINGS = [
    ("Is the road dry?", "Yes.", {"road"}, {"wet road"}),
    ("Is the road dry?", "No.", {"wet road"}, set()),
    ("Is the road clear of snow?", "Yes.", {"road"}, {"snowy road"}),
    ("Is the road wet?", "Not dry at all.", {"wet road"}, set()),
    ("Is the road snowy?", "No, but it is wet.", {"wet road"}, {"snowy road"}),
    # a bare no, then "but" and another thing: the no answers the state asked about
    ("Is the road wet?", "Not yet, but rain is starting to fall.", {"road", "rain"},
     {"wet road"}),
    ("Is the car red?", "No, but there's a bus.", {"car", "bus"}, {"red car"}),
    # about to be so is not yet so; clouds that may bring snow are clouds
    ("Is it snowing?", "It's about to - the sky is full of snow clouds.", {"sky", "cloud"},
     {"snow"}),
    ("Is the bus leaving?", "It's about to pull out from the stop.", {"bus"}, set()),
    ("Is it raining?", "A light sprinkle, enough to need the wipers.",
     {"rain", "windshield wiper"}, set()),
    ("Describe the scene.", "A light sprinkle of snow.", {"snow"}, set()),
    ("Describe the scene.", "Light traffic on a dry road.", {"road"}, {"wet road"}),
    ("Describe the scene.", "The road is dry and clear.", {"road"}, {"wet road"}),
    ("Describe the scene.", "Snow covers the sidewalks, but the road has been cleared.",
     {"snow", "sidewalk", "road"}, {"snowy road"}),
    ("Does the road look dry?", "Yes, completely dry.", {"road"}, {"wet road"}),
    ("Is the road clear?", "Yes, no sign of any obstacles.", {"road"}, set()),
    ("Is the car moving?", "Yes, it is driving away.", {"car"}, set()),
]
# a part of the thing asked about is the thing; a shadow shows one that may be out of frame
PART_READINGS = [
    ("Is there a bicycle?", "Only its front wheel is visible behind the car.",
     {"bicycle", "car"}, set()),
    ("Describe the scene.", "A truck's shadow falls across the road.", {"road", "shadow"},
     set()),
    ("Is there a truck?", "I can see part of a truck's trailer.", {"truck"}, set()),
]
# counts with a lower bound count; "fewer than" bounds from above, unless a count follows, and
# a count after a comparison with elsewhere counts; "none of them", "none of the three cars"
# and "neither car" keep the set a colour was asked of, and a colour said of "none" is denied
COUNT_BOUND_READINGS = [
    ("How many pedestrians?", "Fewer than five.", set(), set()),
    ("How many cars are there?", "Fewer than five, maybe three.", {"car"}, set()),
    ("How many vehicles are there?", "At least four: three cars and a van.",
     {"vehicle", "car", "van"}, set()),
    ("How many cars are red?", "None of them.", {"car"}, {"red car"}),
    ("Are there any buses?", "None of them.", set(), {"bus"}),
    ("How many pedestrians are on the crosswalk?", "Fewer than on the sidewalk: two.",
     {"pedestrian", "crosswalk", "sidewalk"}, set()),
    ("How many pedestrians are on the crosswalk?", "Fewer than on the sidewalk.",
     {"sidewalk"}, set()),
    ("Is any car red?", "None of the three cars is red.", {"car"}, {"red car"}),
    ("Are the cars red?", "Neither car is red.", {"car"}, {"red car"}),
    ("Is there a bus or a truck?", "Neither bus nor truck.", set(), {"bus", "truck"}),
    ("Is any car red?", "No, none is red.", set(), {"red car"}),
    ("Is the car red?", "None of them is red.", {"car"}, {"red car"}),
    ("Is the car red?", "None, the car is red.", {"red car"}, set()),
    ("Is any car red?", "Not one of them is red.", set(), {"red car"}),
    ("Describe the scene.", "Two cars: not one is red.", {"car"}, {"red car"}),
    # a numeral that a thing is, not a count of what was asked
    ("Is there a motorcycle?", "No; the '2' on the road is a lane number.", {"road"},
     {"motorcycle"}),
    ("Is there a bus?", "No, just the two at the stop.", {"bus"}, set()),
    # a count denied to be none or one says there are some
    ("Is there a taxi?", "Not zero.", {"taxi"}, set()),
    ("Are there cones?", "Not none, no.", {"traffic cone"}, set()),
    ("Is there a van?", "Not just one.", {"van"}, set()),
    ("Is there a van?", "Not merely the one; three.", {"van"}, set()),
    ("Is there a van?", "Not the only one.", {"van"}, set()),
    ("Is there a van?", "Not a single one.", set(), {"van"}),
    ("Is there a van?", "Not one.", set(), {"van"}),
]
# "with" and a count and a colour is more of what was asked, not a part of it; a condition that
# is the circumstance of a doubt is there
MORE_COLOUR_READINGS = [
    ("What colour are the cars?", "Mostly white, with one red.", {"white car", "red car"},
     set()),
    ("What colour is the car?", "Red, with two black stripes.", {"red car"}, set()),
    ("What colour is the car?", "Hard to say at night; it looks grey.",
     {"silver car", "night"}, set()),
    ("Is the light red?", "I can't tell whether it is night.", set(), set()),
    # a predicate after an aside between commas is its subject's; colours joined by "and" are
    # one clause's
    ("Describe the scene.", "The car, which is on the left, is black.", {"black car"}, set()),
    ("Describe the scene.", "The light, as far as I can see, is red.", {"red traffic light"},
     set()),
    ("Is it raining?", "No, the road, as far as I can tell, appears to be wet.", {"wet road"},
     {"rain"}),
    ("Describe the scene.", "The road, in my opinion, is dry.", {"road"}, {"wet road"}),
    ("Describe the scene.", "The car, next to the bus, is white.", {"white car", "bus"}, set()),
    ("Describe the scene.", "The car with red and blue lights is black.", {"black car"},
     set()),
    # a count and a colour after a plural give each its colour; a colour and a noun do not
    ("Describe the scene.", "There are two cars, one red and one white.",
     {"red car", "white car"}, set()),
    ("Describe the scene.", "A few cars, one of them red.", {"red car"}, set()),
    ("Describe the scene.", "Two cars and one red bus.", {"car", "bus"}, set()),
    # a negated copula that corrects one colour for another says the second
    ("What colour is the car?", "The car isn't white but black.", {"black car"}, set()),
]
# negative questions: a negated copula asks about a colour or state as a plain one does; "a
# couple" alone is a count; "really" opens a yes or a no as "definitely" does
NEGATIVE_QUESTION_READINGS = [
    ("Aren't the lights red?", "They are.", {"red traffic light"}, set()),
    ("Isn't the road wet?", "No, it's dry.", {"road"}, {"wet road"}),
    ("No pedestrians?", "A couple, on the far sidewalk.", {"pedestrian", "sidewalk"}, set()),
    ("Is there really no car?", "Really, none.", set(), {"car"}),
    ("Anything on the road?", "A few traffic cones and a barrier.",
     {"traffic cone", "barrier"}, set()),
]
# a state before its noun with one plain word between; a flagger is a person
DESCRIBED_READINGS = [
    ("Describe the scene.", "A wet urban street at dusk.", {"wet road"}, set()),
    ("Describe the scene.", "A wet, busy road.", {"road"}, set()),
    ("Describe the scene.", "A flagger waves traffic past the cones.",
     {"pedestrian", "traffic cone"}, set()),
]
# a yes or no drawn out is the word
ELONGATED_READINGS = [
    ("Is there a bus?", "Noo.", set(), {"bus"}),
    ("Is there a bus?", "Yesss, on the left.", {"bus"}, set()),
    ("Is there a bus?", "Nopeee", set(), {"bus"}),
    ("What time is it?", "Noon.", set(), {"night"}),  # a word, not a drawn-out no
]
# an answer that says nothing asserts nothing; hesitation before a yes or no is skipped
NON_ANSWER_READINGS = [
    # an earlier answer or frame pointed back to says nothing of this one; before a break it
    # opens what is said again
    ("Is there a bus?", "Same answer as last time.", set(), set()),
    ("Is there a bus?", "Ditto.", set(), set()),
    ("Is the road wet?", "Unchanged.", set(), set()),
    ("Is there a truck?", "Like I said - one, by the curb.", {"truck", "curb"}, set()),
    ("Is there a bus?", "No, no change.", set(), {"bus"}),
    ("Is there a bus?", "Hmm.", set(), set()),
    ("Is there a bus?", "", set(), set()),
    ("Is there a bus?", "<unk>", set(), set()),
    ("Is there a dog?", "Um, no.", set(), {"dog"}),
    ("Is there a bus?", "Hmmm, yes, one on the left.", {"bus"}, set()),
    ("Detect the trucks in the image and output their boxes in JSON.", "[]", set(), {"truck"}),
    # both a yes and a no, "it depends", "fifty-fifty", "no comment": nothing; "Wrong," a no
    ("Is there a bus?", "Yes and no.", set(), set()),
    ("Is there a bus?", "It depends.", set(), set()),
    ("Is there a bus?", "50/50.", set(), set()),
    ("Is there a bus?", "No comment.", set(), set()),
    ("Is there a bus?", "Wrong, no bus here.", set(), {"bus"}),
    ("Is the road clear?", "Yes, no sign of any obstacles.", {"road"}, set()),
]
# a question asked back about which thing is meant names nothing; "none" after it, or to a
# question about a given thing, denies the thing
ASKED_BACK_READINGS = [
    ("Is the pedestrian crossing?", "Which pedestrian? I see none.", set(), {"pedestrian"}),
    ("What colour is the car?", "Do you mean the one on the left? It's red.", {"red car"},
     set()),
    ("What colour is the car?", "Assuming you mean the nearest car, silver.", {"silver car"},
     set()),
    ("Is there a bus?", "A bus? No.", set(), {"bus"}),
    ("Is the pedestrian on the crosswalk?", "Nope.", set(), set()),
    # what was asked echoed as a question, then answered: the echo is neither a yes nor a thing
    # seen, unless what follows says nothing or points back at it with "it"
    ("Is there a van?", "A van? I don't see one.", set(), {"van"}),
    ("Is there a scooter?", "Scooter? There isn't one.", set(), {"scooter"}),
    ("Is the light red?", "Red? No, it's green.", {"green traffic light"}, set()),
    ("Is the road wet?", "Wet? Not at all, it's dry.", {"road"}, {"wet road"}),
    ("Is it raining?", "Rain? Not a drop.", set(), {"rain"}),
    ("Is there a bus?", "The bus? It's behind the truck.", {"bus", "truck"}, set()),
    ("What colour is the truck?", "The truck? White.", {"truck"}, set()),
    ("Describe this image.", "Pedestrians? None.", set(), {"pedestrian"}),
    ("Is there a bus?", "Bus? Two. Cars? None.", {"bus"}, {"car"}),
]
# a colour or state said of none of the things counted before denies them in it, and one said
# of all of them denies the colour asked; what none of them does leaves them there
NONE_OF_THEM_READINGS = [
    ("Is there a silver car?", "Three cars, none of them silver.", {"car"}, {"silver car"}),
    ("Is there a black car?", "Two cars; neither is black.", {"car"}, {"black car"}),
    ("Is there a white car?", "Some cars, not one of them white.", {"car"}, {"white car"}),
    ("Is the light red?", "Two signals, neither of them red.", {"traffic light"},
     {"red traffic light"}),
    ("Is there a parked car?", "Cars, but none of them parked.", {"car"}, {"parked car"}),
    ("Are there pedestrians?", "A group, but none of them crossing.", {"pedestrian"}, set()),
    ("Is there a blue car?", "All the cars are grey.", {"silver car"}, {"blue car"}),
    ("Is there a red car?", "Every car is white.", {"white car"}, {"red car"}),
    ("Is any light green?", "Both lights are red.", {"red traffic light"},
     {"green traffic light"}),
    ("Is there a red car?", "A few cars, one of them red.", {"red car"}, set()),
    ("Is there a red car?", "The car ahead is white.", {"white car"}, set()),
]
# a vocabulary noun as a figure of a mass or in an idiom names no such thing
FIGURE_READINGS = [
    ("Describe the scene.", "A mountain of slush by the curb.", {"curb", "snow"}, set()),
    ("Is there a bus?", "Yes, in a cloud of spray.", {"bus"}, set()),
    ("Describe the scene.", "A tunnel of trees.", {"tree"}, set()),
    ("Describe the scene.", "Wall-to-wall trucks.", {"truck"}, set()),
    ("Describe the scene.", "Sky-high snowdrifts.", set(), set()),
    ("Is there a bus?", "Without a shadow of a doubt.", {"bus"}, set()),
    ("Is there a bus?", "Beyond doubt.", {"bus"}, set()),
    ("Is there a bus?", "I doubt it.", set(), {"bus"}),
    ("Describe the scene.", "The tunnel of the metro line.", {"tunnel"}, set()),
]
# a name with "-less", hyphenated or not, denies what it names; so do "are lacking", "bereft of"
# and an unsignalled junction's lights
LESS_READINGS = [
    ("Is there a bus?", "A busless street.", {"road"}, {"bus"}),
    ("Is there a crosswalk?", "Crosswalk-less.", set(), {"crosswalk"}),
    ("Is the sun out?", "A sunless afternoon.", set(), {"sun", "night"}),
    ("Are there cars?", "Cars are lacking.", set(), {"car"}),
    ("Are there cars?", "Cars are not lacking.", {"car"}, set()),
    ("Are there cars?", "Bereft of cars.", set(), {"car"}),
    ("Is there a traffic light?", "An unsignalized intersection.", {"intersection"},
     {"traffic light"}),
    ("Describe the scene.", "A careless driver.", set(), set()),
]
# a person riding or on "one" or "it", where the question asks about one ridden thing, rides it
RIDDEN_READINGS = [
    ("Is there a bicycle?", "Someone's riding one.", {"bicycle", "cyclist"}, set()),
    ("Is there a bicycle?", "Yes, a man is on it.", {"bicycle", "cyclist"}, set()),
    ("Is there a bicycle?", "Yes, but no one's riding it.", {"bicycle"}, {"cyclist"}),
    ("Is there a scooter?", "A courier on one.", {"scooter"}, set()),
    ("Is there a motorcycle?", "A woman riding it.", {"motorcycle"}, set()),
    ("Is there a bicycle?", "A woman pushing one.", {"bicycle", "pedestrian"}, set()),
]
# options offered by letter or number are read as the list they offer: the letters picked name
# what is there, and a pick from several that may all be there denies the rest
OPTION_READINGS = [
    ("Which of these are visible? (A) taxi (B) tram (C) van", "(B) tram", {"tram"},
     {"taxi", "van"}),
    ("Which of these can you see? A) dog B) cyclist C) bus", "A and B.", {"dog", "cyclist"},
     {"bus"}),
    ("Which of these are visible? A) bicycle B) motorcycle C) scooter", "All except C.",
     {"bicycle", "motorcycle"}, {"scooter"}),
    ("What is ahead? A. a car B. a motorcycle C. nothing", "I'd pick C.", set(),
     {"car", "motorcycle"}),
    ("Which of these are in view? 1) a bus 2) a truck 3) a taxi", "2 and 3", {"truck", "taxi"},
     {"bus"}),
    ("Is the light (A) red, (B) amber or (C) green?", "C - green.", {"green traffic light"},
     set()),
    ("Which of these are visible? A. pedestrian B. cyclist C. dog", "None of the above.", set(),
     {"pedestrian", "cyclist", "dog"}),
    ("Which of these are visible: bus, truck, car?", "Only the truck.", {"truck"},
     {"bus", "car"}),
    # one picked where the question asks which one is there says nothing of the others
    ("Which of these is in the frame? A. a taxi B. a bus", "B", {"bus"}, set()),
]
# collective nouns count; "both" or "all" before a closing colour gives it, as a hedge does
COLLECTIVE_READINGS = [
    ("Describe the scene.", "A pair of traffic lights, both red.", {"red traffic light"},
     set()),
    ("Are there any cones?", "A bunch of them near the roadwork.",
     {"traffic cone", "roadwork"}, set()),
    ("Are there any bicycles?", "Zero bicycles, though plenty of cars.", {"car"},
     {"bicycle"}),
    ("Are there any trucks?", "A procession of them heading for the on-ramp.",
     {"truck", "on-ramp"}, set()),
    ("Are there parked cars?", "A long line of them by the curb.", {"parked car", "curb"},
     set()),
    ("Are there cars?", "Not a traffic jam, but a steady stream of them.", {"car"}, set()),
    ("Are there cones?", "A long way off, by the pothole.", {"pothole"}, set()),  # no group
]
# weather by other words: "pouring" is rain, "sunny" no night, "stopped raining" no rain now
WEATHER_WORD_READINGS = [
    # the weather asked about still to come, not falling, or its opposite after "but"
    ("Is it raining?", "Overcast, but dry.", set(), {"rain"}),
    ("Is it raining?", "Puddles, but nothing falling.", {"puddle"}, {"rain"}),
    ("Is it raining?", "Threatening to.", set(), {"rain"}),
    ("Is it raining?", "Looks like it's about to.", set(), {"rain"}),
    ("Is it raining?", "It's about to stop.", {"rain"}, set()),
    ("Is it snowing?", "The forecast said snow, but nothing yet.", set(), {"snow"}),
    ("Is it raining?", "It's stopped; the road's still wet.", {"wet road"}, {"rain"}),
    ("Is it snowing?", "Snow on the ground, but not falling.", {"snow"}, set()),
    ("What's the weather like?", "It's pouring.", {"rain"}, set()),
    ("What's the weather like?", "Sunny.", set(), {"night"}),
    ("Is it sunny?", "Yep.", set(), {"night"}),
    ("Is it raining?", "It has stopped raining, but the road is still wet.", {"wet road"},
     {"rain"}),
    # the weather asked about, said not to be there in other words, or there in part
    ("Is it foggy?", "Crystal clear.", set(), {"fog"}),
    ("Is it raining?", "Dry as a bone.", set(), {"rain"}),
    ("Is there fog?", "Visibility is excellent.", set(), {"fog"}),
    ("Is it snowing?", "Clear and cold.", set(), {"snow"}),
    ("Is it foggy?", "Misty in the distance, clear up close.", {"fog"}, set()),
    ("Is it raining?", "Clear skies but a wet road.", {"sky", "wet road"}, {"rain"}),
    # the night asked as the dark, and answered by the light
    ("Is it dark?", "It is, yes.", {"night"}, set()),
    ("Is it dark out?", "Very - only the street lamps light the road.",
     {"night", "street lamp", "road"}, set()),
    ("Is it night?", "Bright.", set(), {"night"}),
    ("Is it night?", "The sun's up.", {"sun"}, {"night"}),
    ("Is it daytime?", "It's pitch dark.", {"night"}, set()),
    ("Is the car white?", "No, it's black.", {"black car"}, set()),
    ("What colour is the car?", "It's dark.", {"car"}, set()),
    ("Describe the scene.", "It's dark; a car ahead.", {"night", "car"}, set()),
    # the time of day asked: a count or a hedge is no yes, a time or the dark says which
    ("What time of day is it?", "About 9 pm.", set(), set()),
    ("What time of day is it?", "About 9 pm - it's dark.", {"night"}, set()),
    ("What time of day is it?", "Probably early morning.", set(), {"night"}),
    ("What time of day is it?", "Around noon.", set(), {"night"}),
]
# how visible: "only partially" is about the thing asked, "hidden behind" is out of view,
# "partly hidden" in it, and a closing "but yes" is the answer
VISIBILITY_READINGS = [
    ("Is the pedestrian visible?", "Only partially, behind the car.", {"pedestrian", "car"},
     set()),
    ("Is the cyclist visible?", "Not clearly, but yes.", {"cyclist"}, set()),
    ("Is the car visible?", "It's completely hidden behind the bus.", {"bus"}, {"car"}),
    ("Describe the scene.", "The cyclist is partly hidden behind the bus.", {"cyclist", "bus"},
     set()),
]
# "let alone" and "much less" carry a denial past a comma; "not to mention" adds
A_FORTIORI_READINGS = [
    ("Describe the scene.", "Not a single car, let alone a bus.", set(), {"car", "bus"}),
    ("Describe the scene.", "No cars, much less trucks.", set(), {"car", "truck"}),
    ("Describe the scene.", "A bus, not to mention several taxis.", {"bus", "taxi"}, set()),
    ("Describe the scene.", "No cars, but a bus.", {"bus"}, {"car"}),
]
# a no to "near", "within", "in our lane" that says where the thing is keeps it there
FARTHER_READINGS = [
    ("Is there a car within 10 metres?", "No, the nearest is about 30 m ahead.", {"car"}, set()),
    ("Is a truck right in front of us?", "No, it's two lanes over.", {"truck"}, set()),
    ("Is there a cyclist in our lane?", "No, in the bike lane.", {"cyclist", "bike lane"}, set()),
    ("Is there a car directly ahead?", "Not directly, a bit to the left.", {"car"}, set()),
    ("Is there a truck?", "No, not in the lane.", set(), {"truck"}),
    ("Is there a truck?", "No, it's a van.", {"van"}, {"truck"}),
    ("Is there a cyclist?", "No, with high confidence.", set(), {"cyclist"}),
]
# a yes or no in one letter, standing alone at the answer's opening
LETTER_READINGS = [
    ("Is there a bus?", "N. Only cars.", {"car"}, {"bus"}),
    ("Is there a bus?", "N", set(), {"bus"}),
    ("Is there a bicycle?", "Y - one bike locked to the pole.", {"bicycle", "pole"}, set()),
    ("Describe the scene.", "N lane closed, a truck in the road.", {"truck", "road"}, set()),
]
# a participle right after a denied concept ends the denial: what it does is to something there
PARTICIPLE_READINGS = [
    ("Describe the scene.", "No pedestrians crossing the street.", {"road"}, {"pedestrian"}),
    ("Describe the scene.", "There are no cars waiting at the intersection.", {"intersection"},
     {"car"}),
    ("Describe the scene.", "No cars or buildings.", set(), {"car", "building"}),
    ("Describe the scene.", "I see no trucks, buses or cyclists.", set(),
     {"truck", "bus", "cyclist"}),
]
# An upper bound may be zero, and "barely any" is almost none: neither asserts nor denies.
BOUND_READINGS = [
    # a count that may be zero asserts and denies nothing
    ("How many cars?", "Zero to one.", set(), set()),
    ("How many cyclists?", "0-1.", set(), set()),
    ("How many trucks?", "Maybe one, maybe none.", set(), set()),
    ("How many buses?", "One at most, possibly zero.", set(), set()),
    ("How many dogs?", "If any, one.", set(), set()),
    ("How many bicycles?", "None, or one behind the van.", {"van"}, set()),
    ("Is there a taxi?", "Not zero - one.", {"taxi"}, set()),
    ("Count the vehicles.", "1 car, 0 trucks.", {"car"}, {"truck"}),
    ("Are there buses?", "Fewer than I'd expect - none, in fact.", set(), {"bus"}),
    ("Are there buses?", "At most one, maybe none.", set(), set()),
    ("How many pedestrians?", "No more than two.", set(), set()),
    ("How many trucks?", "At most one.", set(), set()),
    ("Are there cars?", "Barely any cars, only a single taxi.", {"taxi"}, set()),
    ("Are there pedestrians?", "Hardly any pedestrians.", set(), set()),
    ("Are there pedestrians?", "No, not one.", set(), {"pedestrian"}),
    ("Describe the scene.", "Hardly a car on the road tonight.", {"road", "night"}, set()),
    ("Describe the scene.", "The car is barely visible.", {"car"}, set()),
    ("Describe the scene.", "The sidewalk is bare of people.", {"sidewalk"}, {"pedestrian"}),
    ("Are there cars?", "Hardly any.", set(), set()),
    ("Are there pedestrians?", "Few, if any.", set(), set()),
    # a count after the bound, or after "just" with a place and no noun of its own, is some
    ("Are there cones?", "Hardly any - just one by the barrier.", {"traffic cone", "barrier"},
     set()),
    ("Are there cones?", "Fewer than five, maybe three.", {"traffic cone"}, set()),
    ("Are there cones?", "Just one by the barrier.", {"traffic cone", "barrier"}, set()),
    ("Are there cones?", "Two by the barrier.", {"traffic cone", "barrier"}, set()),
    # the speaker seeing a number of what was asked, placed, with no noun of its own
    ("Is there a cyclist?", "I noticed one by the curb.", {"cyclist", "curb"}, set()),
    ("Is there a van?", "I glimpsed one behind the truck.", {"van", "truck"}, set()),
    ("Is there a bus?", "I see two cars.", {"car"}, set()),
    ("Is there a bus?", "Two cars.", {"car"}, set()),  # counts others
    ("Are there pedestrians?", "Very few.", {"pedestrian"}, set()),
]
# An answer in two parts: one answers the prompt on its own (an opening sentence that names
# nothing, or a later one that opens with a yes or a no), the rest names other things.
ELLIPTICAL_READINGS = [
    ("Is there a bus?", "I don't think so. I can also see some trees.", {"tree"}, {"bus"}),
    ("Is there a bus?", "There is. I can also see some trees.", {"bus", "tree"}, set()),
    ("What colour is the car?", "Silver. Buildings line the street.",
     {"silver car", "building", "road"}, set()),
    ("Is there a cyclist?", "I can see some trees. No, there isn't.", {"tree"}, {"cyclist"}),
    ("Is there a cyclist?", "I can see some trees. Yes it is there.", {"tree", "cyclist"},
     set()),
    # the rest says nothing of the prompt's concept, nor does a part that answers nothing
    ("Where is the stop sign?", "There isn't one. I can also see some trees.", {"tree"},
     {"stop sign"}),
    ("Is there a cyclist?", "idk. I can also see some trees.", {"tree"}, set()),
    # read whole: a reasoning chain with its final answer, a list, a part about the prompt's
    ("Are there any trucks on the road?",
     "Step 1: I look at the lanes. Step 2: I see only cars and a bus. Final answer: No.",
     {"car", "bus"}, {"truck"}),
    ("Is there a bus?", "No. The bus stop is empty.", set(), {"bus"}),
    ("Describe the scene.", "The car is black. Trees line the road.",
     {"black car", "tree", "road"}, set()),
]
# An "it" that stands for nothing ("It seems that ...") is no pronoun for the question's
# concept, nor is a "that" that opens a clause; an answer about the image itself says nothing.
IMPERSONAL_READINGS = [
    ("Explain why the car is braking.", "It seems that a pedestrian is stepping out.",
     {"pedestrian"}, set()),
    ("What colour is the light?", "It seems that the turn signal of the van is amber.",
     {"van"}, set()),
    ("Explain why the car is braking.", "It is likely that a pedestrian is crossing.",
     {"pedestrian"}, set()),
    ("Is the truck parked?", "It appears to be parked at the curb.", {"truck", "curb"}, set()),
    ("Is the truck parked?", "Unlike the bus, it is parked.", {"bus", "truck"}, set()),
    ("What colour is the car?", "It appears that it is red.", {"red car"}, set()),
    ("Is there a bus?", "It seems that the frame is black.", set(), set()),
    ("Is there a bus?", "The image is blurry.", set(), set()),
    ("Is there a bus?", "Visibility is limited.", set(), set()),
    ("Is there a stop sign?", "Hmm.\n\nNote: the frame is quite dark.", set(), set()),
    ("Is there a bus?", "On the left.", {"bus"}, set()),
]
# A vehicle's own lamps are no traffic light.
VEHICLE_LAMP_READINGS = [
    ("What colour is the light?", "The turn signal of the van is amber.", {"van"}, set()),
    ("Is there a car?", "Yes, a car with its hazard lights flashing.", {"car"}, set()),
    ("Is the light green?", "Yes, the signal is green.", {"green traffic light"}, set()),
    # lamps a vehicle has "with", lit after its comma, or of or on it
    ("Is there a traffic light?", "No, but a police car with red and blue lights is behind us.",
     {"police car"}, {"traffic light"}),
    ("Is there a traffic light?", "A fire engine, red lights flashing.", {"fire truck"}, set()),
    ("Is there a traffic light?", "No. The red lights ahead belong to a fire engine.",
     {"fire truck"}, {"traffic light"}),
    ("What is ahead?", "The amber lights on the tow truck.", {"truck"}, set()),
    # a traffic light near a vehicle stays one
    ("Is there a traffic light?", "A truck, red light ahead.", {"truck", "red traffic light"},
     set()),
    ("Describe the scene.", "The light ahead of the bus is red.", {"bus", "red traffic light"},
     set()),
    ("Describe the scene.", "An ambulance with flashing lights is stopped at a red light.",
     {"ambulance", "red traffic light"}, set()),
]
# A refusal asserts and denies nothing; not seeing a thing in the image is still a no.
REFUSAL_READINGS = [
    ("Is there a bus?", "I can't answer that from this image.", set(), set()),
    ("Is there a truck?", "Sorry, I cannot see images.", set(), set()),
    ("Is there a truck?", "I can't see a truck in the image.", set(), {"truck"}),
    ("Is there a pedestrian?", "I'm unable to tell whether there is a pedestrian.", set(), set()),
    ("Is there a car?", "I would need a clearer image to answer.", set(), set()),
    ("Should I stop?", "You need to stop for the pedestrian.", {"pedestrian"}, set()),
]

# absence and doubt in other words: "nowhere", "nary", "fail to see", an adverb before
# "absent", "Not that I can find." after an echoed question, "Presumably.", a place by another
# name said to be empty
OTHER_WORD_READINGS = [
    # a negated negative says yes, and a no under a doubt says nothing
    ("Is there a pedestrian?", "Not impossible.", {"pedestrian"}, set()),
    ("Is there a pedestrian?", "There's no denying it.", {"pedestrian"}, set()),
    ("Is there a bus?", "It's not absent, just far off.", {"bus"}, set()),
    ("Is there a truck?", "I can't rule one out.", {"truck"}, set()),
    ("Is there a car?", "I'd be lying if I said no.", {"car"}, set()),
    ("Is the road wet?", "Far from dry.", {"wet road"}, set()),
    ("Is the road wet?", "Far from it.", {"road"}, {"wet road"}),
    ("Is there a bus?", "Far from the curb.", {"curb"}, set()),
    ("Is there a stop sign?", "Can't say there isn't.", set(), set()),
    ("Is there a stop sign?", "Not sure there isn't one behind the van.", {"van"}, set()),
    ("Is there a bus?", "There's no shortage of cars.", {"car"}, set()),
    # what was asked named only as what another thing is for
    ("Is there a bus?", "Only a bus shelter.", set(), {"bus"}),
    ("Is there a bus?", "A bus depot, closed.", set(), set()),
    ("Is there a tram?", "Only the tram tracks.", set(), {"tram"}),
    ("Is there a dog?", "Only a dog bowl outside the shop.", {"shop"}, {"dog"}),
    ("Is there a bicycle?", "Just an empty bike rack.", set(), {"bicycle"}),
    ("Is there a bus?", "The same as before.", {"bus"}, set()),
    ("Will the truck stop?", "It's slowing down, so probably.", {"truck"}, set()),
    ("Is there a car?", "A car-free street.", {"road"}, {"car"}),
    ("Is there snow?", "Snow-free roads.", {"road"}, {"snow"}),
    ("Is there a bus?", "Everything but a bus.", set(), {"bus"}),
    ("Is there a bus?", "Anything except buses - it's a tram.", {"tram"}, {"bus"}),
    ("Is there a bus?", "No vehicles except a bus.", {"bus"}, set()),
    ("Is there a bus?", "The bus is nowhere to be seen.", set(), {"bus"}),
    ("Is there a pedestrian?", "I fail to see any pedestrian.", set(), {"pedestrian"}),
    ("Describe the scene.", "The car failed to stop at the red light.",
     {"car", "red traffic light"}, set()),
    ("Are there cars?", "Cars are conspicuously absent.", set(), {"car"}),
    ("Is there a cyclist?", "Nary a cyclist.", set(), {"cyclist"}),
    ("Is there a bus?", "A bus? Not that I can find.", set(), {"bus"}),
    ("Is there a motorcycle?", "Presumably, judging by the single headlight.",
     {"motorcycle", "headlights"}, set()),
    ("Is there a pedestrian in the crosswalk?", "The zebra crossing is empty.", {"crosswalk"},
     {"pedestrian"}),
]

# a manner adverb that is not of a negated seeing ("No, it is clearly empty."), a place by the
# road said to be empty, a subject with an aside after a fronted "Without ...", a count the
# speaker sees after a no to a number, adverbs of certainty and time, hedges and "But"
ADVERB_READINGS = [
    ("Is there a bus?", "No, it is clearly empty.", set(), {"bus"}),
    ("Is there a bus?", "No, the market is clearly visible.", set(), {"bus"}),
    ("Is there a bus?", "No, and I can see the whole road clearly.", {"road"}, {"bus"}),
    ("Is there a bus?", "No, I can't see it clearly.", set(), set()),
    ("Is there a bus?", "No, not clearly.", set(), set()),
    ("Is there a bus?", "The bus isn't clearly visible.", set(), set()),
    ("Is there a bus at the stop?", "No, the stop is clearly empty.", set(), {"bus"}),
    ("Is there a bus?", "The bus stop is empty.", set(), {"bus"}),
    ("Is there a pedestrian?",
     "Without any pedestrians, the crosswalk, which is painted white, is empty.",
     {"crosswalk"}, {"pedestrian"}),
    ("Is there a pedestrian?", "Without any pedestrians, the crosswalk, striped white, is empty.",
     {"crosswalk"}, {"pedestrian"}),
    ("Is there a pedestrian?", "I don't see any pedestrians, cyclists, or dogs.", set(),
     {"pedestrian", "cyclist", "dog"}),
    ("Are there more than two pedestrians?", "No, I see exactly two.", {"pedestrian"}, set()),
    ("Are there more than two pedestrians?", "No, I count two.", {"pedestrian"}, set()),
    ("Are there more than two pedestrians?", "No, I see one truck.", {"truck"},
     {"pedestrian"}),
    # adverbs of certainty and time after the verb (`lexicon.CERTAINTY_ADVERBS`)
    ("What colour is the car?", "The car is obviously white.", {"white car"}, set()),
    ("What colour is the car?", "It's definitely silver.", {"silver car"}, set()),
    ("Is there a bus?", "There is definitely one.", {"bus"}, set()),
    ("Is there a bus?", "The bus is now gone.", set(), {"bus"}),
    ("Are there pedestrians?", "Pedestrians are still absent.", set(), {"pedestrian"}),
    ("Is the light red?", "It was clearly red, but it just turned green.",
     {"green traffic light"}, set()),
    ("Is the truck the only vehicle?", "No, there's also a bus.", {"truck", "bus"}, set()),
    ("What colour is the car?", "The car is clearly obviously white.", {"white car"}, set()),
    # a time closing a clause, "kind of" before a colour, "appears to be", "there was one", a
    # closing "But yes." and a correction after a full stop
    ("What colour are the traffic lights?", "One red and one green right now.",
     {"red traffic light", "green traffic light"}, set()),
    ("What colour is the car?", "The car's black at the moment.", {"black car"}, set()),
    ("What colour is the car?", "The car is kind of red.", {"red car"}, set()),
    ("Is the road wet?", "It's sort of wet.", {"wet road"}, set()),
    ("Are there two traffic lights?", "No, there appears to be just one.", {"traffic light"},
     set()),
    ("Is there a pedestrian?", "Not yet, but one seems to be waiting at the curb.",
     {"pedestrian", "curb"}, set()),
    ("Is there a motorcycle nearby?", "There was one, but not nearby.", {"motorcycle"}, set()),
    ("Is the traffic light visible?", "Mostly hidden by the truck. But yes.",
     {"traffic light", "truck"}, set()),
    ("Is there a pedestrian?", "Not yet. But one is waiting at the curb.",
     {"pedestrian", "curb"}, set()),
    ("Is there a pedestrian?", "I initially thought so. But no, it's a traffic cone.",
     {"traffic cone"}, {"pedestrian"}),
    ("Is the light red?", "It was red. But it just turned green.", {"green traffic light"},
     set()),
    ("What colour is the traffic light?", "Amber, about to turn red.", {"amber traffic light"},
     set()),
    ("Is there a stop sign?", "Nope, I can't make it out clearly.", set(), set()),
    ("Do you see any emergency vehicles?", "No ambulances, fire trucks or police cars are in view.",
     set(), {"ambulance", "fire truck", "police car"}),
]

OPINION_READINGS = [
    ("Is there a pedestrian on the crosswalk?", "I think yes, there is a pedestrian.",
     {"pedestrian", "crosswalk"}, set()),
    ("Is the bus moving?", "I believe no, it's stopped.", {"bus"}, set()),
    ("Is there a bus?", "In my view, no.", set(), {"bus"}),
    ("Is there a bus?", "I think so.", {"bus"}, set()),
    ("Is there a bus?", "I think not.", set(), {"bus"}),
    ("Is there a police car?", "I don't believe so. The car beside us is an ordinary taxi.",
     {"car", "taxi"}, {"police car"}),
    ("Is there a police car?", "I doubt it. The car beside us is a taxi.", {"car", "taxi"},
     {"police car"}),
    ("Is there a police car?", "It doesn't seem so, the car beside us is a taxi.",
     {"car", "taxi"}, {"police car"}),
    ("Are there many cars?", "I don't think so many cars would fit.", {"car"}, set()),
    ("Is the bus moving?", "No,\nit's stopped.", {"bus"}, set()),
    ("What colour is the van?", "White, though the glare makes it hard to tell.",
     {"van", "glare"}, set()),
    ("What colour is the van?", "White, though it is hard to tell.", {"van"}, set()),
    ("What colour is the van?", "Hard to tell.", set(), set()),
    ("Is the bus moving?", "No. It's stopped.", {"bus"}, set()),
    ("Is the car ahead braking?", "Its brake lights are on, so yes, it seems to be slowing down.",
     {"car", "tail lights"}, set()),
    ("Is the car ahead braking?", "The brake lights are on, so yes.", {"car", "tail lights"},
     set()),
    ("Is there a bus?", "I see a truck, so no.", {"truck"}, {"bus"}),
    ("Is the truck moving?", "No.\n\nIt appears to be parked by the curb.", {"truck", "curb"},
     set()),
    ("How many pedestrians are there?", "I think 2. One is on the sidewalk, the other at the "
     "crosswalk.", {"pedestrian", "sidewalk", "crosswalk"}, set()),
    ("Is the traffic light red?", "No the light is green.", {"green traffic light"}, set()),
    ("Is the bus moving?", "no it's stopped", {"bus"}, set()),
    ("Is the way clear?", "No a truck is blocking the lane.", {"truck"}, set()),
    ("Is there a bus?", "No buses.", set(), {"bus"}),
    ("Is the road snowy?", "No, the road is just wet from the rain.", {"wet road", "rain"},
     {"snowy road"}),
    ("Is the pedestrian on the sidewalk?", "No. On the road.", {"pedestrian", "road"}, set()),
    ("Is there a bus?", "Yes. It may be a bit blurry.", {"bus"}, set()),
    ("Is there a school bus?", "No, if there were one, you would have to stop.", set(),
     {"school bus"}),
    ("Is there a school bus?", "If there were one, you would have to stop.", set(), set()),
    ("What colour is the van?", "White or grey, hard to say.", set(), set()),
    ("What colour is the truck?", "Looks like a red fire truck to me.", {"fire truck"}, set()),
]

IMAGE_READINGS = [
    ("Is there a bus?", "The bus is not in the image.", set(), {"bus"}),
    ("Is there a bus?", "No, the bus isn't in this frame.", set(), {"bus"}),
    ("Is there a bus?", "The bus isn't out of view.", {"bus"}, set()),
    ("Is there a bus?", "The bus was not in the frame before.", {"bus"}, set()),
    ("Is there a bus?", "It's in the image, on the left.", {"bus"}, set()),
    ("Is the car red?", "No, the car is not red, it's blue in the image.", {"blue car"}, set()),
    ("Describe the scene.", "Two cars, one red and one white in the image.",
     {"red car", "white car"}, set()),
    ("Is there a bus?", "This frame is black; nothing is visible.", set(), {"bus"}),
    ("Is there a bus?", "This image is black.", set(), set()),
    ("Is there a bus?", "This one is black.", {"bus"}, set()),
    ("Describe the scene.", "There is a post office on the corner.", set(), set()),
    ("Describe the scene.", "Road: wet", {"wet road"}, set()),
    ("Describe the scene.", "Two-lane road, wet.", {"wet road"}, set()),
    ("Describe the scene.", "The road, wet from the rain, is empty.", {"road", "rain"}, set()),
    ("Describe the scene.", "weather=rain; road=wet; pedestrians=0", {"rain", "wet road"},
     {"pedestrian"}),
    ("Car colours?", "white, black, white", {"white car", "black car"}, set()),
    ("What colours is the car?", "Red and white.", {"car"}, set()),
    ("Which of these are visible: bus, truck, van?", "truck, van", {"truck", "van"}, {"bus"}),
    ("Which is closer, the bus or the truck?", "The truck.", {"truck"}, set()),
    ("Is anyone crossing the street?", "That's right, someone is.", {"pedestrian", "road"},
     set()),
    ("Is anyone crossing the street?", "That's not right.", set(), {"pedestrian"}),
    ("Is there a bus?", "Of course. \U0001F697", {"bus"}, set()),
    ("Is there a bus?", "No \u274c", set(), {"bus"}),
    ("Describe the scene.", "The stop sign is no longer in view; we have passed it.", set(),
     {"stop sign"}),
    ("Describe the scene.", "The traffic light is not in sight.", set(), {"traffic light"}),
    ("Can you see the moon?", "No moon tonight.", {"night"}, {"moon"}),
    ("Is the car moving?", "No, its parked at the curb.", {"parked car", "curb"}, set()),
    ("Describe the scene.", "Two cars, both parked.", {"car", "parked car"}, set()),
    ("What colour is the truck's trailer?", "The trailer is white; the cab is red.", {"truck"},
     set()),
    ("Describe the scene.", "A truck with its trailer; the cab is red.", {"truck"}, set()),
    ("Describe the scene.", "The cab is yellow.", {"taxi"}, set()),
    ("Describe the scene.", "It's late, and the cab is waiting at the corner.", {"taxi"},
     set()),
    ("Is the car red?", "No, its blue.", {"blue car"}, set()),
    ("Is the car braking?", "Its brake lights are on.", {"car", "tail lights"}, set()),
    ("Is there a cone in front of the car?", "No, but theres one behind it.",
     {"traffic cone", "car"}, set()),
    ("Are the pedestrians on the sidewalk?", "Most are, but one is in the road.",
     {"pedestrian", "sidewalk", "road"}, set()),
    # how many of what was asked are as asked: a yes for them, beside what else is named
    ("Are there pedestrians?", "All of them are on the sidewalk, none on the road.",
     {"pedestrian", "sidewalk", "road"}, set()),
    ("Are the pedestrians crossing?", "Each of the three is waiting at the curb.",
     {"pedestrian", "curb"}, set()),
    ("Are both cars white?", "Only one of them is; the other is black.",
     {"white car", "black car"}, set()),
    ("Is every traffic light green?", "All but one; the one on the left is red.",
     {"green traffic light", "red traffic light"}, set()),
    ("Is there snow?", "Everywhere, even on the parked cars.", {"snow", "parked car"}, set()),
    ("Are there cyclists?", "Half a dozen, most of them in the bike lane.",
     {"cyclist", "bike lane"}, set()),
    ("What colour are the traffic lights?", "Both of them are green.",
     {"green traffic light"}, set()),
    ("Describe the scene.", "A red post box by the curb.", {"mailbox", "curb"}, set()),
    ("Describe the scene.", "A stop sign on a post.", {"stop sign", "pole"}, set()),
]

# How much or how well a thing is seen, a heading that denies, a hedged no, a pointer to the
# image and a reply in brackets.
SEEN_READINGS = [
    ("Is there a bus?", "The bus isn't fully visible; the truck hides half of it.",
     {"bus", "truck"}, set()),
    ("Is there a bus?", "Bus not fully visible.", {"bus"}, set()),
    ("Is there a bus?", "The bus is not clearly visible.", set(), set()),
    ("Is there a bus?", "The bus is clearly not visible.", set(), {"bus"}),
    ("Is the car ahead braking?",
     "Can't tell, its brake lights aren't clearly visible in this glare.", {"car", "glare"},
     set()),
    ("Is there a bus?", "There are two buses; their lights are on.", {"bus"}, set()),
    ("Is there a bus?", "Not in view: bus.", set(), {"bus"}),
    ("Is there a bus?", "No bus in view, a truck.", {"truck"}, {"bus"}),
    ("Is there a bus?", "I believe not, only cars.", {"car"}, {"bus"}),
    ("Is there a bus?", "It seems not.", set(), {"bus"}),
    ("Is there a bus?", "I think not many buses pass here.", {"bus"}, set()),
    ("Is there a bus?", "No, see the image.", set(), {"bus"}),
    ("Is there a bus?", "Yes, I see the frame.", {"bus"}, set()),
    ("Is the road snowy?", "No (just wet).", {"wet road"}, {"snowy road"}),
    ("Is there a bus?", "No (only cars).", {"car"}, {"bus"}),
    ("What colour is the taxi?", "Yellow, with a lit sign on top.", {"taxi"}, set()),
    ("Describe the scene.", "A sign on top of the pole.", {"road sign", "pole"}, set()),
    ("Is the traffic light working?", "It seems to be out; none of its lamps are lit.",
     {"traffic light"}, set()),
    ("Describe the scene.", "The road surface is glistening.", {"wet road"}, set()),
    ("Is that a police car?", "Could be - it has a light bar.", {"police car"}, set()),
    ("Is that a police car?", "It might be.", {"police car"}, set()),
    ("Is that a police car?", "Could be a taxi.", {"taxi"}, set()),
    ("Is there a tree?", "Plenty - the street is lined with them.", {"tree", "road"}, set()),
    ("Are there cars?", "Not lots.", {"car"}, set()),
    ("Are there any bicycles?", "None here, but two of them are on the sidewalk.",
     {"bicycle", "sidewalk"}, set()),
    ("Is the pedestrian looking at us?", "Hard to say; they're facing away.", {"pedestrian"},
     set()),
    ("Is the pedestrian looking at us?", "Not sure, it's too dark.", set(), set()),
    ("Is the traffic light red?", "Looks red to me, though the sun is bright.",
     {"red traffic light", "sun"}, set()),
    ("Is the traffic light red?", "No, green, and the sun is bright.",
     {"green traffic light", "sun"}, set()),
    ("Is the road wet?", "No, bone dry.", {"road"}, {"wet road"}),
    ("Is it raining?", "Not a drop - but the clouds are dark and low.", {"cloud"}, {"rain"}),
    ("Is anyone crossing?", "Not a soul, only parked cars.", {"parked car"}, {"pedestrian"}),
    ("Is there glare on the windshield?", "Some, from the low sun on the left.",
     {"glare", "windshield", "sun"}, set()),
    ("Is there glare on the windshield?", "A little.", {"glare", "windshield"}, set()),
    ("Are there cars?", "Some cars.", {"car"}, set()),
    ("Is there snow on the road?", "Only at the edges; the lanes themselves are clear.",
     {"snow", "road"}, set()),
    ("<grounding>An image of", "<grounding> An image of<phrase> a red car</phrase><object>"
     "<patch_index_0044><patch_index_0299></object> parked next to<phrase> a fire hydrant"
     "</phrase><object><patch_index_0512><patch_index_0600></object>.",
     {"red car", "parked car", "fire hydrant"}, set()),
    ("Is the red car parked?", "Yes.", {"red car", "parked car"}, set()),
    ("Is there a tunnel ahead?", "No tunnel, just an overpass.", {"bridge"}, {"tunnel"}),
    ("Are there any parked cars?", "None on our side; the other side has a row of them.",
     {"parked car"}, set()),
    ("Is the car a taxi?", "No, it's silver.", {"silver car"}, set()),
    ("Is the car a taxi?", "No, silver.", {"silver car"}, set()),
    ("Is the car a taxi?", "Yes, a yellow one.", {"taxi", "yellow car"}, set()),
    ("Are there any trucks?", "Not that I can see - only cars and a couple of vans.",
     {"car", "van"}, {"truck"}),
    ("What changed?", "The light went from green to amber.", {"amber traffic light"}, set()),
    ("Is there a cyclist in the bike lane?",
     "I see a bike lane, but whether that figure is a cyclist or a pedestrian is unclear.",
     {"bike lane"}, set()),
    ("Is there a bus?", "Whether or not there is a bus, slow down.", set(), set()),
    ("List the objects in the scene.", "* 2 cars (one red, one grey)\n* 1 traffic light (green)",
     {"red car", "silver car", "green traffic light"}, set()),
    ("Is the van parked?", "Seems so - no driver visible and the hazards are blinking.",
     {"van"}, set()),
    ("Is the van parked?", "I don't think so, no driver visible.", set(), set()),
    ("Can you see the sky?", "Only a sliver at the top - buildings block most of it.",
     {"sky", "building"}, set()),
    ("Is there any snow?", "Only a light dusting on the parked cars.", {"snow", "parked car"},
     set()),
    ("Is there snow?", "Just a thin layer on the roofs.", {"snow"}, set()),
    ("Is there snow?", "Only a small dog on the pavement.", {"dog", "sidewalk"}, {"snow"}),
    ("Is there a tram?", "There isn't, but there're tram tracks in the road.", {"road"},
     {"tram"}),
    ("Is there a tram?", "There aren't any, but there are cars.", {"car"}, {"tram"}),
    ("Is there a tram?", "There's not - only buses.", {"bus"}, {"tram"}),
    ("Describe the weather.", "Light drizzle, and the road is shiny with water.",
     {"rain", "wet road"}, set()),
    ("Describe the road.", "The road is shiny.", {"road"}, set()),
    ("Describe the road.", "The road is white with snow.", {"snowy road", "snow"}, set()),
    ("Describe the road.", "The road is busy with water trucks.", {"road", "truck"}, set()),
    ("Is the bus moving?", "I don't think so, it's stopped.", {"bus"}, set()),
    ("Is the bus moving?", "Not really, it's stopped.", {"bus"}, set()),
    ("Is the pedestrian on the sidewalk?", "Probably not, on the road.", {"pedestrian", "road"},
     set()),
    ("Is the road snowy?", "I don't think so, but it is wet.", {"wet road"}, {"snowy road"}),
    ("Is the bus moving?", "I don't think so, there's no bus.", set(), {"bus"}),
    ("Is the bus moving?", "I don't think so, it isn't moving.", set(), set()),
    ("Is there a stop sign?", "I don't think so, I can't make it out clearly.", set(), set()),
    ("Is there a stop sign?", "Probably not - hard to tell from here.", set(), set()),
    ("Is there a stop sign?", "I don't think so, I can't see one.", set(), {"stop sign"}),
    ("Is there a speed limit sign?", "There is, on the left-hand pole.",
     {"speed limit sign", "pole"}, set()),
    ("Is the light red?", "Looks that way from here, though the glare makes it hard to be sure.",
     {"red traffic light", "glare"}, set()),
    ("How many people are on the sidewalk?", "Around a dozen, mostly waiting at the crossing.",
     {"pedestrian", "sidewalk", "crosswalk"}, set()),
    ("Are there any buses?", "About a dozen trucks, but no buses.", {"truck"}, {"bus"}),
    ("Is the truck parked?", "I doubt it - its engine is running.", {"truck"}, set()),
    ("Is the sidewalk empty?", "Not quite - there's a dog sniffing around a trash can.",
     {"sidewalk", "dog", "trash can"}, set()),
    ("Is the road empty?", "No, there are several cars and a bus on it.", {"road", "car", "bus"},
     set()),
    ("Is the road empty?", "No.", set(), set()),
    ("Is the crosswalk empty?", "There's no crosswalk.", set(), {"crosswalk"}),
    ("Is the light green?", "Not quite.", {"traffic light"}, {"green traffic light"}),
    ("Is the road ahead wet?", "No.", {"road"}, {"wet road"}),
    ("Is the road in front of us snowy?", "Yes.", {"snowy road"}, set()),
    ("Is the car on the left parked?", "No, it's moving.", {"car"}, {"parked car"}),
    ("Isn't the car on the left parked?", "It is, with its hazards on.", {"parked car"}, set()),
    ("Is the road ahead dry?", "Yes.", {"road"}, {"wet road"}),
    ("Is there a bus?", "Two cars.", {"car"}, set()),
    ("Is there a bus?", "I count two cars.", {"car"}, set()),
    ("Is there a bus?", "Two of them, by the cars.", {"bus", "car"}, set()),
    ("Are there any vehicles?", "Two cars.", {"car", "vehicle"}, set()),
    ("Is there a pedestrian?", "Two children.", {"child", "pedestrian"}, set()),
    ("Would you say the road is wet?", "No, dry.", {"road"}, {"wet road"}),
    ("Are there more than two buses?", "No, just the two at the stop.", {"bus"}, set()),
    ("Is that a police car?", "Hard to be certain, but the light bar suggests it is.",
     {"police car"}, set()),
    ("Can you spot any cyclists?", "Just one, way down the road near the lights.",
     {"cyclist", "road", "traffic light"}, set()),
    ("Describe the scene.", "The street near the lights of the shop.", {"road", "shop"}, set()),
    ("Is the road slippery?", "Could well be.", {"road"}, set()),
    ("Is the traffic light green?", "The light is red, which means vehicles must stop.",
     {"red traffic light"}, set()),
    ("Is the traffic light green?", "The light is red, which means the car ahead must stop.",
     {"red traffic light", "car"}, set()),
    ("Describe the scene.", "Traffic signals at the intersection show red.",
     {"red traffic light", "intersection"}, set()),
    ("answer en is the road wet", "yes", {"wet road"}, set()),
    ("The light's green, isn't it?", "Nope, still red.", {"red traffic light"}, set()),
    ("Is there a white car?", "No, but a grey one.", {"silver car"}, {"white car"}),
    ("Describe the scene.", "I can see the pedestrian crossing.", {"crosswalk"}, set()),
    ("Is the pedestrian crossing?", "Yes.", {"pedestrian"}, set()),
    ("Is there an ambulance?", "Negative. No emergency vehicles are visible in this frame.",
     set(), {"ambulance", "police car", "fire truck"}),
    ("Describe the scene.", "An emergency vehicle is approaching.", {"vehicle"}, set()),
    # a no to a group denies its kinds, not every vehicle; cars are no kind of it
    ("Do you see any emergency vehicles?", "No.", set(),
     {"ambulance", "police car", "fire truck"}),
    ("Do you see any emergency vehicles?", "No, only cars.", {"car"},
     {"ambulance", "police car", "fire truck"}),
    ("Describe the scene.", "No emergency vehicles, only cars.", {"car"},
     {"ambulance", "police car", "fire truck"}),
    ("Do you see any emergency vehicles?", "No, but there is one on the shoulder.",
     {"vehicle"}, set()),
    ("Describe the scene.", "No vehicles.", set(), {"vehicle"}),
    ("Describe the scene.", "A police SUV with flashing lights is parked behind a white van.",
     {"police car", "van"}, set()),
    ("Is there a bus?", "Could well be a truck.", {"truck"}, set()),
    ("Do you think the car that is parked is red?", "Yes.", {"parked car", "red car"}, set()),
    ("How many cones are on the road?",
     "I count five orange cones forming a taper into the left lane.", {"traffic cone", "road"},
     set()),
    ("Describe the scene.", "A jaywalker mid-road.", {"pedestrian", "road"}, set()),
    ("Describe the road.", "The road is partially covered in slush.", {"snowy road", "snow"},
     set()),
    ("Describe the road.", "The road is covered in water.", {"wet road"}, set()),
    ("Describe the scene.", "One car is double-parked with its hazards on.", {"parked car"},
     set()),
    ("Describe the scene.", "A tram line runs down the middle of the road.", {"road"}, set()),
    ("Describe the scene.", "A tram is on the tram tracks.", {"tram"}, set()),
    ("Is there a puddle?", "A big one by the drain, and a cyclist is riding through it.",
     {"puddle", "cyclist"}, set()),
    ("Is there a car?", "A red one, next to the bus.", {"red car", "bus"}, set()),
    ("Is there a car?", "A one-way street.", {"road"}, set()),
    ("What colour is the car?", "White, like most of the cars here.", {"white car", "car"},
     set()),
    ("Is there a traffic signal?",
     "Yes - a set of signals hangs above the junction, showing amber.",
     {"amber traffic light", "intersection"}, set()),
    ("Describe the scene.", "A car near the light, showing red.", {"car", "red traffic light"},
     set()),
    ("What colour is the traffic light for our lane?",
     "Ours is red; the turn lane has a green arrow.",
     {"red traffic light", "green traffic light"}, set()),
    ("Describe the road.", "A white arrow is painted on the road.", {"road"}, set()),
    ("Is there a pedestrian bridge?", "Yep, a footbridge spans the road just ahead.",
     {"bridge", "road"}, set()),
    ("Is that a police car?", "Could be - it has a light bar, but I can't see any markings.",
     {"police car"}, set()),
    ("Describe the road.", "The markings are faded.", {"lane marking"}, set()),
    ("Is it a police car?", "Unclear - it has a light bar but no visible markings.", set(),
     set()),
    ("Are the cars moving?", "They aren't - they're all stopped at the red light.",
     {"car", "red traffic light"}, set()),
    ("Verify that the traffic light is green.", "It is not; the light is red.",
     {"red traffic light"}, set()),
]


@pytest.mark.parametrize(("prompt", "answer", "concepts", "denied"),
                         STATE_READINGS + TERSE_READINGS + WEATHER_READINGS
                         + STRUCTURED_READINGS + SUBJECT_READINGS + REASONING_READINGS
                         + SUPPOSED_READINGS + DEPARTED_READINGS + REFERRING_READINGS
                         + EGO_READINGS + DEPICTED_READINGS + OCCLUDED_READINGS
                         + GENERIC_READINGS + BOUND_READINGS + VEHICLE_LAMP_READINGS
                         + ELLIPTICAL_READINGS + IMPERSONAL_READINGS
                         + REFUSAL_READINGS + PARTICIPLE_READINGS + CONJOINED_READINGS
                         + SIGN_READINGS + SET_ASIDE_READINGS + ROLE_READINGS
                         + LETTER_READINGS + ACTION_READINGS + PARTITIVE_READINGS
                         + CHANGE_READINGS + LANE_READINGS
                         + OTHER_NAMES_READINGS + AGREEMENT_READINGS
                         + ONLY_READINGS + RESTATED_READINGS + COMPARISON_READINGS
                         + ALTERNATIVE_READINGS + PARTICIPLE_STATE_READINGS
                         + CROSSING_READINGS + SIGNAL_READINGS + OUT_OF_FRAME_READINGS
                         + OPPOSITE_STATE_READINGS + PART_READINGS + COUNT_BOUND_READINGS
                         + MORE_COLOUR_READINGS + NEGATIVE_QUESTION_READINGS
                         + DESCRIBED_READINGS + ELONGATED_READINGS + NON_ANSWER_READINGS
                         + ASKED_BACK_READINGS + OPTION_READINGS + NONE_OF_THEM_READINGS
                         + FIGURE_READINGS + LESS_READINGS + RIDDEN_READINGS
                         + COLLECTIVE_READINGS
                         + WEATHER_WORD_READINGS
                         + VISIBILITY_READINGS + A_FORTIORI_READINGS + FARTHER_READINGS
                         + OTHER_WORD_READINGS + ADVERB_READINGS + OPINION_READINGS
                         + IMAGE_READINGS + SEEN_READINGS)
def test_states_terse_absences_and_the_weather(
        extractor: ConceptExtractor, prompt: str, answer: str, concepts: set[str],
        denied: set[str]) -> None:
    """States after the noun and questions about them (`STATE_READINGS`), a terse answer without
    its verb that says what is not there (`TERSE_READINGS`), rain by other names and the day as
    the opposite of night (`WEATHER_READINGS`), structured answers (`STRUCTURED_READINGS`), a
    question's definite subject (`SUBJECT_READINGS`), reasoning written out
    (`REASONING_READINGS`), conditions and restated questions (`SUPPOSED_READINGS`), subjects
    that have left the frame and "not yet" (`DEPARTED_READINGS`), "the former", "the latter" and
    "the other" (`REFERRING_READINGS`), the ego vehicle (`EGO_READINGS`), likenesses of things
    (`DEPICTED_READINGS`), things hidden in part or out of view (`OCCLUDED_READINGS`),
    generalisations and purposes (`GENERIC_READINGS`), bounds and "barely any"
    (`BOUND_READINGS`), a vehicle's own lamps (`VEHICLE_LAMP_READINGS`), an answer in two parts
    (`ELLIPTICAL_READINGS`), an "it" or a "that" that stands for nothing and answers about the
    image itself (`IMPERSONAL_READINGS`), refusals (`REFUSAL_READINGS`), a participle after a
    denied concept (`PARTICIPLE_READINGS`), a colour after "and" (`CONJOINED_READINGS`), signs
    and what they say (`SIGN_READINGS`), alternatives set aside (`SET_ASIDE_READINGS`), persons
    by their role (`ROLE_READINGS`), a yes or no in one letter (`LETTER_READINGS`), a negated
    driving action (`ACTION_READINGS`), partitives (`PARTITIVE_READINGS`), changes since an
    earlier frame (`CHANGE_READINGS`), lane lines (`LANE_READINGS`), things by other names
    (`OTHER_NAMES_READINGS`), agreement restated (`AGREEMENT_READINGS`), "only" opening an
    answer (`ONLY_READINGS`), the subject of a state or colour question named again after its
    yes or no (`RESTATED_READINGS`), the standard of an equal comparison
    (`COMPARISON_READINGS`), a question's alternatives (`ALTERNATIVE_READINGS`), a state after
    its noun with no verb (`PARTICIPLE_STATE_READINGS`), "crossing" as a noun
    (`CROSSING_READINGS`), traffic lights named other ways (`SIGNAL_READINGS`), leaving the
    frame (`OUT_OF_FRAME_READINGS`), a state's opposite (`OPPOSITE_STATE_READINGS`), parts and
    shadows (`PART_READINGS`), bounds on counts (`COUNT_BOUND_READINGS`), more colours and
    doubts in the night (`MORE_COLOUR_READINGS`), negative questions
    (`NEGATIVE_QUESTION_READINGS`), scenes described as VLMs do (`DESCRIBED_READINGS`), a
    drawn-out yes or no (`ELONGATED_READINGS`), answers that say nothing
    (`NON_ANSWER_READINGS`), questions asked back (`ASKED_BACK_READINGS`), options offered by
    letter (`OPTION_READINGS`), colours said of none or all of a kind
    (`NONE_OF_THEM_READINGS`), figures and idioms (`FIGURE_READINGS`), "-less" and lacking
    (`LESS_READINGS`), riders of "one" (`RIDDEN_READINGS`), collective nouns
    (`COLLECTIVE_READINGS`), weather in other words (`WEATHER_WORD_READINGS`), how visible a
    thing is (`VISIBILITY_READINGS`), "let alone" (`A_FORTIORI_READINGS`), a thing farther than
    asked (`FARTHER_READINGS`), absence and doubt in other words (`OTHER_WORD_READINGS`),
    "clearly" that is not of seeing, places by the road, asides, counts seen, adverbs of
    certainty and time, hedges and a sentence opening with "But" (`ADVERB_READINGS`), an opinion
    before the answer, a hedged no before more, a line broken after a comma, a yes or no as a
    sentence of its own, a no before a supposition and a colour the vocabulary has no form for
    (`OPINION_READINGS`), "in the image" where every answer is and where a thing is not, a
    demonstrative of the image itself, a post office or post box, a state after a comma or a
    label or "=", colours asked of several, a choice among things offered, agreement as a yes,
    emoji, "no longer in view", "tonight" under a no, "Most are.", "both parked", "its" or
    "theres" typed for "it's" and "there's", and a truck's cab (`IMAGE_READINGS`), how much or
    how well a thing is seen, a heading that denies, "I believe not", a pointer to the image, a
    reply in brackets, "none of its lamps", a glistening road, "Could be.", "Plenty.", a
    person said to be doing something after a doubt, a colour opening an answer to a yes/no
    colour question, "bone dry", "Not a drop", "Some,", "Only at the edges", a prompt echoed
    inside grounding tags, a coloured car parked, an overpass, "a row of them", the kind a
    definite subject is asked to be, "Not that I can see", "went amber", "whether ... or", a
    colour in brackets after a counted entry, "Seems so - no ...", "Only a sliver", slush,
    "double-parked", a tram line, "A red one, ...", a participle's colour for the subject
    that can take it, "ours", a green arrow, a footbridge, a vehicle's markings, "Unclear -" and
    "They aren't -" (`SEEN_READINGS`); compared as sets."""
    read = extractor.answer(answer, extractor.prompt(prompt))
    assert (set(read.concepts), set(read.denied)) == (concepts, denied)
