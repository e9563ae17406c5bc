"""Which vocabulary concepts a text names, in what colour or state, and which it denies.

This module holds the package's one vocabulary phrase matcher (`MentionFinder.mentions`, and
`operators.verdicts.concepts.concepts_in_text` for a plain list); the pipeline's prompt
matching, the hybrid's concept choice and the answer reader (`operators.verdicts.concepts`) call
it, so a prompt, an answer and a heatmap never disagree about which concept a phrase names.

Rules, in order (the word lists live in `operators.verdicts.lexicon`, the predicates that read
the words around a concept in `operators.verdicts.clauses`):
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
  participle after a comma ("One traffic light, showing green."), given to the subject that
  can take it ("A set of signals hangs above the junction, showing amber."). A colour that opens a
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
  state ("is not wet") or two ("wet or snowy") say none. A plain opposite before or after the
  noun ("a dry road", "the road has been cleared") denies the state, and a participle right
  after its noun is its state ("cars parked along the curb"), as is a state after a comma that
  closes its item ("Two-lane road, wet"), a label's value ("Road: wet") or one after "both" or
  "all" ("Two cars, both parked."); a coloured car followed by "parked" ("a red car parked by
  the hydrant") is a parked car too, as "A red car is parked." is.
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
  how well, not whether: it is a cannot-tell, and so is a subject "not clearly visible"; one
  "not fully visible" is there, in part (`clauses.negated_presence_adverb`). "Tonight" after a
  no is a time, not a thing denied ("no moon tonight"). A condition or what hinders seeing named
  as the circumstance of a doubt ("hard to tell in this glare") is there.
- Lists and tables. A concept that opens its line or list item and is followed by a mark (":",
  "?", a dash, "(", "|") takes the value after it: "Bus: no", "buses - absent", "| bus | no |",
  "Pedestrians? None." deny it, "Car (black)" colours it. A negated heading of presence ("Not
  visible: buses, trucks.", "Not in view: bus.", "Absent: truck, bicycle") negates the list
  after its colon; one that says something else ("Nothing unusual: a few cars") does not. A
  counted entry takes its value too ("* 1 traffic light (green)").
- Counts. A number names the concept it counts ("two pedestrians", "2 cars", "around six
  cones"); "zero", "0", "none" and "no" are negators, so "no buses" and "zero buses" deny. A
  numbered list's marker ("1. A car") counts nothing.
- A plain concept named beside its coloured form ("a black car ... a sedan") is dropped: the
  coloured one's check covers it, and the coloured one stays (`MentionFinder._split`).
- Parts and likenesses. A sign on a vehicle's roof is its own, no road sign; bare "markings",
  with a vehicle asked about and no word of the road's surface in their sentence, are the
  vehicle's, not lane markings (`ROAD_SURFACE_WORDS`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from drivexplain.operators.verdicts.clauses import (
    after_exception,
    afterthought_colour,
    cannot_tell_scopes,
    clause_start,
    colour_before,
    comparison_end,
    complementizer,
    compound_at,
    counted_colour,
    counted_state,
    covering_state,
    depicted,
    ego_owned,
    excepted,
    expletive_it,
    fronted_colour,
    future_at,
    head_licensed,
    is_count,
    is_negator,
    likeness_at,
    list_follows,
    marked_text,
    new_clause,
    none_of_them,
    noun_reading,
    of_the_image,
    part_named,
    participle,
    partitive_before,
    postposed_colour,
    postposed_state,
    predicate_absent,
    predicate_colour,
    predicate_state,
    said_absent_after,
    seen_unclearly,
    subject_clause_start,
    universal_exception,
    vehicle_lamp,
)
from drivexplain.operators.verdicts.lexicon import (
    A_FORTIORI,
    ABSENCE_FILLER,
    ABSENT_VALUES,
    AUXILIARIES,
    BREAKS,
    COLOUR_ALIASES,
    COLOURED_HEADS,
    COLOURS,
    CONJUNCTIONS,
    COPULAS,
    DARK_WORDS,
    DEFINITES,
    DEGREE_ADVERBS,
    EGO_VEHICLES,
    FINITE,
    FRAME_CONDITIONS,
    GROUP_NAMES,
    HYPERNYMS,
    IN_VIEW,
    KIND_WORDS,
    LABEL_MARKS,
    LIGHT_FILLER,
    LIGHT_WORDS,
    NARROW_SYNONYMS,
    NEGATIVE_SYNONYMS,
    NOUN_ONLY_PHRASES,
    ONE_SUBJECTS,
    OPPOSITE_STATES,
    OPPOSITES,
    ORDINAL_PRONOUNS,
    PART_VEHICLES,
    PARTICIPLE_STATES,
    PARTICIPLES,
    PERSONS,
    PLAIN_OPPOSITES,
    PREDICATE_FILLER,
    PREPOSITIONS,
    PRESENCE_WORDS,
    PRONOUNS,
    RESTRICTIVE,
    RIDDEN,
    RIDERS,
    RIDING_GLUE,
    RIDING_VERBS,
    ROAD_SURFACE_WORDS,
    SCOPE_ENDS,
    SEEING_CONDITIONS,
    SENTENCE_BREAKS,
    STATE_FILLER,
    STATES,
    SYNONYMS,
    lemma,
    tokens,
)
from drivexplain.operators.verdicts.readings import Mention

# The vehicles a person may ride in or on, as a passenger or rider (`_passengers`).
VEHICLES = HYPERNYMS["vehicle"] | {"vehicle"}

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
    unclear: bool = False  # its clause says it is not seen clearly: neither there nor denied


class MentionFinder:
    """Finds vocabulary concepts in text (module docstring); build once, use for every
    frame."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        concepts = [v.strip() for v in vocabulary if v and v.strip()]
        if not concepts:
            raise ValueError("the concept vocabulary is empty")
        self.vocabulary = list(dict.fromkeys(concepts))
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
        for key, target in list(phrases.items()):
            # a one-word name with "-less" names it as not there: "carless", "moonless",
            # "pedestrian-less" (`tokens` joins the hyphen)
            without = (key[0] + "less",)
            if len(key) == 1 and key not in self._negative and without not in phrases:
                phrases[without] = target
                self._negative.add(without)
        self._groups: dict[tuple[str, ...], tuple[str, ...]] = {}
        for word, members in GROUP_NAMES.items():
            key = _lemmas(word)
            self._groups[key] = tuple(m for m in members if m in present)
        self._phrases = phrases
        self._narrow = {_lemmas(word) for word in NARROW_SYNONYMS}
        self._longest = max(len(k) for k in phrases)
        self._lower = {c.lower(): c for c in self.vocabulary}
        self._coloured_heads = {
            head: (self._lower[target.lower()], colours)
            for head, (target, colours) in COLOURED_HEADS.items()
            if target.lower() in self._lower and (head,) not in phrases
        }

    # ------------------------------------------------------------------ matching
    def mentions(self, text: str, context: Sequence[str] = ()) -> list[Mention]:
        """Vocabulary concepts in `text`, in text order, each with its negation (module doc).

        `context` are the prompt's concepts when `text` answers it: head words and pronouns
        may point at them.
        """
        toks = tokens(text)
        lemmas = [lemma(t) for t in toks]
        items = _aboard(toks, self._asked_riders(toks, self._phrase_items(toks, lemmas),
                                                 context), context)
        if not context or self._lower.get("night") in context:
            items += self._light_items(toks, items)
        self._hypernyms(toks, items, context)
        items += self._head_items(toks, lemmas, items, context)
        items.sort(key=lambda it: it.start)
        items += self._coloured_ones(toks, items)
        items.sort(key=lambda it: it.start)
        items += self._predicates(toks, items, context)
        items += self._opposite_predicates(toks, items)
        for it in items:
            it.absent = it.absent or said_absent_after(toks, it.stop)
            it.unclear = it.unclear or (it.stop < len(toks) and seen_unclearly(toks, it.stop))
        _label_values(toks, items)
        owners = any(c.lower().rsplit(" ", 1)[-1] in PART_VEHICLES for c in context)
        vehicle_asked = any(uncoloured(c).lower() in VEHICLES for c in context)
        items = [it for it in items if (not it.needs_colour or it.colour is not None) and not (
            uncoloured(it.concept).lower() in EGO_VEHICLES and ego_owned(toks, it.start)) and not
            depicted(toks, it.start, it.stop) and not part_named(toks, it.start, it.stop, owners)
            and not (vehicle_asked and _vehicle_markings(toks, it))
            and not (marked_text(toks, it.start) and it.concept not in context)
            and not (context and _kind_restated(toks, it))]
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
        there = list(dict.fromkeys(uncoloured(it.concept).lower() for it in items
                                   if not (negated[it.start] or it.absent or unsure[it.start]
                                           or it.unclear)))
        out = []
        for it in items:
            if (unsure[it.start] and not _circumstance(toks, it) and not _landmark(toks, it)) \
                    or it.unclear:
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
            group = next((g for key, g in self._groups.items()
                          if tuple(lemmas[max(0, it.stop - len(key)) : it.stop]) == key), ())
            if group and negated[it.start] and not it.pronoun and not excepted(toks, it.stop):
                # "no emergency vehicles, only cars": the cars are no kind of the group
                out += [Mention(m, it.start, it.stop, True, None, it.inherited) for m in group
                        if m.lower() not in there and m not in spared]
                continue
            if negated[it.start] and (
                    excepted(toks, it.stop) or (it.start and toks[it.start - 1] in RESTRICTIVE)
                    or tuple(lemmas[it.start : it.stop]) in self._narrow
                    or any(same_thing(s, it.concept) or one_of(uncoloured(s).lower(), kinds)
                           for s in spared)
                    or any(one_of(k, kinds) for k in there)):
                continue  # "no moving cars", "apart from the truck, no vehicles", "no workers"
                # deny no kind
            denied = it.absent or (negated[it.start] and not it.pronoun)
            if denied and group:  # "no emergency vehicles": no ambulance, police car, ...
                out += [Mention(m, it.start, it.stop, True, None, it.inherited) for m in group]
                continue
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
        # a thing named only as another's owner and denied after it is not there: "A dog's
        # leash trails from the bench, but no dog."
        return [m for m in out if m.negated or toks[m.stop : m.stop + 1] != ["'s"] or not any(
            o.negated and o.concept == m.concept and o.start > m.start for o in out)]

    def groups_named(self, toks: Sequence[str], mentions: Sequence[Mention]
                     ) -> dict[str, tuple[str, ...]]:
        """The concept each group name among `mentions` of `toks` is read as, with the
        group's kinds (`GROUP_NAMES`): "Do you see any emergency vehicles?" gives the
        vehicle, with the ambulance, the police car and the fire truck, which a "No." to it
        denies."""
        lemmas = [lemma(t) for t in toks]
        return {m.concept: group for m in mentions for key, group in self._groups.items()
                if group and tuple(lemmas[max(0, m.stop - len(key)) : m.stop]) == key}

    def _stated_plain(self, concept: str, state: str | None) -> str | None:
        """The vocabulary's concept in `state` of a coloured concept's plain form, where the
        coloured one has no form in it ("silver car" and parked give "parked car"), else
        None."""
        plain = uncoloured(concept)
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
            compound = compound_at(lemmas, i)
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
            # "a red car parked by the curb" is a parked car too, as "A red car is parked." is
            stateful = self._with_state(concept, state) != concept or \
                self._stated_plain(concept, state) is not None
            found.append(_Item(concept, i, i + n, absent=key in self._negative, colour=colour,
                               state=state if stateful else None,
                               opposite=key in self._opposites))
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

    def _light_items(self, toks: list[str], items: list[_Item]) -> list[_Item]:
        """The night, where "it" is said or asked to be dark ("Is it dark out?", "it's pitch
        dark"), and the night by its opposite where "it" is light or bright ("It's light
        out.", "Is it bright?"), as "daytime" names it (`DARK_WORDS`, `LIGHT_WORDS`). Not where
        "it" may be a thing named before it ("A car; it's dark." gives its colour), and
        "black" only as "pitch black"; the caller leaves out answers to questions about
        other things ("What colour is the car?" "It's dark.")."""
        night = self._lower.get("night")
        if night is None or any(it.concept == night for it in items):
            return []
        found = []
        for k in range(len(toks) - 2):
            pair = toks[k : k + 2]
            if pair not in (["it", "is"], ["it", "'s"], ["it", "was"], ["is", "it"]) or any(
                    it.start < k for it in items):
                continue
            j = k + 2
            while j < len(toks) and (toks[j] in DEGREE_ADVERBS or toks[j] in LIGHT_FILLER):
                j += 1
            after = toks[j + 1 : j + 2]
            if j < len(toks) and (toks[j] in DARK_WORDS or toks[j] in LIGHT_WORDS) and (
                    toks[j] != "black" or toks[j - 1] == "pitch") and (
                    not after or after[0] in BREAKS or after[0] in ("out", "outside", "now")):
                light = toks[j] in LIGHT_WORDS
                found.append(_Item(night, j, j + 1, opposite=light, absent=light))
        return found

    def _asked_riders(self, toks: list[str], items: list[_Item],
                      context: Sequence[str]) -> list[_Item]:
        """A person "riding" with no ride named, or "on two wheels", rides what the prompt asks
        about: "Is there a cyclist?" "No, nobody's riding." denies the cyclist, not every
        person; and a "rider"
        beside a bicycle, named or asked, is its cyclist."""
        asked = next((rider for ride, rider in RIDERS.items() if rider in self._lower
                      and (rider in context or ride in context)), None)
        named = {it.concept for it in items}
        rides = [ride for ride in RIDERS if ride in named or ride in context]
        if len(rides) == 1 and not any(c in named for c in ("motorcycle", "scooter")) and \
                RIDERS[rides[0]] in self._lower:
            # "There's one chained to the railings, no rider." names the bicycle's rider
            items = items + [_Item(self._lower[RIDERS[rides[0]]], k, k + 1)
                             for k, t in enumerate(toks) if t in ("rider", "riders")]
        items = self._riding_asked(toks, items, context)
        for person in items if asked else ():
            k = person.stop
            while k < len(toks) and toks[k] in AUXILIARIES:
                k += 1
            riding = toks[k : k + 1] in (["riding"], ["rides"]) and (
                k + 1 == len(toks) or toks[k + 1] in BREAKS or toks[k + 1] in PREPOSITIONS)
            if person.concept == "pedestrian" and (
                    riding or toks[k : k + 3] == ["on", "two", "wheels"]):
                person.concept = self._lower[asked]  # "nobody on two wheels" rides too
        return items

    def _riding_asked(self, toks: list[str], items: list[_Item],
                      context: Sequence[str]) -> list[_Item]:
        """A person riding or on "one" or "it" where the prompt asks about one thing that is
        ridden (`RIDDEN`: "Is there a bicycle?" "Someone riding one.", "A man is riding it
        across the crosswalk.", "Is there a motorcycle?" "A man on one."): the ride is there,
        and its rider is the bicycle's cyclist or the motorcycle's, no pedestrian. "Nobody's
        on it." denies the cyclist and says nothing of the ride."""
        rides = [c for c in context if c in RIDDEN and c in self._lower]
        if len(rides) != 1:
            return items
        ride, kept, added = rides[0], [], []
        for person in items:
            k = person.stop
            while k < len(toks) and (toks[k] in AUXILIARIES or toks[k] in RIDING_VERBS):
                k += 1
            if person.concept not in PERSONS or toks[k : k + 2] not in (
                    ["riding", "one"], ["riding", "it"], ["rides", "it"], ["on", "one"],
                    ["on", "it"]):
                kept.append(person)
                continue
            if not person.absent and not any(it.concept == ride for it in items + added):
                added.append(_Item(self._lower[ride], k + 1, k + 2, inherited=True,
                                   pronoun=True))
            rider = RIDERS.get(ride)
            if person.concept == "pedestrian" and rider in self._lower:
                person.concept = self._lower[rider]
            elif person.concept == "pedestrian":
                continue  # the motorcycle's rider, no pedestrian
            kept.append(person)
        return sorted(kept + added, key=lambda it: it.start)

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
                       if uncoloured(c).lower() in kind]
            end = next((k for k in range(it.stop, len(toks)) if toks[k] in BREAKS), len(toks))
            verb = next((k for k in range(it.stop, end) if toks[k] in COPULAS), end)
            named = {uncoloured(o.concept).lower() for o in items
                     if verb < o.start < end and o.concept != it.concept}
            if len(targets) == 1 and not (named & kind) - {uncoloured(targets[0]).lower()}:
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
                    if it.concept.lower().rsplit(" ", 1)[-1] in VEHICLE_HEADS]
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
                plain = uncoloured(it.concept)
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
            state = postposed_state(toks, it.start, it.stop)
            if state is not None and it.state is None:
                it.state = state  # "Two-lane road, wet", "Road wet."
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
            begin = clause_start(toks, k)
            none = none_of_them(toks[begin + 1 : k])
            if none is not None and (toks[k] in COLOURS or toks[k] in STATES) and (
                    k + 1 == len(toks) or toks[k + 1] in BREAKS):
                # "Four cars, none of them red.", "Cars, but none of them parked."
                extra += self._none_in(items, toks[k], begin, begin + 1 + none)
                continue
            at = predicate_colour(toks, k)
            colour = None if at is None else toks[at]
            state = None if colour is not None else predicate_state(toks, k)
            absent = colour is None and state is None and predicate_absent(toks, k)
            unclear = colour is None and state is None and seen_unclearly(toks, k)
            if colour is None and state is None and not absent and not unclear:
                continue
            begin = subject_clause_start(toks, k)
            if absent and toks[begin : begin + 1] == ["and"] and begin == k - 1:
                begin = subject_clause_start(toks, begin)  # "They've crossed and gone."
            in_clause = [it for it in items if begin < it.start < k]
            if at is not None and any(
                    at < it.start <= at + 2 and not any(t in BREAKS for t in toks[at:it.start])
                    and not any(same_thing(it.concept, s.concept) for s in in_clause)
                    for it in items):
                continue  # "in front of the car is a white truck": the white is the truck's
            none = none_of_them(toks[begin + 1 : k])
            if colour is not None and none is not None:
                # "Four cars; none of them is red.", "Two cars; neither is blue."
                extra += self._none_in(items, colour, begin, begin + 1 + none)
                continue
            own = clause_start(toks, k)  # past an aside, its pronouns are not the subject
            if own == k - 1 and absent and toks[own] == "and":
                own = clause_start(toks, own)
            pronoun = next((j for j in range(k - 1, own, -1) if toks[j] in PRONOUNS
                            and not expletive_it(toks, j) and not complementizer(toks, j)
                            and not of_the_image(toks, j)), None)
            before = [it for it in items if stops[k] < it.stop <= begin]
            if in_clause and (pronoun is None or pronoun < in_clause[-1].start):
                subjects = [in_clause[0]]
            elif pronoun is None and toks[k] in PARTICIPLES and begin == k - 1 and before:
                # "One traffic light, showing green."; "A set of signals hangs above the
                # junction, showing amber." colours the signals, which can be amber
                subjects = [next((it for it in reversed(before) if colour is not None
                                  and colour in it.colours
                                  and self._with_colour(it.concept, colour, False) != it.concept),
                                 before[-1])]
            elif pronoun is None and colour is not None and any(
                    t in ONE_SUBJECTS for t in toks[begin + 1 : k]):
                # "Two cars: one is red, the other is silver." gives each its own colour
                kind = [it for it in items if it.stop <= begin and colour in it.colours]
                one = next(j for j in range(begin + 1, k) if toks[j] in ONE_SUBJECTS)
                denied = one > 0 and toks[one - 1] == "not"  # "Not one of them is red."
                if kind:
                    # at "one", which a denial of the thing before it does not reach: "There's
                    # no red car; the parked one is blue."
                    last = kind[-1]
                    extra.append(_Item(last.concept, one, one + 1, colours=last.colours,
                                       colour=colour, inherited=True, absent=denied,
                                       state=STATES.get(toks[one - 1])))  # "the parked one"
                else:  # "The one on the left is red." answering "What colour is the car ...?"
                    extra += [_Item(c, one, one + 1, colour=colour, inherited=True, pronoun=True,
                                    absent=denied) for c in context]
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
                elif unclear:
                    subject.unclear = True
                elif colour is None:
                    subject.absent = True
                elif future_at(toks, k):  # "It will turn green soon.": a light, not green now
                    subject.needs_colour = False
                elif colour in subject.colours:
                    subject.colour = colour
        return extra

    def _none_in(self, items: list[_Item], said: str, begin: int, at: int) -> list[_Item]:
        """A thing of the kind last named before `begin` that can be in the colour or state
        `said`, in it and denied, as an item at the "none" at `at`: "Four cars, none of them
        red." denies a red car; [] when no such thing is named."""
        for it in reversed([it for it in items if it.stop <= begin]):
            if said in it.colours:
                it.needs_colour = False  # "Two signals, neither of them green." are lights
                return [_Item(it.concept, at, at + 1, colours=it.colours, colour=said,
                              inherited=True, absent=True)]
            if said in STATES and self._with_state(it.concept, STATES[said]) != it.concept:
                return [_Item(it.concept, at, at + 1, inherited=True, absent=True,
                              state=STATES[said])]
        return []

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
        base = uncoloured(concept)
        for name in (colour, *COLOUR_ALIASES.get(colour, ())):
            coloured = self._lower.get(f"{name} {base}".lower())
            if coloured is not None:
                return coloured
        return base if fallback else concept

    @staticmethod
    def _negation_scopes(toks: list[str], covered: list[bool]) -> list[bool]:
        """Per token, whether it lies in a negator's scope (module docstring)."""
        inside = [False] * len(toks)
        active = verb_seen = named = negated_sentence = False
        opened = 0  # where the last negator stands
        for i, tok in enumerate(toks):
            if tok in BREAKS:
                # "Not visible: buses" and "Not in view: buses" head a list they deny;
                # "Nothing unusual: a few cars" does not
                between = toks[opened + 1 : i]
                heading = tok == ":" and active and not named and (between in IN_VIEW or all(
                    t in PRESENCE_WORDS or t in ABSENCE_FILLER for t in between))
                if tok == "," and negated_sentence and _or_otherwise(toks, i + 1):
                    active = True  # "Not a soul on the road, bus or otherwise."
                elif tok == "," and tuple(toks[i + 1 : i + 3]) in A_FORTIORI and \
                        toks[:1] in (["none"], ["no"], ["nope"], ["nothing"]):
                    active = True  # "None, let alone buses." denies the buses too
                elif not (heading or (active and tok == "," and (
                        list_follows(toks, covered, i + 1)
                        or tuple(toks[i + 1 : i + 3]) in A_FORTIORI))):
                    active = verb_seen = False  # "No cars, let alone trucks." denies both
                named = named and tok == ","
                negated_sentence = negated_sentence and tok not in SENTENCE_BREAKS
                continue
            if covered[i] and tok == "tonight":
                active = False  # "no moon tonight": the time, not a thing denied
                continue
            if covered[i]:
                inside[i] = active
                named = True
                continue
            if (tok in SCOPE_ENDS and not universal_exception(toks, i)) or \
                    comparison_end(toks, i) or (
                    tok in PREPOSITIONS and not likeness_at(toks, i)
                    and not (toks[i : i + 2] in IN_VIEW and toks[i + 2 : i + 3] == [":"])) or (
                    i > 0 and covered[i - 1] and participle(tok)):
                active = False
            elif tok in CONJUNCTIONS:
                if new_clause(toks, i + 1, verb_seen):
                    active = verb_seen = False
            elif is_negator(toks, i):
                active, opened, negated_sentence = True, i, True
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


# Words that fill a vehicle with people: "a bus full of people", "packed with people".
_FILLED = (("full", "of"), ("packed", "with"), ("crowded", "with"), ("filled", "with"),
           ("crammed", "with"))
# Words after a person that put them in a vehicle named or asked: "two people in it", "a few
# people inside".
_INSIDE = (("in", "it"), ("inside",), ("aboard",), ("on", "board"), ("in", "there"))


def _aboard(toks: list[str], items: list[_Item], context: Sequence[str]) -> list[_Item]:
    """`items` without the people a vehicle, named before them or asked about, holds: "A bus
    full of people.", "A car with two people in it.", "Is the bus full?" "Nobody in it." or
    "Yes, packed with people." They are its passengers, no pedestrians; the vehicle stays."""
    vehicle_asked = any(c.lower() in VEHICLES for c in context)
    kept = []
    for person in items:
        vehicle_before = vehicle_asked or any(
            it.stop <= person.start and it.concept.lower() in VEHICLES for it in items)
        if person.concept.lower() in ("pedestrian", "child") and vehicle_before:
            before = tuple(toks[max(0, person.start - 4) : person.start])
            after = [t for t in toks[person.stop : person.stop + 3] if t not in AUXILIARIES]
            if any(before[k : k + 2] == pair for pair in _FILLED for k in range(len(before))) \
                    or any(tuple(after[: len(words)]) == words for words in _INSIDE):
                continue
        kept.append(person)
    return kept


def _kind_restated(toks: list[str], it: _Item) -> bool:
    """Whether a concept is what was asked, named again by its kind ("No such vehicle here.",
    "No vehicle of that kind.", "Not that sort of bus - a city bus.", "Not a vehicle like
    that, no."): it names nothing else, and a negation before it is of what was asked."""
    before = toks[max(0, it.start - 3) : it.start]
    after = toks[it.stop : it.stop + 3]
    return before[-1:] == ["such"] or (
        len(before) == 3 and before[0] in ("that", "this") and before[1] in KIND_WORDS
        and before[2] == "of") or (
        after[:1] == ["of"] and after[1:2] in (["that"], ["this"]) and after[2:3] != []
        and after[2] in KIND_WORDS) or after[:2] in (["like", "that"], ["like", "this"])


def _vehicle_markings(toks: list[str], it: _Item) -> bool:
    """Whether bare "markings" at `it` stand in a sentence with no word of the road's surface
    (`ROAD_SURFACE_WORDS`), so that, with a vehicle asked about, they are the vehicle's."""
    if it.stop - it.start != 1 or toks[it.start] not in ("marking", "markings"):
        return False
    begin = max((j for j in range(it.start) if toks[j] in SENTENCE_BREAKS), default=-1)
    end = next((j for j in range(it.stop, len(toks)) if toks[j] in SENTENCE_BREAKS), len(toks))
    return not any(t in ROAD_SURFACE_WORDS for t in toks[begin + 1 : end])


def _circumstance(toks: list[str], it: _Item) -> bool:
    """Whether a frame's condition or what hinders seeing is named as the circumstance of a
    doubt ("Hard to say at night", "can't tell in the rain", "aren't clearly visible in this
    glare"): the doubt is about something else, and the night is there."""
    j = it.start - 1
    while j >= 0 and toks[j] in DEFINITES:
        j -= 1
    return it.concept.lower() in SEEING_CONDITIONS and j >= 0 and toks[j] in ("at", "in")


# Prepositions after which a doubt's landmark stands: "I'm not sure there's one behind the bus."
_LANDMARK_PLACES = frozenset({"behind", "beside", "near", "next", "by", "past", "alongside",
                              "opposite"})


def _landmark(toks: list[str], it: _Item) -> bool:
    """Whether a concept is the landmark a doubt places its thing by ("Maybe one behind the
    bus, but I can't be sure of that."; `_LANDMARK_PLACES`): the doubt is of the thing, and
    the landmark is there."""
    j = it.start - 1
    while j >= 0 and (toks[j] in DEFINITES or toks[j] in ("a", "an")):
        j -= 1
    if j >= 1 and toks[j] == "to" and toks[j - 1] == "next":
        j -= 1
    return j >= 0 and toks[j] in _LANDMARK_PLACES


# The last words of the concepts that are or hold a vehicle, which has lamps of its own.
VEHICLE_HEADS = frozenset(v.rsplit(" ", 1)[-1] for v in VEHICLES)


def _or_otherwise(toks: list[str], j: int) -> bool:
    """Whether the words from `j` close their sentence with "or otherwise" after what they name
    ("..., bus or otherwise."): the negation before them reaches them."""
    k = next((m for m in range(j, min(len(toks), j + 5)) if toks[m] == "or"), None)
    return k is not None and k > j and toks[k + 1 : k + 2] == ["otherwise"] and (
        k + 2 == len(toks) or toks[k + 2] in BREAKS)


def _in_compounds(lemmas: list[str]) -> set[int]:
    """The token indices inside a compound that names no concept, so no head word inside one
    reads as a concept either."""
    return {k for i in range(len(lemmas)) for k in range(i, i + compound_at(lemmas, i))}


def kind_of(narrow: str, broad: str) -> bool:
    """Whether `narrow` names a kind of `broad` by its head: a school bus is a bus, a police
    car a car. A kind of a whole class ("a van" for "vehicles?") leaves the class asserted, as
    it is there too."""
    n, b = _lemmas(narrow), _lemmas(broad)
    return len(n) > len(b) and n[-len(b):] == b


def one_of(concept: str, kinds: frozenset[str]) -> bool:
    """Whether `concept` is one of `kinds` or a kind of one ("parked car" of "car")."""
    return concept in kinds or any(kind_of(concept, k) for k in kinds)


def uncoloured(concept: str) -> str:
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
    white |"), and so is one after a counted entry ("* 1 traffic light (green)")."""
    for it in items:
        before = it.start - 1
        while before >= 0 and (toks[before] in ("a", "an", "the") or is_count(toks[before])):
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
        elif len(said) == 1 and said[0] in STATES:
            it.state = STATES[said[0]]  # "Road: wet"
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
