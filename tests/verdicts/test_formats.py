"""Answers in the formats VLM families write, as the prose the reader takes
(`operators/verdicts/formats.py`)."""

from __future__ import annotations

import pytest

from drivexplain.operators.verdicts.formats import (
    correction,
    options,
    plain_answer,
    question_text,
    questions_asked,
    spoken,
    unframed,
)


@pytest.mark.parametrize(("answer", "prose"), [
    # grounding tags: what they label stays, the box goes
    ("<ref>car</ref><box>(102,340),(310,520)</box>", "car"),
    ("<ref>the car in front</ref><box>[[300, 310, 420, 400]]</box> is red.",
     "the car in front is red."),
    ("<|object_ref_start|>bus<|object_ref_end|><|box_start|>(1,2),(3,4)<|box_end|>", "bus"),
    ("<phrase>A red car</phrase><object><patch_index_0044><patch_index_0863></object> is "
     "parked.", "A red car is parked."),
    ("car<loc_12><loc_40><loc_100><loc_200>", "car"),
    ("Yes.</s>", "Yes."),
    ("<|im_start|>assistant\nYes, one is leaning against a pole.<|im_end|>",
     "Yes, one is leaning against a pole."),
    ("No<|im_end|>", "No"),
    ("[INST] Is there a cyclist? [/INST] No.", "No."),  # the echoed turn is no answer
    # coordinates are positions, not counts; a lone number in brackets stays
    ("The stop sign is at [0.81, 0.22, 0.88, 0.41].", "The stop sign is at ."),
    ("Two cars (2) ahead.", "Two cars (2) ahead."),
    # JSON: its labels, with their colours; boxes and scores go; empty says none
    ('[{"bbox_2d": [120, 300, 260, 410], "label": "car"}, {"bbox_2d": [1, 2, 3, 4], '
     '"label": "bus"}]', "car, bus"),
    ('```json\n[{"label": "traffic light", "score": 0.9}]\n```', "traffic light"),
    ('{"vehicles": [{"type": "car", "color": "black"}, {"type": "truck", "color": "white"}]}',
     "vehicles: black car, white truck"),
    ("[]", "none"),
    ('{"detections": []}', "detections: none"),
    ('{"present": false}', "present: no"),
    ('{"truck_present": "no", "num_cars": 2}', "truck: no\ncars: 2"),
    ('{"car": 3, "truck": 0}', "car: 3\ntruck: 0"),
    ('{"road_wet": true, "car_is_parked": false}', "wet road: yes\nparked car: no"),
    ('{"car": [[1, 2, 3, 4], [5, 6, 7, 8]], "bus": []}', "car\nbus: none"),
    # a printed Python literal is read as JSON is (Florence-2), and a tag's attributes go
    # (Molmo's points)
    ("{'<OD>': {'bboxes': [[33.6, 160.1, 381.4, 334.4]], 'labels': ['car']}}", "labels: car"),
    ('<point x="30.1" y="55.2" alt="pedestrian">pedestrian</point>', "pedestrian"),
    ("{not a literal, a car", "{not a literal, a car"),
    # an object described under its label: its colour or state, or "no" when not visible
    ('{"traffic_light": {"visible": true, "colour": "red"}}', "red traffic light"),
    ('{"bus": {"visible": false}, "car": {"state": "parked"}}', "no bus\nparked car"),
    # a detection with its label that says it is not there, beside one that is: the "no"
    # stays with its own label
    ('{"name": "dog", "present": false}', "no dog"),
    ('[{"label": "dog", "detected": false}, {"label": "car", "detected": true}]',
     "no dog; car"),
    # the same fields one to a line, or as a YAML list, whatever their indentation
    ("label: traffic_light\nstate: red", "red traffic_light"),
    ("Object: car\nColour: blue\nConfidence: high", "blue car"),
    ("- label: dog\n detected: no\n- label: car\n detected: yes", "no dog; car"),
    ("objects:\n  - name: bus\n    colour: yellow\n  - name: stop sign", "yellow bus, stop sign"),
    # fields that describe no named thing stay prose
    ("Color: red\nReason: the lamp is lit", "Color: red\nReason: the lamp is lit"),
    # an XML answer's <object> names what it holds; Kosmos-2's holds patch indices (above)
    ("<scene><object>truck</object><object>traffic cone</object></scene>",
     "truck traffic cone"),
    # a nuScenes category is the thing it names, not its super-category too; a sentence that
    # ends on "vehicle." is left alone
    ("vehicle.car: 3\nhuman.pedestrian.adult: 1\nmovable_object.trafficcone: 2",
     "car: 3\npedestrian adult: 1\ntrafficcone: 2"),
    ("No cyclist. Detected: vehicle.bus.rigid.", "No cyclist. Detected: bus rigid."),
    # where its words do not name the thing, the thing's name stands for them
    ("vehicle.emergency.police, vehicle.construction", "police car, vehicle"),
    # a time in a clip says when, not how many; a multiple is a count
    ("12:03:44 car x2, pedestrian x1, bus x0", " car: 2, pedestrian: 1, bus: 0"),
    ("2x car, 1x bus", "2 car, 1 bus"),
    ("A white BMW X5 is parked.", "A white BMW X5 is parked."),
    ("[00:02] A cyclist enters.", "  A cyclist enters."),
    ("t=3.2s: pedestrian crossing ahead.", " : pedestrian crossing ahead."),
    ("At your 10 o'clock.", "At your 10 o'clock."),
    ("A vehicle. Car ahead.", "A vehicle. Car ahead."),
    # a yes/no question the answer opens with, and answers, asks and says nothing; alone, it
    # is all there is
    ("Is it a bus? Yes.", "Yes."),
    ("Do you see anyone? Because I don't.", "Because I don't."),
    ("Is that a bus?", "Is that a bus?"),
    # keys in any case
    ('{"Vehicles": [{"Type": "Car", "Color": "Black"}]}', "Vehicles: Black Car"),
    ('{"Traffic_Light": {"Visible": true, "Colour": "Red"}}', "Red Traffic Light"),
    # the JSON is the answer: the chatter around it goes ("Sure!" is no yes)
    ('Here are the detections:\n[{"label": "car", "bbox_2d": [1, 2, 3, 4]}]\nLet me know!',
     "car"),
    ("Sure! ```json\n[]\n```", "none"),
    # prose is left alone, brackets and all
    ("Yes (left lane), a red one.", "Yes (left lane), a red one."),
    ("[The image shows a bus.]", "[The image shows a bus.]"),
    # a light's change of colour is read at its end
    ("It is turning from green to amber.", "It is turning amber."),
    # a negated negation says the thing is so; a negated calling is one negation
    ("I wouldn't say it isn't red.", "it is red."),
    ("It's not like there's no stop sign - it's faded.", "there's stop sign - it's faded."),
    ("I wouldn't say there are no cars.", "there are cars."),
    ("I wouldn't call it dry; there are puddles.", "it isn't dry; there are puddles."),
    ("I can't say the bus isn't there.", "I can't say the bus isn't there."),  # a doubt
    ("I WOULDN'T SAY IT ISN'T RED.", "IT IS RED."),
    # a probability given for a thing: under 0.4 none, from 0.6 there, between as written
    ("Probability of a bus: 0.1.", "no bus."),
    ("Chance of rain in this frame: near zero.", "no rain."),
    ("P(bus) = 0.8", "bus"),
    ("Odds of a cyclist: 50%.", "Odds of a cyclist: 50%."),
    ("ID 3 (car) left the frame.", "the car left the frame."),  # a tracker's id
])
def test_plain_answer(answer: str, prose: str) -> None:
    assert " ".join(plain_answer(answer).split()) == " ".join(prose.split())


def test_options_are_lettered_from_a_in_order() -> None:
    assert options("Is there a cone? (A) Yes (B) No") == {"A": "Yes", "B": "No"}
    assert options("Which is in the image? A. bus B. bicycle C. stop sign") == {
        "A": "bus", "B": "bicycle", "C": "stop sign"}
    assert options("Options:\nA) left\nB) right") == {"A": "left", "B": "right"}
    assert options("Is there a car at exit B. or C.?") == {}  # not from A
    assert options("Is there a car? (A) Yes") == {}  # one option is no choice
    assert options("Is there a bus?") == {}
    assert options("Is the road wet? a. yes b. no") == {"A": "yes", "B": "no"}
    # an option ends at its line's end: the instruction after it is not its text
    assert options("Is there a car?\nA. Yes\nB. No\nAnswer with the option's letter.") == {
        "A": "Yes", "B": "No"}


@pytest.mark.parametrize(("answer", "prose"), [
    ("B", "No"),
    ("(B) No", "No"),
    ("A. yes", "yes"),
    ("Answer: A", "Yes"),  # the label goes (`unframed`)
    ("B. No, there isn't one.", "No, there isn't one."),
    ("I see only cars. The answer is (B).", "I see only cars. The answer is No."),
    ("A car is on the left.", "A car is on the left."),  # an article, not option A
    ("**B**", "No"),
    ("Option B", "No"),
    ("The correct answer is **B**.", "The correct answer is No."),
    ("The answer is option A.", "The answer is Yes."),
    # more after the letter, past a dash, a comma, a line break or a bracket
    ("B - only a truck.", "No. only a truck."),
    ("(B) \u2014 a truck.", "No. a truck."),
    ("B, since the only large vehicle is a truck.", "No. since the only large vehicle is a truck."),
    ("B\n\nNote: it is dark.", "No. Note: it is dark."),  # "Note" is no "No"
    ("**B** (no cone visible)", "No. (no cone visible)"),
    ("A, Yes.", "Yes."),
])
def test_a_letter_is_its_option(answer: str, prose: str) -> None:
    assert plain_answer(answer, "Is there a traffic cone? (A) Yes (B) No") == prose


@pytest.mark.parametrize(("answer", "prose"), [
    ("A and C.", "dog and bus."),
    ("Both A and B", "dog and cyclist."),
    ("A, C", "dog and bus."),
    ("All except C.", "dog and cyclist."),
    ("I'd pick B.", "I'd pick cyclist."),
    ("A car and a dog.", "A car and a dog."),  # articles, not options
])
def test_several_letters_are_their_options(answer: str, prose: str) -> None:
    assert plain_answer(answer, "Which of these can you see? A) dog B) cyclist C) bus") == prose


def test_numbers_serve_as_letters() -> None:
    assert options("Which are in view? 1) a bus 2) a truck") == {"1": "a bus", "2": "a truck"}
    assert plain_answer("2", "Which are in view? 1) a bus 2) a truck") == "a truck"
    assert plain_answer("2", "How many cars are there?") == "2"


def test_a_letter_without_options_is_left_alone() -> None:
    assert plain_answer("B", "Is there a traffic cone?") == "B"


@pytest.mark.parametrize(("answer", "split"), [
    ("Yes, there's a bus. Actually, looking again, it's a truck.",
     ("Yes, there's a bus.", " looking again, it's a truck.")),
    ("It's blue. Sorry, I meant black.", ("It's blue.", " black.")),
    ("I initially thought so, but no, it's a traffic cone.", ("", " no, it's a traffic cone.")),
    ("Wait, no.", ("", " no.")),
    # a light that changed: what stands is the light in its new colour
    ("It was red, but it just turned green.", ("It was red", "It is green.")),
    ("The traffic light was amber; now it's red.",
     ("The traffic light was amber", "The traffic light is red.")),
    # taken back after a dash or a comma by words that can only take back
    ("A bus - I mean a tram, on rails.", ("A bus -", " a tram, on rails.")),
    ("A van, or rather a small truck.", ("A van,", " a small truck.")),
    ("Nobody. Strike that: a child.", ("Nobody.", ": a child.")),
    ("Yes... no, it's a fire hydrant.", ("Yes...", "no, it's a fire hydrant.")),
    ("White - no, silver.", ("White -", "no, silver.")),
    # a colour said alone for the colour of the thing before it
    ("A black car, sorry, dark blue, waits.", ("A black car,", "A dark blue car waits.")),
    # no correction
    ("No motorcycle, I mean, there's a scooter.", None),  # "I mean," only goes on
    ("There is a truck, sorry, I missed it.", None),  # "sorry" before no colour
    ("Cars - no, trucks - yes.", None),  # a label and its value
    ("There is actually a bus.", None),
    ("A car and a truck. Actually, there is also a bus.", None),  # an addition
    ("A car was parked, but it turned left.", None),
    ("Actually,", None),  # nothing follows it
])
def test_a_correction_takes_back_what_came_before(answer: str,
                                                  split: tuple[str, str] | None) -> None:
    assert correction(answer) == split


def test_brackets_nested_past_the_stack_are_read_as_prose() -> None:
    """An answer is untrusted text: JSON or a literal nested deeper than Python's stack is no
    structure, and reading it raises nothing."""
    assert plain_answer("[" * 50_000 + " a car").endswith("a car")
    assert plain_answer("{" + "a]" * 20_000) == "{" + "a]" * 20_000


@pytest.mark.parametrize(("answer", "plain"), [
    ("Sure! Based on the image, no. Hope this helps!", "no."),
    ("Answer: Answer: no", "no"),
    ("**Final answer:** Yes.", "Yes."),
    ("From what I can see, there is no bus.", "there is no bus."),
    ('"No."', "No."),
    ("Sure.", "Sure."),  # alone, the acknowledgment is the yes
    ("Certainly not.", "Certainly not."),
    ("Of course not.", "Of course not."),
    ("In the image, a bus is on the left.", "a bus is on the left."),
    ("In the left lane, a bus.", "In the left lane, a bus."),  # a place, no evidence
    ("Okay, so no.", "no."),
    ("In short, nope.", "nope."),
    ("To answer your question: Nope.", "Nope."),
    ("The answer is: No.", "No."),
    ("### Answer\nNo.", "No."),
    ("The answer is no.", "The answer is no."),  # a sentence, read as one
    ("- No more than two.", "No more than two."),
    ("- car\n- bus", "- car\n- bus"),  # a list keeps its bullets
    # an interjection before the answer, laughter after it
    ("Mm, on the sidewalk.", "on the sidewalk."),
    ("Oh, no.", "no."),
    ("Ooh, a bus.", "a bus."),
    ("No. lol", "No,"),  # as "Nope. Over." is "Nope,"
    ("Mm-hmm.", "Mm-hmm."),  # a yes of its own
    ("Oh no, a pedestrian is crossing!", "Oh no, a pedestrian is crossing!"),
    # the frame an answer is for, and a stance asked of itself
    ("Frame 12: Nope.", "Nope."),
    ("Clip 2, frame 40 - No.", "No."),
    ("Honestly? Definitely not.", "Definitely not."),
    ("Short answer? No.", "No."),
    # the model that answered, the answer's form, a log level, a score or a frame beside it
    ("LLaVA: No.", "No."),
    ("Qwen-VL: On the sidewalk.", "On the sidewalk."),
    ("Yes/No: Nope.", "Nope."),
    ("[INFO] Nope.", "Nope."),
    ("Sure, here you go: No.", "No."),
    ("Of course.\n\n---", "Of course."),
    ("Yes (0.87).", "Yes."),
    ("No more than two. [frame 12]", "No more than two."),
    ("A model of a bus: no.", "A model of a bus: no."),  # no speaker
    ("Answer (yes/no): Nope.", "Nope."),
    ("The model says: Nope.", "Nope."),
    ("Prediction: On the sidewalk.", "On the sidewalk."),
    ("=> No.", "No."),
    ("Nope. \u2713", "Nope."),  # a check mark after the stop is no yes
    ("\u2713", "\u2713"),  # alone, it is the answer
    ("My answer is: No.", "No."),
    ("One-word answer: No.", "No."),
    ("Let's think step by step. No.", "No."),
    ("Perfect, on the sidewalk.", "on the sidewalk."),
    ("In this image: a bus.", "a bus."),
    ("Confidence: low. Possibly one behind the van.", "Possibly one behind the van."),
    ("Low confidence, but yes, near the bench.", "yes, near the bench."),
    ("No. [END]", "No,"),  # as "Nope. Over." is "Nope,"
    ("It was red, but it turned green.\nIt was red, but it turned green.",
     "It was red, but it turned green."),  # said again, line for line
    ("No.\nThe bus is parked.", "No, The bus is parked."),  # two lines, said once each
])
def test_unframed_takes_off_only_the_framing(answer: str, plain: str) -> None:
    assert unframed(answer) == plain


def test_a_json_object_that_holds_only_the_answer_is_its_prose() -> None:
    assert spoken('{"answer": "Black, like most of the cars here."}') == \
        "Black, like most of the cars here."
    assert spoken('{"answer": "Do you see anyone? Because I don\'t."}', "Is there a bus?") == \
        "Because I don't."
    assert plain_answer('{"answer": "no", "confidence": 0.9}') != "no"  # more than the answer


def test_a_raw_generation_ends_its_turn_after_the_letter() -> None:
    assert plain_answer("B</s>", "Is there a traffic cone? (A) Yes (B) No") == "No"
    assert spoken("<|im_start|>assistant\nSure! No.<|im_end|>").strip() == "No."


@pytest.mark.parametrize(("prompt", "question"), [
    ("<image>\nIs the car red?", "Is the car red?"),
    ("USER: <image>\nIs the car red? ASSISTANT:", "Is the car red?"),
    ("Q: Is there a bus? Answer briefly.", "Is there a bus?"),
    ("Please look at the image. Is the road wet in this image?", "Is the road wet?"),
    # options that only say yes or no are the answer's form; the letter is read on the prompt
    ("Is there a cyclist? Answer with a single letter. A. Yes B. No", "Is there a cyclist?"),
    ("Is the car red?\nA. Yes\nB. No\nAnswer with the option's letter from the given choices "
     "directly.", "Is the car red?"),
    ("Is the bus yellow?\nOptions:\nA. Yes\nB. No\nPlease select the correct answer from the "
     "options above.", "Is the bus yellow?"),
    ("Is the road wet? a) yes b) no c) cannot tell", "Is the road wet?"),
    # other options name what is asked about, and are read as the list they offer
    ("Which is ahead? A. bus B. bicycle", "Which is ahead? bus or bicycle"),
    ("Which of these are visible? (A) taxi (B) tram (C) van",
     "Which of these are visible? taxi, tram or van"),
    ("Is the light (A) red, (B) amber or (C) green?", "Is the light red, amber or green?"),
    ("Which are in view? 1) a bus 2) a truck", "Which are in view? a bus or a truck"),
    ("Is there a bus?\nAnswer the question using a single word or phrase.", "Is there a bus?"),
    ("Is the road snowy", "Is the road snowy?"),
    ("There's no truck, right", "There's no truck, right?"),
    ("No pedestrians", "No pedestrians"),  # a question only by its mark, which it lacks
    ("Describe the scene.", "Describe the scene."),
    ("Is there a car in the scene ahead?", "Is there a car in the scene ahead?"),
])
def test_question_text_is_the_question_itself(prompt: str, question: str) -> None:
    assert question_text(prompt) == question


@pytest.mark.parametrize(("prompt", "questions"), [
    ("Is there a bus, and what colour is the light?",
     ["Is there a bus?", "What colour is the light?"]),
    ("USER: <image>\nIs the road wet? Is it night? ASSISTANT:",
     ["Is the road wet?", "Is it night?"]),
    ("Is there a bus or a truck?", ["Is there a bus or a truck?"]),
    ("Cars and trucks, and are any parked?", ["Cars and trucks, and are any parked?"]),
])
def test_questions_asked(prompt: str, questions: list[str]) -> None:
    """A prompt that asks two questions asks each on its own; one that asks one, only it."""
    assert questions_asked(prompt) == questions
