"""Chat models frame their answers; the framing must not change what an answer is read to say.

Every held-out answer the reader reads right (`tests/data/held_out_answers.jsonl`, lines not
marked unsupported; an answer in emoji only where the framing adds no words, `IN_WORDS`) is
read again inside each framing below (a fixed quarter of them per framing
in the default suite, every one under `-m slow`), as chat VLMs write them: an acknowledgment or
a filler before it ("Sure! No.", "Okay, so no."), the evidence it rests on ("Based on the image,
no."), a label ("Answer: no", "The answer is: no", "### Answer\nNo."), a summing up ("In short,
no.", "To answer your question: no."), a bullet ("- No."), a closing courtesy ("No. Hope this
helps!"), the end-of-turn token of a raw generation ("No.</s>"), its sentences on lines of their
own, in lower case, with "; but" for ", but", with other names of its concepts ("bike", "zebra
crossing"), without its closing stop, after a stance or a time ("Honestly, no.", "Currently,
none."; "Currently, none." had put the bus in the frame) and with its evidence after it ("No, as
far as I can tell."), with more offered after it ("Hmm. Anything else?" had read as a yes), in
emphasis ("*No.*"), with its spaces doubled, after an opinion ("I think yes, there is a
pedestrian." had lost the crosswalk asked about) or after it ("No, I think." had read as a yes),
with its lines broken after commas ("No,\nit's stopped." had lost the bus), with "in the image"
closing each sentence ("one red and one white in the image" had lost the white car), and with
its opening yes or no as a sentence of its own ("No. It's stopped." had lost the bus) or
exclaimed ("No!! ..."), with "That's right," for "Yes," ("That's right, someone is." had lost
the street asked about), with an emoji after it ("Of course. \U0001F697" had read as nothing),
after a first number ("1. No, but there's a truck." had lost the bus it denied) or "As you can
see," or "Looking closely," ("As you can see, nope." had put the bus in the frame), with "That's
all I can see." after it, with no-break spaces ("It's blue. Sorry, I meant black." had kept the
blue), after "Actually,", "To be precise,", "Thanks for the question!", "The image shows the
following." or "TL;DR:" ("TL;DR: Nope." had put the bus in the frame), with ", if I'm not
mistaken" after it ("There is, if I'm not mistaken." had denied the bus), with its no said twice
("No, no, on the road." had lost the pedestrian), after a greeting, an apology or an offer to
help ("I can help with that. Let me look at the image. No, but there's a truck." had put the bus
in the frame), with a closing wish, offer, disclaimer, note on the image's quality or confidence
after it ("Nope.\n\nConfidence: 85%" had put the bus in the frame; "Of course. Note: the image
quality is low." had lost it), with "The answer:" or "Answer -" before it ("The answer: No, on
the road." had lost the pedestrian), with its yes or no in bold ("**No**. It appears to be
parked ..." had lost the truck), after "Observation:", "Let me check...", "To my eye,",
"Clearly," or "Interesting question." ("Observation: Nope." had put the bus in the frame), with
"Thanks!", "Cheers!", "Stay safe on the road." ("Nope. Stay safe on the road." had put the road
in it) or a smiley after it ("Of course. :)" had read as nothing), with a check mark or a cross
before the yes or no it stands for ("\u274c No, on the road." had lost the pedestrian), with
full-width stops ("... a bus\u3002 The vehicles present are cars\u3002" had denied the cars), as
a Markdown block quote, after "Certainly! Here's the answer:", "Based on my analysis,", "Upon
analyzing the image," or "After careful observation," ("Based on my analysis, nope." had denied
nothing), with an offer of more after it ("Nope. Is there anything specific you'd like to
know?" had put the bus in the frame), after a question of its own ("Is that what you're
asking? Nope." had put the bus in the frame), after "In this driving scene,", "From the street
view,", "As an AI," or "I'd be happy to help." and with "Please verify." after it ("As an AI,
nope." had put the bus in the frame), after "Copy that." and with a radio's "Over." after it
("Nope. Over." had put the bus in the frame), after an interjection ("Oh, on the sidewalk." had
lost the pedestrian asked about) and with "lol" after it, after the frame it is for ("Frame 12:
Nope." had put the bus in the frame) or a stance asked of itself ("Honestly? Definitely not."
had put it there too), after the model's name, the answer's form or a log level ("Yes/No:
Nope." had denied nothing, "[INFO] Nope." had put the bus in the frame) and with a check mark
after it ("Nope. \u2713" had denied nothing), as a JSON object that holds only the answer
('{"answer": "Black, like most of the cars here."}' had lost the colour) and said again on a
line of its own. Each must give the line's own expected reading.
Before `formats.unframed`, "Sure! I don't think so." read as a yes and "Based on the image,
nope." put the bus it denied in the frame. Each question is also asked again as chat templates and
benchmarks wrap it, or after a preamble that asks nothing ("In this frame, is the light green?",
which had lost its colour) or PaliGemma's task prefix ("answer en is the road wet" had read
"yes" as the road alone) (`PROMPT_FRAMINGS`), and a yes/no question with the lettered options a
benchmark offers it (`YES_NO_OPTIONS`): before `formats.question_text` took them off, "Is the
car red? A. Yes B. No" had lost its colour, and "B" to it denied nothing.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable

import pytest
from test_held_out_answers import CASES

from drivexplain.operators.contrastive import load_vocabulary
from drivexplain.operators.verdicts.concepts import ConceptExtractor
from drivexplain.operators.verdicts.formats import options
from drivexplain.operators.verdicts.lexicon import EMOJI_WORDS

# Other names of the same concepts, which must read as the names they replace.
OTHER_NAMES = (("bicycles", "bikes"), ("bicycle", "bike"), ("traffic lights", "traffic signals"),
               ("traffic light", "traffic signal"), ("crosswalks", "zebra crossings"),
               ("crosswalk", "zebra crossing"), ("traffic cones", "cones"),
               ("traffic cone", "cone"))


def _renamed(answer: str) -> str:
    for name, other in OTHER_NAMES:
        answer = re.sub(rf"\b{name}\b", other, answer)
        answer = re.sub(rf"\b{name.capitalize()}\b", other.capitalize(), answer)
    return answer


def _led(lead: str) -> Callable[[str], str]:
    """A framing that puts `lead` before the answer as written ("Sure! No.")."""
    return lambda answer: lead + answer


def _opened(lead: str) -> Callable[[str], str]:
    """A framing that opens the answer's sentence with `lead` ("Well, no.")."""
    return lambda answer: lead + answer[:1].lower() + answer[1:]


def _closed(tail: str) -> Callable[[str], str]:
    """A framing that puts `tail` after the answer ("No. Hope this helps!")."""
    return lambda answer: answer + tail


FRAMINGS: dict[str, Callable[[str], str]] = {
    "acknowledged": _led("Sure! "),
    "filler first": _opened("Okay, so "),
    "well": _opened("Well, "),
    "evidence first": _opened("Based on the image, "),
    "labelled": _led("Answer: "),
    "the answer is": _led("The answer is: "),
    "a heading": _led("### Answer\n"),
    "summed up": _opened("In short, "),
    "answering": _led("To answer your question: "),
    "a bullet": lambda a: "- " + a if "\n" not in a else a,
    "courteous": _closed(" Hope this helps!"),
    "end of turn": lambda a: "\n" + a + "</s>",
    "one sentence a line": lambda a: re.sub(r"([.!?]) ", r"\1\n", a),
    "lower case": str.lower,
    "semicolon before but": lambda a: a.replace(", but", "; but"),
    "other names": _renamed,
    "no closing stop": lambda a: a.rstrip(" .!"),
    "a stance first": _opened("Honestly, "),
    "a time first": _opened("Currently, "),
    "evidence after": lambda a: re.sub(r"([.!]?)\s*$", r", as far as I can tell\1", a, count=1),
    "more offered": _closed(" Anything else?"),
    "emphasised": lambda a: "*" + a + "*",
    "spaces doubled": lambda a: a.replace(" ", "  "),
    "an opinion first": _opened("I think "),
    "an opinion after": lambda a: re.sub(r"([.!]?)\s*$", r", I think\1", a, count=1),
    "lines broken after commas": lambda a: a.replace(", ", ",\n"),
    # not after a negated verb ("the one behind it isn't in the image") or a copula that closes
    # an ellipsis ("No, the far one is in the image."): each says another thing
    "in the image": lambda a: re.sub(r"(?<=[a-z])(?<!n't)(?<! not)(?<! is)(?<! are)\.(\s|$)",
                                     r" in the image.\1", a),
    "a yes or no of its own": lambda a: re.sub(r"^(Yes|No), (\w)",
                                               lambda m: f"{m[1]}. {m[2].upper()}", a),
    "exclaimed": lambda a: re.sub(r"^(Yes|No)[.,!]", r"\1!!", a),
    "agreed": lambda a: re.sub(r"^Yes,", "That's right,", a),
    "an emoji after": _closed(" \U0001F697"),
    "a number first": lambda a: "1. " + a if "\n" not in a else a,
    "as you can see": _opened("As you can see, "),
    "looking closely": _opened("Looking closely, "),
    "that's all": _closed(" That's all I can see."),
    "no-break spaces": lambda a: a.replace(" ", "\u00a0"),
    "actually first": _opened("Actually, "),
    "to be precise": _opened("To be precise, "),
    "thanked first": _led("Thanks for the question! "),
    "announced first": _led("The image shows the following. "),
    "TL;DR": _led("TL;DR: "),
    "unless mistaken": lambda a: re.sub(r"([.!]?)\s*$", r", if I'm not mistaken\1", a, count=1),
    "a no said twice": lambda a: re.sub(r"^No,", "No, no,", a),
    "a greeting first": _led("Hi! "),
    "an apology first": _opened("Sorry, "),
    "help offered first": _led("I can help with that. Let me look at the image. "),
    "a safety closer": _closed(" Drive safely!"),
    "more details offered": _closed(" Let me know if you want more details."),
    "a disclaimer after": _closed(" Please note that I am an AI and may make mistakes."),
    "a quality note after": _closed(" Note: the image quality is low."),
    "a confidence after": _closed("\n\nConfidence: 85%"),
    "a confidence in brackets": _closed(" [Confidence: high]"),
    "the answer:": _led("The answer: "),
    "answer dash": _led("Answer - "),
    "a bold yes or no": lambda a: re.sub(r"^(Yes|No)\b", r"**\1**", a),
    "an observation": _led("Observation: "),
    "let me check": _led("Let me check... "),
    "to my eye": _opened("To my eye, "),
    "clearly first": _opened("Clearly, "),
    "an interesting question": _led("Interesting question. "),
    "thanked after": _closed(" Thanks!"),
    "cheers after": _closed(" Cheers!"),
    "stay safe on the road": _closed(" Stay safe on the road."),
    "a mark before its word": lambda a: re.sub(r"^Yes\b", "\u2705 Yes",
                                               re.sub(r"^No\b", "\u274c No", a)),
    "a smiley after": _closed(" :)"),
    "full-width stops": lambda a: re.sub(r"(?<![.\d])\.(?=\s|$)", "\u3002", a),
    "a block quote": lambda a: "\n".join("> " + line for line in a.split("\n")),
    "here's the answer": _led("Certainly! Here's the answer: "),
    "based on my analysis": _opened("Based on my analysis, "),
    "upon analyzing": _opened("Upon analyzing the image, "),
    "after careful observation": _opened("After careful observation, "),
    "anything specific": _closed(" Is there anything specific you'd like to know?"),
    "other questions": _closed(" If you have any other questions, feel free to ask."),
    "would you like": _closed(" Would you like me to describe anything else?"),
    "hope it is helpful": _closed(" I hope this is helpful."),
    "further assistance": _closed(" Please let me know if you need further assistance."),
    "happy to help": lambda a: a + " Happy to help!",
    "a question of its own first": _led("Is that what you're asking? "),
    "a driving scene first": _opened("In this driving scene, "),
    "a street view first": _opened("From the street view, "),
    "as an AI": _opened("As an AI, "),
    "happy to help first": _led("I'd be happy to help. "),
    "verify after": _closed(" Please verify."),
    "copied first": _led("Copy that. "),
    "a radio sign-off": lambda a: a + " Over." if re.search(r"[.!?]$", a) else a,
    "an interjection first": _opened("Oh, "),
    "laughter after": lambda a: a + " lol" if re.search(r"[.!?]$", a) else a,
    "a frame label first": _led("Frame 12: "),
    "asked of itself first": _led("Honestly? "),
    "a model's name first": _led("LLaVA: "),
    "the answer's form first": _led("Yes/No: "),
    "a log level first": _led("[INFO] "),
    "a check mark after": lambda a: a + " \u2713" if re.search(r"[.!?]$", a) else a,
    "a JSON answer field": lambda a: json.dumps({"answer": a}),
    "said again on a line": lambda a: a if "\n" in a else f"{a}\n{a}",
}
# What a chat template or a benchmark wraps the question in.
PROMPT_FRAMINGS: dict[str, Callable[[str], str]] = {
    "image token": lambda q: "<image>\n" + q,
    "LLaVA chat": lambda q: "USER: <image>\n" + q + " ASSISTANT:",
    "question label": lambda q: "Question: " + q,
    "instruction before": lambda q: "Please look at the image. " + q,
    "instruction after": lambda q: q + " Please answer yes or no.",
    "in this image": lambda q: q[:-1] + " in this image?" if q.endswith("?") else q,
    "no question mark": lambda q: q.rstrip("?"),
    "short answer asked": lambda q: q + "\nAnswer the question using a single word or phrase.",
    "a preamble": lambda q: "In this frame, " + q[:1].lower() + q[1:],
    "PaliGemma": lambda q: "answer en " + q.rstrip("?"),
}
# Other ways to ask "Is there a bus?", which ask the same.
PRESENCE_QUESTIONS: dict[str, str] = {
    "can you see": r"Can you see \1 \2?",
    "do you see": r"Do you see \1 \2?",
    "in the frame": r"Is there \1 \2 in the frame?",
    "do we have": r"Do we have \1 \2 here?",
    "could you tell me if": r"Could you tell me if there's \1 \2?",
    "does the image contain": r"Does the image contain \1 \2?",
    "do you think": r"Do you think there is \1 \2?",
}
IS_THERE = re.compile(r"^Is there (an?|any) (.+)\?$")
TASK_PROMPT = re.compile(r"^(?:answer|caption|describe|question) [a-z]{2}\b")
# Options a benchmark offers with a yes/no question, which ask nothing more than the question.
YES_NO_OPTIONS = {
    "inline": " A. Yes B. No",
    "bracketed": " (A) Yes (B) No",
    "MMBench": "\nA. Yes\nB. No\nAnswer with the option's letter from the given choices directly.",
    "lower case": " a) yes b) no",
    "labelled": "\nOptions:\nA. Yes\nB. No\nPlease select the correct answer from the options "
                "above.",
    "cannot tell": " A. Yes B. No C. Cannot tell",
}
READ_RIGHT = [c for c in CASES if "unsupported" not in c]
# Answers in words. Words put around an answer in emoji ("Sure! \U0001F44E") make it one in
# words with an emoji closing it, which is a decoration ("Of course. \U0001F697";
# `formats.unframed`): the framings that add words leave answers in emoji out.
IN_WORDS = [c for c in READ_RIGHT if not any(e in c["answer"] for e in EMOJI_WORDS)]
# "No pedestrians?" is a question only by its mark; without it, it says there are none.
ASKED_BY_ITS_OPENING = [c for c in READ_RIGHT if re.match(
    r"(?:is|are|was|were|does|do|did|can|could|will|would|has|have|isn't|aren't|wasn't"
    r"|weren't|doesn't|don't|didn't|can't|what|which|where|how|who|why|when)\b",
    c["prompt"], re.I) or re.search(r",\s*(?:right|do you)\?$", c["prompt"])]
ASKED_YES_OR_NO = [c for c in READ_RIGHT if re.match(
    r"(?:is|are|was|were|does|do|did|can|could|has|have|isn't|aren't)\b", c["prompt"], re.I)
    and not options(c["prompt"])]


# The default suite reads a fixed quarter of the lines in each framing, a different quarter per
# framing, so that every line is read in about a quarter of them; `-m slow` reads every line in
# every framing.
SHARES = 4
SCOPES = [pytest.param(False, id="a-quarter"), pytest.param(True, id="every-line",
                                                             marks=pytest.mark.slow)]


def _lines(cases: list[dict], name: str, every_line: bool) -> list[dict]:
    """The cases a framing reads: all of them, or the quarter its name's CRC picks."""
    if every_line:
        return cases
    share = zlib.crc32(name.encode()) % SHARES
    return [c for c in cases if c["id"] % SHARES == share]


@pytest.fixture(scope="module")
def extractor() -> ConceptExtractor:
    return ConceptExtractor(load_vocabulary("configs/vocabulary.yaml"))


def _read_as_expected(extractor: ConceptExtractor, readings: list[tuple[dict, str, str]]
                      ) -> None:
    """Each (case, prompt, answer) reads as the case expects; the first misreadings listed."""
    wrong = []
    for case, prompt, answer in readings:
        read = extractor.answer(answer, extractor.prompt(prompt))
        if (set(read.concepts), set(read.denied)) != (set(case["present"]), set(case["denied"])):
            wrong.append(f"{case['id']} {prompt!r} {answer!r}: {sorted(read.concepts)} "
                         f"denied {sorted(read.denied)}")
    assert not wrong, f"{len(wrong)} readings changed:\n" + "\n".join(wrong[:20])


@pytest.mark.parametrize("every_line", SCOPES)
@pytest.mark.parametrize("framing", FRAMINGS)
def test_framing_leaves_the_reading(extractor: ConceptExtractor, framing: str,
                                    every_line: bool) -> None:
    frame = FRAMINGS[framing]
    cases = _lines(IN_WORDS, framing, every_line)
    assert len(cases) > (2000 if every_line else 500)
    _read_as_expected(extractor, [(c, c["prompt"], frame(c["answer"])) for c in cases])


def test_the_framing_alone_says_nothing(extractor: ConceptExtractor) -> None:
    """Without an answer inside, the framing is no answer: "Sure." is a yes, and a courtesy
    or a label around nothing asserts nothing."""
    prompt = extractor.prompt("Is there a bus?")
    assert extractor.answer("Sure.", prompt).concepts == ("bus",)
    assert extractor.answer("Certainly not.", prompt).denied == ("bus",)
    assert extractor.answer("I think so.", prompt).concepts == ("bus",)
    assert extractor.answer("I think not.", prompt).denied == ("bus",)
    for answer in ("Answer: Hmm. Hope this helps!", "Sure! idk", "Based on the image, um...",
                   "Hope this helps!"):
        read = extractor.answer(answer, prompt)
        assert (read.concepts, read.denied) == ((), ()), answer


@pytest.mark.parametrize("every_line", SCOPES)
@pytest.mark.parametrize("framing", PROMPT_FRAMINGS)
def test_the_question_is_read_inside_its_framing(extractor: ConceptExtractor, framing: str,
                                                  every_line: bool) -> None:
    """The same answers, to their question wrapped as chat templates and benchmarks wrap it:
    "<image>\nIs the car red?" asks what "Is the car red?" asks, and its "Nope." denies the red
    car, not the car (`formats.question_text`)."""
    frame = PROMPT_FRAMINGS[framing]
    cases = ASKED_BY_ITS_OPENING if framing in ("no question mark", "PaliGemma") else READ_RIGHT
    if framing == "a preamble":
        # a prompt the model goes on from (Kosmos-2's "<grounding>An image of") takes none
        cases = [c for c in cases if not c["prompt"].startswith("<grounding>An image of")]
    # PaliGemma's prompts ("answer en is the road wet") come with no template around them
    cases = [c for c in cases if not TASK_PROMPT.match(c["prompt"])]
    cases = _lines(cases, framing, every_line)
    assert len(cases) > (1500 if every_line else 350)
    _read_as_expected(extractor, [(c, frame(c["prompt"]), c["answer"]) for c in cases])


@pytest.mark.parametrize("every_line", SCOPES)
@pytest.mark.parametrize("asked", PRESENCE_QUESTIONS)
def test_a_presence_question_asked_otherwise(extractor: ConceptExtractor, asked: str,
                                             every_line: bool) -> None:
    """The answers to "Is there a bus?" read the same to "Do we have a bus here?" (which had
    read as a question about what the driver may do, so "Nope." denied nothing) and to "Could
    you tell me if there's a bus?" (whose "if" had read as a condition)."""
    cases = _lines([c for c in READ_RIGHT if IS_THERE.match(c["prompt"])], asked, every_line)
    assert len(cases) > (800 if every_line else 180)
    _read_as_expected(extractor, [(c, IS_THERE.sub(PRESENCE_QUESTIONS[asked], c["prompt"]),
                                   c["answer"]) for c in cases])


@pytest.mark.parametrize("every_line", SCOPES)
@pytest.mark.parametrize("echo", ["{question} {answer}", "Q: {question}\nA: {answer}"])
def test_an_echoed_question_is_not_the_answer(extractor: ConceptExtractor, echo: str,
                                              every_line: bool) -> None:
    """A base model's completion, or a decoded prompt and answer, repeat the question first
    ("Is there a bus? Nope."); what the question names is not what the answer says is there
    (`formats.spoken` with the prompt)."""
    cases = _lines([c for c in IN_WORDS if c["prompt"].endswith("?")], echo, every_line)
    assert len(cases) > (1500 if every_line else 350)
    _read_as_expected(extractor, [
        (c, c["prompt"], echo.format(question=c["prompt"], answer=c["answer"])) for c in cases])


@pytest.mark.parametrize("every_line", SCOPES)
@pytest.mark.parametrize("offered", YES_NO_OPTIONS)
def test_yes_no_options_ask_nothing_more(extractor: ConceptExtractor, offered: str,
                                         every_line: bool) -> None:
    """A yes/no question with options that only say yes or no asks what the question asks:
    each answer reads as it does without them, and each letter as the word it stands for
    ("B" to "Is the car red? A. Yes B. No" as "No" to "Is the car red?")."""
    suffix = YES_NO_OPTIONS[offered]
    cases = _lines(ASKED_YES_OR_NO, offered, every_line)
    assert len(cases) > (1000 if every_line else 250)
    _read_as_expected(extractor, [(c, c["prompt"] + suffix, c["answer"]) for c in cases])
    wrong = []
    for case in cases:
        for word, letter in (("Yes", "A"), ("No", "B")):
            said = extractor.answer(word, extractor.prompt(case["prompt"]))
            chosen = extractor.answer(letter.lower() if offered == "lower case" else letter,
                                      extractor.prompt(case["prompt"] + suffix))
            if (chosen.concepts, chosen.denied) != (said.concepts, said.denied):
                wrong.append(f"{case['id']} {case['prompt']!r} {letter}")
    assert not wrong, f"{len(wrong)} letters read otherwise than their words:\n" + "\n".join(
        wrong[:20])


# Notes and caveats a chat model closes an answer with, which say nothing of the frame.
CLOSING_REMARKS = {
    "a note": "\n\nNote: visibility is limited.",
    "a basis in brackets": " (based on the visible portion of the image)",
    "a caveat": " I may be wrong.",
    "a request": " Please double-check with a better image.",
}
# An acknowledgment alone ("Of course.") is framing once a remark stands beside it
# (`formats.unframed`), and a bare box answers "where?" only alone: both are left out here.
REMARKED = [c for c in IN_WORDS if not re.match(
    r"(?:of course|absolutely|certainly|sure)\b", c["answer"], re.I) and "[" not in c["answer"]]


@pytest.mark.parametrize("every_line", SCOPES)
@pytest.mark.parametrize("remark", CLOSING_REMARKS)
def test_a_closing_remark_leaves_the_reading(extractor: ConceptExtractor, remark: str,
                                             every_line: bool) -> None:
    """A remark after the answer that names nothing and has no yes, no, colour, count or
    negation is not read (`ConceptExtractor._without_idle_tail`): "Hmm.\n\nNote: ..." had
    read as a yes, and "..., but yes. I may be wrong." had lost its yes."""
    tail = CLOSING_REMARKS[remark]
    # a sentence of its own after one that has ended; a line or a bracket after anything
    cases = REMARKED if tail[0] != " " or tail[1] == "(" else [
        c for c in REMARKED if c["answer"].rstrip().endswith((".", "!", "?"))]
    cases = _lines(cases, remark, every_line)
    assert len(cases) > (2000 if every_line else 500)
    _read_as_expected(extractor, [(c, c["prompt"], c["answer"].rstrip() + tail)
                                  for c in cases])
