"""Concepts named by a prompt and by an answer, mapped onto the concept vocabulary.

Dual explainability (paper III-J) compares the regions a prompt activates with the regions its
answer activates, so both texts must first become concepts that Concept Attribution can
explain. The extraction is deterministic on purpose: an audit must give the same verdict for
the same text on every run and machine, so an LLM only helps where the rules find nothing.
This module holds the package's one vocabulary phrase matcher (`ConceptExtractor.mentions`,
and `concepts_in_text` for a plain list); the pipeline's prompt matching and the hybrid's
concept choice call it, so a prompt, an answer and a heatmap never disagree about which
concept a phrase names.

Rules, in order (the word lists live in `operators.verdicts.lexicon`, the predicates that read
the words around a concept in `operators.verdicts.clauses`, what a question asks of its answer
in `operators.verdicts.questions`):
- An answer in another format than prose (grounding tags, JSON detections, a letter for a
  lettered option) is first turned into prose (`operators.verdicts.formats.plain_answer`).
  An answer that corrects itself ("Yes, a bus. Actually, it's a truck.", "It was red, but it
  just turned green.") is read from its last correction on (`formats.correction`); a concept
  it takes back is denied, as in "Not a bus, a truck.", unless what stands is the same thing
  in another colour.
- Text is tokenised with punctuation, line ends, bars, brackets and spaced dashes kept as scope
  breaks (so bullets, tables and "Not a bus - a truck" read as separate items); clitics are
  split off ("it's" -> "it" "'s", "car's" -> "car" "'s") while negated auxiliaries stay whole
  ("don't", also typed "dont"; curly apostrophes are straightened). Every token
  is lemmatised with a small plural rule set ("pedestrians" -> "pedestrian", "buses" -> "bus",
  "lorries" -> "lorry", "people" -> "person"). Vocabulary phrases are lemmatised the same way,
  so a match is a match of lemmas and plurals need no entries of their own. A label before
  the answer ("Answer: No.", "A: yes") is no part of it. A shade is its colour ("navy",
  "maroon", "cream"); an "-ish" colour ("greenish") is a hedge between colours and names none.
- Longest phrase first, left to right: "red traffic light" wins over "traffic light" and
  "light". Synonyms ("people", "stoplight", "zebra crossing", "lorry", "bike", "SUV", "coach")
  map onto their vocabulary concept; they live in `lexicon.SYNONYMS` (which also documents the
  choices that change a meaning: a van stays a van, anyone out on the road is a pedestrian)
  and only apply when the target is in the vocabulary. "no one" and "nobody" name a
  pedestrian and deny it. "pedestrian crossing" is a crosswalk only where it cannot be a
  pedestrian who is crossing (`clauses.noun_reading`).
- Head nouns. In an answer, a definite head word refers to the prompt concept that ends in it
  ("the light" after "is the traffic light red?"), when exactly one prompt concept does. A few
  heads are too vague alone and count only with a colour (`COLOURED_HEADS`): in a driving
  scene a red, amber or green light (or lamp, or signal) is a traffic light, while "light
  rain" or a blue light is not. A definite head whose colour is asked needs none ("Is the
  light red?", "What colour is the signal?"), nor does a light where cars stop ("stopped at
  the light"). A definite word for a whole kind ("the vehicle") is the one prompt concept of
  that kind (`HYPERNYMS`): "The vehicle is blue." answers "What colour is the car?".
- Attributes. A colour said after the noun counts like one before it, so that a wrong colour
  reaches the check however it is phrased: "The car is black." reads as "black car", like "a black
  car". A colour after a copula ("is", "are", "looks", "turned", ...) belongs to the first concept
  of its clause ("The bus on the left is yellow."), or, when the clause's subject is a pronoun
  ("it's red", "which is red"), to the last concept before it that the vocabulary has in that
  colour ("a light above the intersection, and it is green" is a green light), else to the
  prompt's concepts. A shade between the copula and the colour ("is navy blue", "is dark blue")
  does not hide it. "has a red colour" (or paint, finish) says the same, and so does a
  participle after a comma ("One traffic light, showing green."). A colour that opens a
  noun phrase after the copula is that noun's: in "In front of the car is a white box truck" the
  truck is white, not the car. A colour just before a synonym counts too ("a grey SUV", "a
  red-coloured car"). The coloured concept replaces the plain one when the vocabulary has it
  (yellow, orange and amber are one traffic-light colour; grey and gray are the vocabulary's
  silver); otherwise the plain concept stays, with the coloured form of its head noun beside it
  when the answer asserts it ("The parked car is white." says a parked car and a white car; "no
  white parked car" denies neither, as parked cars of other colours and white cars that are not
  parked may be there), and a colour-only head ("the light is green") falls back to its plain
  concept ("traffic light"). A colour added after a comma with a hedge goes to the concept before
  it ("a dark car, possibly black"). Two colours ("black and white") or a negated copula ("is not
  black") refine nothing, unless the question asks about several things ("What colour are the
  cars?" "Red and blue." says a red car and a blue one; "red or blue" still refines nothing); two
  names of one vocabulary colour ("grey, maybe silver") are one colour, and a light changing
  "from green to amber" is amber. "a blue one" after a
  concept is that concept in blue ("A red car and a white one."). In a bare answer a colour
  under a negator ("It is not red.") denies the coloured concept and keeps the plain one, and a
  part's colour ("red, with black tyres") or one compared against ("more silver than white") is
  not the answer's.
- States. A state said after the noun folds into it like a colour, where the vocabulary has the
  concept in that state (`lexicon.STATES`): "The road is slick with rain." is a wet road, "the
  road is covered in snow" a snowy road, "a car is parked" a parked car; "a truck is parked"
  stays a truck. So does a state word just before a synonym ("a damp street"). A negated
  state ("is not wet") or two ("wet or snowy") say none. A yes/no question about a state ("Is
  the road wet?", "Does the road look wet?") is answered as one about a colour: "Yes." is the
  wet road, "No." keeps the road and denies the wet road, and a bare state ("No, just wet." to
  "Are the roads icy?") refines what was asked. A yes or no that names the subject again,
  plain, says the same ("Yes, there is water on the road." is the wet road, "No, the road is
  dry." denies it). A state's opposite (`lexicon.OPPOSITE_STATES`) is a no ("Dry.", "It's
  clear." to "Is the road covered in snow?"), and said not to be so a yes ("Not dry at all.");
  a question about the opposite ("Is the road dry?", "Is the road clear of snow?") swaps its
  yes and no; a plain opposite before or after the noun ("a dry road", "the road has been
  cleared") denies the state. A participle right after its noun is its state ("cars parked
  along the curb"), and a no to whether any are in a state ("Are any cars parked?" "None.")
  says nothing of the cars.
- Negation. A concept inside the scope of a negator ("no", "not", "none", "zero", "without", "n't",
  ...) is recorded as *denied*, not as named: the text asserts its absence. The scope runs from the
  negator to the end of its clause, not over a fixed number of words, because lists run long ("I
  don't see any cars, trucks or buses"). It ends at punctuation (except a comma that continues a
  list of concepts), at a contrastive word ("There are no cars, only trucks": "only", "but", "just",
  "except", ...), at a preposition (in "no pedestrians on the crosswalk" the crosswalk is there), at
  a participle right after a denied concept (in "no pedestrians crossing the street" the street is
  there), and at "and"/"or" when a new clause follows ("There is no snow and the road is wet"). A
  sentence-initial "No," is an answer word, not a negator of what follows ("No, a pedestrian is
  crossing."), and a negated hedge ("not sure", "can't tell") negates nothing. A clause that says
  its subject is not there ("The bus is not visible.", "Pedestrians cannot be seen.", "The cyclist
  is missing.") denies that subject, found as for colours, and so does a terse one without its verb
  ("Bus no longer visible.", "Cyclist not detected.", "Truck missing", `clauses.said_absent_after`).
  A negated concept after a restricting word ("no other cars", "no moving vehicles") or with an
  exception ("no vehicles other than a bus", "apart from the truck, no vehicles") is neither denied
  nor named: some of its kind may be there, and often the answer has just named one. So is a negated
  class the answer names a kind of as there ("Several trucks are in the right lane; the left lane is
  free of vehicles."). A negated seeing with a manner adverb ("I can't see the light clearly") says
  how well, not whether: it is a cannot-tell.
- Lists and tables. A concept that opens its line or list item and is followed by a mark (":",
  "?", a dash, "(", "|") takes the value after it: "Bus: no", "buses - absent", "| bus | no |",
  "Pedestrians? None." deny it, "Car (black)" colours it. A negated heading of presence ("Not
  visible: buses, trucks.", "Absent: truck, bicycle") negates the list after its colon; one that
  says something else ("Nothing unusual: a few cars") does not.
- Counts. A number names the concept it counts ("two pedestrians", "2 cars", "around six
  cones"); "zero", "0", "none" and "no" are negators, so "no buses" and "zero buses" deny. A
  numbered list's marker ("1. A car") counts nothing.
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
- An answer's `polarity` is its yes/no: after a reasoning chain, its final answer ("Step 1:
  ... Final answer: No.", `yesno.final_answer`); else an opening yes or no word ("Absent." is
  one), or an emphatic or hedged word that takes the sign of what follows it ("Absolutely."
  and "Possibly, near the crosswalk." affirm, "Definitely not." and "Probably not." deny), else
  "deny" when everything it names is denied or when it names nothing and is negated ("Not that I
  can see."), else "affirm" when it opens with a count above zero ("Three."), else "deny" when
  it says a place on the road is empty ("The road ahead is clear.": what was asked about is not
  there).
- Hedges. A hedged claim is read as the claim: "There might be a bus", "I think there is a
  pedestrian", "I believe so" assert them, "Without a doubt" too, and "Probably not",
  "Unlikely", "I doubt it" and "I don't think so" deny.
  An answer that says it cannot tell ("I'm not sure", "Hard to say", "No idea", "Too dark to
  tell") asserts and denies nothing, and neither does what follows that in its clause ("I'm
  not sure there is one", "I can't tell whether the light is red"): flagging it would blame the
  model for a claim it did not make.
- An answer that opens with a yes word and names concepts of its own also asserts the
  prompt's ("Is anyone crossing the street?" -> "Yes, someone is." names the street too), in
  the colour asked about ("Is the car yellow?" -> "Yes, a taxi."), unless it names a kind of
  it ("Is there a bus?" -> "Yes, a school bus.") or one of the alternatives asked about ("Are
  there any cars or trucks?" -> "Yes, two cars." names only the cars). A bare "Yes." to
  alternatives says one of them is there, which no one concept checks: it asserts nothing.
- An answer that names no concept of its own inherits the prompt's. "Yes." or a count asserts that
  the prompt's concepts are there; a denying answer ("No.", "Zero.", "None.", "Not that I can
  see.") asserts that what the prompt asks about is absent: its first concept and those listed
  with it, not the setting after a preposition or verb ("Are there cones on the road?" -> "No."
  denies the cones, says nothing of the road, and "Is anything on the road?" -> "No." denies
  nothing; a question about what the driver may do, "Is it safe to cross the intersection?",
  asks about no concept, and a no to how many there are, "Are there more than three cars?",
  denies the number, not the cars), unless the question takes its concept
  as given ("Is the pedestrian on the crosswalk?" -> "No." denies that the pedestrian is on it,
  which no concept names, so nothing is denied; "No, on the road." or "Is the bus moving?" -> "No,
  it's stopped." take the concept as there) or the answer goes on to say it is there, elsewhere or
  in another number ("Is there a car on the left?" -> "No, there's one on the right." or "No, it's
  on the right." asserts the car, and so does "Are there two cars?" -> "No, just one."; "On
  the sidewalk." to "Is the pedestrian on the sidewalk or on the road?" has it there). Those
  become the answer's *denied* concepts, and the coherence check then asks whether the image
  supports that absence (see `operators.verdicts.coherence`). A bare colour ("Red.", "It's red.",
  "No, red.") refines the prompt's concept to the coloured one when the vocabulary has it ("car"
  -> "red car"), and so does the colour an answer to "What colour is the car?" opens with
  when it goes on to name other things ("Silver, on the road."). A yes/no question about a
  colour ("Is the car red?") is answered about the colour: "Yes." is the red car, "No." keeps
  the car and denies the red car.
- An answer in two parts, one that answers the prompt on its own and a rest that names only
  other things, is read part by part (`ConceptExtractor._elliptical_split`): "There is. I can
  also see some trees." asserts the prompt's concept as "There is." does, and "I can see some
  trees. No, there isn't." denies it as "No, there isn't." does.
- A subject pronoun opening an answer ("It is turning right.", "They are waiting at the
  curb.") is the question's definite concept ("What is the car on the right doing?"), which the
  answer then asserts; after "Is there a truck?", "It looks like a bus." asserts no truck.
- A no that names kinds of what was asked denies those kinds, not their class: "Do you see any
  emergency vehicles?" "No ambulances or fire trucks." leaves other vehicles as they are.
- "Only" or "just" a thing not asked about is a no to what was asked: "Is anyone on the
  crosswalk?" "Only a dog." denies the pedestrian, and "Is there a truck?" "I only see cars."
  the truck; "Just the one, near the bus." counts the one asked about, and "Only its front
  wheel" is a part of it. With one of the question's alternatives it denies the others ("Is
  there a bus or a truck?" "Just the truck."), and an opening "Neither" denies them all; an
  "either ... or" in an answer leaves each alternative open. A yes that doubts the kind asked
  ("Yes, a scooter, if that counts.") asserts only what it names.
- A plain concept named beside its coloured form ("a black car ... a sedan") is dropped: the
  coloured one's check covers it, and the coloured one stays.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from drivexplain.operators.verdicts.clauses import (
    about_the_image,
    about_the_speaker,
    after_exception,
    afterthought_colour,
    bounds_only,
    cannot_tell_at,
    cannot_tell_scopes,
    clause_start,
    colour_before,
    colour_negated,
    comparison_end,
    complementizer,
    counted_colour,
    counted_state,
    covering_state,
    denies_one,
    depicted,
    disjunction_scopes,
    ego_owned,
    excepted,
    expletive_it,
    fronted_colour,
    future_at,
    generic_scopes,
    goes_on_about_it,
    head_licensed,
    is_count,
    is_negator,
    kind_in_doubt,
    likeness_at,
    list_follows,
    negated_colours,
    new_clause,
    noun_reading,
    of_the_image,
    one_of_those_asked,
    only_opening,
    own_colours,
    part_named,
    participle,
    partitive_before,
    postposed_colour,
    predicate_absent,
    predicate_colour,
    predicate_state,
    present_elsewhere,
    pronoun_place,
    question_scopes,
    said_absent_after,
    says_empty,
    scarce_at,
    set_aside_scopes,
    state_at,
    subject_clause_start,
    supposed_scopes,
    unlabelled,
    unsupposed,
    vehicle_lamp,
)
from drivexplain.operators.verdicts.formats import (
    correction,
    plain_answer,
    question_preamble,
    question_text,
    spoken,
)
from drivexplain.operators.verdicts.lexicon import (
    A_FORTIORI,
    ABSENCE_FILLER,
    ABSENT_VALUES,
    AGREEMENT_FILLER,
    AMBIVALENT,
    AUXILIARIES,
    BARE_NO_WORDS,
    BREAKS,
    COLOUR_ALIASES,
    COLOURED_HEADS,
    COLOURS,
    CONJUNCTIONS,
    COPULAS,
    DEFINITES,
    EGO_VEHICLES,
    FINITE,
    FRAME_CONDITIONS,
    GENERIC,
    HYPERNYMS,
    LABEL_MARKS,
    LINKING_VERBS,
    NARROW_SYNONYMS,
    NEGATIVE_SYNONYMS,
    NO_WORDS,
    NON_ANSWER_WORDS,
    NON_CONCEPT_COMPOUNDS,
    NOUN_ONLY_PHRASES,
    ONE_SUBJECTS,
    OPPOSITE_STATES,
    OPPOSITES,
    ORDINAL_PRONOUNS,
    PARTICIPLE_STATES,
    PARTICIPLES,
    PERSONS,
    PLAIN_OPPOSITES,
    PREDICATE_FILLER,
    PREPOSITIONS,
    PRESENCE_WORDS,
    PRONOUNS,
    QUESTION_COPULAS,
    RESTRICTIVE,
    RIDERS,
    RIDING_GLUE,
    RIDING_VERBS,
    SCOPE_ENDS,
    SENTENCE_BREAKS,
    SINGLE_SURFACES,
    STATE_FILLER,
    STATE_OBJECTS,
    STATES,
    SUBJECT_PRONOUNS,
    SYNONYMS,
    YES_WORDS,
    lemma,
    tokens,
)
from drivexplain.operators.verdicts.questions import Question
from drivexplain.operators.verdicts.readings import Extraction, Mention, PromptKind
from drivexplain.operators.verdicts.yesno import (
    Polarity,
    final_answer,
    yes_or_no,
)

# The vehicles a person may ride in or on, as a passenger or rider (`_passengers`).
VEHICLES = HYPERNYMS["vehicle"] | {"vehicle"}


class TextGenerator(Protocol):
    """What the optional LLM hook needs: the VLM backend's text-only generation."""

    def generate_text(self, prompt: str, *, max_new_tokens: int | None = None) -> str: ...


LLM_EXTRACTION_PROMPT = "List the objects named in this sentence, comma separated: {text}"


def _lemmas(text: str) -> tuple[str, ...]:
    return tuple(lemma(t) for t in tokens(text) if t not in BREAKS)


@dataclass
class _Item:
    """A concept candidate while a text is read; becomes a `Mention` once resolved."""

    concept: str
    start: int
    stop: int
    needs_colour: bool = False  # a COLOURED_HEADS word: dropped unless a colour goes with it
    colours: frozenset[str] = COLOURS  # the colours it may take
    inherited: bool = False  # a prompt concept, reached through a head word or a pronoun
    pronoun: bool = False  # reached through a pronoun: its token is no concept of the text
    colour: str | None = None
    state: str | None = None  # a state said of it: "the road is wet"
    opposite: bool = False  # named by its opposite: "daytime" for night
    absent: bool = False  # its clause says it is not there: "the bus is not visible"


class ConceptExtractor:
    """Maps prompts and answers onto one vocabulary; build once, use for every frame."""

    def __init__(self, vocabulary: Sequence[str], llm: TextGenerator | None = None) -> None:
        concepts = [v.strip() for v in vocabulary if v and v.strip()]
        if not concepts:
            raise ValueError("the concept vocabulary is empty")
        self.vocabulary = list(dict.fromkeys(concepts))
        self.llm = llm
        phrases: dict[tuple[str, ...], str] = {}
        for concept in self.vocabulary:
            key = _lemmas(concept)
            if key:
                phrases.setdefault(key, concept)
        present = set(self.vocabulary)
        for word, target in SYNONYMS.items():
            key = _lemmas(word)
            if target in present and key and key not in phrases:
                phrases[key] = target
        self._negative: set[tuple[str, ...]] = set()
        self._opposites: set[tuple[str, ...]] = set()
        for word, target in NEGATIVE_SYNONYMS.items():
            key = _lemmas(word)
            if target in present and key not in phrases:
                phrases[key] = target
                self._negative.add(key)
                if word in OPPOSITES:
                    self._opposites.add(key)
        self._phrases = phrases
        self._narrow = {_lemmas(word) for word in NARROW_SYNONYMS}
        self._longest = max(len(k) for k in phrases)
        self._lower = {c.lower(): c for c in self.vocabulary}
        self._coloured_heads = {
            head: (self._lower[target.lower()], colours)
            for head, (target, colours) in COLOURED_HEADS.items()
            if target.lower() in self._lower and (head,) not in phrases
        }
        self._llm_cache: dict[str, tuple[str, ...]] = {}
        self._questions: dict[str, Question] = {}
        self._asked_cache: dict[tuple[str, tuple[str, ...]], tuple[dict[str, str], bool]] = {}

    # ------------------------------------------------------------------ matching
    def mentions(self, text: str, context: Sequence[str] = ()) -> list[Mention]:
        """Vocabulary concepts in `text`, in text order, each with its negation (module doc).

        `context` are the prompt's concepts when `text` answers it: head words and pronouns
        may point at them.
        """
        toks = tokens(text)
        lemmas = [lemma(t) for t in toks]
        items = self._phrase_items(toks, lemmas)
        self._hypernyms(toks, items, context)
        items += self._head_items(toks, lemmas, items, context)
        items.sort(key=lambda it: it.start)
        items += self._coloured_ones(toks, items)
        items.sort(key=lambda it: it.start)
        items += self._predicates(toks, items, context)
        items += self._opposite_predicates(toks, items)
        for it in items:
            it.absent = it.absent or said_absent_after(toks, it.stop)
        _label_values(toks, items)
        items = [it for it in items if (not it.needs_colour or it.colour is not None) and not (
            _uncoloured(it.concept).lower() in EGO_VEHICLES and ego_owned(toks, it.start)) and not
            depicted(toks, it.start, it.stop) and not part_named(toks, it.start, it.stop)]
        items.sort(key=lambda it: it.start)
        covered = [False] * len(toks)
        for it in items:
            if not it.pronoun:
                covered[it.start : it.stop] = [True] * (it.stop - it.start)
        negated = self._negation_scopes(toks, covered)
        unsure = cannot_tell_scopes(toks)
        spared = list(dict.fromkeys(it.concept for it in items
                                    if after_exception(toks, it.start)))
        # kinds said to be there: "Several trucks ...; the left lane is free of vehicles" does
        # not deny the trucks' kind
        there = list(dict.fromkeys(_uncoloured(it.concept).lower() for it in items
                                   if not (negated[it.start] or it.absent or unsure[it.start])))
        out = []
        for it in items:
            if unsure[it.start] and not _circumstance(toks, it):
                continue
            concept = self._with_colour(self._with_state(it.concept, it.state), it.colour,
                                        fallback=it.needs_colour)
            kinds = HYPERNYMS.get(it.concept.lower(), frozenset())
            if negated[it.start] and partitive_before(toks, it.start):
                # "None of the cars are red.": the cars are there, only what is said of them
                # is denied; "Not one of the people is crossing." denies nobody
                out.append(Mention(it.concept, it.start, it.stop, False, None, it.inherited))
                if concept != it.concept:
                    out.append(Mention(concept, it.start, it.stop, True, it.colour,
                                       it.inherited))
                continue
            if negated[it.start] and (
                    excepted(toks, it.stop) or (it.start and toks[it.start - 1] in RESTRICTIVE)
                    or tuple(lemmas[it.start : it.stop]) in self._narrow
                    or any(same_thing(s, it.concept) or _one_of(_uncoloured(s).lower(), kinds)
                           for s in spared)
                    or any(_one_of(k, kinds) for k in there)):
                continue  # "no moving cars", "apart from the truck, no vehicles", "no workers"
                # deny no kind
            denied = it.absent or (negated[it.start] and not it.pronoun)
            head = self._coloured_head(concept, it.colour)
            if head is not None and denied:
                continue  # "no white parked car" denies neither the parked nor the white cars
            out.append(Mention(concept, it.start, it.stop, denied, it.colour, it.inherited,
                               it.opposite))
            if head is not None:  # "The parked car is white." says a white car too
                out.append(Mention(head, it.start, it.stop, denied, it.colour, it.inherited))
            stated = self._stated_plain(it.concept, it.state)
            if stated is not None and not denied:  # "A silver car is parked." says both
                out.append(Mention(stated, it.start, it.stop, False, None, it.inherited))
        return out

    def _stated_plain(self, concept: str, state: str | None) -> str | None:
        """The vocabulary's concept in `state` of a coloured concept's plain form, where the
        coloured one has no form in it ("silver car" and parked give "parked car"), else
        None."""
        plain = _uncoloured(concept)
        if state is None or plain == concept or self._with_state(concept, state) != concept:
            return None
        stated = self._with_state(plain, state)
        return stated if stated != plain else None

    def _coloured_head(self, concept: str, colour: str | None) -> str | None:
        """The coloured form of `concept`'s head noun, for a colour the concept itself has no
        form in ("parked car" and white give "white car"), else None."""
        if colour is None or self._with_colour(concept, colour, False) != concept:
            return None
        head = concept.split()[-1]
        if head == concept or head.lower() not in self._lower:
            return None
        coloured = self._with_colour(self._lower[head.lower()], colour, False)
        return None if coloured.lower() in (head.lower(), concept.lower()) else coloured

    def _phrase_items(self, toks: list[str], lemmas: list[str]) -> list[_Item]:
        """Vocabulary phrases and synonyms, longest first, left to right, within clauses."""
        found: list[_Item] = []
        i = 0
        while i < len(toks):
            if toks[i] in BREAKS:
                i += 1
                continue
            compound = _compound_at(lemmas, i)
            if compound:  # "bus stop", "pedestrian crossing signal"
                i += compound
                continue
            hit = None
            for n in range(min(self._longest, len(toks) - i), 0, -1):
                if any(t in BREAKS for t in toks[i : i + n]):
                    continue
                key = tuple(lemmas[i : i + n])
                concept = self._phrases.get(key)
                if concept is not None and (key not in NOUN_ONLY_PHRASES
                                            or noun_reading(toks, i, n)):
                    hit = (n, concept)
                    break
            if hit is None:
                i += 1
                continue
            n, concept = hit
            key = tuple(lemmas[i : i + n])
            colour = colour_before(toks, i)
            if colour is not None and self._with_colour(concept, colour, False) == concept \
                    and self._coloured_head(concept, colour) is None:
                colour = None  # "a green field": no coloured concept to check
            # "a slick road" is a wet road, and so is "a wet urban street"
            state = STATES.get(toks[i - 1]) if i else None
            if state is None and i >= 2 and toks[i - 1] not in BREAKS and \
                    toks[i - 1] not in COLOURS and not any(it.stop == i for it in found):
                state = STATES.get(toks[i - 2])
            after = i + n + 2 * (toks[i + n : i + n + 1] == ["in"] and toks[i + n + 1 : i + n + 2]
                                 != [] and toks[i + n + 1] in COLOURS)  # "a car in white parked"
            if state is None and after < len(toks) and toks[after] in PARTICIPLE_STATES:
                state = STATES[toks[after]]  # "cars parked along the curb"
            state = state or covering_state(toks, i)  # "snow covering the road"
            if i and toks[i - 1] in PLAIN_OPPOSITES:  # "dry asphalt" is no wet road
                stated = self._with_state(concept, OPPOSITE_STATES[toks[i - 1]])
                if stated != concept:
                    found.append(_Item(stated, i, i + n, absent=True))
            found.append(_Item(concept, i, i + n, absent=key in self._negative, colour=colour,
                               state=state if self._with_state(concept, state) != concept
                               else None, opposite=key in self._opposites))
            i += n
        return self._passengers(toks, self._riders(toks, found))

    def _riders(self, toks: list[str], items: list[_Item]) -> list[_Item]:
        """A person on or riding what `RIDERS` names is its rider: "a man riding a bike" is a
        cyclist (and a bicycle), and so is one riding "it" after a bike was named ("a bike, but
        nobody is riding it" denies the cyclist); so is a person doing what `RIDING_VERBS`
        names ("someone cycling")."""
        dropped: list[_Item] = []
        for person, ride in itertools.pairwise(items):
            rider = RIDERS.get(ride.concept)
            if (person.concept == "pedestrian" and rider in self._lower
                    and toks[person.stop : ride.start]
                    and next((t for t in toks[person.stop : ride.start]
                              if t not in AUXILIARIES), "") in ("on", "riding", "rides", "atop")
                    and all(t in RIDING_GLUE for t in toks[person.stop : ride.start])):
                person.concept = self._lower[rider]
                if person.absent:  # "nobody on a bike" denies the cyclist, names no bike
                    dropped.append(ride)
        for k, person in enumerate(items):  # "a bike, but nobody is riding it"
            ride = next((it for it in reversed(items[:k]) if it.concept in RIDERS), None)
            verb = [t for t in toks[person.stop : person.stop + 4] if t not in AUXILIARIES]
            if (person.concept == "pedestrian" and ride is not None
                    and RIDERS[ride.concept] in self._lower
                    and verb[:2] in (["riding", "it"], ["rides", "it"], ["on", "it"])):
                person.concept = self._lower[RIDERS[ride.concept]]
        for person in items:  # "someone cycling", "nobody is biking"
            verb = next((t for t in toks[person.stop :] if t not in AUXILIARIES), "")
            if person.concept == "pedestrian" and RIDING_VERBS.get(verb) in self._lower:
                person.concept = self._lower[RIDING_VERBS[verb]]
        return [it for it in items if not any(it is d for d in dropped)]

    @staticmethod
    def _passengers(toks: list[str], items: list[_Item]) -> list[_Item]:
        """A person in or on a vehicle is a passenger or its rider, no pedestrian: "How many
        people are in the bus?" asks about none, and "someone on a motorcycle" is the
        motorcycle's. The vehicle stays."""
        aboard = set()
        for person, vehicle in itertools.pairwise(items):
            glue = [t for t in toks[person.stop : vehicle.start] if t not in AUXILIARIES]
            if (person.concept == "pedestrian" and vehicle.concept.lower() in VEHICLES
                    and glue[:1] in (["in"], ["inside"], ["aboard"], ["on"])
                    and all(t in RIDING_GLUE for t in glue[1:])):
                aboard.add(id(person))
        return [it for it in items if id(it) not in aboard]

    def _hypernyms(self, toks: list[str], items: list[_Item], context: Sequence[str]) -> None:
        """A definite word for a whole kind ("the vehicle") becomes the one prompt concept of
        that kind, so that what the answer says of it reaches that concept ("The vehicle is
        blue." after "What colour is the car?"). A plural stays itself, and so does one said to
        be another of the kind ("Is there a van?" "No, the vehicle ahead is a bus.")."""
        for it in items:
            kind = HYPERNYMS.get(it.concept.lower())
            if (kind is None or it.start == 0 or toks[it.start - 1] not in DEFINITES
                    or toks[it.stop - 1] != lemma(toks[it.stop - 1])):
                continue  # "the vehicles present are cars" is about the scene
            targets = [c for c in dict.fromkeys(context)
                       if _uncoloured(c).lower() in kind]
            end = next((k for k in range(it.stop, len(toks)) if toks[k] in BREAKS), len(toks))
            verb = next((k for k in range(it.stop, end) if toks[k] in COPULAS), end)
            named = {_uncoloured(o.concept).lower() for o in items
                     if verb < o.start < end and o.concept != it.concept}
            if len(targets) == 1 and not (named & kind) - {_uncoloured(targets[0]).lower()}:
                it.concept, it.inherited = targets[0], True

    def _head_items(self, toks: list[str], lemmas: list[str], items: list[_Item],
                    context: Sequence[str]) -> list[_Item]:
        """Bare head words: anaphora to one prompt concept, or a colour-only head."""
        by_head: dict[str, list[str]] = {}
        for concept in context:
            key = _lemmas(concept)
            if len(key) > 1 and (key[-1],) not in self._phrases:
                by_head.setdefault(key[-1], []).append(concept)
        covered = {k for it in items for k in range(it.start, it.stop)} | _in_compounds(lemmas)
        vehicles = [(it.start, it.stop) for it in items  # "a parked car", "the hood of a car"
                    if it.concept.lower().rsplit(" ", 1)[-1] in _VEHICLE_HEADS]
        found = []
        for i, lem in enumerate(lemmas):
            if i in covered or (lem in self._coloured_heads and vehicle_lamp(toks, i, vehicles)):
                continue  # "a fire engine with its red lights flashing" shows no traffic light
            before = toks[i - 1] if i > 0 else ""
            targets = list(dict.fromkeys(by_head.get(lem, ())))
            if toks[i] in ORDINAL_PRONOUNS and before in DEFINITES:
                named = [it.concept for it in items if it.stop <= i and not it.pronoun]
                pair = named[-2:] if len(named) > 1 else list(context)[:2] if not named else []
                if len(pair) == 2:
                    found.append(_Item(pair[ORDINAL_PRONOUNS[toks[i]]], i, i + 1,
                                       inherited=True))
                    continue
            if len(targets) == 1 and (before in DEFINITES or before in COLOURS):
                found.append(_Item(targets[0], i, i + 1, inherited=True,
                                   colour=before if before in COLOURS else None))
            elif lem in self._coloured_heads:
                target, colours = self._coloured_heads[lem]
                # "Is there a traffic light?" "There's no signal here." names the one asked,
                # where no colour is said that the head could take and the head is a noun
                # ("No, there is light rain." names no light)
                after = toks[i + 1] if i + 1 < len(toks) else "."
                asked = target in context and not any(t in colours for t in toks) and (
                    after in BREAKS or after in PREPOSITIONS or after in FINITE
                    or after in PRESENCE_WORDS or after == "ahead")
                found.append(_Item(target, i, i + 1, colours=colours,
                                   needs_colour=not asked and not head_licensed(toks, i),
                                   colour=before if before in colours else None))
        return found

    def _coloured_ones(self, toks: list[str], items: list[_Item]) -> list[_Item]:
        """"a blue one" after a concept is that concept in blue: "Two cars, a red one and a
        blue one." says a red car and a blue car, "A red car and a white one." a white car
        too, and so do a count and a colour ("two cars, one red and one white", "three cars
        (one blue, two white)", "a few cars, one of them red"). The concept is the last one
        named before it in the sentence that the vocabulary has in that colour. A count and a
        state ("two parked") give that concept in the state, where the vocabulary has it."""
        found = []
        stops = sentence_ends(toks)
        for i in range(1, len(toks)):
            state = counted_state(toks, i)
            if state is not None:  # "three cars: one in front and two parked on the left"
                before = [it for it in items if stops[i] < it.stop <= i and not it.pronoun]
                for it in reversed(before):
                    if self._with_state(it.concept, state) != it.concept:
                        found.append(_Item(it.concept, i, i + 2, state=state))
                        break
                continue
            colour = toks[i - 1]
            if toks[i] not in ("one", "ones") or colour not in COLOURS:
                colour = counted_colour(toks, i)  # "two cars, one red and one white"
                if colour is None:
                    continue
            before = [it for it in items if stops[i] < it.stop <= i - 1 and not it.pronoun]
            for it in reversed(before):
                plain = _uncoloured(it.concept)
                if self._with_colour(plain, colour, False) != plain:
                    found.append(_Item(plain, i - 1, i + 1, colour=colour))
                    break
        return found

    def _predicates(self, toks: list[str], items: list[_Item],
                    context: Sequence[str]) -> list[_Item]:
        """Give each predicate to its subject (module docstring): a colour ("... is black")
        or an absence ("... is not visible").

        Returns the prompt concepts a pronoun subject reached, as new items.
        """
        extra: list[_Item] = []
        stops = sentence_ends(toks)
        for it in items:
            colour = postposed_colour(toks, it.start, it.stop)
            if colour is not None and it.colour is None and colour in it.colours:
                it.colour = colour  # "a car painted blue", "a car in silver", "a car, yellow,"
        for k in range(len(toks)):
            colour = fronted_colour(toks, k)
            if colour is not None:  # "Black is the colour of the car.": the car's
                end = next((m for m in range(k, len(toks)) if toks[m] in SENTENCE_BREAKS),
                           len(toks))
                named = [it for it in items if k < it.start < end]
                if named and colour in named[0].colours:
                    named[0].colour = colour
                continue
            colour = afterthought_colour(toks, k)
            if colour is not None:  # "a dark-coloured car, possibly black"
                last = [it for it in items if stops[k] < it.stop < k]
                if last and colour in last[-1].colours:
                    last[-1].colour = colour
                continue
            at = predicate_colour(toks, k)
            colour = None if at is None else toks[at]
            state = None if colour is not None else predicate_state(toks, k)
            absent = colour is None and state is None and predicate_absent(toks, k)
            if colour is None and state is None and not absent:
                continue
            begin = subject_clause_start(toks, k)
            in_clause = [it for it in items if begin < it.start < k]
            if at is not None and any(
                    at < it.start <= at + 2 and not any(t in BREAKS for t in toks[at:it.start])
                    and not any(same_thing(it.concept, s.concept) for s in in_clause)
                    for it in items):
                continue  # "in front of the car is a white truck": the white is the truck's
            own = clause_start(toks, k)  # past an aside, its pronouns are not the subject
            pronoun = next((j for j in range(k - 1, own, -1) if toks[j] in PRONOUNS
                            and not expletive_it(toks, j) and not complementizer(toks, j)
                            and not of_the_image(toks, j)), None)
            before = [it for it in items if stops[k] < it.stop <= begin]
            if in_clause and (pronoun is None or pronoun < in_clause[-1].start):
                subjects = [in_clause[0]]
            elif pronoun is None and toks[k] in PARTICIPLES and begin == k - 1 and before:
                subjects = [before[-1]]  # "One traffic light, showing green."
            elif pronoun is None and colour is not None and any(
                    t in ONE_SUBJECTS for t in toks[begin + 1 : k]):
                # "Two cars: one is red, the other is silver." gives each its own colour
                kind = [it for it in items if it.stop <= begin and colour in it.colours]
                if kind:
                    last = kind[-1]
                    extra.append(_Item(last.concept, last.start, last.stop, colours=last.colours,
                                       colour=colour, inherited=True))
                else:  # "The one on the left is red." answering "What colour is the car ...?"
                    one = next(j for j in range(begin + 1, k) if toks[j] in ONE_SUBJECTS)
                    extra += [_Item(c, one, one + 1, colour=colour, inherited=True, pronoun=True)
                              for c in context]
                continue
            elif pronoun is None:
                continue
            else:
                earlier = [it for it in items if it.stop <= pronoun
                           and (not it.needs_colour or it.colour is not None)
                           and it.concept.lower() not in FRAME_CONDITIONS]
                # a colour goes to the last concept that can have it: in "a light above the
                # intersection, and it is green" the pronoun is the light; the night or the
                # rain is no pronoun's ("Hard to say at night; it looks grey.")
                takes = [it for it in earlier if (
                    colour is not None and colour in it.colours
                    and self._with_colour(it.concept, colour, False) != it.concept)
                    or self._with_state(it.concept, state) != it.concept]
                if earlier:
                    subjects = [takes[-1] if takes else earlier[-1]]
                else:  # "it's red" answering "what colour is the car?"
                    subjects = [_Item(c, pronoun, pronoun + 1, inherited=True, pronoun=True)
                                for c in context]
                    extra += subjects
            for subject in subjects:
                if state is not None:
                    subject.state = state
                elif colour is None:
                    subject.absent = True
                elif future_at(toks, k):  # "It will turn green soon.": a light, not green now
                    subject.needs_colour = False
                elif colour in subject.colours:
                    subject.colour = colour
        return extra

    def _opposite_predicates(self, toks: list[str], items: list[_Item]) -> list[_Item]:
        """The state a plain opposite after a verb denies of its subject in the same clause:
        "The road is dry." denies the wet road, "the road itself has been cleared" the snowy
        one (`PLAIN_OPPOSITES`), as "a dry road" does. New absent items, one per such
        predicate."""
        out: list[_Item] = []
        for k, tok in enumerate(toks):
            if tok not in COPULAS:
                continue
            j = k + 1
            while j < len(toks) and toks[j] in STATE_FILLER:
                j += 1
            end = next((m for m in range(j, len(toks)) if toks[m] in SENTENCE_BREAKS), len(toks))
            if j >= len(toks) or toks[j] not in PLAIN_OPPOSITES or toks[end:end + 1] == ["?"]:
                continue  # "Does the road look dry?" asks; `_state_question` reads it
            begin = subject_clause_start(toks, k)
            for it in items:
                stated = self._with_state(it.concept, OPPOSITE_STATES[toks[j]])
                if begin < it.start < k and not it.absent and stated != it.concept:
                    out.append(_Item(stated, it.start, it.stop, absent=True))
                    break
        return out

    def _with_state(self, concept: str, state: str | None) -> str:
        """The vocabulary's concept in `state` ("road" and wet give "wet road"), else
        `concept` itself."""
        if state is None:
            return concept
        return self._lower.get(f"{state} {concept}".lower(), concept)

    def _with_colour(self, concept: str, colour: str | None, fallback: bool) -> str:
        """The vocabulary's coloured concept, else `concept` itself."""
        if colour is None:
            return concept
        base = _uncoloured(concept)
        for name in (colour, *COLOUR_ALIASES.get(colour, ())):
            coloured = self._lower.get(f"{name} {base}".lower())
            if coloured is not None:
                return coloured
        return base if fallback else concept

    @staticmethod
    def _negation_scopes(toks: list[str], covered: list[bool]) -> list[bool]:
        """Per token, whether it lies in a negator's scope (module docstring)."""
        inside = [False] * len(toks)
        active = verb_seen = named = False
        opened = 0  # where the last negator stands
        for i, tok in enumerate(toks):
            if tok in BREAKS:
                # "Not visible: buses" heads a list it denies; "Nothing unusual: a few cars"
                # does not
                heading = tok == ":" and active and not named and all(
                    t in PRESENCE_WORDS or t in ABSENCE_FILLER for t in toks[opened + 1 : i])
                if not (heading or (active and tok == "," and (
                        list_follows(toks, covered, i + 1)
                        or tuple(toks[i + 1 : i + 3]) in A_FORTIORI))):
                    active = verb_seen = False  # "No cars, let alone trucks." denies both
                named = named and tok == ","
                continue
            if covered[i]:
                inside[i] = active
                named = True
                continue
            if tok in SCOPE_ENDS or comparison_end(toks, i) or (
                    tok in PREPOSITIONS and not likeness_at(toks, i)) or (
                    i > 0 and covered[i - 1] and participle(tok)):
                active = False
            elif tok in CONJUNCTIONS:
                if new_clause(toks, i + 1, verb_seen):
                    active = verb_seen = False
            elif is_negator(toks, i):
                active, opened = True, i
            if tok in FINITE or tok.endswith("n't"):
                verb_seen = True
            inside[i] = active
        return inside

    def _split(self, mentions: list[Mention]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        named: list[str] = []
        denied: list[str] = []
        for m in mentions:
            (denied if m.negated else named).append(m.concept)
        # A plain concept said beside its coloured form ("a black car ... a sedan") adds no
        # check: grounding the black car grounds the car. The coloured form stays.
        named_t = tuple(c for c in dict.fromkeys(named)
                        if not any(n != c and same_thing(n, c)
                                   and len(_lemmas(n)) > len(_lemmas(c)) for n in named))
        return named_t, tuple(c for c in dict.fromkeys(denied) if c not in named_t)

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
        """The answer's concepts; yes/no and bare answers inherit the prompt's (module doc)."""
        said = spoken(text, prompt.text)  # without tags, an echo or "Sure!"
        kept = self._without_idle_tail(said, prompt)
        if kept != said:
            return replace(self.answer(kept, prompt), text=text)
        read = plain_answer(text, prompt.text)
        corrected = correction(read)
        if corrected is None:
            return self._read_answer(text, read, prompt)
        taken_back, read = corrected
        final = self._read_answer(text, read, prompt)
        # "Yes, a bus. Actually, it's a truck." takes the bus back: "Not a bus, a truck."; a
        # colour taken back for another ("blue ... I meant black") is one colour, as
        # "Black, not blue." is
        before, _ = self._split(self.mentions(taken_back, prompt.all_concepts))
        retracted = tuple(c for c in before if c not in final.all_concepts and not any(
            same_thing(_uncoloured(c), _uncoloured(n)) for n in final.all_concepts))
        note = "the answer corrects itself: only what follows the correction is read"
        return replace(final, denied=final.denied + retracted, notes=(*final.notes, note))

    def _read_answer(self, text: str, read: str, prompt: Extraction) -> Extraction:
        """`answer` on `read`, the answer as prose; `text` is kept as written."""
        split = self._elliptical_split(read, prompt)
        if split is not None:
            merged = self._merged(*(self._read_answer(part, part, prompt) for part in split),
                                  asked=prompt.all_concepts)
            return replace(merged, text=text)
        written = tokens(read)
        kept = unsupposed(written)
        supposing = len(kept) < len(written)
        if supposing:
            read = " ".join(kept)
        all_toks = unlabelled(tokens(read))
        toks = [t for t in all_toks if t not in BREAKS]
        if all(t in NON_ANSWER_WORDS for t in toks) and all(
                t in NON_ANSWER_WORDS or t in BREAKS for t in tokens(spoken(text, prompt.text))):
            return Extraction(text, (), (), "specific", None, "none", (
                "the answer says nothing ('Hmm.', 'idk', an empty or failed generation): it "
                "asserts and denies nothing",))
        while all_toks and (all_toks[0] in NON_ANSWER_WORDS or all_toks[0] in BREAKS):
            all_toks = all_toks[1:]  # "Um, no." is read from its "no"
        toks = [t for t in all_toks if t not in BREAKS]
        if toks[:3] in (["it", "'s", "possible"], ["it", "is", "possible"]):
            toks = toks[2:]  # "It's possible; there is a large vehicle" opens as "Possibly"
        read_toks = tokens(read)
        aside = [any(scoped) for scoped in zip(supposed_scopes(read_toks),
                                               generic_scopes(read_toks),
                                               set_aside_scopes(read_toks),
                                               disjunction_scopes(read_toks),
                                               question_scopes(read_toks), strict=True)]
        found = self.mentions(read, prompt.all_concepts)
        mentions = [m for m in found if not (aside[m.start] or scarce_at(read_toks, m.start))]
        # "Buses usually stop here." says nothing of the frame; "...; one is there now." does
        supposing = supposing or (len(mentions) < len(found) and not any(
            is_count(t) for t, a in zip(read_toks, aside, strict=True) if not a))
        if bounds_only(read_toks) and not mentions:
            return Extraction(text, (), (), "specific", None, "none", (
                "an upper bound on a count ('No more than two.') may be zero: it asserts and "
                "denies nothing",))
        named, denied = self._split(mentions)
        negated = any(is_negator(all_toks, i) for i in range(len(all_toks)))
        polarity = final_answer(all_toks) or yes_or_no(
            toks, all_toks, bool(mentions), bool(named), bool(denied), negated)
        if polarity is not None and self._asks_opposite(prompt):
            # "Is the road dry?" "Yes." says the road is not wet: from here on, a yes or no is
            # about the state the vocabulary names
            polarity = "deny" if polarity == "affirm" else "affirm"
        if self._says_opposite_state(toks, prompt, negated=True):
            polarity = "affirm"  # "Not dry at all." to "Is the road wet?"
        elif polarity is None and self._says_opposite_state(toks, prompt):
            polarity = "deny"
        only = only_opening(toks)
        if polarity is None and only is not None and named:
            if one_of_those_asked(all_toks) or toks[only + 1 : only + 2] in (
                    ["its"], ["their"], ["partially"], ["partly"], ["half"], ["barely"]):
                # "Are there pedestrians?" "Just the one, near the bus."; "Is there a bicycle?"
                # "Only its front wheel is visible behind the car."; "Only partially, ..."
                polarity = "affirm"
            elif not any(same_thing(c, n) or _kind_of(n, c) or (c == "pedestrian" and n in PERSONS)
                         for c in prompt.concepts for n in named):
                # "Is anyone on the crosswalk?" "Only a dog.": no one is; "Just a cyclist." says
                # someone is, but "Is there a cyclist?" "Only pedestrians." that no cyclist is
                polarity = "deny"
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
                not self._colour_without_form(toks, prompt):
            return Extraction(text, (), (), "specific", None, "none",
                              ("the answer says it cannot tell: it asserts and denies nothing",))
        if any(t in YES_WORDS for t in toks) and any(t in BARE_NO_WORDS for t in toks) and \
                all(t in YES_WORDS or t in BARE_NO_WORDS or t in AMBIVALENT for t in toks):
            return Extraction(text, (), (), "specific", None, "none", (
                "the answer says both yes and no ('Yes and no.'): it asserts and denies "
                "nothing",))
        bare = all(t in YES_WORDS or t in BARE_NO_WORDS or t in AGREEMENT_FILLER for t in toks)
        # "Is the road clear of snow?" negates the snow to name a state, and is no such question
        negative_question = self._question(prompt.text).negative() and \
            not self._asks_opposite(prompt)
        if not mentions and polarity is not None and bare and negative_question:
            return Extraction(text, (), (), "specific", None, "none", (
                "a bare yes or no to a negative question ('Is there no bus?') may mean either: "
                "it asserts and denies nothing",))
        if named or denied:
            found = self._named_answer(text, toks, all_toks, prompt, mentions, polarity,
                                       negated)
            opening = self._opening_colour(tokens(read), mentions, prompt)
            return self._placed_by_it(
                replace(found, concepts=tuple(dict.fromkeys(found.concepts + opening))),
                all_toks, prompt)
        llm_named = self._ask_llm(read) if polarity is None else ()
        if llm_named:
            return Extraction(text, llm_named, (), "specific", polarity, "llm")
        return self._placed_by_it(
            self._inherited_answer(text, toks, all_toks, prompt, polarity, negated),
            all_toks, prompt)

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

    def _named_answer(self, text: str, toks: list[str], all_toks: list[str],
                      prompt: Extraction, mentions: list[Mention], polarity: Polarity | None,
                      negated: bool) -> Extraction:
        """An answer that names concepts: those, plus what its yes or no says of the
        prompt's. `toks` are the answer's tokens without breaks, `all_toks` with them."""
        question = self._question(prompt.text)
        named, denied = self._split(mentions)
        notes = tuple(f"the colour {m.colour!r} goes with {m.concept!r}"
                      for m in mentions if m.colour is not None)
        source = ("inherited from the prompt" if all(m.inherited for m in mentions)
                  else "vocabulary")
        said = named + denied
        asked_attribute = self._asked_attribute(prompt)
        answered = [c for c in prompt.concepts
                    if any(same_thing(c, n) or _kind_of(n, c) for n in said)]
        others = question.alternatives(prompt) if answered else ()
        if polarity == "affirm" and not kind_in_doubt(toks):
            # "Yes, someone is." asserts the whole question, in the colour asked about ("Is
            # the car yellow?" "Yes, a taxi."); "Cars or trucks?" "Yes, two cars." only cars;
            # "Yes, a scooter, if that counts." only the scooter
            named += tuple(asked_attribute.get(c, c) for c in prompt.concepts
                           if c not in answered and c not in others)
            if "?" in question.text:  # "Is it a rainy day?" "Yes, ..." says it is not night
                denied += tuple(c for c in prompt.denied if c not in said)
        elif polarity == "deny" and not question.presupposed():
            # "No, but there's a truck." denies what was asked; "No, but there is one on the
            # sidewalk." says it is there, elsewhere than asked; "Any emergency vehicles?" "No
            # ambulances or fire trucks." denies those kinds, not every vehicle
            asked = question.asked(prompt)
            told = tuple(c for c in asked if not any(
                same_thing(c, n) or _one_of(n, HYPERNYMS.get(c.lower(), frozenset()))
                for n in said))
            if present_elsewhere(all_toks):
                # "There's no bus directly ahead, but there is one in the oncoming lane."
                moved = tuple(c for c in denied if any(same_thing(c, a) for a in asked))
                named += moved + told
                denied = tuple(c for c in denied if c not in moved)
            else:
                denied += told
        elif (polarity == "deny" and (goes_on_about_it(toks, negated) or "also" in toks)) or (
                polarity is None and not negated and toks[0] in PREPOSITIONS
                and question.presupposed()):
            # "No, on the road." still has the pedestrian it was asked about, and so has
            # "On the sidewalk." to "Is the pedestrian on the sidewalk or on the road?"
            named += tuple(c for c in question.asked(prompt)
                           if not any(same_object(c, n) for n in said))
        if polarity is None and only_opening(toks) is not None and answered:
            # "Is there a bus or a truck?" "Just the truck." says there is no bus, and "Are
            # there pedestrians and cyclists?" "Only pedestrians." that there are no cyclists
            denied += tuple(c for c in question.coordinated(prompt)
                            if c not in answered and c not in named + denied)
        if polarity != "deny" and not negated and question.definite() and (
                (toks[0] in SUBJECT_PRONOUNS and not expletive_it(toks))
                or toks[0] in ("its", "their") or question.where_about()):
            # "Is the truck parked?" "It appears to be parked at the curb." still has the
            # truck, "Is the car braking?" "Its brake lights are on." the car, and "Where is
            # the stop sign?" "On the right, next to the tree." the sign;
            # "Is there a truck?" "It looks like a bus." names no truck
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
            # snowy?" "No, but it is wet." denies the snowy road
            named += tuple(c for c in restated if c not in named)
            denied += tuple(restated.values()) + tuple(
                form for plain, form in asked_attribute.items()
                if plain in SINGLE_SURFACES and toks[0] in BARE_NO_WORDS
                and plain not in restated and form not in named and form not in denied
                and any(n.endswith(" " + plain) for n in named))
        return Extraction(text, named, denied, "specific", polarity, source, notes)

    def _inherited_answer(self, text: str, toks: list[str], all_toks: list[str],
                          prompt: Extraction, polarity: Polarity | None,
                          negated: bool) -> Extraction:
        """An answer that names no concept ("No.", "Red.", "Two."): it is about the prompt's
        concepts, and its yes or no, colour or count says what of them."""
        asks = "?" in self._question(prompt.text).text
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
        refined = self._refine_state(
            toks, self._refine_colour(toks, inherited, plural=question.plural()))
        not_colours = self._negated_forms(inherited, toks)
        if polarity == "deny" and refined != inherited:
            # "Is the car red?" "No, blue." says the car's colour; "Is there a white car?"
            # "No, but a grey one." also denies the white car; "Red, not blue." says red and,
            # as "No, it's blue." does, leaves the blue car to other cars in the frame
            denied = () if question.presupposed() or asked_attribute else \
                tuple(c for c in question.asked(prompt)
                      if not any(same_thing(c, r) for r in refined))
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
        # "Is the bus still at the stop?" "No, the stop is empty." says the bus has gone, as
        # "No, it has left." does
        emptied = says_empty(all_toks)
        if polarity == "deny" and question.presupposed() and len(toks) > 1 and not negated \
                and not emptied:
            return Extraction(text, question.asked(prompt), (), "specific", polarity,
                              "inherited from the prompt",
                              ("a no that goes on to say what the concept is doing ('No, it's "
                               "stopped.') takes the concept as there",))
        said_none = emptied or denies_one(all_toks) or any(
            t in ("none", "zero", "0", "nil") for t in toks[1:])
        if polarity == "deny" and question.presupposed() and not said_none:
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
            asked = question.asked(prompt)
            # "How many cars are red?" "None of them.": the cars are there, and none is red
            kept = tuple(dict.fromkeys(plain for c in asked if (plain := _uncoloured(c)) != c)) \
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
        j = first.stop
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

    def _says(self, sentence: str, prompt: Extraction) -> bool:
        """Whether `sentence` says anything of the frame (`_without_idle_tail`): it names a
        concept, or opens with a pronoun for a thing ("It's stopped."), or has a yes, a no, a
        colour, a count, a negation or a cannot-tell."""
        toks = tokens(sentence)
        words = [t for t in toks if t not in BREAKS]
        if words[:1] and words[0] in _THIRD_PERSONS and not expletive_it(words) and \
                not about_the_image(words):
            return True  # "No. It's stopped." says where the bus asked about is
        return bool(self.mentions(sentence, prompt.all_concepts)) or any(
            t in COLOURS or t in YES_WORDS or t in NO_WORDS or is_count(t) or t == "?"
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
            same_thing(m.concept, c) or _kind_of(m.concept, c) or _kind_of(c, m.concept)
            for m in named for c in prompt.all_concepts)

    @staticmethod
    def _merged(first: Extraction, rest: Extraction, asked: Sequence[str]) -> Extraction:
        """One reading of an answer read in two parts (`_elliptical_split`), the first the
        part that answers the prompt. The rest names none of the prompt's concepts, so what it
        says of them (`asked`) it inherited, and only the first part's answer counts."""
        def own(concept: str) -> bool:
            return not any(same_thing(_uncoloured(concept), _uncoloured(c)) for c in asked)

        concepts = first.concepts + tuple(
            c for c in rest.concepts if c not in first.concepts and own(c)
            and not any(_uncoloured(f) == c for f in first.concepts))
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
        glare makes it hard to tell."); the concepts as they are where the colour has no form
        in the vocabulary ("White, ..." to "What colour is the van?"); () when its first phrase
        gives no colour."""
        if not mentions or not self._question(prompt.text).about_colour():
            return ()
        lead = toks[: mentions[0].start]
        end = next((i for i, t in enumerate(lead) if t in BREAKS), None)
        refined = self._refine_colour(lead[:end], prompt.concepts)
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

    def _refine_state(self, toks: list[str], concepts: tuple[str, ...]) -> tuple[str, ...]:
        """`concepts` in the one state a bare answer gives ("No, just wet." to "Are the roads
        icy?" is a wet road); a state under a negator ("not wet") or two states refine
        nothing."""
        said = {STATES[t] for i, t in enumerate(toks)
                if t in STATES and not colour_negated(toks, i)}
        if len(said) != 1:
            return concepts
        return tuple(dict.fromkeys(self._with_state(c, next(iter(said))) for c in concepts))


def _circumstance(toks: list[str], it: _Item) -> bool:
    """Whether a frame's condition is named as the circumstance of a doubt ("Hard to say at
    night", "can't tell in the rain"): the doubt is about something else, and the night is
    there."""
    j = it.start - 1
    while j >= 0 and toks[j] == "the":
        j -= 1
    return it.concept.lower() in FRAME_CONDITIONS and j >= 0 and toks[j] in ("at", "in")


# The last words of the concepts that are or hold a vehicle, which has lamps of its own.
_VEHICLE_HEADS = frozenset(v.rsplit(" ", 1)[-1] for v in VEHICLES)
# The most words an answer's opening sentence has that answers the prompt on its own ("Not as
# far as I can tell.", "It's difficult to determine the colour.").
_ELLIPTICAL_WORDS = 10
# A sentence opening with these goes on with the one before ("Not yet. But one is waiting at
# the curb."), so the two are read as one answer.
_GOING_ON = (["but"], ["however"], ["although"], ["though"], ["yet"])
# A yes or a no that opens a sentence, and what may follow it there when it answers ("Yes, ...",
# "Yes it is", "No to both", "yes yes"; not "No need" or "No crossing here").
_YES_NO = YES_WORDS | BARE_NO_WORDS
# Pronouns that stand for a thing in the frame, opening a sentence of their own.
_THIRD_PERSONS = frozenset({"it", "they", "he", "she"})
_AFTER_YES_NO = BREAKS | _YES_NO | SUBJECT_PRONOUNS | {"there", "to", "i", "we"}
# Where an answer's sentences part, a closing bracketed remark counting as one: "No.\n\nNote:
# ...", "Yes. I may be wrong.", "Yes (based on the visible portion of the image)".
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+|\s+(?=\([^()]*\)\W*$)")
# Where an answer's first sentence ends: a stop or "!" before a space, or a line break. Not a
# "?", as `_SENTENCES` splits: a question asked back ("Which one? The red one.") answers nothing
# on its own, and splitting at it lost the red car.
_SENTENCE_END = re.compile(r"[.!](?=\s)|\n")


def _compound_at(lemmas: list[str], i: int) -> int:
    """The length of the compound that names no concept starting at `i` ("bus stop", "turn
    signal"; `NON_CONCEPT_COMPOUNDS`), the longer one first; 0 for none."""
    return next((n for n in (3, 2) if tuple(lemmas[i : i + n]) in NON_CONCEPT_COMPOUNDS), 0)


def _in_compounds(lemmas: list[str]) -> set[int]:
    """The token indices inside a compound that names no concept, so no head word inside one
    reads as a concept either."""
    return {k for i in range(len(lemmas)) for k in range(i, i + _compound_at(lemmas, i))}


def _kind_of(narrow: str, broad: str) -> bool:
    """Whether `narrow` names a kind of `broad` by its head: a school bus is a bus, a police
    car a car. A kind of a whole class ("a van" for "vehicles?") leaves the class asserted, as
    it is there too."""
    n, b = _lemmas(narrow), _lemmas(broad)
    return len(n) > len(b) and n[-len(b):] == b


def _one_of(concept: str, kinds: frozenset[str]) -> bool:
    """Whether `concept` is one of `kinds` or a kind of one ("parked car" of "car")."""
    return concept in kinds or any(_kind_of(concept, k) for k in kinds)


def _uncoloured(concept: str) -> str:
    """`concept` without its leading colour words ("red car" -> "car")."""
    words = concept.split()
    while len(words) > 1 and words[0].lower() in COLOURS:
        words = words[1:]
    return " ".join(words)


# Words of an entry's key around its concept: "Presence of cyclists: none.", "Bus status: absent".
_ENTRY_KEYS = frozenset({"presence", "status", "count", "number"})


def _label_values(toks: list[str], items: list[_Item]) -> None:
    """Read list and table entries: a concept that opens its line or list item, followed by
    a mark (":", "?", a dash, "(", "|") and a value ("Bus: no", "buses - absent", "| bus | no |",
    "Pedestrians? None.", "A bus? Not that I can find.", "Car (black)", "| School bus
    present? | No |"), or by a bare no, after a comma or not ("Pedestrians yes, cyclists
    no.", "Cars, yes; trucks, no."). A value that says absent denies the concept; a lone
    colour is its colour, in the value or in a later cell of its table row ("| Car | 2 |
    white |")."""
    for it in items:
        before = it.start - 1
        while before >= 0 and toks[before] in ("a", "an", "the"):
            before -= 1
        if before >= 1 and toks[before] == "of" and toks[before - 1] in _ENTRY_KEYS:
            before -= 2  # "Presence of cyclists: none."
        if before >= 0 and toks[before] not in BREAKS:
            continue
        value_at = it.stop + (it.stop < len(toks) and toks[it.stop] == ",")
        after = toks[value_at + 1] if value_at + 1 < len(toks) else "."
        if value_at < len(toks) and toks[value_at] in ABSENT_VALUES and after in BREAKS:
            it.absent = True  # "Pedestrians yes, cyclists no.", "Cars, yes; trucks, no."
            continue
        mark = it.stop  # "| School bus present? | No |": a word of presence may come first
        while mark < len(toks) and (toks[mark] in PRESENCE_WORDS or toks[mark] in _ENTRY_KEYS):
            mark += 1  # "Cyclist presence: absent."
        if mark >= len(toks) or toks[mark] not in LABEL_MARKS:
            continue
        start = mark + 1  # "? |" before the value: marks in a row are one, and the value
        while start < len(toks) and (toks[start] in LABEL_MARKS or toks[start] == "\n"):
            start += 1  # may stand on the next line ("Pedestrians?\nNone.")
        value = []
        for t in toks[start:]:
            if t in BREAKS:
                break
            value.append(t)
        if not value:
            continue
        if value[0] in ABSENT_VALUES or (value[0] == "not" and len(value) > 1
                                         and (value[1] in PRESENCE_WORDS or value[1] == "that")):
            it.absent = True
        elif len(said := [t for t in value if t not in PREDICATE_FILLER]) == 1 and \
                said[0] in COLOURS and said[0] in it.colours:
            it.colour = said[0]  # "The light (currently red)"
        elif toks[mark] == "|":  # a table row's later cells: "| Car | 2 | white |"
            colour = next((c for c in _row_cells(toks, start + len(value))
                           if len(c) == 1 and c[0] in COLOURS and c[0] in it.colours), None)
            if colour is not None:
                it.colour = colour[0]


def _row_cells(toks: list[str], start: int) -> list[list[str]]:
    """The cells of a table row after `start`, up to the line's end: "| 2 | white |" ->
    [["2"], ["white"]]."""
    cells: list[list[str]] = [[]]
    for t in toks[start:]:
        if t == "\n":
            break
        if t == "|":
            cells.append([])
        else:
            cells[-1].append(t)
    return [c for c in cells if c]


def sentence_ends(toks: list[str]) -> list[int]:
    """Per token k, the index of the last "." before it (-1 for none): an item that stops after
    it is in k's sentence. Computed once per text, where slicing per item was quadratic."""
    ends, last = [], -1
    for k, t in enumerate(toks):
        ends.append(last)
        if t == ".":
            last = k
    return ends


@lru_cache(maxsize=8)
def _extractor(vocabulary: tuple[str, ...]) -> ConceptExtractor:
    return ConceptExtractor(vocabulary)


def concepts_in_text(text: str, vocabulary: Sequence[str]) -> list[str]:
    """Every vocabulary concept `text` names, present or denied, once each, in text order.

    The matcher is `ConceptExtractor.mentions`: longest phrase first ("red car", not also
    "car"), plurals and synonyms included.
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


def same_object(a: str, b: str) -> bool:
    """Whether two concepts name the same object, in a colour or a state ("red car" and
    "car", "wet road" and "road"): what an answer says of the thing a prompt asked about.
    `same_thing` leaves states out, as a parked car and a car are two claims to check."""
    if same_thing(a, b):
        return True
    la, lb = _lemmas(a), _lemmas(b)
    short, long_ = (la, lb) if len(la) <= len(lb) else (lb, la)
    return len(long_) == len(short) + 1 and long_[1:] == short and long_[0] in STATES


def same_thing(a: str, b: str) -> bool:
    """Whether two concepts name the same object class ("red car" and "car" do)."""
    la, lb = _lemmas(a), _lemmas(b)
    if la == lb:
        return True
    short, long_ = (la, lb) if len(la) <= len(lb) else (lb, la)
    return len(short) >= 1 and long_[-len(short):] == short and all(
        t in COLOURS for t in long_[: len(long_) - len(short)]
    )
