"""Concepts named by a prompt and by an answer, mapped onto the concept vocabulary.

Dual explainability (paper III-J) compares the regions a prompt activates with the regions its
answer activates, so both texts must first become concepts that Concept Attribution can
explain. The extraction is deterministic on purpose: an audit must give the same verdict for
the same text on every run and machine, so an LLM only helps where the rules find nothing.
`ConceptExtractor` reads prompts and answers on top of the package's one phrase matcher
(`operators.verdicts.mentions`), whose rules say which concepts a text names, in what colour or
state, and which it denies; the rules here say what a prompt asks and what its answer asserts.

Rules, in order (the word lists live in `operators.verdicts.lexicon`, the predicates that read
the words around a concept in `operators.verdicts.clauses`, what a question asks of its answer
in `operators.verdicts.questions`):
- An answer in another format than prose (grounding tags, JSON detections, a letter for a
  lettered option) is first turned into prose (`operators.verdicts.formats.plain_answer`).
  An answer that corrects itself ("Yes, a bus. Actually, it's a truck.", "It was red, but it
  just turned green.") is read from its last correction on (`formats.correction`); a concept
  it takes back is denied, as in "Not a bus, a truck.", unless what stands is the same thing
  in another colour.
- A yes/no question about a state ("Is the road wet?", "Does the road look wet?", "Is the road
  ahead wet?", "Is the car on the left parked?") is answered as one about a colour: "Yes." is
  the wet road, "No." keeps the road and denies the wet road, and a bare state ("No, just wet."
  to "Are the roads icy?") refines what was asked. A yes or no that names the subject again,
  plain, says the same ("Yes, there is water on the road." is the wet road, "No, the road is
  dry." denies it). A state's opposite (`lexicon.OPPOSITE_STATES`) is a no ("Dry.", "It's
  clear." to "Is the road covered in snow?"), and said not to be so a yes ("Not dry at all."); a
  question about the opposite ("Is the road dry?", "Is the road clear of snow?") swaps its yes
  and no, and a no to whether any are in a state ("Are any cars parked?" "None.") says nothing
  of the cars.
- A question's concept after its verb or a preposition is where it looks ("Who is crossing
  the road?", "Is something blocking the crosswalk?"): a no denies nothing the vocabulary
  names. A frame's condition there is what is asked ("Was this taken at night?",
  `lexicon.FRAME_CONDITIONS`). One in a condition ("What should we do if the light turns
  red?") is supposed, and no answer inherits it. "Would a truck fit in that gap?" supposes a
  truck. A colour in the future ("It will turn green soon.") is not the colour now. An answer
  to "Where is the stop sign?" that says where has the sign there.
- "Is the closest vehicle a truck?" asks what a given thing is: its "No, it's a car." denies
  no truck elsewhere, and "Is the truck the only vehicle?" "No, there's also a bus." keeps the
  truck. A head picked out by a modifier ("the nearest light", "the light on the left") is as
  definite as "the light".
- A question asks about what it negates: "Isn't there a pedestrian?", "There's no truck,
  right?" and "No pedestrians?" ask about the pedestrian and the truck. A bare yes or no to a
  question negated inside ("Is there no bus?" "Yes.") may mean either, and asserts and denies
  nothing; one to a negated auxiliary ("Isn't there a bus?" "Yes.") says there is one. A
  question that names a concept by its opposite (`lexicon.OPPOSITES`: "Is it daytime?") asks
  about that concept with its yes and no swapped: "Yes." denies the night.
- A prompt with no concept is `generic` when it asks about the scene ("Describe this image.",
  "What is ahead?") and `ambiguous` otherwise ("I don't like winter.", "Is it safe to drive?"):
  the paper's Cases II and III.
- An answer's `polarity` is its yes/no: after a reasoning chain, its final answer ("Step 1: ...
  Final answer: No.", `yesno.final_answer`); else an opening yes or no word ("Absent." is one),
  or an emphatic or hedged word that takes the sign of what follows it ("Absolutely." and
  "Possibly, near the crosswalk." affirm, "Definitely not." and "Probably not." deny), else
  "deny" when everything it names is denied or when it names nothing and is negated ("Not that I
  can see."), else "affirm" when it opens with a count above zero ("Three."; a count of a
  concept the prompt does not ask about, "Is there a bus?" "Two cars.", says nothing of the one
  asked), else "deny" when it says a place on the road is empty ("The road ahead is clear.":
  what was asked about is not there).
- Hedges. A hedged claim is read as the claim: "There might be a bus", "I think there is a
  pedestrian", "I believe so" assert them, "Without a doubt" too, and "Probably not",
  "Unlikely", "I doubt it" and "I don't think so" deny; the hedged no's own negation is the
  answer's no, so "I don't think so, it's stopped." goes on as "No, it's stopped." does. An
  answer that says it cannot tell ("I'm not sure", "Hard to say", "No idea", "Too dark to tell")
  asserts and denies nothing, and neither does what follows that in its clause ("I'm not sure
  there is one", "I can't tell whether the light is red"): flagging it would blame the model for
  a claim it did not make.
- An answer that opens with a yes word and names concepts of its own also asserts the
  prompt's ("Is anyone crossing the street?" -> "Yes, someone is." names the street too), in
  the colour asked about ("Is the car yellow?" -> "Yes, a taxi."), unless it names a kind of
  it ("Is there a bus?" -> "Yes, a school bus.") or one of the alternatives asked about ("Are
  there any cars or trucks?" -> "Yes, two cars." names only the cars). A bare "Yes." to
  alternatives says one of them is there, which no one concept checks: it asserts nothing.
- An answer that names no concept of its own inherits the prompt's. "Yes." or a count asserts
  that the prompt's concepts are there; a denying answer ("No.", "Zero.", "None.", "Not that I
  can see.") asserts that what the prompt asks about is absent: its first concept and those
  listed with it, not the setting after a preposition or verb ("Are there cones on the road?" ->
  "No." denies the cones, says nothing of the road, and "Is anything on the road?" -> "No."
  denies nothing; a question about what the driver may do, "Is it safe to cross the
  intersection?", asks about no concept, and a no to how many there are, "Are there more than
  three cars?", denies the number, not the cars), unless the question takes its concept as given
  ("Is the pedestrian on the crosswalk?" -> "No." denies that the pedestrian is on it, which no
  concept names, so nothing is denied; "No, on the road." or "Is the bus moving?" -> "No, it's
  stopped." take the concept as there, and so does a no that names what is on a definite place
  asked to be empty or clear: "Is the sidewalk empty?" "Not quite - there's a dog ...") or the
  answer goes on to say it is there, elsewhere or in another number ("Is there a car on the
  left?" -> "No, there's one on the right." or "No, it's on the right." asserts the car, and so
  does "Are there two cars?" -> "No, just one."; "On the sidewalk." to "Is the pedestrian on the
  sidewalk or on the road?" has it there). Those become the answer's *denied* concepts, and the
  coherence check then asks whether the image supports that absence (see
  `operators.verdicts.coherence`). A bare colour ("Red.", "It's red.", "No, red.") refines the
  prompt's concept to the coloured one when the vocabulary has it ("car" -> "red car"), and so
  does the colour an answer to "What colour is the car?" opens with when it goes on to name
  other things ("Silver, on the road."), the colour an answer to "Is the light red?" opens with
  ("Looks red to me, though the sun ...") and "a red one" to "Is there a car?". A yes/no
  question about a colour ("Is the car red?") is answered about the colour: "Yes." is the red
  car, "No." keeps the car and denies the red car. The kind a definite subject is asked to be
  ("Is the car a taxi?") is no colour's: "No, it's silver." is a silver car and no taxi.
- An answer in two parts, one that answers the prompt on its own and a rest that names only
  other things, is read part by part (`ConceptExtractor._elliptical_split`): "There is. I can
  also see some trees." asserts the prompt's concept as "There is." does, and "I can see some
  trees. No, there isn't." denies it as "No, there isn't." does.
- A subject pronoun opening an answer ("It is turning right.", "They are waiting at the
  curb.") is the question's definite concept ("What is the car on the right doing?"), which the
  answer then asserts; after "Is there a truck?", "It looks like a bus." asserts no truck.
  So are "its" or "their" opening a clause before anything is named ("Can't tell, its brake
  lights ...") and "they", "he" or "she" opening one after a doubt ("Hard to say - they're
  facing away.").
- A no that names kinds of what was asked denies those kinds, not their class: "Do you see any
  emergency vehicles?" "No ambulances or fire trucks." leaves other vehicles as they are, and a
  denied group (`lexicon.GROUP_NAMES`: "No emergency vehicles are visible.") denies its kinds.
- "Only" or "just" a thing not asked about is a no to what was asked: "Is anyone on the
  crosswalk?" "Only a dog." denies the pedestrian, and "Is there a truck?" "I only see cars."
  the truck; "Just the one, near the bus." counts the one asked about, and "Only its front
  wheel" is a part of it. With one of the question's alternatives it denies the others ("Is
  there a bus or a truck?" "Just the truck."), and an opening "Neither" denies them all; an
  "either ... or" in an answer leaves each alternative open. A yes that doubts the kind asked
  ("Yes, a scooter, if that counts.") asserts only what it names. An answer to "Which of these
  are visible: bus, truck, van?" that names some denies the rest.
- Agreement is a yes ("That's right, someone is."), and so is "Most are" or "All are" to a
  question about a state or a place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Protocol

from drivexplain.operators.verdicts.clauses import (
    about_the_image,
    about_the_speaker,
    another_one_is,
    bounds_only,
    cannot_tell_at,
    cannot_tell_scopes,
    colour_negated,
    count_may_be_zero,
    cut_at,
    denies_one,
    departed_first,
    disjunction_scopes,
    done_at,
    doubted_opening,
    echoes,
    expletive_it,
    generic_scopes,
    goes_on_about_it,
    hedged_no_end,
    is_count,
    is_negator,
    kind_in_doubt,
    light_said,
    names_other_thing,
    negated_colours,
    one_of_those_asked,
    only_in_likeness,
    only_opening,
    own_colours,
    partial_amount_after,
    participle,
    present_elsewhere,
    prohibition_opens,
    pronoun_place,
    question_scopes,
    says_empty,
    scarce_at,
    set_aside_scopes,
    sign_message_kind,
    state_at,
    superseded_scopes,
    supposed_scopes,
    there_is_not,
    unlabelled,
    unlit,
    unsupposed,
    weather_as_it,
    weather_opposed,
    weather_over,
    weather_withheld,
)
from drivexplain.operators.verdicts.formats import (
    BOTH_SAID,
    LIKENESS_BUT,
    POINTING_BACK_LEAD,
    POINTS_BACK,
    answer_to_all,
    asks_to_confirm,
    correction,
    plain_answer,
    question_preamble,
    question_text,
    questions_asked,
    spoken,
)
from drivexplain.operators.verdicts.lexicon import (
    ABSENT_WORDS,
    AGREEMENT_FILLER,
    AMBIVALENT,
    APPROXIMATORS,
    BARE_NO_WORDS,
    BREAKS,
    CLAUSE_WORDS,
    COLOURS,
    COUNT_WORDS,
    DAY_TIMES,
    DEFINITES,
    DEGREE_ADVERBS,
    EGO_MODALS,
    EMPTY_PLACES,
    EMPTY_WORDS,
    GENERIC,
    HYPERNYMS,
    KIND_WORDS,
    LINKING_VERBS,
    MESSAGE_VERBS,
    NEGATORS,
    NIGHT_TIMES,
    NO_WORDS,
    NON_ANSWER_WORDS,
    NOT_ANSWERS,
    OPPOSITE_STATES,
    PART_DEGREES,
    PASSING_WEATHER,
    PERSONS,
    PLACE_PREPOSITIONS,
    PLAIN_OPPOSITES,
    PREPOSITIONS,
    QUESTION_COPULAS,
    QUESTION_VERBS,
    SEARCHING_WORDS,
    SINGLE_SURFACES,
    STATE_FILLER,
    STATE_OBJECTS,
    STATES,
    SUBJECT_PRONOUNS,
    UNSURE_WORDS,
    YES_WORDS,
    lemma,
    tokens,
)
from drivexplain.operators.verdicts.mentions import (
    VEHICLE_HEADS,
    VEHICLES,
    MentionFinder,
    kind_of,
    one_of,
    same_object,
    same_thing,
    uncoloured,
)
from drivexplain.operators.verdicts.questions import Question
from drivexplain.operators.verdicts.readings import Extraction, Mention, PromptKind
from drivexplain.operators.verdicts.yesno import (
    Polarity,
    final_answer,
    idiom_said,
    most_are,
    partitive_yes,
    short_yes,
    yes_or_no,
)


class TextGenerator(Protocol):
    """What the optional LLM hook needs: the VLM backend's text-only generation."""

    def generate_text(self, prompt: str, *, max_new_tokens: int | None = None) -> str: ...


LLM_EXTRACTION_PROMPT = "List the objects named in this sentence, comma separated: {text}"


class ConceptExtractor(MentionFinder):
    """Maps prompts and answers onto one vocabulary; build once, use for every frame."""

    def __init__(self, vocabulary: Sequence[str], llm: TextGenerator | None = None) -> None:
        super().__init__(vocabulary)
        self.llm = llm
        self._llm_cache: dict[str, tuple[str, ...]] = {}
        self._questions: dict[str, Question] = {}
        self._asked_cache: dict[tuple[str, tuple[str, ...]], tuple[dict[str, str], bool]] = {}

    def _ask_llm(self, text: str) -> tuple[str, ...]:
        """Vocabulary concepts the LLM names for `text`; its words pass the same matcher."""
        if self.llm is None:
            return ()
        if text in self._llm_cache:  # answers repeat across frames; ask once per text
            return self._llm_cache[text]
        try:
            reply = self.llm.generate_text(LLM_EXTRACTION_PROMPT.format(text=text))
        except Exception:  # the hook is optional help; a failing LLM must not stop an audit
            return ()  # not cached: a transient failure may succeed on the next frame
        named, _ = self._split(self.mentions(reply))
        self._llm_cache[text] = named
        return named

    # ------------------------------------------------------------------ prompts / answers
    def prompt(self, text: str) -> Extraction:
        """The prompt's concepts, or why it has none (generic or ambiguous). A question asks
        about what it negates: "Isn't there a pedestrian?", "There's no truck, right?" and "No
        pedestrians?" ask about the pedestrian and the truck. What wraps the question
        ("<image>\n", "Answer briefly.") is not read (`formats.question_text`)."""
        asked_text = self._asked_text(text)
        mentions = self.mentions(asked_text)
        if "?" in asked_text:
            asked = self._state_question(tokens(asked_text), mentions)
            # "Is the road snowy?" and "Does the road look wet?" ask about the road's state,
            # not about snow or a wet road; "Is it daytime?" asks about the night, by its
            # opposite
            mentions = [replace(m, negated=m.opposite,
                                concept=asked[0] if asked and k == 0 else m.concept)
                        for k, m in enumerate(mentions) if asked is None or m.start < asked[2]]
        named, denied = self._split(mentions)
        source = "vocabulary"
        if not named and not denied:
            named = self._ask_llm(asked_text)
            source = "llm" if named else "none"
        if named or denied:
            return Extraction(text, named, denied, "specific", None, source)
        kind: PromptKind = "generic" if GENERIC.search(asked_text.lower()) else "ambiguous"
        note = (
            "the prompt asks about the scene without naming a concept (paper Case II)"
            if kind == "generic"
            else "the prompt names no concrete concept (paper Case III)"
        )
        return Extraction(text, (), (), kind, None, "none", (note,))

    def answer(self, text: str, prompt: Extraction) -> Extraction:
        """The answer's concepts; yes/no and bare answers inherit the prompt's (module doc).
        An answer to a prompt that asks several questions is read as the answer to each, and
        what the readings say is put together (`_answered_each`)."""
        asked = questions_asked(prompt.text)
        if len(asked) > 1:  # "B" to "... A. Yes B. No" is "No" to each
            found = self._answered_each(answer_to_all(text, prompt.text),
                                        [self.prompt(q) for q in asked])
            return replace(found, text=text)
        said = spoken(text, prompt.text)  # without tags, an echo or "Sure!"
        kept = self._without_idle_tail(said, prompt)
        if kept == said:
            kept = self._without_idle_lead(said, prompt)
        if kept == said:
            kept = self._without_echo(said, prompt)
        if kept != said:
            return replace(self.answer(kept, prompt), text=text)
        if POINTS_BACK.match(said):
            return Extraction(text, (), (), "specific", None, "none", (
                "the answer points back to an earlier answer or frame ('Same as before.', "
                "'Ditto.'), which a reading of this frame cannot see: it asserts and denies "
                "nothing",))
        lead = BOTH_SAID.match(said) or POINTING_BACK_LEAD.match(said)
        if lead is not None:  # "Yes and no: there's a bus, but ...", "As I said, no."
            return replace(self.answer(said[lead.end() :], prompt), text=text)
        read = plain_answer(text, prompt.text)
        if self._asks_message(prompt) and prohibition_opens(tokens(read)):
            read = f"It says {read}"  # "What does the sign say?" "No entry." is its message
        corrected = correction(read)
        if corrected is None:
            return self._read_answer(text, read, prompt)
        taken_back, corrected_read = corrected
        final = self._read_answer(text, corrected_read, prompt)
        if not final.concepts and LIKENESS_BUT.match(read):
            # "Looks like a bus, but it's far off." names nothing the likeness could be
            return self._read_answer(text, read, prompt)
        # "Yes, a bus. Actually, it's a truck." takes the bus back: "Not a bus, a truck."; so
        # does a yes taken back for another thing ("Yes - scratch that, it's a pedestrian."
        # to "Is there a cyclist?"), where a correction to nothing named ("Yes. Wait, I'm not
        # sure.") denies nothing. A colour taken back for another ("blue ... I meant black")
        # is one colour, as "Black, not blue." is, and a state for another one thing ("It's
        # dry. Correction: wet in the right lane.")
        before, _ = self._split(self.mentions(taken_back, prompt.all_concepts))
        if final.concepts:
            before = (*before, *self._read_answer(taken_back, taken_back, prompt).concepts)
        retracted = tuple(dict.fromkeys(
            c for c in before if c not in final.all_concepts and not any(
                same_object(uncoloured(c), uncoloured(n)) for n in final.all_concepts)))
        note = "the answer corrects itself: only what follows the correction is read"
        return replace(final, denied=final.denied + retracted, notes=(*final.notes, note))

    def _answered_each(self, text: str, prompts: list[Extraction]) -> Extraction:
        """One reading of an answer to several questions ("Is there a bus, and what colour is
        the light?" "No bus; the light is green."): what any reading puts in the frame, and
        what one denies that none puts there. Its yes or no is theirs where they agree."""
        readings = [self.answer(text, p) for p in prompts]
        concepts = tuple(dict.fromkeys(c for r in readings for c in r.concepts))
        denied = tuple(dict.fromkeys(d for r in readings for d in r.denied if d not in concepts))
        polarities = {r.polarity for r in readings}
        return Extraction(text, concepts, denied, "specific",
                          polarities.pop() if len(polarities) == 1 else None,
                          "vocabulary" if concepts or denied else "none",
                          tuple(dict.fromkeys(n for r in readings for n in r.notes)))

    def _read_answer(self, text: str, read: str, prompt: Extraction) -> Extraction:
        """`answer` on `read`, the answer as prose; `text` is kept as written."""
        split = self._elliptical_split(read, prompt)
        if split is not None:
            merged = self._merged(*(self._read_answer(part, part, prompt) for part in split),
                                  asked=prompt.all_concepts)
            return replace(merged, text=text)
        written = tokens(read)
        may_be_zero = count_may_be_zero(written)  # "If any, one." before "If any," goes
        kept = unsupposed(written)
        supposing = len(kept) < len(written)
        if supposing:
            read = " ".join(kept)
        all_toks = unlabelled(tokens(read))
        superseded = superseded_scopes(all_toks)
        if any(superseded):  # "Earlier there was one; now there is none." says none now
            all_toks = [t for t, gone in zip(all_toks, superseded, strict=True) if not gone]
            while all_toks[:1] and all_toks[0] in BREAKS:
                all_toks = all_toks[1:]
        toks = [t for t in all_toks if t not in BREAKS]
        if all(t in NON_ANSWER_WORDS for t in toks) and all(
                t in NON_ANSWER_WORDS or t in BREAKS for t in tokens(spoken(text, prompt.text))) \
                and idiom_said(all_toks) is None:
            return Extraction(text, (), (), "specific", None, "none", (
                "the answer says nothing ('Hmm.', 'idk', an empty or failed generation): it "
                "asserts and denies nothing",))
        if all_toks[:2] in (["oh", "no"], ["uh", "oh"]) and all_toks[2:3] and \
                all_toks[2] in BREAKS and \
                all_toks[3:] and not any(t in NEGATORS or t.endswith("n't") or t in YES_WORDS
                                         or t in BARE_NO_WORDS for t in all_toks[3:]):
            all_toks = all_toks[3:]  # "Oh no, right behind the van." is alarm, no "no"
        while all_toks and (all_toks[0] in NON_ANSWER_WORDS or all_toks[0] in BREAKS or (
                all_toks[0] in SEARCHING_WORDS and all_toks[1:2] != []
                and all_toks[1] in BREAKS)) and \
                all_toks[0] not in UNSURE_WORDS and idiom_said(all_toks) is None:
            # "Um, no." and "Looking... none." are read from their no; "Uh-huh" is a yes; "idk,
            # maybe?" cannot tell
            all_toks = all_toks[1:]
        toks = [t for t in all_toks if t not in BREAKS]
        if toks[:3] in (["it", "'s", "possible"], ["it", "is", "possible"]):
            toks = toks[2:]  # "It's possible; there is a large vehicle" opens as "Possibly"
        read_toks = tokens(read)
        set_aside = set_aside_scopes(read_toks)
        aside = [any(scoped) for scoped in zip(supposed_scopes(read_toks),
                                               generic_scopes(read_toks), set_aside,
                                               disjunction_scopes(read_toks),
                                               question_scopes(read_toks), strict=True)]
        found = self.mentions(read, prompt.all_concepts)
        # what a clause about the past names is not there now, unless a later clause says it
        # has gone ("There used to be cones here; they're gone now.")
        past = superseded_scopes(read_toks)
        mentions = [m for m in found if not (aside[m.start] or scarce_at(read_toks, m.start)
                                             or (past[m.start] and not m.negated))]
        # "Buses usually stop here." says nothing of the frame; "...; one is there now." does.
        # A kind set aside or compared with supposes nothing: "Wider than a car." to "How big
        # is the puddle?" is about the puddle
        supposing = supposing or (any(
            m not in mentions and not set_aside[m.start] for m in found) and not any(
            is_count(t) for t, a in zip(read_toks, aside, strict=True) if not a))
        if (bounds_only(read_toks) or may_be_zero) and not mentions:
            return Extraction(text, (), (), "specific", None, "none", (
                "an upper bound on a count ('No more than two.') or a count that may be zero "
                "('Zero to one.') asserts and denies nothing",))
        named, denied = self._split(mentions)
        # a negation the speaker cannot tell is none: "Can't say there isn't."
        unsure = cannot_tell_scopes(all_toks)
        negated = any(is_negator(all_toks, i) and not unsure[i] for i in range(len(all_toks)))
        # a question asked back first ("That one? No, it's a regular car.") is no answer: the
        # yes or no is what follows it
        answering = all_toks
        asking_back = question_scopes(all_toks)[:1] == [True]
        if (asking_back or (all_toks[1:2] == ["?"] and all_toks[0] in _ASKED_BACK_ALONE)) and \
                "?" in read and self._says_nothing(read.split("?", 1)[1], prompt):
            return Extraction(text, (), (), "specific", None, "none", (
                "the answer only asks back ('Which one?', 'Really?'): it asserts and denies "
                "nothing",))
        if asking_back:
            answering = all_toks[all_toks.index("?") + 1 :]
            toks = [t for t in answering if t not in BREAKS] or toks
        # a condition left after the opening supposes, and says no yes: "A bus would be hidden
        # behind the truck if there were one."
        conditioned = supposed_scopes(answering)
        if any(conditioned) and not all(conditioned):
            answering = [t for t, c in zip(answering, conditioned, strict=True) if not c]
        polarity = final_answer(answering) or yes_or_no(
            [t for t in answering if t not in BREAKS] if any(conditioned) else toks, answering,
            bool(mentions), bool(named), bool(denied), negated)
        if doubted_opening(all_toks) or may_be_zero:
            # "Possibly a child, though I can't verify it." takes its yes back; "None, or one
            # behind the van." gives none
            polarity = None
        if polarity == "deny" and not negated and any(unsure) and not any(
                t in NO_WORDS or t in ABSENT_WORDS for t in answering):
            polarity = None  # "Not sure there isn't one behind the van."
        if polarity is not None and self._asks_opposite(prompt):
            # "Is the road dry?" "Yes." says the road is not wet: from here on, a yes or no is
            # about the state the vocabulary names
            polarity = "deny" if polarity == "affirm" else "affirm"
        question = self._question(prompt.text)
        if polarity is None and not negated and not any(unsure) and named and not denied and \
                len(prompt.concepts) > 1 and prompt.concepts[0] in PERSONS and \
                not question.chosen_from(prompt) and not question.coordinated(prompt) and \
                all(n in PERSONS and any(same_thing(n, c) or kind_of(n, c)
                                         for c in prompt.concepts) for n in named):
            # "Is anyone waiting at the crosswalk?" "A crowd of people." answers with what was
            # asked, as a yes does, and keeps where it was asked to be
            polarity = "affirm"
        agrees = self._agrees_with_negative(toks, prompt)
        if agrees:  # "No pedestrians, correct?" "Correct, none at all."
            polarity = "deny"
        emptied_place = self._emptied_place(toks, prompt) if polarity in (None, "deny") else ()
        if emptied_place:  # "Is anyone on the crosswalk?" "It's empty."
            return Extraction(text, emptied_place, tuple(
                c for c in question.asked(prompt) if c not in emptied_place),
                "specific", "deny", "inherited from the prompt",
                ("the place asked about is said to be empty: it is there, and what was asked "
                 "to be in it is not",))
        asked = question.asked(prompt)
        if polarity is None and asked and _says_only_empty(toks) and all(
                c in VEHICLES or c in _ROAD_USERS for c in asked):
            polarity = "deny"  # "Is there a pedestrian?" "Deserted."
        if self._says_opposite_state(toks, prompt, negated=True):
            polarity = "affirm"  # "Not dry at all." to "Is the road wet?"
        elif polarity is None and self._says_opposite_state(toks, prompt):
            polarity = "deny"
        if polarity is None and prompt.concepts and set(prompt.concepts) <= PASSING_WEATHER:
            if weather_over(all_toks) and (not set(named) & set(prompt.concepts)
                                       or toks[:1] == ["the"]):
                # "Is it raining?" "It stopped a minute ago.", "The rain stopped."
                polarity = "deny"
                mentions = [m for m in mentions if m.concept not in prompt.concepts]
                named, denied = self._split(mentions)
            elif mentions and not negated and weather_as_it(toks):
                polarity = "affirm"  # "Is there snow?" "The trees are white with it."
            elif not set(named) & set(prompt.concepts) and weather_withheld(all_toks):
                polarity = "deny"  # "Threatening to.", "Puddles, but nothing falling."
            elif not negated and not set(named) & set(prompt.concepts) and \
                    weather_opposed(all_toks, set(prompt.concepts)):
                # "Is it foggy?" "Crystal clear."; "Misty in the distance, clear up close."
                # names the fog
                polarity = "deny"
        asks_night = prompt.concepts == ("night",) or (
            not prompt.concepts and prompt.denied == ("night",))
        if polarity is None and asks_night and not negated and "night" not in named:
            # "Is it night?" "Bright." says no, and "Is it daytime?" "Pitch black." no too
            said = light_said(all_toks)
            if said is not None:
                polarity = "affirm" if (said == "dark") == bool(prompt.concepts) else "deny"
        if polarity is None and _free_of_asked(toks, prompt):
            polarity = "deny"  # "Is there a car?" "A car-free street."
        if polarity is None and not named and departed_first(all_toks):
            polarity = "deny"  # "Is there a truck?" "Just left."
        if polarity is None and _yes_after_place(all_toks):
            polarity = "affirm"  # "Is there a truck?" "Behind the bus, yes."
        if polarity is None and any(form.endswith("traffic light") for form in
                                    self._asked_attribute(prompt).values()) and unlit(all_toks):
            polarity = "deny"  # "Is the light green?" "It's blank." gives it no colour
        only = only_opening(toks)
        if only is not None and only_in_likeness(toks, only):
            polarity = "deny"  # "Is there a car?" "Only on the billboard." says no real one is
        if polarity is None and only is not None and named:
            if one_of_those_asked(all_toks) or toks[only + 1 : only + 2] in (
                    ["its"], ["their"], ["partially"], ["partly"], ["half"], ["barely"]) or \
                    partial_amount_after(toks, only):
                # "Are there pedestrians?" "Just the one, near the bus."; "Is there a bicycle?"
                # "Only its front wheel is visible behind the car."; "Only partially, ...";
                # "Is there any snow?" "Only a light dusting on the parked cars."
                polarity = "affirm"
            elif not any(_is_asked(n, prompt) and not self._rider_for_walker(n, prompt)
                         for n in named) and not _lamps_only(named):
                # lamps alone show a vehicle of no kind: "Is there a bus?" "Just brake lights
                # in the fog." denies no bus
                # "Is anyone on the crosswalk?" "Only a dog.": no one is; "Just a cyclist." says
                # someone is, but "Is there a cyclist?" "Only pedestrians." that no cyclist is
                polarity = "deny"
        if polarity == "affirm" and self._counts_another(read_toks, mentions, prompt):
            polarity = None  # "Is there a bus?" "Two cars." counts cars, not buses
        if polarity != "deny" and _lamps_of_asked(named, prompt):
            # "Are there cars?" "Just headlights in the distance." sees the cars by their
            # lamps, and "Two tail lights glowing through the rain." counts the lamps of one
            polarity = "affirm"
        if polarity is None and not mentions and supposing and \
                self._refine_colour(toks, prompt.concepts) == prompt.concepts:
            # "Assuming you mean the nearest car, silver." still gives the car's colour
            return Extraction(text, (), (), "specific", None, "none", (
                "the answer only supposes, generalises or bounds what it names ('If there were "
                "a bus, ...', 'Buses usually ...', 'Barely any buses'): it asserts and denies "
                "nothing",))
        if polarity is None and not mentions and any(
                cannot_tell_at(all_toks, i) for i in range(len(all_toks))) and \
                self._refine_colour(toks, prompt.concepts) == prompt.concepts and \
                not self._colour_without_form(toks, prompt) and \
                not self._person_goes_on(all_toks, prompt):
            return Extraction(text, (), (), "specific", None, "none",
                              ("the answer says it cannot tell: it asserts and denies nothing",))
        if any(t in YES_WORDS for t in toks) and any(t in BARE_NO_WORDS for t in toks) and \
                all(t in YES_WORDS or t in BARE_NO_WORDS or t in AMBIVALENT for t in toks):
            return Extraction(text, (), (), "specific", None, "none", (
                "the answer says both yes and no ('Yes and no.'): it asserts and denies "
                "nothing",))
        bare = all(t in YES_WORDS or t in BARE_NO_WORDS or t in AGREEMENT_FILLER for t in toks)
        # "Is the road clear of snow?" negates the snow to name a state, and is no such question
        negative_question = question.negative() and \
            not self._asks_opposite(prompt)
        if not mentions and polarity is not None and bare and negative_question and not agrees:
            return Extraction(text, (), (), "specific", None, "none", (
                "a bare yes or no to a negative question ('Is there no bus?') may mean either: "
                "it asserts and denies nothing",))
        if named or denied:
            found = self._named_answer(text, toks, all_toks, prompt, mentions, polarity,
                                       negated)
            # "It used to be green; now it's red." opens with no colour said of now
            said_now = ["_" if gone else t for t, gone in zip(read_toks, past, strict=True)]
            opening = self._opening_colour(said_now, mentions, prompt)
            # the car asked of "Yes, a red one, ..." is the red car, not a car beside it; cars
            # the answer names itself stay ("White, like most of the cars here.")
            said = {m.concept for m in mentions if not m.inherited}
            kept = self._refine_sign(prompt, toks, tuple(
                c for c in found.concepts if c in said
                or not any(o != c and uncoloured(o) == c for o in opening)))
            concepts = tuple(dict.fromkeys(kept + opening))
            found = replace(found, concepts=concepts, denied=found.denied + tuple(
                c for c in self._other_colour_of_all(all_toks, concepts, prompt)
                if c not in found.denied))
            return self._given_to_another(self._placed_by_it(found, all_toks, prompt),
                                          all_toks, prompt)
        llm_named = self._ask_llm(read) if polarity is None else ()
        if llm_named:
            return Extraction(text, llm_named, (), "specific", polarity, "llm")
        return self._given_to_another(self._placed_by_it(
            self._inherited_answer(text, toks, all_toks, prompt, polarity, negated),
            all_toks, prompt), all_toks, prompt)

    def _says_nothing(self, text: str, prompt: Extraction) -> bool:
        """Whether `text`, read as an answer of its own, asserts, denies and says yes or no to
        nothing: what is left after a question asked back ("Which one? Please double-check
        with a better image.")."""
        if all(t in BREAKS for t in tokens(text)):
            return True
        read = self._read_answer(text, text, prompt)
        return not read.concepts and not read.denied and read.polarity is None

    def _asked_kinds(self, question: Question, prompt: Extraction,
                     said: Sequence[str] = ()) -> tuple[str, ...]:
        """What the question asks about, a group it names as each of its kinds ("Any emergency
        vehicles?" asks about the ambulance, the police car and the fire truck, which its "No."
        denies), unless the answer names one of them (`said`: "No ambulances or fire
        trucks.")."""
        groups = {c: kinds for c, kinds in self.groups_named(question.toks,
                                                              question.mentions).items()
                  if not any(same_thing(k, n) for k in kinds for n in said)}
        return tuple(dict.fromkeys(k for c in question.asked(prompt)
                                   for k in groups.get(c, (c,))))

    def _emptied_place(self, toks: list[str], prompt: Extraction) -> tuple[str, ...]:
        """The places the prompt asks about when the answer, naming nothing, says only that
        it is empty (`_says_only_empty`) to a question about what is in a place ("Is anyone on
        the crosswalk?"); else ()."""
        if not _says_only_empty(toks):
            return ()
        asked = self._question(prompt.text).asked(prompt)
        return tuple(c for c in prompt.concepts if c not in asked
                     and uncoloured(c).split()[-1] in EMPTY_PLACES)

    def _place_held(self, toks: list[str], prompt: Extraction) -> tuple[str, ...]:
        """The definite place or vehicle a question asks about, where the answer closes on "on
        it", "in it" or "at it" ("Is the crosswalk occupied?" "Nobody on it.", "Is the bus
        full?" "Nobody in it."): it is there."""
        if not self._question(prompt.text).definite() or toks[-2:] not in (
                ["on", "it"], ["in", "it"], ["at", "it"]):
            return ()
        return tuple(c for c in prompt.concepts[:1] if uncoloured(c).split()[-1] in EMPTY_PLACES
                     or c in VEHICLES)

    def _other_colour_of_all(self, all_toks: list[str], named: tuple[str, ...],
                             prompt: Extraction) -> tuple[str, ...]:
        """The coloured things the prompt asks about that the answer denies by giving every one
        of their kind another colour ("Is there a red car?" "Every car here is silver.", "The
        cars are all black.", "Three lights, all green."): the colour is said in a clause with
        "all", "every", "each" or "both" (`_UNIVERSALS`)."""
        forms = set(self._asked_attribute(prompt).values()) | {
            c for c in prompt.concepts if uncoloured(c) != c}
        clauses = cut_at(all_toks, BREAKS)
        universal = [c for c in clauses if any(t in _UNIVERSALS for t in c)]
        out = []
        for form in forms:
            plain = uncoloured(form)
            if any(uncoloured(n) == plain and n != form and any(
                    self._with_colour(plain, t, False) == n for c in universal for t in c
                    if t in COLOURS) for n in named):
                out.append(form)
        return tuple(out)

    def _rider_for_walker(self, named: str, prompt: Extraction) -> bool:
        """Whether the answer names a cyclist where the question asks for a pedestrian by name
        ("Is there a pedestrian?" "Only a cyclist."): a rider is someone, but not on foot, so
        "only" says no pedestrian is there, where to "Is anyone crossing?" it says someone is."""
        question = self._question(prompt.text)
        return named == "cyclist" and any(
            m.concept == "pedestrian" and lemma(question.toks[m.start]) in _ON_FOOT_NOUNS
            for m in question.mentions)

    def _agrees_with_negative(self, toks: list[str], prompt: Extraction) -> bool:
        """Whether the answer opens by agreeing ("Right", "Correct", "That's right") with a
        negative statement the prompt asks to be confirmed ("No pedestrians, correct?",
        "There's no truck, right?"): it says there is none, where a bare "Yes." to "Is there
        no bus?" may mean either."""
        words = toks[2:] if toks[:2] in (["that", "'s"], ["that", "is"]) else toks
        question = self._question(prompt.text)
        return bool(words) and words[0] in ("right", "correct", "true", "exactly") and \
            asks_to_confirm(question.text) and question.negative()

    @staticmethod
    def _counts_another(read_toks: list[str], mentions: Sequence[Mention],
                        prompt: Extraction) -> bool:
        """Whether the answer opens with a count of a concept the prompt does not ask about
        ("Is there a bus?" "Two cars."): the count is of what it names, and says nothing of
        what was asked. "Two of them, by the cars." and "Two by the barrier." count what was
        asked: a place between the count and the concept leaves the count without a noun."""
        a = next((i for i, t in enumerate(read_toks) if t not in APPROXIMATORS
                  and t not in BREAKS and t not in NON_ANSWER_WORDS), len(read_toks))
        if read_toks[a : a + 2] == ["i", "count"]:
            a += 2
        if a >= len(read_toks) or not is_count(read_toks[a]) or not mentions or \
                not prompt.concepts:
            return False
        first = min(mentions, key=lambda m: m.start)
        return a < first.start <= a + 3 and not any(
            t in BREAKS or t in PLACE_PREPOSITIONS for t in read_toks[a : first.start]) and \
            not _is_asked(first.concept, prompt)

    def _person_goes_on(self, all_toks: list[str], prompt: Extraction) -> bool:
        """Whether a clause after the first opens with "they", "he" or "she" for the definite
        thing asked about, which a doubt before it leaves there: "Is the pedestrian looking at
        us?" "Hard to say - they're facing away." "It" may be the weather ("Not sure, it's too
        dark."), so it is the thing only before what a thing does ("Dunno, it's facing the
        other way.")."""
        def doing(i: int) -> bool:  # "it's facing", "it is pointing", not "it's raining"
            verb = all_toks[i + 2 : i + 3]
            return all_toks[i + 1 : i + 2] in (["'s"], ["is"]) and verb != [] and \
                participle(verb[0]) and verb[0] not in _WEATHER_DOING
        return self._question(prompt.text).definite() and any(
            (t in ("they", "he", "she") or (t == "it" and doing(i))) and all_toks[i - 1] in BREAKS
            for i, t in enumerate(all_toks) if i)

    def _possessive_first(self, all_toks: list[str]) -> bool:
        """Whether "its" or "their" opens a clause before the answer names anything, so it
        points at what the question asks about: "Its brake lights are on.", "Can't tell, its
        brake lights are hidden." `all_toks` are with breaks."""
        at = next((i for i, t in enumerate(all_toks) if t in ("its", "their")
                   and (i == 0 or all_toks[i - 1] in BREAKS)), None)
        return at is not None and (at == 0 or not self.mentions(" ".join(all_toks[:at])))

    def _placed_by_it(self, found: Extraction, all_toks: list[str], prompt: Extraction
                      ) -> Extraction:
        """`found`, with the things the question places its subject by when the answer places
        something by "it" (`clauses.pronoun_place`): "Is the cyclist behind the van?" "No, in
        front of it." has the van, and "Is there a cone in front of the car?" "No, but
        there's one behind it." the car."""
        if not found.concepts or not pronoun_place(all_toks):
            return found
        asked = self._question(prompt.text).asked(prompt)
        landmarks = tuple(c for c in prompt.concepts if c not in asked
                          and c not in found.concepts + found.denied)
        return replace(found, concepts=found.concepts + landmarks) if landmarks else found

    def _given_to_another(self, found: Extraction, all_toks: list[str], prompt: Extraction
                          ) -> Extraction:
        """`found`, where the answer gives what was asked of one thing to another of its kind
        (`clauses.another_one_is`: "Is the car on the left red?" "No, the one on the right
        is."), with the asked form there rather than denied, and the thing asked about there
        too."""
        question = self._question(prompt.text)
        if not question.mentions or not another_one_is(all_toks) or not any(
                t in DEFINITES for t in question.toks[: question.mentions[0].start][-3:]):
            return found  # "Is the first car white?" asks of one; "Is there a car?" of none
        asked_attribute = self._asked_attribute(prompt)
        forms = tuple(asked_attribute.values())
        colours = [t for t in question.toks if t in COLOURS]
        if not forms and len(colours) == 1 and prompt.concepts:
            # "Is the parked car red?" "No, the moving one is.": a red car, though the
            # vocabulary has no red parked car
            head = prompt.concepts[0].rsplit(" ", 1)[-1]
            forms = tuple({self._with_colour(head, colours[0], False)} - {head})
        there = tuple(c for c in (*(tuple(asked_attribute) or prompt.concepts[:1]), *forms)
                      if c not in found.concepts)
        return replace(found, concepts=found.concepts + there,
                       denied=tuple(d for d in found.denied if d not in forms))

    def _named_answer(self, text: str, toks: list[str], all_toks: list[str],
                      prompt: Extraction, mentions: list[Mention], polarity: Polarity | None,
                      negated: bool) -> Extraction:
        """An answer that names concepts: those, plus what its yes or no says of the
        prompt's. `toks` are the answer's tokens without breaks, `all_toks` with them."""
        question = self._question(prompt.text)
        if polarity == "deny" and (kind := question.kind_asked()):
            # "Is the car a taxi?" "No, it's silver.": "it" is the car, which is no taxi
            mentions = [m for m in mentions if not (m.inherited and uncoloured(m.concept) in kind)]
        named, denied = self._split(mentions)
        notes = tuple(f"the colour {m.colour!r} goes with {m.concept!r}"
                      for m in mentions if m.colour is not None)
        source = ("inherited from the prompt" if all(m.inherited for m in mentions)
                  else "vocabulary")
        said = named + denied
        asked_attribute = self._asked_attribute(prompt)
        answered = [c for c in prompt.concepts
                    if any(same_thing(c, n) or kind_of(n, c) for n in said)]
        others = question.alternatives(prompt) if answered else ()
        if polarity == "affirm" and not kind_in_doubt(toks):
            # "Yes, someone is." asserts the whole question, in the colour asked about ("Is
            # the car yellow?" "Yes, a taxi."); "Cars or trucks?" "Yes, two cars." only cars;
            # "Yes, a scooter, if that counts." only the scooter
            # "Most are, but two are parked." and "Only one of them is; the other is black."
            # say the asked of some and name others of its kind beside them ("What colour
            # are the lights?" "Both of them are green." asks no yes), as does a short yes
            # before another ("Is that car red?" "It is, the other is white.")
            some_as_asked = (not question.about_colour() and (
                most_are(all_toks) or partitive_yes(all_toks))) or short_yes(all_toks)
            named += tuple(dict.fromkeys(
                asked_attribute.get(c, c) for c in prompt.concepts
                if (c not in answered or some_as_asked) and c not in others
                and asked_attribute.get(c, c) not in named))
            if "?" in question.text:  # "Is it a rainy day?" "Yes, ..." says it is not night
                denied += tuple(c for c in prompt.denied if c not in said)
        elif polarity == "deny" and not question.presupposed():
            # "No, but there's a truck." denies what was asked; "No, but there is one on the
            # sidewalk." says it is there, elsewhere than asked; "Any emergency vehicles?" "No
            # ambulances or fire trucks." denies those kinds, not every vehicle, and "No, only
            # cars." each of the group's kinds
            asked = self._asked_kinds(question, prompt, said)
            told = tuple(c for c in asked if not any(
                same_thing(c, n) or one_of(n, HYPERNYMS.get(c.lower(), frozenset()))
                for n in said))
            if present_elsewhere(all_toks) and not (
                    all(c in PERSONS for c in asked) and _carried(all_toks)):
                # "There's no bus directly ahead, but there is one in the oncoming lane."; "Are
                # there people on the sidewalk?" "No, they're all on the tram." has passengers
                moved = tuple(c for c in denied if any(same_thing(c, a) for a in asked))
                named += moved + told
                denied = tuple(c for c in denied if c not in moved)
            else:
                denied += told
        elif (polarity == "deny" and not weather_over(all_toks) and (
                goes_on_about_it(toks, negated, hedged_no_end(all_toks))
                or "also" in toks or (named and question.asks_empty()))) or (
                polarity is None and named and question.asks_empty()) or (
                polarity is None and not negated and _opens_place(toks)
                and (question.presupposed() or _places_only(all_toks))) or (
                polarity is None and not negated and _done_first(all_toks)):
            # "No, on the road." still has the pedestrian it was asked about, and so has
            # "On the sidewalk." to "Is the pedestrian on the sidewalk or on the road?"; "Is the
            # sidewalk empty?" "Not quite - there's a dog ..." (or "Empty except for a cone.")
            # has the sidewalk; "Is there a taxi?" "On the right, behind the bus." says where
            # the taxi is, as "Stopped at the light." or "Mostly hidden by the bus." says
            # what it does or how it is seen
            named += tuple(c for c in question.asked(prompt)
                           if not any(same_object(c, n) for n in said))
        offered = question.chosen_from(prompt) or (
            question.coordinated(prompt) if only_opening(toks) is not None else ())
        if polarity is None and answered and offered:
            # "Is there a bus or a truck?" "Just the truck." says there is no bus, "Are there
            # pedestrians and cyclists?" "Only pedestrians." that there are no cyclists, and
            # "Which of these are visible: bus, truck, van?" "Truck, van." that no bus is
            denied += tuple(c for c in offered if c not in answered and c not in named + denied)
        named += tuple(c for c in self._place_held(toks, prompt) if c not in named)
        main = _main_clause(toks)
        if (question.asks_of_definite() and _said_after_no(all_toks)) or \
                (polarity != "deny" and not negated and ((question.definite() and (
                (main[:1] and main[0] in SUBJECT_PRONOUNS and not expletive_it(main))
                or question.where_about())) or self._possessive_first(all_toks)
                or _doing_first(main))):
            # "Is the truck parked?" "It appears to be parked at the curb." still has the
            # truck, and so has "Unlike the bus, it is parked."; "Is the car braking?" "Its
            # brake lights are on." (or "Can't tell, its brake lights ...") the car, as "Is
            # there a car ahead?" "Its tail lights are all I can make out." has, and
            # "Where is the stop sign?" "On the right, next to the tree." the sign; "Is there a
            # truck?" "It looks like a bus." names no truck
            named += tuple(c for c in prompt.concepts[:1] if c not in named and not any(
                same_object(c, n) for n in said))
        if not any(m.colour for m in mentions):
            # "Is the light green?" "The light is not green." denies the green light
            denied += tuple(c for c in self._negated_forms(tuple(asked_attribute), toks)
                            if c in asked_attribute.values() and c not in named + denied)
        opposite = polarity == "deny" and self._says_opposite_state(toks, prompt)
        restated = {plain: form for plain, form in asked_attribute.items()
                    if (plain in named or opposite) and form not in named + denied}
        if polarity == "affirm" and not kind_in_doubt(toks):
            # "Is the road wet?" "Yes, there is water on the road." says the road is wet, as
            # "Yes." does; the subject said again, plain, is still the one asked about
            named = tuple(dict.fromkeys(
                asked_attribute[c] if c in restated or asked_attribute.get(c) in named else c
                for c in named))
        elif polarity == "deny":
            # "No, the road is dry." denies the wet road, as "No." does, and so does "It is
            # dry; no rain has fallen."; "No, the car is blue." names the car in another
            # colour, so `restated` leaves it out, but there is one road: "Is the road
            # snowy?" "No, but it is wet." (or "I don't think so, but ...") denies the snowy
            # road
            named += tuple(c for c in restated if c not in named)
            denied += tuple(restated.values()) + tuple(
                form for plain, form in asked_attribute.items()
                if plain in SINGLE_SURFACES and (toks[0] in BARE_NO_WORDS
                                                 or hedged_no_end(all_toks))
                and plain not in restated and form not in named and form not in denied
                and any(n.endswith(" " + plain) for n in named))
            if _no_but(toks):
                # "Is the road wet?" "No, but rain is starting to fall." is "No." to the road,
                # and goes on to another thing
                others_only = {plain: form for plain, form in asked_attribute.items()
                               if not any(same_object(plain, n) for n in named + denied)}
                named += tuple(others_only)
                denied += tuple(form for form in others_only.values() if form not in denied)
        if _not_that_kind(toks):
            # "Is there a police car?" "There's a car, but not that type." denies the kind asked
            denied += tuple(c for c in question.asked(prompt) if c not in named + denied)
        return Extraction(text, named, denied, "specific", polarity, source, notes)

    def _inherited_answer(self, text: str, toks: list[str], all_toks: list[str],
                          prompt: Extraction, polarity: Polarity | None,
                          negated: bool) -> Extraction:
        """An answer that names no concept ("No.", "Red.", "Two."): it is about the prompt's
        concepts, and its yes or no, colour or count says what of them."""
        asks = "?" in self._question(prompt.text).text
        if asks and prompt.denied and not prompt.concepts and \
                self._question(prompt.text).about_time_of_day():
            # "What time of day is it?" "About 9 pm - it's dark." says night, as "No." to
            # "Is it daytime?" does; "About 9 pm." says neither
            polarity = "affirm" if any(t in DAY_TIMES for t in toks) else \
                "deny" if any(t in NIGHT_TIMES for t in toks) else None
        if asks and prompt.denied and not prompt.concepts and polarity:
            # "Is it daytime?" asks about the night by its opposite: "Yes." denies the night,
            # "No, it's dark out." says it is night
            return Extraction(text, prompt.denied if polarity == "deny" else (),
                              prompt.denied if polarity == "affirm" else (), "specific",
                              polarity, "inherited from the prompt",
                              ("the prompt names the concept by its opposite: the answer's yes "
                               "or no is swapped",))
        question = self._question(prompt.text)
        supposed = question.supposed()  # "What should we do if the light turns red?"
        inherited = tuple(c for c in prompt.concepts if c not in supposed)
        if not inherited:
            return Extraction(text, (), (), "specific", polarity, "none",
                              ("the answer names no concept and the prompt has none to inherit",))
        asked_attribute = self._asked_attribute(prompt)
        refined = self._refine_sign(prompt, toks, self._refine_state(
            toks, self._refine_colour(toks, inherited, plural=question.plural()
                                      or _colours_apart(all_toks))))
        not_colours = self._negated_forms(inherited, toks)
        if polarity == "deny" and refined != inherited:
            # "Is the car red?" "No, blue." says the car's colour; "Is there a white car?"
            # "No, but a grey one." also denies the white car; "Red, not blue." says red and,
            # as "No, it's blue." does, leaves the blue car to other cars in the frame; "Is
            # the car a taxi?" "No, silver." is of a car that is no taxi
            refined = tuple(c for c in refined if uncoloured(c) not in question.kind_asked()
                            ) or refined
            # "The light's green, isn't it?" asks of a definite light as "Is the light green?"
            # does; "Are there cars?" "Parked ones, but none moving." has cars in a state
            denied = () if question.presupposed() or asked_attribute or question.definite() else \
                tuple(c for c in question.asked(prompt)
                      if not any(same_thing(c, r) or r.endswith(" " + c) for r in refined))
            if asked_attribute and set(asked_attribute) <= SINGLE_SURFACES and \
                    toks[0] in BARE_NO_WORDS:
                # "Is the road snowy?" "No, but it is wet.": there is one road
                denied = tuple(v for v in asked_attribute.values() if v not in refined)
            return Extraction(text, refined, denied, "specific", polarity,
                              "inherited from the prompt",
                              ("a no with another colour says which colour the concept has",))
        if polarity == "deny" and asked_attribute:
            # "Is the car parked?" "No." has the car; "Are any cars parked?" "None." may
            # have no car at all
            return Extraction(text, inherited if question.definite() else (),
                              tuple(asked_attribute.values()), "specific",
                              polarity, "inherited from the prompt",
                              ("a no to a colour question denies the colour, not the concept",))
        if polarity == "deny" and not_colours:  # "What colour is the car?" "It is not red."
            return Extraction(text, inherited, not_colours, "specific", polarity,
                              "inherited from the prompt",
                              ("a colour said not to be the concept's is denied, not the "
                               "concept",))
        if polarity == "deny" and question.asks_of_definite() and not _rejects_given(all_toks):
            if _said_after_no(all_toks):
                return Extraction(text, question.asked(prompt), (), "specific", polarity,
                                  "inherited from the prompt",
                                  ("a no to what is asked of a given thing that goes on to say "
                                   "what it does or where it is ('It isn't; it's stopped.') "
                                   "takes it as there",))
            return Extraction(text, (), (), "specific", polarity, "none",
                              ("a no to what a question word asks of a given thing ('How fast "
                               "is the car going?' 'It's not moving.') denies only that, which "
                               "no concept names",))
        # "Is the bus still at the stop?" "No, the stop is empty." says the bus has gone, as
        # "No, it has left." does
        emptied = says_empty(all_toks)
        negated_after = any(is_negator(all_toks, i)
                            for i in range(hedged_no_end(all_toks), len(all_toks)))
        if polarity == "deny" and question.presupposed() and len(toks) > 1 and \
                not negated_after and not emptied:
            return Extraction(text, question.asked(prompt), (), "specific", polarity,
                              "inherited from the prompt",
                              ("a no that goes on to say what the concept is doing ('No, it's "
                               "stopped.') takes the concept as there",))
        said_none = emptied or denies_one(all_toks) or any(
            t in ("none", "zero", "0", "nil") for t in toks[1:])
        held = self._place_held(toks, prompt)
        if polarity == "deny" and question.presupposed() and not said_none:
            if held:  # "Is the intersection busy?" "Not at all - nothing in it."
                return Extraction(text, held, (), "specific", polarity,
                                  "inherited from the prompt",
                                  ("a no that places nothing in the place asked about ('nothing "
                                   "in it') keeps the place",))
            return Extraction(text, (), (), "specific", polarity, "none",
                              ("a no to a question about the concept takes the concept as "
                               "given and denies only what is asked of it, which no concept "
                               "names",))
        if polarity == "deny" and present_elsewhere(all_toks):
            return Extraction(text, question.asked(prompt), (), "specific", polarity,
                              "inherited from the prompt",
                              ("a no that goes on to say one is there ('No, there's one on the "
                               "right.') denies only where it was asked to be",))
        if polarity == "deny" and question.about_number() and not said_none:
            return Extraction(text, (), (), "specific", polarity, "none",
                              ("a no to how many there are ('Are there more than three "
                               "cars?') denies the number, which no concept names",))
        if polarity == "deny":
            # "Any emergency vehicles?" "No." denies each of the group's kinds, not every
            # vehicle
            asked = self._asked_kinds(question, prompt)
            # "How many cars are red?" "None of them.": the cars are there, and none is red
            kept = tuple(dict.fromkeys(plain for c in asked if (plain := uncoloured(c)) != c)) \
                if toks[:3] in (["none", "of", "them"], ["none", "of", "those"]) else ()
            return Extraction(text, kept, asked, "specific", polarity,
                              "inherited from the prompt",
                              ("a negative answer asserts the concepts the prompt asks about "
                               "are absent",))
        others = question.alternatives(prompt) if polarity == "affirm" else ()
        if others and refined == inherited:
            return Extraction(text, tuple(c for c in inherited if c not in others), (),
                              "specific", polarity, "inherited from the prompt",
                              ("a yes to alternatives ('cars or trucks?') says one of them is "
                               "there, which no one concept checks",))
        if polarity is None and refined == inherited and (
                about_the_image(all_toks) or about_the_speaker(all_toks)):
            return Extraction(text, (), (), "specific", None, "none", (
                "the answer speaks of the image itself ('The frame is black.') or of the "
                "speaker ('I may be wrong.'), neither yes nor no: it asserts and denies "
                "nothing",))
        if polarity is None and refined == inherited and not asked_attribute and \
                question.toks[:1] and (question.toks[0] in QUESTION_VERBS
                                       or question.toks[0] in EGO_MODALS) and all(
                    c in VEHICLES or c in _ROAD_USERS for c in inherited) and \
                names_other_thing(all_toks, {w for c in inherited for w in c.split()}):
            # "Is there a bus?" "A kiosk." names another thing, and "Only a kiosk." says no
            # bus is there; "Is it foggy?" "A light mist." names the fog in other words
            only = only_opening(toks) is not None
            return Extraction(text, (), question.asked(prompt) if only else (), "specific",
                              "deny" if only else None, "none", (
                                  "the answer names only a thing the vocabulary does not "
                                  "have: it says nothing of what was asked, or with 'only' "
                                  "that it is not there",))
        if refined == inherited and asked_attribute:
            refined = tuple(asked_attribute.get(c, c) for c in inherited)
        note = "a yes answer asserts the prompt's concepts" if polarity == "affirm" else (
            "the answer names no concept; it is about the prompt's")
        # "Is it a rainy day?" "Yes." says it is not night, as the question names its opposite
        opposite = prompt.denied if polarity == "affirm" and asks else ()
        return Extraction(text, refined, opposite, "specific", polarity,
                          "inherited from the prompt", (note,))

    def _asked_text(self, text: str) -> str:
        """`formats.question_text`, without words before the question that ask nothing and
        name no concept (`formats.question_preamble`): "In this frame, is the light green?"
        asks what "Is the light green?" asks."""
        asked = question_text(text)
        preamble = question_preamble(asked)
        return asked[len(preamble) :] if preamble and not self.mentions(preamble) else asked

    def _question(self, text: str) -> Question:
        """The prompt's own mentions and tokens, read once per prompt: every answer asks
        several things of its prompt, and a run asks them once per frame."""
        question = self._questions.get(text)
        if question is None:
            if len(self._questions) >= 4096:
                self._questions.clear()
            asked = self._asked_text(text)
            question = Question(asked, tuple(m for m in self.mentions(asked)
                                             if not m.inherited), tuple(tokens(asked)))
            self._questions[text] = question
        return question

    def _state_question(self, toks: list[str], mentions: Sequence[Mention]
                        ) -> tuple[str, str, int, bool] | None:
        """For a yes/no question about a concept's state ("Is the road wet?", "Does the road
        look wet?", "Is the road covered in snow?"): the concept, its form in that state, where
        the state's words start, and whether the question names the state by its opposite
        ("Is the road dry?", "Is the road clear of snow?": its yes denies the state); else
        None."""
        words = [t for t in toks if t not in BREAKS]
        if not mentions or len(words) < 3 or words[1] == "there" or words[0] not in (
                QUESTION_COPULAS | {"does", "do", "did", "doesn't", "don't", "didn't"}):
            return None
        first = mentions[0]
        end = len(toks)
        while end > first.stop and toks[end - 1] in BREAKS:
            end -= 1
        j = self._past_place(toks, first.stop, end, mentions)
        while j < end and (toks[j] in STATE_FILLER or toks[j] in LINKING_VERBS):
            j += 1
        found = state_at(toks[:end], j)
        opposite = found is None and j < end and toks[j] in OPPOSITE_STATES and (
            (j + 1 == end and toks[j] in PLAIN_OPPOSITES) or (
                toks[j + 1 : end][:1] == ["of"] and j + 3 == end
                and STATE_OBJECTS.get(toks[j + 2]) == OPPOSITE_STATES[toks[j]]))
        if opposite:
            found = (OPPOSITE_STATES[toks[j]], end)
        if found is None or found[1] != end:
            return None
        # "Does the road look wet?" has already folded the state into its subject
        base = next((c for c in self.vocabulary if self._with_state(c, found[0]) ==
                     first.concept), first.concept)
        stated = self._with_state(base, found[0])
        return None if stated == base else (base, stated, j, opposite)

    @staticmethod
    def _past_place(toks: list[str], j: int, end: int, mentions: Sequence[Mention]) -> int:
        """Where a question's state is looked for after its subject: past a place that says
        which one is meant ("Is the car on the left parked?", "Is the road ahead wet?", "Is
        the road in front of us snowy?"), where a state or its opposite ends the question and
        no other concept is named between; else `j`."""
        if j >= end or toks[j] not in PLACE_PREPOSITIONS:
            return j
        for k in range(j + 1, end):
            if any(j <= m.start < k for m in mentions) or toks[k] in BREAKS:
                return j
            found = state_at(toks[:end], k)
            if (found is not None and found[1] == end) or (
                    k + 1 == end and toks[k] in OPPOSITE_STATES):
                return k
        return j

    def _without_idle_tail(self, text: str, prompt: Extraction) -> str:
        """`text` without the sentences at its end that say nothing of the frame: a note, a
        caveat or a request that names no concept and has no yes, no, colour, count or
        negation ("Hmm.\n\nNote: the frame is quite dark." is "Hmm.", "Hard to say, but yes.
        I may be wrong." is its yes; "(based on the visible portion of the image)" goes too).
        A sentence that names anything, even by a pronoun, stays, and so does what is not
        prose (a tag, a bracket, a table's row)."""
        cut = len(text)
        starts = [0] + [m.end() for m in _SENTENCES.finditer(text)]
        for start in reversed(starts[1:]):
            tail = text[start:cut]
            if any(c in tail for c in "<>[]{}|`*#") or sum(
                    t.isalpha() for t in tokens(tail)) < 2 or self._says(tail, prompt):
                break  # not prose, or it says something
            cut = start
        kept = text[:cut].rstrip()
        asks = kept.endswith("?") and any(t.isalpha() for t in tokens(kept))
        if cut == len(text) or asks or not (self._says(kept, prompt) or all(
                t in NON_ANSWER_WORDS or t in BREAKS for t in tokens(kept))):
            return text  # what would stay is a question, or says nothing: the tail answers
        return kept

    def _without_idle_lead(self, text: str, prompt: Extraction) -> str:
        """`text` from its answer on (a yes, a no, "none", "I don't", "there is", a hedge, a doubt,
        a supposition, "absent", a count or a colour), where a clause before it, up to a comma
        or a colon, says nothing of the frame (`_says`): a stance, a source or an announcement
        that no list of framings holds ("From my perspective, nope.", "Here's what I found:
        No.", "Upon review, absent.", which had put the bus or the pedestrian asked about in the
        frame). A clause that names anything, or has a yes, a no, a negation, a cannot-tell or a
        road's state, stays ("If there were a bus, no.", "At night, no.", "Damp in patches,
        mostly dry."), and so does a noun phrase ("The light, as far as I can see, is red.") or
        what holds brackets or quotes (a JSON record's key)."""
        lead = _IDLE_LEAD.match(text)
        if lead is None or self._says(lead.group(1), prompt) or any(
                t in STATES or t in OPPOSITE_STATES for t in tokens(lead.group(1))):
            return text
        return text[lead.end() :]

    def _without_echo(self, text: str, prompt: Extraction) -> str:
        """`text` after a short question that opens it and only echoes what was asked, a thing
        or the colour or state asked of it ("A truck? I don't see one.", "Green? No, it's
        red.", "Wet? No, it's bone dry."; `clauses.echoes`), where what follows says something
        of the frame (`_says`): the echo is neither a yes nor a thing seen. Else `text`, so
        that "The truck? White." keeps its truck, "Pedestrians? None." to "Describe the
        scene." its pedestrians, and "The bus? It's behind the truck." the bus "it" stands
        for."""
        echo, mark, rest = text.partition("?")
        if not mark or "?" in rest or not echoes(tokens(echo)) or not self._says(rest, prompt):
            return text
        asked = self._question(prompt.text).asked(prompt)
        forms = set(self._asked_attribute(prompt).values())
        found = self.mentions(echo, prompt.all_concepts)
        words = [t for t in tokens(echo) if t not in BREAKS]
        if not (found or set(words) <= {form.split()[0] for form in forms}) or not all(
                m.concept in forms or any(same_thing(uncoloured(m.concept), uncoloured(c))
                                          for c in asked) for m in found):
            return text  # "Green?" echoes "Is the light green?"
        if found and tokens(rest)[:1] and tokens(rest)[0] in _THIRD_PERSONS:
            return text  # "The bus? It's behind the truck.": "it" is the bus echoed
        return rest.strip()

    def _says(self, sentence: str, prompt: Extraction) -> bool:
        """Whether `sentence` says anything of the frame (`_without_idle_tail`): it names a
        concept, or opens with a pronoun for a thing ("It's stopped."), or has a yes, a no, a
        colour, a count (not a frame's number: "Looking at frame 12,"), a negation, a
        cannot-tell or "if any" ("If any, one." may be none)."""
        toks = tokens(sentence)
        if toks[:2] == ["if", "any"]:
            return True
        words = [t for t in toks if t not in BREAKS]
        if words[:1] and words[0] in _THIRD_PERSONS and not expletive_it(words) and \
                not about_the_image(words):
            return True  # "No. It's stopped." says where the bus asked about is
        return bool(self.mentions(sentence, prompt.all_concepts)) or any(
            t in COLOURS or t in YES_WORDS or t in NO_WORDS or t == "?"
            or (is_count(t) and not (i and toks[i - 1] in _NUMBERED))
            or t in STATES or t in OPPOSITE_STATES
            or is_negator(toks, i) or cannot_tell_at(toks, i) for i, t in enumerate(toks)) \
            or yes_or_no(words, toks, False, False, False, False) is not None

    def _elliptical_split(self, read: str, prompt: Extraction) -> tuple[str, str] | None:
        """(the answer to the prompt, the rest) when one part answers the prompt on its own and
        the rest names only other things than the prompt does: an opening sentence that names
        nothing ("There is. I can also see some trees.", "I don't think so. The road
        is empty.", "Yellow. Buildings line the street."), or a later one that opens with a yes
        or a no, which answers it with what follows ("I can see some trees. No, there isn't.",
        "I can see some trees. Yes, someone is."). Each part is then read as an answer of its
        own. Else None."""
        text = read.strip()
        if final_answer(tokens(text)):
            return None  # "Step 1: ... Final answer: No." is read whole
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        for k, end in enumerate(ends):
            before, after = text[:end], text[end:]
            if not after.strip():
                return None
            if k == 0 and self._answers_alone(before) and self._names_others(after, prompt) \
                    and tokens(after)[:1] not in _GOING_ON:
                return before, after
            opening = tokens(after)[:2]
            if opening[:1] and opening[0] in _YES_NO and (  # "Yes, ...", "Yes it is"
                    opening[1:] == [] or opening[1] in _AFTER_YES_NO) and \
                    self._names_others(before, prompt):
                return after, before
        return None

    def _answers_alone(self, sentence: str) -> bool:
        """Whether `sentence` may answer the prompt on its own: a few words, no label or list
        marker ("Step 1:", "1."), and no concept named."""
        words = [t for t in tokens(sentence) if t not in BREAKS]
        return (":" not in sentence and len(words) <= _ELLIPTICAL_WORDS
                and any(t.isalpha() for t in words) and not self.mentions(sentence))

    def _names_others(self, text: str, prompt: Extraction) -> bool:
        """Whether `text` names concepts, none of them the prompt's or of its kind."""
        named = self.mentions(text)
        return bool(named) and not any(
            same_thing(m.concept, c) or kind_of(m.concept, c) or kind_of(c, m.concept)
            for m in named for c in prompt.all_concepts)

    @staticmethod
    def _merged(first: Extraction, rest: Extraction, asked: Sequence[str]) -> Extraction:
        """One reading of an answer read in two parts (`_elliptical_split`), the first the
        part that answers the prompt. The rest names none of the prompt's concepts, so what it
        says of them (`asked`) it inherited, and only the first part's answer counts."""
        def own(concept: str) -> bool:
            return not any(same_thing(uncoloured(concept), uncoloured(c)) for c in asked)

        concepts = first.concepts + tuple(
            c for c in rest.concepts if c not in first.concepts and own(c)
            and not any(uncoloured(f) == c for f in first.concepts))
        denied = tuple(dict.fromkeys(
            d for d in first.denied + tuple(filter(own, rest.denied)) if d not in concepts))
        return replace(first, concepts=concepts, denied=denied,
                       notes=(*first.notes, *rest.notes))

    def _asks_opposite(self, prompt: Extraction) -> bool:
        """Whether the prompt asks about a state by its opposite ("Is the road dry?")."""
        return self._asked(prompt)[1]

    def _asked_attribute(self, prompt: Extraction) -> dict[str, str]:
        """For a yes/no question about one concept's colour ("Is the car red?") or state ("Is
        the road wet?"), that concept and its form in the vocabulary ({"car": "red car"},
        {"road": "wet road"}); else empty."""
        return self._asked(prompt)[0]

    def _asked(self, prompt: Extraction) -> tuple[dict[str, str], bool]:
        """`_asked_attribute` and `_asks_opposite`, read once per prompt: every answer asks
        them of its prompt several times, and a run asks them once per frame."""
        key = (prompt.text, prompt.concepts)
        found = self._asked_cache.get(key)
        if found is not None:
            return found
        if len(self._asked_cache) >= 4096:
            self._asked_cache.clear()
        question = self._question(prompt.text)
        asked = self._state_question(list(question.toks), question.mentions)
        toks = [t for t in question.toks if t not in BREAKS]
        colours = [t for t in toks if t in COLOURS]
        if asked is not None and prompt.concepts == (asked[0],):
            found = ({asked[0]: asked[1]}, asked[3])
        elif (len(prompt.concepts) != 1 or len(colours) != 1 or len(toks) < 3
                or toks[0] not in QUESTION_COPULAS or toks[1] == "there"
                or toks[-1] != colours[0]):
            found = ({}, False)
        else:
            concept = prompt.concepts[0]
            coloured = self._with_colour(concept, colours[0], False)
            found = ({concept: coloured} if coloured != concept else {}, False)
        self._asked_cache[key] = found
        return found

    def _negated_forms(self, concepts: tuple[str, ...], toks: list[str]) -> tuple[str, ...]:
        """`concepts` in each colour a negator reaches ("not red": "car" -> "red car"), where
        the vocabulary has that coloured form."""
        return tuple(c for c in dict.fromkeys(
            self._with_colour(concept, colour, False)
            for concept in concepts for colour in negated_colours(toks))
            if c not in concepts)

    def _opening_colour(self, toks: list[str], mentions: list[Mention],
                        prompt: Extraction) -> tuple[str, ...]:
        """The prompt's concepts in the colour an answer to "What colour is it?" opens with,
        before the concepts it names ("Silver, on the road.", "I'd guess silver, but the
        glare makes it hard to tell."), also to "Is the light red?" ("Looks red to me, though
        the sun is in the camera.") and to "Is there a car?" as "a red one" ("Yes, a red one,
        next to the bus."), and so for a state its first phrase gives alone ("Wet, with
        puddles by the curb." or "Snowy." to "Is the road wet?" or "... snowy?"; not "Wet
        sidewalks, ..."); the concepts as they are where the colour has no form in the
        vocabulary ("White, ..." to "What colour is the van?"); () when its first phrase gives
        no colour or state."""
        if not mentions:
            return ()
        lead = toks[: mentions[0].start]
        if len(lead) > 2 and (lead[0] in YES_WORDS or lead[0] in BARE_NO_WORDS) and \
                lead[1] in BREAKS:
            lead = lead[2:]  # "No, green, and the sun is bright."
        end = next((i for i, t in enumerate(lead) if t in BREAKS), None)
        if not (self._question(prompt.text).about_colour() or self._asked_attribute(prompt)
                or "one" in lead[:end]):
            return ()
        refined = self._refine_colour(lead[:end], prompt.concepts)
        phrase = toks[: next((i for i, t in enumerate(toks) if t in BREAKS), len(toks))]
        if refined == prompt.concepts and all(  # "Wet, with puddles by the curb.", "Snowy."
                t in STATES or t in DEGREE_ADVERBS or t in _STATE_SAID for t in phrase):
            refined = self._refine_state(phrase, prompt.concepts)
        if refined != prompt.concepts:
            return refined
        # a phrase of its own ("White, ..."), not what the named concept's colour opens
        # ("Looks like a red fire truck.")
        return prompt.concepts if end is not None and self._colour_without_form(
            lead[:end], prompt) else ()

    def _colour_without_form(self, toks: list[str], prompt: Extraction) -> bool:
        """Whether the prompt asks a colour and `toks` give one of what was asked that the
        vocabulary has no form for: "White, though it is hard to tell." to "What colour is
        the van?" says the van is there, though no "white van" is in the vocabulary. Colours
        that have forms refine the concepts instead (`_refine_colour`), and two colours
        ("White or grey, hard to say.") waver as they do there."""
        said = own_colours(toks)
        return len(said) == 1 and self._question(prompt.text).about_colour() and all(
            self._with_colour(c, colour, False) == c for c in prompt.concepts for colour in said)

    def _refine_colour(self, toks: list[str], concepts: tuple[str, ...],
                       plural: bool = False) -> tuple[str, ...]:
        """`concepts` in the one colour a bare answer gives ("Silver."). Names of one
        vocabulary colour count once ("Amber / yellow.", "Grey-ish, maybe silver."); two
        colours that differ refine nothing ("Red and white." is a two-tone car), unless the
        question asks about several ("What colour are the cars?" "One is red and the other
        blue." says a red car and a blue one) and the answer does not waver between them
        ("red or blue")."""
        said = own_colours(toks)
        readings = list(dict.fromkeys(
            tuple(dict.fromkeys(self._with_colour(c, colour, False) for c in concepts))
            for colour in dict.fromkeys(t for t in toks if t in said)))
        if len(readings) > 1 and plural and "or" not in toks:
            return tuple(dict.fromkeys(c for r in readings for c in r if c not in concepts))
        return readings[0] if len(readings) == 1 else concepts

    def _says_opposite_state(self, toks: list[str], prompt: Extraction,
                             negated: bool = False) -> bool:
        """Whether an answer to a question about a state says its opposite and not the state
        itself: "Dry." or "The road is dry." to "Is the road wet?" (`OPPOSITE_STATES`). With
        `negated`, whether it says the opposite is not so ("Not dry at all.", "The road isn't
        dry."), which says the state is."""
        asked = {form.split()[0] for form in self._asked_attribute(prompt).values()}
        said = {STATES[t] for i, t in enumerate(toks)
                if t in STATES and not colour_negated(toks, i)}
        return bool(asked) and not asked & said and any(
            OPPOSITE_STATES.get(t) in asked and colour_negated(toks, i) == negated
            for i, t in enumerate(toks))

    def _asks_message(self, prompt: Extraction) -> bool:
        """Whether the prompt asks what a sign says: "What does the sign say?", "What does the
        sign read?"."""
        return any(c.endswith("sign") for c in prompt.concepts) and any(
            t in MESSAGE_VERBS or t == "read" for t in self._question(prompt.text).toks)

    def _refine_sign(self, prompt: Extraction, toks: list[str],
                     concepts: tuple[str, ...]) -> tuple[str, ...]:
        """`concepts` with the road sign asked about as the kind its message names: "What does
        the sign say?" "STOP, in white on red." is a stop sign (`clauses.sign_message_kind`)."""
        if "road sign" not in concepts or not self._asks_message(prompt):
            return concepts
        kind = sign_message_kind(toks)
        if kind is None or kind not in self.vocabulary:
            return concepts
        return tuple(dict.fromkeys(kind if c == "road sign" else c for c in concepts))

    def _refine_state(self, toks: list[str], concepts: tuple[str, ...]) -> tuple[str, ...]:
        """`concepts` in the one state a bare answer gives ("No, just wet." to "Are the roads
        icy?" is a wet road); a state under a negator ("not wet") or two states refine
        nothing."""
        said = {STATES[t] for i, t in enumerate(toks)
                if t in STATES and not colour_negated(toks, i)}
        if len(said) != 1:
            return concepts
        return tuple(dict.fromkeys(self._with_state(c, next(iter(said))) for c in concepts))


# Words that, asked back alone, say nothing: "Really?", "Sorry?", "Huh?".
_ASKED_BACK_ALONE = frozenset({"really", "what", "huh", "sorry", "pardon", "seriously", "why",
                               "eh"})
# What opens an answer that no one or nothing is in a place: "Nobody, it's empty.", "Not a soul
# in it."
_NONE_OPENERS = (("nobody",), ("nothing",), ("none",), ("noone",), ("no", "one"),
                 ("not", "a", "soul"))
# Who, besides vehicles, is asked about as one thing that another thing's name is not: "Is
# there a dog?" "A fox." names no dog.
_ROAD_USERS = PERSONS | {"dog", "bicycle", "train"}
# Words that say a clause holds of every one of a kind: "The cars are all black."
_UNIVERSALS = frozenset({"all", "every", "each", "both"})
# The words that ask for someone on foot, not for anyone on the road: "Is there a pedestrian?"
_ON_FOOT_NOUNS = frozenset({"pedestrian", "ped", "walker"})
# What "it" does when it is the weather or the light: "Not sure, it's raining too hard."
_WEATHER_DOING = frozenset({"raining", "snowing", "pouring", "drizzling", "getting", "clearing"})


# Nouns whose number names one of them, not a count: "Looking at frame 12, nope."
_NUMBERED = frozenset({"frame", "image", "clip", "shot", "camera", "cam", "lane"})
# Phrases that compare the subject with another thing before the main clause: "Unlike the bus,
# it is parked."
_COMPARED_OPENERS = (("unlike",), ("like",), ("compared", "to"), ("compared", "with"),
                     ("as", "with"))


def _main_clause(toks: list[str]) -> list[str]:
    """`toks` from the main clause on, past an opening comparison with another thing ("Unlike
    the bus, it is parked." from "it"; `_COMPARED_OPENERS`). `toks` are without breaks, so the
    main clause is found by its subject pronoun, within five words of the opener."""
    for opener in _COMPARED_OPENERS:
        if tuple(toks[: len(opener)]) == opener:
            rest = toks[len(opener) :]
            k = next((j for j, t in enumerate(rest[:5]) if t in SUBJECT_PRONOUNS), None)
            return toks if k is None else rest[k:]
    return toks


def _doing_first(toks: list[str]) -> bool:
    """Whether the answer opens with a pronoun for what was asked, doing something: "Is there a
    dog?" "It's running onto the road!" (not the weather, "It's raining.", nor the image,
    "It's showing a truck.")."""
    return toks[:1] in (["it"], ["they"], ["he"], ["she"]) and \
        toks[1:2] in (["'s"], ["is"], ["are"], ["'re"]) and toks[2:3] != [] and \
        participle(toks[2]) and toks[2] not in _WEATHER_DOING and toks[2] not in MESSAGE_VERBS


# A vehicle's own lamps, which are seen only with it.
_VEHICLE_LAMPS = frozenset({"headlights", "tail lights"})


def _lamps_of_asked(named: Sequence[str], prompt: Extraction) -> tuple[str, ...]:
    """The cars or vehicles the prompt asks about whose lamps the answer names, with no
    vehicle of its own ("Are there cars?" "A sea of brake lights ahead."): the lamps are
    theirs. Lamps show no kind: "Is there a bus?" "Just brake lights in the fog." sees no bus."""
    if not _lamps_only(named):
        return ()
    return tuple(c for c in prompt.concepts if c in ("car", "vehicle"))


def _lamps_only(named: Sequence[str]) -> bool:
    """Whether the answer names a vehicle's lamps and no vehicle."""
    return bool(_VEHICLE_LAMPS & set(named)) and not any(uncoloured(n) in VEHICLES
                                                         for n in named)


def _free_of_asked(toks: list[str], prompt: Extraction) -> bool:
    """Whether the answer calls something free of what was asked, in one hyphenated word
    (`tokens` joins "car-free" into "carfree"): "Is there a car?" "A car-free street." says no."""
    heads = {c.lower().rsplit(" ", 1)[-1] for c in prompt.concepts}
    return any(t.endswith("free") and t[:-4] in heads for t in toks)


def _not_that_kind(toks: list[str]) -> bool:
    """Whether the answer says what is there is not of the kind asked: "not that type", "Not
    that sort of bus - a city bus."."""
    return any(toks[i : i + 2] in (["not", "that"], ["not", "this"]) and toks[i + 2 : i + 3]
               and toks[i + 2] in KIND_WORDS for i in range(len(toks)))


def _carried(toks: list[str]) -> bool:
    """Whether the answer places something on or in a vehicle ("they're all on the tram"): the
    people there are its passengers."""
    for i, tok in enumerate(toks[:-1]):
        k = i + 1 + (toks[i + 1] in ("the", "a", "an", "that", "this"))
        if tok in ("on", "in", "inside", "aboard") and k < len(toks) and \
                lemma(toks[k]) in VEHICLE_HEADS and (
                    k + 1 == len(toks) or toks[k + 1] in BREAKS or toks[k + 1] in PREPOSITIONS
                    or toks[k + 1] in CLAUSE_WORDS):  # "in the car park" is a place
            return True
    return False


def _no_but(toks: list[str]) -> bool:
    """Whether the answer opens with a bare no and goes on with "but" ("No, but there's a
    bus.", "Not yet, but rain is starting to fall."). `toks` are without breaks."""
    if toks[:1] and toks[0] in BARE_NO_WORDS:
        return toks[1:2] == ["but"]
    return toks[:1] == ["not"] and toks[1:2] != [] and toks[1] in NOT_ANSWERS and \
        toks[2:3] == ["but"]


def _places_only(all_toks: list[str]) -> bool:
    """Whether every phrase of the answer is a place ("On the right, behind the bus.") or what
    is there does ("wobbling"), which says where what was asked is; "In the other lane, a
    truck." names what is there."""
    phrases = cut_at(all_toks, BREAKS)
    # what it is doing may stand beside the place: "Close to the curb, wobbling.", and how much
    # of it is seen: "Partly, behind the truck."
    return any(_opens_place(p) for p in phrases) and all(
        _opens_place(p) or participle(p[0]) or (len(p) == 1 and p[0] in PART_DEGREES)
        for p in phrases)


def _rejects_given(all_toks: list[str]) -> bool:
    """Whether the answer opens by saying that the thing a question takes as given is not there
    ("None.", "Nowhere.", "There isn't one; ...")."""
    return (all_toks[:1] != [] and (all_toks[0] in NO_WORDS or all_toks[0] in ABSENT_WORDS)) or \
        bool(there_is_not(all_toks)) or denies_one(all_toks)


def _said_after_no(all_toks: list[str]) -> bool:
    """Whether the answer's first clause is negated, and says nothing of the thing being there
    (`_rejects_given`), and a later clause with no negator goes on to say something of it ("It
    isn't; it's stopped.", "Not very - he's wobbling along.", "Not far - about 30 metres.")."""
    parts = cut_at(all_toks, BREAKS)
    def negated(part: list[str]) -> bool:
        return any(is_negator(part, i) for i in range(len(part)))
    return len(parts) > 1 and negated(parts[0]) and not _rejects_given(all_toks) and any(
        not negated(part) for part in parts[1:])


def _done_first(all_toks: list[str]) -> bool:
    """Whether the answer opens with what its left-out subject does or how it is seen, after an
    adverb of degree or time (`PART_DEGREES`, "just"): "Stopped at the light.", "Just stepped
    off the curb.", "Mostly hidden by the bus." (`clauses.done_at`)."""
    k = 0
    while all_toks[k : k + 1] and (all_toks[k] in PART_DEGREES or all_toks[k] == "just"):
        k += 1
    return done_at(all_toks, k)


# Adverbs of degree before a place: "Right behind the van.", "Directly ahead.", "close to the
# curb".
_PLACE_DEGREES = frozenset({"right", "just", "directly", "immediately", "slightly", "way",
                            "straight", "close"}) | PART_DEGREES
# Where a count of vehicles measures a distance: "two cars up", "a few cars back".
_CARS_AWAY = frozenset({"up", "ahead", "back", "behind", "down"})


def _yes_after_place(all_toks: list[str]) -> bool:
    """Whether the answer says where first and closes on a yes after a comma ("Behind the bus,
    yes.", "Left of the bus, yes."): the yes is to what was asked, not to the bus. `all_toks`
    are with breaks."""
    words = all_toks[:-1] if all_toks[-1:] and all_toks[-1] in BREAKS else all_toks
    if len(words) < 3 or words[-1] not in YES_WORDS or words[-2] != ",":
        return False
    place = words[:-2]
    return (_opens_place(place) or place[:2] in (["left", "of"], ["right", "of"])) and \
        not any(t in BREAKS for t in place)


def _opens_place(phrase: list[str]) -> bool:
    """Whether a phrase opens with a place: a preposition ("On the right"), after an adverb of
    degree ("Right behind the van.", "close to the curb"), a side ("to the left of the bus"),
    "there" ("Right there, behind the van.") or a distance in vehicles ("two cars up")."""
    k = 1 if phrase[:1] and phrase[0] in _PLACE_DEGREES else 0
    if phrase[k : k + 1] == ["to"] and (
            k == 1 or phrase[k + 1 : k + 3] in (["the", "left"], ["the", "right"])):
        return True
    if len(phrase) >= 3 and is_count(phrase[0]) and phrase[2] in _CARS_AWAY and \
            lemma(phrase[1]) in ("car", "vehicle"):
        return True
    return phrase[k : k + 1] != [] and (phrase[k] in PLACE_PREPOSITIONS or (
        phrase[k] == "there" and k == 1 and (
            phrase[k + 1 : k + 2] == [] or phrase[k + 1] in BREAKS
            or phrase[k + 1] in PLACE_PREPOSITIONS)))


def _colours_apart(all_toks: list[str]) -> bool:
    """Whether the answer gives colours in two clauses of their own, each of one of several
    things, one of which points at the others ("one", "the others", a count): "No, the
    nearest is silver; the white one is farther back.", "Red; the others are green.", or in
    two phrases each of whom it is for ("Green for turning, red for straight."). One thing's
    two colours ("Red and white.", "Red; the roof is white.") are not. `all_toks` are with
    breaks."""
    coloured = [c for c in cut_at(all_toks, _CLAUSE_ENDS) if own_colours(c)]
    for_whom = [c for c in cut_at(all_toks, BREAKS) if any(
        t in COLOURS and c[k + 1 : k + 2] == ["for"] for k, t in enumerate(c))]
    return len(for_whom) > 1 or (len(coloured) > 1 and any(
        t in _ONE_OF_SEVERAL or (is_count(t) and t not in ("0", "zero")) for c in coloured
        for t in c))


# The most words an answer's opening sentence has that answers the prompt on its own ("Not as
# far as I can tell.", "It's difficult to determine the colour.").
_ELLIPTICAL_WORDS = 10


def _says_only_empty(toks: list[str]) -> bool:
    """Whether the answer, naming nothing, says only that the place is empty ("Empty.", "It's
    empty.", "No, it's clear.", "Clear - nobody on it.", "Nobody, it's empty.", "Nothing at
    all; it's completely clear.", "Deserted.")."""
    words = toks
    for opener in (*_NONE_OPENERS, ("not", "at", "all")):
        after = words[len(opener) : len(opener) + 2]
        if tuple(words[: len(opener)]) == opener and after[:1] not in (["on"], ["in"]) \
                and (after[:1] != ["at"] or after == ["at", "all"]):
            words = words[len(opener) :]  # "Nobody, it's empty.", "Not at all - ..."
            break
    if words[:1] and words[0] in BARE_NO_WORDS:
        words = words[1:]
    if words[:2] == ["at", "all"] or words[:1] == ["whatsoever"]:
        words = words[1 + (words[0] == "at") :]  # "Nothing at all; it's completely clear."
    if words[:2] in (["it", "'s"], ["it", "is"], ["it", "looks"]):
        words = [w for w in words[2:] if w not in DEGREE_ADVERBS and w != "all"]
    opened = 1 if words[:1] and words[0] in EMPTY_WORDS else 0
    if words[-2:] in (["on", "it"], ["in", "it"], ["at", "it"]) and \
            tuple(words[opened:-2]) in _NONE_OPENERS:
        words = ["empty"]  # "Clear - nobody on it.", "Not a soul in it."
    return len(words) == 1 and words[0] in EMPTY_WORDS


def _is_asked(named: str, prompt: Extraction) -> bool:
    """Whether a concept the answer names is one the prompt asks about, or a kind of one ("Is
    there a vehicle?" "Two cars."; a child or a cyclist is someone)."""
    return any(same_thing(c, named) or kind_of(named, c) or (c == "pedestrian" and named in PERSONS)
               or one_of(named, HYPERNYMS.get(c, frozenset())) for c in prompt.concepts)


# A sentence opening with these goes on with the one before ("Not yet. But one is waiting at
# the curb."), so the two are read as one answer.
_GOING_ON = (["but"], ["however"], ["although"], ["though"], ["yet"])
# A yes or a no that opens a sentence, and what may follow it there when it answers ("Yes, ...",
# "Yes it is", "No to both", "yes yes"; not "No need" or "No crossing here").
_YES_NO = YES_WORDS | BARE_NO_WORDS
# Pronouns that stand for a thing in the frame, opening a sentence of their own.
_THIRD_PERSONS = frozenset({"it", "they", "he", "she"})
# Where a clause of its own ends: "The last one is red; the first two are green."
_CLAUSE_ENDS = frozenset({";", ".", "!", "\n"})
# Words that point at one of several things: "the white one", "the others".
_ONE_OF_SEVERAL = frozenset({"one", "ones", "other", "others", "another", "rest"})
# What an opening phrase that gives a state may hold besides it: "Wet it is,", "Pretty snowy."
_STATE_SAID = frozenset({"it", "is", "'s", "looks", "pretty", "rather", "fairly", "somewhat"})
_AFTER_YES_NO = BREAKS | _YES_NO | SUBJECT_PRONOUNS | {"there", "to", "i", "we"}
# Where an answer's sentences part, a closing bracketed remark counting as one: "No.\n\nNote:
# ...", "Yes. I may be wrong.", "Yes (based on the visible portion of the image)".
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+|\s+(?=\([^()]*\)\W*$)")
# A clause before an answer's yes, no, "none", "there is", hedge, count or colour, up to a
# comma or a colon (`_without_idle_lead`).
_IDLE_LEAD = re.compile(
    r"^\s*(?!(?:the|a|an|this|that|its?|their)\b)([^,:;.!?\n\"{}\[\]()<>]{2,60})[,:]\s+"
    r"(?=[*_]{0,3}(?:\d|(?:yes|yeah|yep|yup|no|nope|nah|negative|affirmative|none|zero|nothing"
    r"|nobody|not|absent|present|missing|visible|only|just|possibly|possible|probably|likely"
    r"|unlikely|maybe|perhaps|doubtful|around|about|approximately|roughly|mostly|at (?:most|least)"
    r"|neither|true|false|nil|hardly|unclear|a|an|seems|looks|could be|that would be"
    r"|hard to|difficult to|i'd|hmm|if"
    r"|i (?:do|don't|can|can't|see|only|count|doubt|believe|think|guess|suppose|reckon|'d say"
    r"|'d guess|would say)"
    r"|there(?:'s| is| are| isn't| aren't)|it(?:'s| is| isn't)|they(?:'re| are| aren't)|"
    + "|".join(sorted(COLOURS | COUNT_WORDS)) + r")\b))", re.I)
# Where an answer's first sentence ends: a stop or "!" before a space, or a line break. Not a
# "?", as `_SENTENCES` splits: a question asked back ("Which one? The red one.") answers nothing
# on its own, and splitting at it lost the red car.
_SENTENCE_END = re.compile(r"[.!](?=\s)|\n")


@lru_cache(maxsize=8)
def _extractor(vocabulary: tuple[str, ...]) -> ConceptExtractor:
    return ConceptExtractor(vocabulary)


def concepts_in_text(text: str, vocabulary: Sequence[str]) -> list[str]:
    """Every vocabulary concept `text` names, present or denied, once each, in text order.

    The matcher is `mentions.MentionFinder.mentions`: longest phrase first ("red car", not
    also "car"), plurals and synonyms included.
    """
    cleaned = tuple(dict.fromkeys(v.strip() for v in vocabulary if v and v.strip()))
    if not cleaned:
        return []
    return list(dict.fromkeys(m.concept for m in _extractor(cleaned).mentions(text)))


def prompt_concepts(text: str, vocabulary: Sequence[str]) -> list[str]:
    """The concepts a prompt asks about, named or denied, in text order, as
    `ConceptExtractor.prompt` reads them without an LLM: "Is the road snowy?" asks about the
    road (its state is the question), "Is it daytime?" about the night."""
    cleaned = tuple(dict.fromkeys(v.strip() for v in vocabulary if v and v.strip()))
    if not cleaned:
        return []
    extractor = _extractor(cleaned)
    order = [m.concept for m in extractor.mentions(text)]
    asked = extractor.prompt(text).all_concepts
    return sorted(asked, key=lambda c: order.index(c) if c in order else len(order))
