"""What a run of answer tokens says, clause by clause: where a negation or a cannot-tell
reaches, what a copula gives its subject, whether a word opens a clause, a list or a count.

`concepts.ConceptExtractor` finds the vocabulary's concepts in a text; these predicates read the
words around them (`lexicon` holds the word lists). Each takes the text's tokens (`tokens`)
and a position, so that a rule can be tested, and changed, on its own. The rules themselves are
stated in `concepts`' module docstring.
"""

from __future__ import annotations

import itertools

from drivexplain.operators.verdicts.lexicon import (
    ABSENCE_FILLER,
    ABSENT_WORDS,
    ADVICE_PHRASES,
    AFFIRMING_NEGATIONS,
    AFTER_MESSAGE,
    AFTERTHOUGHTS,
    ANSWER_LABELS,
    APPROXIMATORS,
    ASKING_BACK,
    AUXILIARIES,
    BARE_NO_WORDS,
    BREAKS,
    CANNOT_TELL,
    CHANGE_VERBS,
    CLAUSE_BREAKS,
    CLAUSE_WORDS,
    COLOUR_NOUNS,
    COLOUR_SUFFIXES,
    COLOURS,
    COMPARISON_DETERMINERS,
    CONDITION_WORDS,
    COPULAS,
    COUNT_WORDS,
    COVER_FILLER,
    COVERING,
    COVERING_VERBS,
    DARK_WORDS,
    DEFINITES,
    DEGREE_ADVERBS,
    DEGREE_WORDS,
    DEPARTURE_AUXILIARIES,
    DEPARTURES,
    DEPICTION_MODIFIERS,
    DEPICTIONS,
    DISTANCE_WORDS,
    DOUBTFUL_OPENERS,
    DRIVING_ACTIONS,
    EARLIER,
    EGO_OWNERS,
    EGO_VIEWS,
    ELSEWHERE_FILLER,
    EMPHATICS,
    EMPTINESS_WORDS,
    EMPTY_PLACES,
    EMPTY_WORDS,
    EXCEPTIONS,
    EXCLUSIVE_CLOSINGS,
    FAILING,
    FIGURATIVE_MEASURES,
    FINITE,
    FRAME_DEPICTIONS,
    FRAME_OBJECTS,
    FRAME_WORDS,
    FUNCTIONING,
    GENERIC_WORDS,
    GONE_WHEN,
    GOOD_VISIBILITY,
    GROUP_NOUNS,
    HARD_WORDS,
    HEAD_CHANGES,
    HEAD_MODIFIERS,
    HEDGED_OPENERS,
    HEDGES,
    IMAGE_WORDS,
    IN_VIEW,
    ING_NOUNS,
    INVERTED_CONDITIONS,
    INVERTED_SUBJECTS,
    KIND_QUALIFIERS,
    LACKING,
    LAMP_LINKS,
    LAMP_OWNED,
    LAMP_WORDS,
    LAMPS_LIT,
    LIGHT_FILLER,
    LIGHT_WORDS,
    LIKENED_ROAD_USERS,
    LIKENESS,
    LIST_GLUE,
    LOOKALIKES,
    LOOKING,
    MANNER,
    MARKING_ATTRIBUTIVE,
    MARKING_VERBS,
    MEANING_VERBS,
    MEASURES,
    MESSAGE_VERBS,
    NAMING_VERBS,
    NEEDING,
    NEGATED_COPULAS,
    NEGATED_SO_VERBS,
    NEGATORS,
    NO_WORDS,
    NON_CONCEPT_COMPOUNDS,
    NOT_ANSWERS,
    NOT_THINGS,
    NOTED_PLACES,
    ON_THE_ROOF,
    ONE_FILLER,
    ONLY_LEAD,
    ONLY_WORDS,
    OPENER_PREAMBLE,
    OPPOSITE_STATES,
    OUT_OF_VIEW,
    PAINT_WORDS,
    PAINTED,
    PART_OWNERS,
    PART_VEHICLES,
    PART_WORDS,
    PARTIAL_AMOUNT_FILLER,
    PARTIAL_AMOUNTS,
    PARTLY_SEEN,
    PASSED_VERBS,
    PASSING_VERBS,
    PAST_COPULAS,
    PERCEIVING,
    PLACE_PREPOSITIONS,
    PLACED_PARTICIPLES,
    PREDICATE_FILLER,
    PREPOSITIONS,
    PRESENCE_WORDS,
    PURPOSE_PHRASES,
    QUESTION_VERBS,
    QUOTING_VERBS,
    REASON_WORDS,
    RELATIVE_WORDS,
    RESTATED_BY,
    RESTATING,
    ROAD_SURFACES,
    SCARCELY,
    SCOPE_ENDS,
    SEEING,
    SENTENCE_BREAKS,
    SERVING_HEADS,
    SET_ASIDE,
    SHADE_OF,
    SHADE_WORDS,
    SHAPE_WORDS,
    SIGN_MESSAGES,
    SIGNAGE,
    SIZE_NOUNS,
    SIZED_SPACES,
    SO_VERBS,
    SPECIFIC_DETERMINERS,
    STATE_FILLER,
    STATE_PHRASES,
    STATES,
    SUBJECT_PRONOUNS,
    SUBJECTS,
    THERE_ONE_FILLER,
    TIME_ADVERBS,
    TRADE_HEADS,
    UNCLEARLY_SEEN,
    UNIVERSALS,
    UNLIT,
    UNSURE_WORDS,
    UNTIL_WORDS,
    UPPER_BOUNDS,
    VERB_PARTICLES,
    WEATHER_ENDINGS,
    WEATHER_NOUNS,
    WEATHER_OPPOSITES,
    WEATHER_STARTS,
    WEATHER_TO_COME,
    WHEN_WORDS,
    YES_WORDS,
    lemma,
)


def unlabelled(toks: list[str]) -> list[str]:
    """The answer's tokens without a label before it ("Answer: No." is a no, and so is
    "Verdict — no.")."""
    while toks and toks[0] in BREAKS:
        toks = toks[1:]
    mark = next((i for i, t in enumerate(toks[:4]) if t in (":", "\u2014")), None)
    if mark and all(t in ANSWER_LABELS for t in toks[:mark]):
        return toks[mark + 1 :]
    return toks


def affirming_negation_at(toks: list[str], i: int) -> bool:
    """Whether token i is part of a negation that affirms ("no doubt", "no shortage of",
    "can't miss"; `AFFIRMING_NEGATIONS`)."""
    return any(tuple(toks[start : start + len(phrase)]) == phrase
               for phrase in AFFIRMING_NEGATIONS for start in range(i - len(phrase) + 1, i + 1)
               if start >= 0)


def says_so(toks: list[str]) -> bool:
    """Whether the answer opens with a hedged yes ("I believe so", "it seems so"), or goes on
    to one after saying it is unsure ("I'm not entirely certain, but it looks like one", "Hard
    to be certain, but the light bar suggests it is")."""
    head = toks[:4]
    if any(t == "so" and i and head[i - 1] in SO_VERBS for i, t in enumerate(head)):
        return True
    if "but" not in toks:
        return False
    rest = toks[toks.index("but") + 1 :]
    return rest[-3:] in (["looks", "like", "one"], ["seems", "to", "be"], ["suggests", "it", "is"],
                         ["suggests", "they", "are"]) or \
        any(t == "so" and i and rest[i - 1] in SO_VERBS for i, t in enumerate(rest))


def so_said_first(toks: list[str]) -> bool:
    """Whether the answer opens with a hedged yes as a clause of its own ("Seems so - no driver
    visible ...", "I think so, ..."), which a negation after it does not undo. `toks` are
    without breaks."""
    head = toks[:3]
    for i, t in enumerate(head):
        if t == "so" and i and head[i - 1] in SO_VERBS:
            return not any(w in NEGATORS or w.endswith("n't") for w in head[:i])
    return False


# Modals that grant a view to the listener before taking it back: "You'd think so, but ..."
_CONCEDING_MODALS = frozenset({"might", "may", "would", "'d", "could"})


def says_not_so(toks: list[str]) -> bool:
    """Whether the answer opens with a hedged no, as a clause of its own: "I don't think so.",
    "I do not believe so, the car is a taxi.", "It doesn't seem so", "I doubt it." It is the
    answer's no even where a later sentence names something ("I don't think so. The car
    beside us is a taxi."); "I don't think so many cars ..." is no such clause; "I believe
    not, only cars." and "It seems not." are one too, as is a yes conceded to another and
    taken back ("You'd think so, but it's a mannequin.", "I thought so at first, but no").
    `toks` are without breaks."""
    head = toks[:5]
    conceded = 4 if head[:1] == ["you"] and head[1:2] and head[1] in _CONCEDING_MODALS and \
        head[2:4] in (["think", "so"], ["say", "so"]) else 3 if head[:3] == ["i", "thought", "so"] \
        else 0
    if conceded and "but" in toks[conceded : conceded + 4]:
        return True
    if head[:1] in (["i"], ["it"]) and head[1:2] and head[1] in NEGATED_SO_VERBS and \
            head[2:3] == ["not"]:
        return toks[3:4] not in (["many"], ["much"], ["all"], ["every"])
    for i, t in enumerate(head[2:], 2):
        if t == "so" and head[i - 1] in NEGATED_SO_VERBS and (
                head[i - 2] in ("don't", "doesn't", "not")):
            return len(toks) == i + 1 or toks[i + 1] not in ("many", "much", "far")
    return head[:3] == ["i", "doubt", "it"]


def hedged_no_end(all_toks: list[str]) -> int:
    """Where a hedged no that opens the answer as a clause of its own ends ("I don't think
    so,", "Probably not -", "Not really.", "I doubt it,"): the index of the break after it,
    else 0. Its negation is the answer's no; what follows it is read on its own ("I don't
    think so, it's stopped." says what the bus is doing, as "No, it's stopped." does). A yes
    in the past that goes on to what is so now is one too ("They were, but they've stopped.").
    `all_toks` keep the breaks."""
    end = next((i for i, t in enumerate(all_toks) if t in BREAKS), 0)
    head = all_toks[:end]
    if not head:
        return 0
    hedged = (len(head) <= 5 and says_not_so(head)) or (head[1:] == ["not"] and (
        head[0] in HEDGED_OPENERS or head[0] in EMPHATICS)) or (
        head[0] == "not" and len(head) == 2 and head[1] in NOT_ANSWERS) or (
        head[0] in DOUBTFUL_OPENERS and len(head) == 1) or (
        head in (["it", "was"], ["they", "were"]) and all_toks[end + 1 : end + 2] in (
            ["now"], ["but"]))  # "It was; now it's pulling out."
    return end if hedged else 0


def expletive_it(toks: list[str], i: int = 0) -> bool:
    """Whether the "it" at `i` stands for nothing, before what the answer asserts: "It seems
    that ...", "It appears there is ...", "It looks like there are ...", "It is likely that
    ...". "It looks like a bus." and "It seems to be parked." are about a thing."""
    if toks[i : i + 1] != ["it"]:
        return False
    verb, after = toks[i + 1 : i + 2], toks[i + 2 : i + 4]
    if verb in (["seems"], ["appears"], ["looks"], ["seemed"], ["appeared"]):
        return after[:1] in (["that"], ["there"], ["as"]) or after == ["like", "there"]
    return verb in (["is"], ["'s"], ["was"]) and after[:1] in (
        ["likely"], ["clear"], ["possible"], ["evident"], ["obvious"], ["apparent"],
        ["unlikely"], ["probable"]) and after[1:] in (["that"], ["there"])


def complementizer(toks: list[str], j: int) -> bool:
    """Whether the "that" at `j` opens a clause ("It seems that the frame is black.") rather
    than pointing at a thing ("That is a bus."): a determiner, "there" or a subject follows."""
    return toks[j] == "that" and toks[j + 1 : j + 2] != [] and (
        toks[j + 1] in DEFINITES or toks[j + 1] in ("a", "an", "there", "some", "no", "it",
                                                    "they", "we", "i", "you", "nothing"))


def of_the_image(toks: list[str], j: int) -> bool:
    """Whether the demonstrative at `j` points at the image, not at a thing: "This frame is
    black." speaks of the frame, where "This is black." is about what was asked."""
    after = toks[j + 1 : j + 2]
    return toks[j] in DEFINITES and bool(after) and (after[0] in FRAME_WORDS
                                                      or after[0] in IMAGE_WORDS)


def about_the_image(toks: list[str]) -> bool:
    """Whether the answer's first clause speaks of the image itself, or of how well it shows
    things, past an opening "it seems that" (`expletive_it`): "The frame is black.", "It
    seems that the image is blurry.", "This picture is too dark.", "Visibility is
    limited."."""
    words = [t for t in toks if t not in BREAKS]
    if words[:1] in (["note"], ["caveat"], ["disclaimer"]):
        words = words[1:]  # "Note: the frame is quite dark."
    if expletive_it(words) and "that" in words[:5]:
        words = words[words.index("that") + 1 :]
    if words[:1] and (words[0] in DEFINITES or words[0] in ("this", "that")):
        words = words[1:]
    return len(words) > 1 and (words[0] in FRAME_WORDS or words[0] in IMAGE_WORDS) and \
        words[1] in COPULAS


def about_the_speaker(toks: list[str]) -> bool:
    """Whether the answer is a remark to the reader or about what it rests on ("I may be
    wrong.", "Please double-check with a better image.", "Based on the visible portion of the
    image.", "Note: ..."): with no yes or no and nothing named, it says nothing of the frame.
    "I can." and "I count three." answer."""
    words = [t for t in toks if t not in BREAKS]
    return words[:1] in (["please"], ["note"], ["based"]) or words[:2] == ["i", "hope"] or (
        words[:1] == ["i"] and words[1:2] in (["may"], ["might"], ["could"])
        and words[2:4] == ["be", "wrong"])


def list_marker(toks: list[str]) -> bool:
    """Whether the answer opens with a numbered list's marker ("1. A car", "1) car"), whose
    number counts nothing; "2." alone answers "how many?", and so does "2. One is on the
    sidewalk, ...", as a list starts at one."""
    return len(toks) > 2 and toks[0] == "1" and toks[1] in (".", ")")


def own_colours(toks: list[str]) -> set[str]:
    """The colour words of a bare answer that describe what was asked about: not one compared
    against ("more silver than white"), nor one of a part ("red, with black tyres"), nor one
    denied ("not red"). "With" and a count adds more of what was asked ("Mostly white, with
    one red.")."""
    def more_of_them(i: int) -> bool:  # "with one red", "with two black ones"
        rest = toks[i + 1 : i + 4]
        return len(rest) >= 2 and is_count(rest[0]) and rest[1] in COLOURS and (
            len(rest) == 2 or rest[2] in BREAKS or rest[2] in ("one", "ones"))

    part = next((i for i, t in enumerate(toks) if t == "with" and not more_of_them(i)),
                len(toks))
    return {t for i, t in enumerate(toks[:part])
            if t in COLOURS and (i == 0 or toks[i - 1] != "than") and not colour_negated(toks, i)
            and not future_colour(toks, i)}


def future_colour(toks: list[str], i: int) -> bool:
    """Whether the colour at `i` is one a light will turn, not the one it shows (`future_at` on
    its verb): "Amber, about to turn red.", "going to change to green", "will soon turn
    red"."""
    j = i - 1
    if j >= 1 and toks[j] == "to" and toks[j - 1] in CHANGE_VERBS:
        j -= 1  # "change to"
    return j >= 0 and toks[j] in CHANGE_VERBS and future_at(toks, j)


def negated_colours(toks: list[str]) -> set[str]:
    """The colour words a negator reaches: "not red", "isn't really green"."""
    return {t for i, t in enumerate(toks) if t in COLOURS and colour_negated(toks, i)}


def colour_negated(toks: list[str], i: int) -> bool:
    """Whether a negator reaches the colour or state at `i`: before it ("not red", "isn't
    really wet", "far from dry"), or after it when it is put first ("Black it is not.", "Wet it
    isn't.")."""
    j = i - 1
    while j >= 0 and (toks[j] in DEGREE_ADVERBS or toks[j] in ("a", "an")):
        j -= 1
    if j >= 0 and (toks[j] in ("not", "never") or toks[j].endswith("n't")):
        return True
    if j >= 1 and toks[j - 1 : j + 1] == ["far", "from"]:
        return True  # "Far from dry."
    if j >= 1 and toks[j] in COPULAS and none_said_of(toks, j):
        return True
    after = toks[i + 1 : i + 4]
    if not (i == 0 or toks[i - 1] in BREAKS) or after[:1] not in (["it"], ["they"]):
        return False
    end = i + 4 if after[1:3] in (["is", "not"], ["'s", "not"], ["are", "not"], ["'re", "not"]) \
        else i + 3 if after[1:2] in (["isn't"], ["aren't"]) else None
    # the clause ends there: "Black, it is not a taxi." says what is not a taxi
    return end is not None and (end >= len(toks) or toks[end] in BREAKS
                                or toks[end] in ("it", "they", "but", "just", "only"))


# Subjects that deny what their clause says of them: "None of them is red.", "Neither is."
_NONE_SUBJECTS = frozenset({"none", "neither", "nobody", "nothing"})


def none_said_of(toks: list[str], copula: int) -> bool:
    """Whether the copula at `copula` has a subject that says its clause holds of none ("None
    of them is red.", "No, none is red.", "Not one is red."): what follows the copula
    is denied, not said. The subject is the word right before the copula, or a partitive of
    it ("none of the three cars"), so "None, the car is red." says red."""
    for k in range(copula - 1, max(-1, copula - 6), -1):
        if toks[k] in _NONE_SUBJECTS or (toks[k] == "one" and k and toks[k - 1] == "not"):
            return k == copula - 1 or toks[k + 1] == "of"  # "Not one of them is red."
        if toks[k] in BREAKS:
            return False
    return False


# What may follow "none" or "neither" in a subject that names no thing of its own: "none of
# them", "neither of those".
_OF_THEM = (("of", "them"), ("of", "those"), ("of", "these"), ("of", "which"),
            ("of", "the", "two"))


def none_of_them(subject: list[str]) -> int | None:
    """Where a subject that says its clause holds of none of the things named before says so
    ("none", "neither of them", "not one of those"), as an index into `subject`; else None
    ("None of the cars" names its own)."""
    k = 1 if subject[:1] == ["not"] else 0
    if (k and subject[1:2] != ["one"]) or (not k and subject[:1] not in (["none"], ["neither"])):
        return None
    return k if len(subject) == k + 1 or tuple(subject[k + 1 :]) in _OF_THEM else None


def _none_of_them_doing(toks: list[str], i: int) -> bool:
    """Whether the "none", "neither" or "not one" at `i` opens a clause after another that
    says what none of the things named there does or is ("A crowd, but none of them
    crossing.", "Four cars, none of them red."): the things are there."""
    start = i
    while start > 0 and toks[start - 1] not in BREAKS and toks[start - 1] != "but":
        start -= 1
    if start == 0:
        return False
    end = next((k for k in range(i, len(toks)) if toks[k] in BREAKS), len(toks))
    for k in range(i + 1, end):
        none = none_of_them(toks[i:k])
        if none == 0 or (none == 1 and toks[i] == "not"):
            said = toks[k]
            if k + 1 == end and (said in COLOURS or said in STATES or participle(said)):
                return True
    return False


def predicate_colour(toks: list[str], copula: int) -> int | None:
    """The index of the one colour a copula at `copula` links to ("is black", "looks dark
    blue", "has a red colour"), else None."""
    having = toks[copula] in ("has", "have", "had")
    if toks[copula] in NEGATED_COPULAS:  # "isn't white but black" says black
        corrected = corrected_colour(["not", *toks[copula + 1 :]], 0)
        return copula + corrected if corrected else None
    if toks[copula] not in COPULAS and not having:
        return None
    j = copula + 1
    while j < len(toks) and (toks[j] in PREDICATE_FILLER or toks[j : j + 2] in SHADE_OF):
        j += 1 if toks[j] in PREDICATE_FILLER else 2  # "is a shade of blue"
    j = corrected_colour(toks, j)
    if j < len(toks) and toks[j] not in COLOURS and not having and state_at(toks, j) is None:
        j = conjoined_colour(toks, j)
    if j >= len(toks) or toks[j] not in COLOURS:
        return None
    after = toks[j + 1] if j + 1 < len(toks) else "."
    if having and after not in COLOUR_SUFFIXES and after not in PAINT_WORDS:
        return None  # "has a red light": the light is red, not its owner
    if after in ("and", "or") and j + 2 < len(toks) and toks[j + 2] in COLOURS:
        return None  # "black and white": no one colour
    if toks[copula] == "'s" and after not in BREAKS and after not in CLAUSE_WORDS:
        return None  # a possessive: in "the car's red light" the red is the light's
    if after == "with" and state_at(toks, j) is not None:
        return None  # "the road is white with snow" says its state, not its colour
    return j


def corrected_colour(toks: list[str], j: int) -> int:
    """Where a predicate that denies one colour for another ("is not white but black") says its
    colour: the second one's index; else `j` unchanged."""
    if toks[j : j + 1] == ["not"] and j + 3 < len(toks) and toks[j + 1] in COLOURS \
            and toks[j + 2] == "but" and toks[j + 3] in COLOURS:
        return j + 3
    return j


def conjoined_colour(toks: list[str], j: int, reach: int = 8) -> int:
    """Where a colour ends a second predicate after "and" ("is about 50 m away and currently
    green"), looked for within `reach` words of `j` and before any break; else `len(toks)`.
    The colour must close its clause, so "is on the left and the car is red" gives none."""
    for k in range(j, min(len(toks), j + reach)):
        if toks[k] in BREAKS:
            break
        if toks[k] == "and":
            c = k + 1
            while c < len(toks) and toks[c] in PREDICATE_FILLER:
                c += 1
            if c < len(toks) and toks[c] in COLOURS and (c + 1 == len(toks)
                                                         or toks[c + 1] in BREAKS):
                return c
            break
    return len(toks)


def state_at(toks: list[str], j: int) -> tuple[str, int] | None:
    """The state said at `j` ("wet", "slick", "covered in snow", "covered in slush", "shiny
    with water") and the index after it, else None. A word that says only how a surface looks
    ("shiny", "white") says its state with the substance it is that way with, and only then:
    "the road is shiny" is no wet road, "the road is shiny with water" is."""
    if j < len(toks) and toks[j] in STATES:
        return STATES[toks[j]], j + 1
    for phrase, state in STATE_PHRASES.items():
        if tuple(toks[j : j + len(phrase)]) == phrase:
            return state, j + len(phrase)
    covered = toks[j : j + 1] == ["covered"] and toks[j + 1 : j + 2] in (["in"], ["with"])
    if covered or toks[j + 1 : j + 2] == ["with"]:
        k = j + 2  # "covered with a thin layer of snow", "covered in slush"
        while k < len(toks) and toks[k] in COVER_FILLER:
            k += 1
        if k < len(toks) and toks[k] in COVERING and (
                covered or k + 1 == len(toks) or toks[k + 1] in BREAKS
                or toks[k + 1] in PREPOSITIONS):
            return COVERING[toks[k]], k + 1
    return None


def covering_state(toks: list[str], i: int) -> str | None:
    """The state a substance said to cover a concept at `i` leaves it in ("snow covering the
    road", "water pooling on the street"), else None."""
    j = i - 1
    while j >= 0 and toks[j] in ("the", "a", "an", "on", "in", "across", "over", "all"):
        j -= 1
    if j < 1 or toks[j] not in COVERING_VERBS or toks[j - 1] not in COVERING:
        return None
    return COVERING[toks[j - 1]]


def predicate_state(toks: list[str], copula: int) -> str | None:
    """The one state a copula at `copula` says of its subject ("is wet", "looks slick", "is
    covered in snow", "is parked"), else None. A negated copula ("is not wet") says none, as it
    gives no colour."""
    if toks[copula] not in COPULAS:
        return None
    j = copula + 1
    while j < len(toks) and toks[j] in STATE_FILLER:
        j += 1
    found = state_at(toks, j)
    if found is None:
        return None
    state, after = found
    if after < len(toks) and toks[after] in ("and", "or") and state_at(toks, after + 1):
        return None  # "wet or snowy": no one state
    return state


def future_at(toks: list[str], copula: int) -> bool:
    """Whether the copula at `copula` is in the future ("will turn green", "is going to turn
    red"), or is a change in a clause of time, whose present tense is the future ("wait until
    it turns green", "once the light changes to red"; `UNTIL_WORDS`): the colour is not the
    thing's now. An adverb between them stays future ("will soon turn red")."""
    j = copula
    while j > 0 and toks[j - 1] in ("soon", "probably", "likely"):
        j -= 1
    return toks[j - 1 : j] in (["will"], ["'ll"]) or \
        toks[max(0, j - 2) : j] in (["going", "to"], ["about", "to"]) or (
            toks[copula] in CHANGE_VERBS
            and any(t in UNTIL_WORDS for t in toks[max(0, copula - 4) : copula]))


def clause_start(toks: list[str], k: int) -> int:
    """The index of the break or clause word before `k` that opens its clause (-1 at the
    text's start). An "and" or "or" between two colours opens none: "The car with red and
    blue lights is black." is one clause about the car."""
    begin = k - 1
    while begin >= 0 and toks[begin] not in BREAKS and (
            toks[begin] not in CLAUSE_WORDS or adverb_before_verb(toks, begin)
            or (toks[begin] in ("and", "or") and 0 < begin < k - 1
            and toks[begin - 1] in COLOURS and toks[begin + 1] in COLOURS)):
        begin -= 1
    return begin


def subject_clause_start(toks: list[str], k: int) -> int:
    """`clause_start` for a predicate at `k`, reaching past an aside between commas that stands
    between the predicate and its subject: in "The car, which is on the left, is black." and
    "The road, as far as I can tell, appears to be wet." the clause opens before "The"."""
    begin = clause_start(toks, k)
    if toks[begin : begin + 1] != [","] or not all(
            t in COPULAS or t in PREDICATE_FILLER or t in TIME_ADVERBS
            for t in toks[begin + 1 : k]):
        return begin
    opened = clause_start(toks, begin)
    return clause_start(toks, opened) if opened >= 0 and toks[opened] == "," else begin


def goes_on_about_it(toks: list[str], negated: bool, hedged: int = 0) -> bool:
    """Whether a no to a question about a given concept, with another concept named, goes on
    to say where it is or what it does, so that the concept is taken as there: "No, on the
    road.", "No, it's stopped.", "No, its engine is running.", "No, just standing at the
    curb.", but not "No, the truck is." (another subject) or "No, it isn't." (a denial). "Not
    yet" and "Not now" open as "No" does ("Not yet; they are waiting at the curb."), and so
    does a hedged no `hedged` words long (`hedged_no_end`: "I don't think so, on the
    road.")."""
    n = pronoun_no(toks) or hedged
    if hedged and toks[hedged : hedged + 1] in (["now"], ["but"]):
        n += 1  # "They were, but they've stopped at the curb."
    if (toks[:1] == ["not"] and toks[1:2] in (["yet"], ["now"])) or n:
        toks = ["no", *toks[n or 2 :]]  # "They aren't - they're all stopped." as "No, ..."
        negated = any(t in NEGATORS or t.endswith("n't") for t in toks[1:])
    rest = [t for t in toks[1:3] if t not in ("just", "only", "still", "merely")]
    return (len(toks) > 1 and not negated and bool(rest)
            and (rest[0] in PREPOSITIONS or rest[0] in SUBJECT_PRONOUNS
                 or rest[0] in ("its", "their") or rest[0].endswith("ing")))


def pronoun_no(toks: list[str]) -> int:
    """The length of a short no that opens the answer with the question's subject as a pronoun
    ("They aren't", "It isn't", "It's not", "They don't"), else 0. Whether a break follows is
    the caller's to check."""
    if toks[:1] not in (["it"], ["they"], ["he"], ["she"]) or len(toks) < 2:
        return 0
    if toks[1] in NEGATED_COPULAS or toks[1] in ("don't", "doesn't", "didn't"):
        return 2
    return 3 if toks[1] in ("'s", "'re", "is", "are") and toks[2:3] == ["not"] else 0


def there_is_not(toks: list[str]) -> int:
    """The length of a short no that opens the answer with "there" ("There isn't", "There
    aren't any", "There's not one"), else 0: "There isn't, but there are cars." denies what
    "Is there a tram?" asks about as "No, but there are cars." does. Whether a break follows
    is the caller's to check."""
    if toks[:1] != ["there"] or len(toks) < 2:
        return 0
    n = 2 if toks[1] in NEGATED_COPULAS else 3 if toks[1] in ("'s", "'re", "is", "are") and \
        toks[2:3] == ["not"] else 0
    return n + 1 if n and toks[n : n + 1] in (["any"], ["one"]) else n


def kind_in_doubt(toks: list[str]) -> bool:
    """Whether the answer doubts that what it names is of the kind asked: "Yes, a scooter, if
    that counts." says a scooter, not a motorcycle."""
    return any(tuple(toks[i : i + len(q)]) == q for q in KIND_QUALIFIERS
               for i in range(len(toks)))


def after_exception(toks: list[str], start: int) -> bool:
    """Whether the concept at `start` is what an exception names: "besides the bus",
    "apart from a truck"."""
    j = start
    while j > 0 and toks[j - 1] in ("a", "an", "the", "one", "that", "this"):
        j -= 1
    before = tuple(toks[max(0, j - 3) : j])
    return any(before[-len(e):] == e and before[-len(e) - 1 : -len(e)] not in (
        (u,) for u in UNIVERSALS) for e in EXCEPTIONS if len(before) >= len(e))


def universal_exception(toks: list[str], i: int) -> bool:
    """Whether toks[i] excepts from everything (`UNIVERSALS`), a negator of what follows:
    "Everything but a bus.", "anything except trucks"."""
    return toks[i] in ("but", "except") and i > 0 and toks[i - 1] in UNIVERSALS


def excepted(toks: list[str], stop: int) -> bool:
    """Whether the words after a concept ending at `stop` make an exception of it
    (`EXCEPTIONS`), a comma between allowed: "no cars, except a taxi"."""
    rest = [t for t in toks[stop : stop + 3] if t != ","]
    return any(tuple(rest[: len(e)]) == e for e in EXCEPTIONS)


def adverb_before_verb(toks: list[str], i: int) -> bool:
    """Whether "just" or "only" at `i` qualifies the verb after it ("the light just turned
    green", "a cyclist just rode out of frame"), not a new clause of contrast ("no cars, just
    trucks")."""
    return toks[i] in ("just", "only") and i + 1 < len(toks) and (
        toks[i + 1] in COPULAS or toks[i + 1] in DEPARTURES or toks[i + 1] in ("left", "gone"))


def postposed_colour(toks: list[str], start: int, stop: int) -> str | None:
    """The colour said right after a concept at `start`..`stop`, with no verb: "a car painted
    blue is parked", "a car in silver, just ahead", "A car, yellow, waits", "a car, red I
    believe", a bare noun opening its clause in a note ("Car red, light green.", "Car ahead
    red."; `NOTED_PLACES`), and after a naming verb (`NAMING_VERBS`: "I'd call the car black.",
    "I'd describe the car as red."). The colour must close its phrase, so "the car next to a red
    truck", "a car, red light ahead" and the question "Is the car red?" give none."""
    j = stop
    naming = any(t in NAMING_VERBS for t in toks[max(start - 3, 0) : start])
    if j < len(toks) and (toks[j] in ("painted", "coloured", "colored", "in", ",")
                          or (toks[j] == "as" and naming)):
        j += 1
    elif bare_noun_at(toks, start) and toks[j : j + 1] != [] and toks[j] in NOTED_PLACES and \
            toks[j + 1 : j + 2] != [] and toks[j + 1] in COLOURS:
        j += 1  # "Car ahead red."
    elif not naming and not (bare_noun_at(toks, start) and j < len(toks) and toks[j] in COLOURS):
        return None
    while j < len(toks) and toks[j] in SHADE_WORDS:
        j += 1
    if j >= len(toks) or toks[j] not in COLOURS:
        return None
    after = toks[j + 1] if j + 1 < len(toks) else "."
    closes = after in BREAKS or after in COPULAS or after in ("and", "but", "with") or (
        after.endswith(("ed", "ing")) and after not in COLOURS) or (
        toks[j + 1 : j + 3] in (["i", "think"], ["i", "believe"], ["i", "guess"]))
    return toks[j] if closes and after != "?" and not (
        toks[j - 1] == "," and after == "and") else None


def postposed_state(toks: list[str], start: int, stop: int) -> str | None:
    """The state said after a comma right after a concept at `start`..`stop`, or right after
    it (or its colour and a comma) where it is a bare noun opening its clause in a note ("Road
    wet, no snow.", "Car black, parked on left."), closing its phrase or, parked, before where:
    "Two-lane road, wet" is a wet road. "the road, wet from the rain," and "a road, wet road
    ahead" give none."""
    bare = bare_noun_at(toks, start)
    if bare and toks[stop : stop + 2] != [] and toks[stop] in COLOURS and \
            toks[stop + 1 : stop + 2] == [","]:
        stop += 1  # "Car black, parked on left."
    j = stop + 1 if toks[stop : stop + 1] == [","] else stop if bare else None
    if j is None or j >= len(toks) or toks[j] not in STATES:
        return None
    after = toks[j + 1] if j + 1 < len(toks) else "."
    parked_at = STATES[toks[j]] == "parked" and after in PLACE_PREPOSITIONS
    return STATES[toks[j]] if (after in BREAKS and after != "?") or parked_at else None


def bare_noun_at(toks: list[str], start: int) -> bool:
    """Whether a noun at `start` opens its clause with no determiner, as in a note ("Car red,
    road wet.")."""
    return start == 0 or toks[start - 1] in BREAKS


def counted_colour(toks: list[str], i: int) -> str | None:
    """The colour a count at `i` gives some of what was named before it, with no noun
    ("one red and one white", "two white", "one of them red"), else None; "not one of them
    red" gives none (`none_of_them`)."""
    if not is_count(toks[i]) or (i and toks[i - 1] == "not"):
        return None
    j = i + 1 + 2 * (toks[i + 1 : i + 3] == ["of", "them"])
    if j >= len(toks) or toks[j] not in COLOURS:
        return None
    return toks[j] if j + 1 == len(toks) or toks[j + 1] in BREAKS or toks[j + 1] == "and" \
        else None


def counted_state(toks: list[str], i: int) -> str | None:
    """The state a count at `i` gives some of what was named before it, with no noun ("one in
    front and two parked on the left"), or "both" or "all" gives all of it ("Two cars, both
    parked."), else None."""
    if not (is_count(toks[i]) or toks[i] in ("both", "all")) or i + 1 >= len(toks) or \
            toks[i + 1] not in STATES:
        return None
    after = toks[i + 2] if i + 2 < len(toks) else "."
    # "two parked vans" is a noun phrase of its own
    return STATES[toks[i + 1]] if after in BREAKS or after in PREPOSITIONS or after in (
        "and", "along", "nearby", "ahead") else None


def fronted_colour(toks: list[str], k: int) -> str | None:
    """The colour that opens a sentence before a copula at `k` whose predicate names a colour
    ("Black is the colour of the car.", "White is the car's colour."), else None."""
    if toks[k] not in COPULAS or k < 1 or toks[k - 1] not in COLOURS or (
            k > 1 and toks[k - 2] not in BREAKS):
        return None
    rest = toks[k + 1 : next((m for m in range(k + 1, len(toks)) if toks[m] in BREAKS),
                             len(toks))]
    return toks[k - 1] if any(t in COLOUR_NOUNS for t in rest) else None


def afterthought_colour(toks: list[str], k: int) -> str | None:
    """A colour added after a comma with a hedge or a quantifier, closing its clause ("...,
    possibly black", "two lights, both red"), else None."""
    start = k - 1 if k > 1 and toks[k - 1] in ("most", "very", "quite") else k
    if not (0 < start < len(toks) - 1 and toks[start - 1] == "," and toks[k] in AFTERTHOUGHTS
            and k + 1 < len(toks) and toks[k + 1] in COLOURS):
        return None
    return toks[k + 1] if k + 2 >= len(toks) or toks[k + 2] in BREAKS else None


def predicate_absent(toks: list[str], k: int) -> bool:
    """Whether a copula at `k` says its subject is not there: "is not visible", "isn't
    present", "cannot be seen", "are missing"; or a verb at `k` that it has left the frame
    ("has just left the frame", "have all driven off", `departed_at`); "is not in the
    image" too. An absence in the past ("was not there before", `EARLIER`) is none now."""
    tok = toks[k]
    if departed_at(toks, k):
        return True
    if negated_presence_adverb(toks, k) is not None:
        return False  # "isn't fully visible": part of it is
    if tok in PAST_COPULAS and any(t in EARLIER for t in _clause_after(toks, k)):
        return False  # "two cones that were not there before" are there now
    if (tok in COPULAS or tok in NEGATED_COPULAS) and not future_at(toks, k):
        # "it will be out of view soon" is there
        rest = [t for t in toks[k + 1 : k + 6] if t not in ABSENCE_FILLER and t not in DEFINITES]
        if tok in NEGATED_COPULAS:
            rest = ["not", *rest]
        if OUT_OF_VIEW.get(tuple(rest[:2]), frozenset()) & set(rest[2:3]):
            return True  # "is out of view", "is hidden from sight"
        if rest[:2] == ["hidden", "behind"]:
            return True  # "is completely hidden behind the bus"; "partly hidden" is there
        if rest[:1] in (["not"], ["no"]) and rest[1:2] == ["in"] and rest[2:3] and (
                rest[2] in FRAME_WORDS or rest[2] in IMAGE_WORDS or rest[2] == "sight"):
            return True  # "is not in the image", "isn't in this frame", "no longer in view"
    rest = [t for t in toks[k + 1 : k + 5] if t not in ABSENCE_FILLER]
    if tok in COPULAS:
        if rest and (rest[0] in ABSENT_WORDS or (  # "Pedestrians are lacking."
                rest[0] == "lacking" and (len(rest) == 1 or rest[1] in BREAKS))):
            return True
        return len(rest) > 1 and rest[0] in ("not", "no") and rest[1] in PRESENCE_WORDS
    if tok in NEGATED_COPULAS or tok in ("cannot", "can't", "couldn't"):
        return bool(rest) and rest[0] in PRESENCE_WORDS
    return False


def depicted(toks: list[str], start: int, stop: int) -> bool:
    """Whether a concept at `start`..`stop` is named as a likeness, not a thing in the scene: "a
    poster of a cyclist", "a billboard with a picture of a bus", "a bicycle symbol", "a toy
    truck", "a traffic light's image" (`DEPICTIONS`), "a smudge that looks like a pedestrian"
    (`LOOKALIKES`), "a pedestrian-shaped shadow", "a truck-sized gap", "a truck-sized van" or "a
    van-shaped trailer" (`LIKENED_ROAD_USERS`) or "something van-sized" (`SHAPE_WORDS`), "a bus
    painted on a mural" (`PAINTED`). "This is a picture of a road" is the frame and depicts
    nothing."""
    after = toks[stop : stop + 2]
    if after[:1] and after[0] in DEPICTIONS:  # "a bicycle symbol"
        return True
    if after[:1] and after[0] in SHAPE_WORDS and after[0] != "like" and start and \
            toks[start - 1] in ("something", "anything", "nothing", "someone"):
        return True  # "something van-sized behind the bus" is of a van's size
    onto = [t for t in toks[stop + 2 : stop + 5] if t not in ("a", "an", "the", "its")][:1]
    shaped = len(after) == 2 and after[0] in SHAPE_WORDS and (
        after[1] in DEPICTIONS or lemma(after[1]) in LOOKALIKES or lemma(after[1]) in SIZED_SPACES
        or (after[0] == "sized" and lemma(after[1]) in LIKENED_ROAD_USERS)
        or (after[0] == "shaped" and lemma(after[1]) in LIKENED_ROAD_USERS))
    if shaped or (len(after) == 2 and after[0] in PAINTED and after[1] in ("on", "onto")
                  and onto and onto[0] not in ROAD_SURFACES):
        # "a pedestrian-shaped shadow", "a bus painted on a mural"; "a crosswalk painted on
        # the road" is a marking there
        return True
    if signage_message(toks, start):
        return True
    if len(after) == 2 and after[0] == "'s" and (after[1] in DEPICTIONS
                                                 or after[1] in FRAME_DEPICTIONS):
        return True  # "a traffic light's image"
    j = start - 1
    if j >= 0 and toks[j] in DEPICTION_MODIFIERS:
        return True
    while j >= 0 and toks[j] in ("a", "an", "the"):
        j -= 1
    if j >= 2 and toks[j] == "like" and toks[j - 1] in LOOKING:
        # "a smudge that looks like a pedestrian" is a smudge; "something that looks like a
        # pedestrian" and "the vehicle looks like a truck" hedge about one there
        begin = j - 1  # the looking thing stands in the clause before the verb
        while begin > 0 and j - begin < 8 and toks[begin - 1] not in BREAKS:
            begin -= 1
        return any(lemma(t) in LOOKALIKES for t in toks[begin : j - 1])
    if j < 1 or toks[j] != "of":
        return False
    word = toks[j - 1]
    if word in DEPICTIONS:
        return True
    return word in FRAME_DEPICTIONS and j >= 2 and toks[j - 2] in ("a", "an") and not (
        j >= 3 and (toks[j - 3] in COPULAS or toks[j - 3] in ("shows", "showing")))


def signage_message(toks: list[str], start: int) -> bool:
    """Whether the word at `start` is in what a sign, a billboard or a screen says or shows
    (`SIGNAGE`, `MESSAGE_VERBS`): "a road sign warns of cyclists ahead", "a billboard on the
    right advertises a new car". The message verb and its sign stand in the same clause, and a
    place said after the message is no part of it (`AFTER_MESSAGE`); a colon after the sign
    opens its message ("Only on the billboard: 'The new Civic'.")."""
    begin = clause_start(toks, start)
    if begin > 1 and toks[begin] == ":" and toks[begin - 1] in SIGNAGE and \
            toks[begin - 2] in ("the", "a", "an", "its", "their"):
        return True
    verb = next((j for j in range(start - 1, begin, -1) if toks[j] in MESSAGE_VERBS), None)
    return verb is not None and any(t in SIGNAGE for t in toks[begin + 1 : verb]) and \
        not any(t in AFTER_MESSAGE for t in toks[verb + 2 : start])


def sign_message_kind(toks: list[str]) -> str | None:
    """The kind of sign its message names (`SIGN_MESSAGES`) where the message opens the answer
    or follows a message verb ("STOP, in white on red.", "It says give way."), else None.
    `toks` are without breaks."""
    starts = [0] + [k + 1 for k, t in enumerate(toks) if t in MESSAGE_VERBS]
    return next((kind for k in starts for words, kind in SIGN_MESSAGES.items()
                 if tuple(toks[k : k + len(words)]) == words), None)


def prohibition_opens(toks: list[str]) -> bool:
    """Whether the answer opens with a prohibition as a sign words it ("No entry.", "No
    parking"): "no" and a word in the same clause, which says no yes or no."""
    return toks[:1] == ["no"] and len(toks) > 1 and toks[1] not in BREAKS and \
        not cannot_tell_at(toks, 0)


def compound_at(lemmas: list[str], i: int) -> int:
    """The length of the compound that names no concept starting at `i` ("bus stop", "turn
    signal"; `NON_CONCEPT_COMPOUNDS`; "a bus shelter", `SERVING_HEADS`), the longer one first; 0
    for none. A word before a trade's noun is a compound of its own ("bike" in "a bike shop"), so
    the shop is still read, and so is a figure of a mass with its "of" ("a wall of fog",
    `FIGURATIVE_MEASURES`). `lemmas` are the tokens' lemmas."""
    if i + 1 < len(lemmas) and lemmas[i + 1] in TRADE_HEADS:
        return 1
    if i + 1 < len(lemmas) and lemmas[i + 1] in SERVING_HEADS:
        return 2  # "a bus shelter", "the taxi rank"
    if lemmas[i] in FIGURATIVE_MEASURES and lemmas[i + 1 : i + 2] == ["of"] and \
            lemmas[i + 2 : i + 3] != [] and lemmas[i + 2] not in DEFINITES | {"a", "an"}:
        return 2  # "a wall of fog": the fog is read
    return next((n for n in (4, 3, 2) if tuple(lemmas[i : i + n]) in NON_CONCEPT_COMPOUNDS), 0)


def names_other_thing(toks: list[str], heads: set[str]) -> bool:
    """Whether a short answer is only a noun phrase whose head is none of the vocabulary's
    words nor ends in one of `heads`, the words of what was asked, and that has none of them
    ("A kiosk.", "Only a tractor, on the shoulder."; not "A big one.", `NOT_THINGS`, nor "A
    trolleybus." to "Is there a bus?", nor "A police Volvo." to "Is there a police car?"), or
    names them only in a compound that names no concept ("Only the tram tracks.", "A bus
    depot, closed."; `compound_at`): it names something else than what was asked."""
    k = 1 if toks[:1] in (["only"], ["just"]) else 0
    if toks[k : k + 1] not in (["a"], ["an"], ["the"]):
        return False
    end = k + 1
    while end < len(toks) and toks[end] not in BREAKS and toks[end] not in PREPOSITIONS and \
            toks[end] != "of":
        end += 1
    phrase = toks[k + 1 : end]
    if not 0 < len(phrase) <= 3 or toks[end : end + 1] == ["of"] or any(
            t in NOT_THINGS for t in phrase):
        return False  # "A thick blanket of it", "A few pixels far ahead could be one."
    lemmas = [lemma(t) for t in phrase]
    # what was asked, named only as what a thing is for: "Only the tram tracks.", "A bus depot"
    serving = {j for i in range(len(phrase)) for j in range(i, i + compound_at(lemmas, i))}
    if toks[k] == "the" and not serving & {i for i, t in enumerate(phrase) if t in heads}:
        return False  # "The same.", "The usual."
    head = phrase[-1]
    return head.isalpha() and head not in GROUP_NOUNS and head not in COLOURS and \
        head not in STATES and not is_count(head) and not head.endswith(("ly", "ish")) and \
        not any(head.endswith(h) for h in heads) and not any(
            t in heads and phrase[i + 1 : i + 2] not in (["sized"], ["shaped"])
            and i not in serving
            for i, t in enumerate(phrase))  # "Just a truck-sized gap" names no truck


def marked_text(toks: list[str], start: int) -> bool:
    """Whether the word at `start` is what a thing is marked with ("Yes, marked BIKES ONLY.",
    "the lane is marked BUS ONLY"; `MARKING_VERBS`), not a thing in the scene. "A marked police
    car" and "a clearly marked crosswalk" are described (`MARKING_ATTRIBUTIVE`)."""
    return start > 0 and toks[start - 1] in MARKING_VERBS and not (
        start > 1 and toks[start - 2] in MARKING_ATTRIBUTIVE)


def part_named(toks: list[str], start: int, stop: int, owners: bool = False) -> bool:
    """Whether a concept at `start`..`stop` is a word for a vehicle's part after its owner ("its
    cab", "the truck cab"; `PART_WORDS`), not the concept it names alone (a taxi). With
    `owners` (an owner is named before it, or asked about), "the cab" is the owner's too:
    "What colour is the truck's trailer?" "The trailer is white; the cab is red.". A sign on a
    vehicle's roof ("with a sign on the roof", `ON_THE_ROOF`) is its part too."""
    if stop - start == 1 and toks[start] in ("sign", "signs") and (
            toks[stop : stop + 3] in ON_THE_ROOF
            or (toks[stop : stop + 2] == ["on", "top"] and toks[stop + 2 : stop + 3] != ["of"])):
        return True
    if stop - start != 1 or toks[start] not in PART_WORDS or start == 0:
        return False
    return toks[start - 1] in PART_OWNERS or (toks[start - 1] in DEFINITES and (
        owners or any(t in PART_VEHICLES for t in toks[: start - 1])))


def ego_owned(toks: list[str], start: int) -> bool:
    """Whether the words before a concept at `start` make it the ego vehicle ("our car", "my
    own vehicle", "the ego car"; `EGO_OWNERS`), or the vehicle the camera is in ("taken from
    inside a car", "the view from inside the vehicle"; `EGO_VIEWS`)."""
    j = start - 1
    if j >= 0 and toks[j] == "own":
        j -= 1
    if j >= 0 and toks[j] in EGO_OWNERS:
        return True
    if j >= 0 and toks[j] in ("a", "an", "the"):
        j -= 1
    return j >= 2 and toks[j - 1 : j + 1] == ["from", "inside"] and toks[j - 2] in EGO_VIEWS


# Adverbs between a subject and "left" or "gone": "It just left.", "He's long gone."
_GOING_ADVERBS = frozenset({"just", "already", "long", "only", "since"})


def _goes_alone(toks: list[str], j: int) -> bool:
    """Whether "left" or "gone" at `j`, with no auxiliary before it, is a verb: after a
    subject pronoun, "and", or nothing but adverbs ("It left a moment ago.", "Just left.",
    "Already gone.", "crossed and gone"), and "gone" after an adverb of its own ("the truck,
    long gone"), where "left of the bus" is a place."""
    i = j - 1
    while i >= 0 and toks[i] in _GOING_ADVERBS:
        i -= 1
    return i < 0 or toks[i] in BREAKS or toks[i] in SUBJECT_PRONOUNS or toks[i] == "and" or (
        toks[j] == "gone" and i < j - 1)


def departed_first(toks: list[str]) -> bool:
    """Whether the answer opens with a departure said of a subject left out ("Just left.",
    "Already gone.", "Left a minute ago.", "Drove off."): what was asked has gone. `toks` are
    with breaks."""
    i = 0
    while i < len(toks) and toks[i] in _GOING_ADVERBS:
        i += 1
    return i < len(toks) and departed_at(toks, i)


def departed_at(toks: list[str], k: int) -> bool:
    """Whether the verb at `k`, or the one after the auxiliary at `k` and its adverbs, says its
    subject has left the frame: "left the frame", "has just left.", "have all driven off",
    "has disappeared", "has since left", "They've gone.", "rode out of frame", or in the
    passive, "have been removed", "has been towed away" (`DEPARTURES`)."""
    j = k
    if toks[k] == "'s" and _possessor_placed(toks, k):
        return False  # "on the bus's left": a side of the bus, not "the bus has left"
    if toks[k] in DEPARTURE_AUXILIARIES:
        j = k + 1
        while j < len(toks) and (toks[j] in PREDICATE_FILLER or toks[j] in _GOING_ADVERBS
                                 or toks[j] == "been"):
            j += 1
    if j >= len(toks):
        return False
    after = [t for t in toks[j + 1 : j + 3] if t not in DEFINITES and t != "our"]
    if toks[j] in ("left", "gone"):  # "has gone through the light" is there
        if after[:1] == ["from"]:
            after = after[1:]  # "has gone from view"
        return (bool(after) and after[0] in FRAME_WORDS) or (
            (j > k or _goes_alone(toks, j)) and (
                j + 1 == len(toks) or toks[j + 1] in BREAKS
                or any(t in GONE_WHEN for t in _clause_after(toks, j))
                or toks[j + 1 : j + 3] in (["round", "the"], ["around", "the"])))
    needed = DEPARTURES.get(toks[j])
    if needed is None:
        return False
    rest = [t for t in toks[j + 1 : j + 5] if t not in DEFINITES]
    if needed and rest[:2] == ["out", "of"] and rest[2:3] and \
            rest[2] in OUT_OF_VIEW[("out", "of")]:
        return True  # "rode out of frame", "drove out of view"
    return not needed or (j + 1 < len(toks) and toks[j + 1] in needed)


def vehicle_lamp(toks: list[str], i: int, vehicles: list[tuple[int, int]]) -> bool:
    """Whether the light at `i` is a vehicle's own lamp, not a traffic light: after a
    vehicle's "with" ("a police car with red and blue lights", "a fire engine approaching with
    its red lights flashing") or, lit, its comma ("A fire engine, red lights flashing."; not
    "A truck, red light ahead."), or with a vehicle after it that it is of or on ("the red
    lights of a truck", "The red lights ahead belong to a fire engine."; not "the light ahead
    of the bus")."""
    start = i
    while start > 0 and toks[start - 1] in LAMP_WORDS:
        start -= 1
    lit = i + 1 < len(toks) and toks[i + 1] in LAMPS_LIT
    if start > 0 and (toks[start - 1] == "with" or (toks[start - 1] == "," and lit)):
        link = start - 1
        for _, stop in vehicles:
            between = toks[stop:link]
            if stop <= link and not any(t in BREAKS for t in between) and (
                    toks[link] == "with" or not between):
                return True
    for begin, stop in vehicles:
        between = toks[i + 1 : begin]
        if len(between) > 1 and between[-2] in ("the", "a", "an"):
            between = between[:-1]  # "on the tow truck"
        owned = {t for k, t in enumerate(between) if t in LAMP_OWNED
                 and not (t == "of" and k > 0 and between[k - 1] == "ahead")}  # "ahead of"
        place = toks[stop : stop + 2] in (["'s", "left"], ["'s", "right"], ["'s", "front"])
        if begin > i and set(between) <= LAMP_LINKS and owned and not place:
            return True
    return False


def _possessor_placed(toks: list[str], k: int) -> bool:
    """Whether the "'s" at `k` closes a definite noun after a preposition ("on the bus's
    left", "to the truck's right"), which makes it a possessive."""
    i = k - 1
    while i > max(k - 4, 0) and toks[i] not in DEFINITES and toks[i] not in BREAKS:
        i -= 1
    return toks[i] in DEFINITES and i > 0 and toks[i - 1] in PREPOSITIONS


def negated_presence_adverb(toks: list[str], k: int) -> str | None:
    """The adverb between the negated copula or the terse "not" at `k` and a presence word
    (`PARTLY_SEEN`, `UNCLEARLY_SEEN`): "clearly" in "aren't clearly visible", "is not clearly
    visible" and "Bus not clearly visible", "fully" in "isn't fully in view"; else None. Such a
    negation says how much or how well a thing is seen, not that it is absent."""
    j = k + 1
    if toks[k] in COPULAS and toks[k + 1 : k + 2] == ["not"]:
        j = k + 2
    elif toks[k] not in NEGATED_COPULAS and toks[k] != "not":
        return None
    if j + 1 < len(toks) and (toks[j] in PARTLY_SEEN or toks[j] in UNCLEARLY_SEEN) and (
            toks[j + 1] in PRESENCE_WORDS or toks[j + 1 : j + 3] in IN_VIEW):
        return toks[j]
    return None


def seen_unclearly(toks: list[str], k: int) -> bool:
    """Whether the negation at `k` says its subject is not seen clearly ("The brake lights
    aren't clearly visible."): the speaker cannot tell, so the subject is neither there nor
    denied."""
    return negated_presence_adverb(toks, k) in UNCLEARLY_SEEN


def said_absent_after(toks: list[str], stop: int) -> bool:
    """Whether the words right after a concept ending at `stop` say, without a verb, that it
    is not there: "Bus no longer visible.", "pedestrians not visible", "Cyclist not detected.",
    "Truck missing", "Bus no longer in view." (terse answers drop the copula)."""
    if stop >= len(toks):
        return False
    if toks[stop] in ABSENT_WORDS:
        return True
    if toks[stop] not in ("not", "no") or negated_presence_adverb(toks, stop) is not None:
        return False  # "Bus not fully visible." is there
    rest = [t for t in toks[stop + 1 : stop + 5] if t not in ABSENCE_FILLER]
    return bool(rest) and (rest[0] in PRESENCE_WORDS or rest[:2] in IN_VIEW)


def says_empty(toks: list[str]) -> bool:
    """Whether a clause says a place on the road is empty ("The road ahead is clear.", "the
    intersection looks deserted")."""
    for k, tok in enumerate(toks):
        if tok not in COPULAS:
            continue
        j = k + 1
        while j < len(toks) and (toks[j] in ABSENCE_FILLER or toks[j] in PREDICATE_FILLER
                                 or toks[j] in DEGREE_WORDS):
            j += 1
        if j >= len(toks) or toks[j] not in EMPTY_WORDS:
            continue
        begin = subject_clause_start(toks, k)
        if any(lemma(t) in EMPTY_PLACES for t in toks[begin + 1 : k]):
            return True
    return False


def colour_before(toks: list[str], i: int) -> str | None:
    """The one colour said just before a concept at `i` ("a grey SUV", "a red-coloured car"),
    else None; two colours ("a red and white bus") give none."""
    j = i - 1
    while j >= 0 and toks[j] in COLOUR_SUFFIXES:
        j -= 1
    if j < 0 or toks[j] not in COLOURS:
        return None
    if j >= 2 and toks[j - 1] in ("and", "or") and toks[j - 2] in COLOURS:
        return None
    return toks[j]


def head_licensed(toks: list[str], i: int) -> bool:
    """Whether a colour-only head at `i` ("light", "signal") names its concept without a colour of
    its own: where a car stops or someone crosses ("stopped at the light", "crossing against the
    light", "near the lights"), a definite head whose colour is asked ("What colour is the light?",
    "Is the light red?", "Is the signal green or red?", "Is the light green for us?", "Is the
    nearest light on the left red?"), and a definite head said to change (`HEAD_CHANGES`: "How
    long until the light changes?"). "Is any light red?" asks as a definite does. "is light green"
    (a shade) has no definite and stays a colour word."""
    before = toks[i - 1] if i > 0 else ""
    if i >= 2 and toks[i - 2] in ("at", "against") and (before in DEFINITES
                                                       or before in ("a", "an")):
        return True
    if i >= 2 and toks[i] == "lights" and before == "the" and toks[i + 1 : i + 2] != ["of"] \
            and toks[i - 2] in ("near", "by", "past", "before", "approaching", "towards"):
        return True  # "way down the road near the lights"
    k = i - 1  # "the nearest light", "the overhead signal"
    while k > 0 and toks[k] in HEAD_MODIFIERS:
        k -= 1
    if k < 0 or not (toks[k] in DEFINITES or (toks[k] == "any" and toks[:1] in (["is"],
                                                                             ["are"]))):
        return False  # "Is any light red?" asks of every light as "Is the light red?" of one
    if any(t in COLOUR_SUFFIXES or t in ("state", "status", "phase") for t in toks[:i]):
        return True  # "What colour is the light?", "What's the state of the light?"
    after = toks[i + 1 : i + 4]
    changes = after[:1] and after[0] in HEAD_CHANGES and after[1:2] not in (["on"], ["off"])
    if changes or (after[:2] == ["about", "to"] and after[2:] and after[2] in CHANGE_VERBS):
        return True  # "until the light changes", "Is the light about to change?"
    j = i + 1
    if j < len(toks) and toks[j] in PREPOSITIONS:  # "Is the light on the left red?"
        while j < min(len(toks), i + 5) and toks[j] not in COLOURS and toks[j] not in BREAKS:
            j += 1
    start = j
    while j < len(toks) and (toks[j] in COLOURS or toks[j] == "or"):
        j += 1
    return j > start and toks[start] in COLOURS and (
        j >= len(toks) or toks[j] in BREAKS or toks[j] in PREPOSITIONS or toks[j] in WHEN_WORDS)


def noun_reading(toks: list[str], i: int, n: int) -> bool:
    """Whether a `NOUN_ONLY_PHRASES` phrase at `i` is the noun ("a pedestrian crossing" as a
    crosswalk) and not a subject and its verb ("a pedestrian crossing the road"). The noun is meant
    in the plural ("pedestrian crossings"), after a preposition ("at the pedestrian crossing"),
    before a verb ("the pedestrian crossing is empty"), or after "there is" with nothing that it
    could cross ("There is a pedestrian crossing ahead."), or after "the" with nothing after it in a
    statement ("before the pedestrian crossing."; "Is the pedestrian crossing?" asks what the
    pedestrian does). A one-word phrase right after a determiner is the noun: "before the crossing",
    "a crossing with faded stripes"; "a pedestrian crossing" may be a pedestrian who crosses."""
    if toks[i + n - 1].endswith("s"):
        return True
    if n == 1 and i > 0 and toks[i - 1] in ("a", "an", "the", "this", "that", "each",
                                            "every", "another"):
        return True
    before = [t for t in toks[max(0, i - 3) : i] if t not in ("a", "an", "the", "this", "that")]
    if before and before[-1] in PREPOSITIONS:
        return True
    after = toks[i + n] if i + n < len(toks) else "."
    if after in FINITE or after.endswith("n't"):
        return True
    if after in BREAKS and after != "?" and i > 0 and toks[i - 1] == "the":
        return True  # "before the pedestrian crossing."
    return bool(before) and before[-1] in ("is", "'s") and len(before) > 1 and \
        before[-2] == "there" and (after in BREAKS or after in (
            "ahead", "here", "nearby", "just", "painted", "marked"))


def likeness_at(toks: list[str], i: int) -> bool:
    """Whether the preposition at `i` opens a likeness ("with the shape of", "in the form of"),
    which names what is negated rather than where: "nothing with the shape of a bus"."""
    rest = toks[i + 1 : i + 4]
    return len(rest) == 3 and rest[0] in ("the", "a") and rest[1] in LIKENESS and rest[2] == "of"


def is_negator(toks: list[str], i: int) -> bool:
    """A negating token, unless it opens the text as an answer word ("No, ..."), names the
    answer asked for ("Answer yes or no: is there a car?"), negates a hedge ("not sure") or
    "only", adds ("not to mention"), or names a prohibition after an article ("a no-left-turn
    sign") or follows "whether or" ("whether or not there is a bus"); "of" after "clear",
    "free" ("clear of vehicles") negates, and so do a failure to see ("I fail to see any
    pedestrian."), "too ... to be" ("too thin to be a motorcycle"), "far from" a state ("Far
    from dry.") and an exception from everything ("Everything but a bus.")."""
    tok = toks[i]
    if tok == "of" and i > 0 and toks[i - 1] in LACKING:
        return True
    if universal_exception(toks, i):
        return True  # "Everything but a bus."
    if tok == "to" and i >= 2 and toks[i - 2] == "too" and toks[i + 1 : i + 3] in (
            ["be", "a"], ["be", "an"]):
        return True  # "too thin to be a motorcycle"; "too small to be sure" negates nothing
    if tok == "far" and toks[i + 1 : i + 2] == ["from"] and toks[i + 2 : i + 3] != [] and (
            toks[i + 2] in STATES or toks[i + 2] in OPPOSITE_STATES
            or toks[i + 2] in EMPTINESS_WORDS):
        return True  # "Far from dry."; "far from the curb" is a place
    if tok in ABSENT_WORDS and toks[i + 1 : i + 2] == [":"]:
        return True  # "Absent: truck, bicycle"
    if tok == "no" and "yes" in toks[max(0, i - 2) : i] and toks[i - 1] in ("yes", "or"):
        return False  # "yes or no", "yes/no"
    if tok == "no" and i > 0 and (toks[i - 1] in ("a", "an", "the") or (
            toks[i - 1] in QUOTING_VERBS and toks[i + 1 : i + 2] != []
            and toks[i + 1] not in BREAKS)):
        # "a no-left-turn sign", "the no-parking zone" and "it says 'No entry'" name a
        # prohibition; "The picture shows no cyclist." denies one
        return False
    if tok == "not" and toks[max(0, i - 2) : i] == ["whether", "or"]:
        return False  # "whether or not there is a bus" leaves it open
    if _none_of_them_doing(toks, i):
        return False  # "A crowd, but none of them crossing." says of the crowd
    if tok in FAILING:  # "I fail to see any pedestrian."; "failed to stop" negates no thing
        return toks[i + 1 : i + 2] == ["to"] and toks[i + 2 : i + 3] != [] and \
            toks[i + 2] in SEEING
    if (tok not in NEGATORS and not tok.endswith("n't")) or cannot_tell_at(toks, i) or \
            affirming_negation_at(toks, i):
        return False
    if tok == "not" and (toks[i + 1 : i + 2] in (["many"], ["much"], ["lots"], ["counting"])
                         or toks[i + 1 : i + 3] in (["a", "lot"], ["to", "mention"])):
        return False  # "not many, maybe two" is a small count; "not to mention" adds, and
        # "not counting the taxi" sets it aside
    if tok in NO_WORDS and (i == 0 or toks[i - 1] in BREAKS) and (
            i + 1 >= len(toks) or toks[i + 1] in BREAKS):
        return False
    after = [t for t in toks[i + 1 : i + 3] if t not in DEGREE_ADVERBS]
    if after and after[0] in DRIVING_ACTIONS:
        return False  # "Don't pass the school bus." negates the passing, not the bus
    if after and after[0] in FUNCTIONING:
        return False  # "It's not working." says how the light is, not that it is gone
    return not (after and after[0] in HEDGES)


# What one may find hard, or a frame too poor, to do: "hard to say", "too low to identify".
_TELLING = CANNOT_TELL | {"identify", "discern", "distinguish", "judge"}


def cannot_tell_at(toks: list[str], i: int) -> bool:
    """Whether token i says the speaker cannot tell: a negated hedge ("not sure", "can't
    tell"), "unsure", "unclear", "unknown" or "it depends", "hard to say", "no idea", "no
    comment", "fifty-fifty", "N/A", "too dark to tell", or a negation of how well one sees ("I
    can't see the light clearly")."""
    tok = toks[i]
    after = [t for t in toks[i + 1 : i + 4] if t not in DEGREE_ADVERBS]
    if tok in ("nope", "nah"):
        tok = "no"  # "Nope, I can't make it out clearly." as "No, ..."
    if tok in UNSURE_WORDS or (tok == "n" and toks[i + 1 : i + 2] == ["a"]):
        return True
    if tok in HARD_WORDS:  # "hard to say", "insufficient to identify any stop sign"
        return after[:1] == ["to"] and after[1:2] != [] and after[1] in _TELLING
    if tok == "no" and after[:1] in (["idea"], ["comment"]):
        return True
    if tok in ("fifty", "50") and toks[i + 1 : i + 2] == [tok]:  # "Fifty-fifty.", "50/50."
        return True
    if tok in NEEDING:  # "I would need a clearer image to answer."
        return _to_tell(_clause_after(toks, i))
    if tok == "too":  # "too dark to tell", "too far away to see"
        rest = toks[i + 1 : i + 5]
        k = rest.index("to") if "to" in rest[1:] else -1
        return k > 0 and k + 1 < len(rest) and (rest[k + 1] in _TELLING
                                                 or rest[k + 1] in ("see", "make"))
    if not (tok in NEGATORS or tok.endswith("n't")):
        return False
    clause = _clause_after(toks, i)
    # "not possible to determine", "does not give enough information to tell", "unable to say"
    to_tell = _to_tell(clause)
    # "No, it's too dark to see.": the no is for want of seeing, as "too dark to tell" is
    to_tell = to_tell or any(toks[j] == "too" and cannot_tell_at(toks, j)
                             for j in range(i + 1, i + 1 + len(clause)))
    if any(t in ("colour", "color") for t in clause) and any(t in PERCEIVING for t in clause):
        return True  # "I can't make out the colour", but "it is not red in colour" denies red
    seen = [t for t in clause if t not in DEFINITES and t not in ("any", "this", "your")]
    if len(seen) > 1 and seen[0] in PERCEIVING and seen[1] in FRAME_OBJECTS:
        return True  # "Sorry, I cannot see images.", but "I can't see a bus in the image" denies
    # "as well" is no manner, and one must be of a negated seeing: "I can't see it clearly",
    # "not clearly", but not "No, it is clearly empty." or "No, and I can see the road clearly."
    # (an answer's "No" negates no seeing after it by itself)
    manner = any(t in MANNER and not (t == "well" and k and clause[k - 1] == "as") and (
        all(w in NEGATORS for w in clause[:k]) or (
            any(w in PERCEIVING or w in SEEING or w in PRESENCE_WORDS for w in clause[:k])
            and (tok != "no" or any(w in NEGATORS or w.endswith("n't") for w in clause[:k]))))
        for k, t in enumerate(clause))
    return (after[:1] != [] and after[0] in CANNOT_TELL) or to_tell or manner


def _clause_after(toks: list[str], i: int) -> list[str]:
    """The tokens after `i` up to the next break."""
    return toks[i + 1 : next((j for j in range(i + 1, len(toks)) if toks[j] in BREAKS),
                             len(toks))]


def _to_tell(clause: list[str]) -> bool:
    """Whether `clause` holds "to" and a word of telling: "... enough information to tell"."""
    return any(a == "to" and b in CANNOT_TELL for a, b in itertools.pairwise(clause))


def denies_one(toks: list[str]) -> bool:
    """Whether a negator points back at what was asked with "one" or "any" closing its clause:
    "There isn't one, although ...", "I can't see a single one.", "The sign says 'No trucks',
    and I don't see any." """
    def closes(k: int) -> bool:  # "I don't see one in this frame"
        return k == len(toks) or toks[k] in BREAKS or toks[k] in CLAUSE_WORDS \
            or toks[k] in PREPOSITIONS

    for i in range(len(toks)):
        if not is_negator(toks, i):
            continue
        j = i + 1
        while j < len(toks) and toks[j] in ONE_FILLER:
            j += 1
        if (j < len(toks) and toks[j] == "one" and closes(j + 1)) or (
                toks[j - 1] == "any" and closes(j)):
            return True
    return False


def one_out_of_view(toks: list[str]) -> bool:
    """Whether "there ... one" is placed just out of the frame ("There's one just out of
    frame.", "there is one out of view"), or the answer opens by placing "the next one" or "the
    nearest" there ("The next one is out of view."): what was asked is not in it."""
    if toks[:1] == ["the"] and toks[1:2] != [] and toks[1] in HEAD_MODIFIERS:
        k = 3 if toks[2:3] in (["one"], ["ones"]) else 2
        if toks[k : k + 1] in (["is"], ["'s"], ["are"]):
            k += 1
            while k < len(toks) and toks[k] in ELSEWHERE_FILLER:
                k += 1
            if tuple(toks[k : k + 2]) in OUT_OF_VIEW and toks[k + 2 : k + 3] != [] and \
                    toks[k + 2] in OUT_OF_VIEW[tuple(toks[k : k + 2])]:
                return True
    for i, tok in enumerate(toks):
        if tok != "there":
            continue
        j = i + 1
        while j < len(toks) and toks[j] in THERE_ONE_FILLER:
            j += 1
        k = j + 1
        while k < len(toks) and toks[k] in ELSEWHERE_FILLER:
            k += 1
        if j > i + 1 and toks[j : j + 1] == ["one"] and toks[k : k + 2] == ["out", "of"] and \
                toks[k + 2 : k + 3] and toks[k + 2] in OUT_OF_VIEW[("out", "of")]:
            return True
    return False


# What may come before the ego vehicle's going past a thing: "We've just passed one."
_PASSING_LEAD = frozenset({"we", "i", "'ve", "have", "just", "already", "only", "now"})


def passed_by_us(toks: list[str]) -> bool:
    """Whether the answer opens with the ego vehicle going past what was asked, named by a
    pronoun or "one", which then lies behind the camera ("Just passed one.", "We drove past it a
    moment ago.", "Went past a row of them.", "Just exited one.", "We've just left it.";
    `PASSED_VERBS`): a no. "Yep, a rider on a motorcycle just overtook us." is in front.
    `toks` are with breaks."""
    k = 0
    while k < len(toks) and toks[k] in _PASSING_LEAD:
        k += 1
    if toks[k : k + 1] != [] and toks[k] in PASSED_VERBS:
        j = k + 1
    elif toks[k : k + 1] != [] and toks[k] in PASSING_VERBS and \
            toks[k + 1 : k + 2] in (["past"], ["through"]):
        j = k + 2
    else:
        return False
    return toks[j : j + 1] in (["one"], ["it"], ["them"]) or (
        toks[j : j + 1] == ["a"] and "them" in toks[j + 1 : j + 4])


def there_is_one(toks: list[str]) -> bool:
    """Whether "there ... one" says what was asked is there: "There could be one behind the
    bus." (a "one" under a negator is `denies_one`'s; one after "not sure" says nothing)."""
    unsure = cannot_tell_scopes(toks)
    for i, tok in enumerate(toks):
        if tok != "there" or unsure[i] or any(
                is_negator(toks, k) for k in range(clause_start(toks, i) + 1, i)):
            continue  # "I don't think there is one"
        j = i + 1
        while j < len(toks) and toks[j] in THERE_ONE_FILLER:
            j += 1
        k = j + 1
        while k < len(toks) and (toks[k] in ELSEWHERE_FILLER or partly_hidden(toks, k)):
            k += 1  # "there's one further down the road", "one partially hidden behind"
        if j > i + 1 and j < len(toks) and toks[j] == "one" and (
                k == len(toks) or toks[k] in BREAKS or toks[k] in CLAUSE_WORDS
                or toks[k] in PREPOSITIONS or participle(toks[k])
                or past_participle(toks[k])):  # "one locked to a rail"
            return True
    return False


def weather_over(toks: list[str]) -> bool:
    """Whether the answer opens by saying "it", the weather by name, or nothing named has
    ended ("It stopped a minute ago.", "It's just let up.", "The rain stopped a few minutes
    ago.", "The mist has cleared.", "The shower's over.", "Lifted now."; `WEATHER_ENDINGS`,
    `WEATHER_NOUNS`): to a question about the weather, a no. `toks` are with breaks."""
    j = 0
    if toks[:1] == ["it"]:
        j = 1
    elif toks[:1] == ["the"] and toks[1:2] and lemma(toks[1]) in WEATHER_NOUNS:
        j = 2
    while j < len(toks) and toks[j] in ("'s", "has", "had", "is", "just", "already", "now",
                                        "finally", "only"):
        j += 1
    return j < len(toks) and (toks[j] in WEATHER_ENDINGS or (
        toks[j] == "over" and (j + 1 == len(toks) or toks[j + 1] in BREAKS)))


def weather_opposed(toks: list[str], asked: set[str]) -> bool:
    """Whether the answer's first clause, or the one after its last "but", says that the
    weather `asked` about is not there in other words (`WEATHER_OPPOSITES`: "Crystal clear." to
    "Is it foggy?", "Dry so far." to "Is it drizzling?", "Overcast, but dry."), or, of fog, that
    visibility is good (`GOOD_VISIBILITY`); "Misty in the distance, clear up close." says it is
    there. `toks` are with breaks."""
    contrast = len(toks) - toks[::-1].index("but") if "but" in toks else len(toks)
    for clause in (_clause_after(toks, -1), toks[contrast:]):
        if "fog" in asked and any(
                clause[k : k + 2] in (["visibility", "is"], ["visibility", "'s"])
                and clause[k + 2 : k + 3] and clause[k + 2] in GOOD_VISIBILITY
                for k in range(len(clause))):
            return True
        if any(asked <= WEATHER_OPPOSITES.get(t, frozenset()) for t in clause):
            return True
    return False


def unlit(toks: list[str]) -> bool:
    """Whether the answer says "it" or the light is not lit or not working ("It's blank.",
    "It's not lit at all.", "Off - it's not working.", "out of order"; `UNLIT`,
    `FUNCTIONING`): a signal with no colour. `toks` are with breaks."""
    return any(t in UNLIT and (k == 0 or toks[k - 1] in BREAKS or toks[k - 1] in COPULAS
                               or toks[k - 1] in ("switched", "turned"))
               and (k + 1 == len(toks) or toks[k + 1] in BREAKS)  # not "off to the left"
               for k, t in enumerate(toks)) or any(
        toks[k : k + 3] == ["out", "of", "order"] or (
            t in FUNCTIONING and k > 0 and (toks[k - 1] == "not" or toks[k - 1].endswith("n't")))
        for k, t in enumerate(toks))


def weather_withheld(toks: list[str]) -> bool:
    """Whether the answer says the weather asked about is still to come or is not falling
    ("Threatening to.", "Looks like it's about to.", "Could start any minute.", "but nothing
    yet", "Puddles, but nothing falling."; `WEATHER_TO_COME`): a no. "It's about to stop." says
    it is falling. `toks` are with breaks."""
    for k in range(len(toks)):
        pair = tuple(toks[k : k + 2])
        after = toks[k + 2] if k + 2 < len(toks) else "."
        if pair in WEATHER_TO_COME or (pair == ("about", "to") and (
                after in BREAKS or after in WEATHER_STARTS)) or (
                toks[k] in ("nothing", "none", "not", "no") and toks[k + 1 : k + 2] != []
                and toks[k + 1] in ("falling", "coming")):
            return True
    return False


def light_said(toks: list[str]) -> str | None:
    """"dark" or "light", where the answer's first clause says which it is ("Pitch black.",
    "Still dark.", "Bright.", "Light enough to see everything.", "The sun's up."; `DARK_WORDS`,
    `LIGHT_WORDS`), else None. `toks` are with breaks."""
    clause = _clause_after(toks, -1)
    if any(clause[k : k + 3] in (["sun", "'s", "up"], ["sun", "is", "up"], ["sun", "'s", "out"],
                                 ["sun", "is", "out"]) for k in range(len(clause))):
        return "light"
    words = [t for t in clause if t not in LIGHT_FILLER and t not in DEGREE_ADVERBS
             and t not in ("it", "'s", "is", "was")]  # "It's still pitch dark.", "Very bright."
    if words[:1] and words[0] in DARK_WORDS:
        return "dark"
    return "light" if words[:1] and words[0] in LIGHT_WORDS else None


def weather_as_it(toks: list[str]) -> bool:
    """Whether the answer speaks of "it" as what covers or surrounds the things it names ("The
    trees are white with it.", "The hills are lost in it.", "a cyclist riding in it"): to a
    question about rain, snow or fog, "it" is the weather, which is there. `toks` are without
    breaks."""
    return any(t == "it" and toks[k - 1] in ("with", "in", "under", "by")
               for k, t in enumerate(toks) if k)


def is_count(token: str) -> bool:
    """A number above zero, in words or digits, or a vague count ("several")."""
    return token in COUNT_WORDS or (token.isdigit() and int(token) > 0)


def partly_hidden(toks: list[str], k: int) -> bool:
    """Whether "hidden" at `k` follows "partially" or "partly": a thing partly hidden is there;
    one hidden behind the truck is not in view."""
    return toks[k] == "hidden" and k > 0 and toks[k - 1] in ("partially", "partly", "half")


# Adverbials that open with a preposition of place and place nothing: "None, in fact."
_NO_PLACES = frozenset({("in", "fact"), ("in", "short"), ("in", "truth"), ("in", "general"),
                        ("in", "total"), ("at", "all"), ("at", "least"), ("at", "most"),
                        ("on", "reflection")})


def present_elsewhere(toks: list[str]) -> bool:
    """Whether, after a no, a clause says what was asked is there, elsewhere or in another number
    than asked: "No, it's on the left.", "None on the left, but two on the right.", "Zero; they are
    all on the sidewalk.", "No, but there is one on the sidewalk.", "Are there two buses?" "No, just
    one.", "No, just the two at the stop." or "No, I see one.", "No, in the bike lane.", "No, it's
    two lanes over.", "No, the nearest is about 30 m ahead." (`DISTANCE_WORDS`). A clause with a
    negator says no such thing ("No, it isn't there.", "No, not one."), nor does one that says what
    it is ("No, it's a truck.", "No, one truck."), nor one that says how ("No, with high
    confidence.")."""
    if there_is_one(toks):
        return True
    for i in range(1, len(toks)):
        if toks[i - 1] not in BREAKS and toks[i - 1] not in ("but", "though", "although"):
            continue
        stop = next((m for m in range(i, len(toks)) if toks[m] in BREAKS), len(toks))
        if any(is_negator(toks, m) for m in range(i, stop)):
            continue
        if any(toks[m + 1 : m + 3] in (["of", "them"], ["of", "those"]) and (
                toks[m] in GROUP_NOUNS or is_count(toks[m])) for m in range(i, stop)):
            return True  # "None on our side; the other side has a row of them."
        k = i
        while k < len(toks) and toks[k] in ELSEWHERE_FILLER:
            k += 1
        if _counts_seen(toks, k, stop):  # "No, I see exactly two."
            return True
        if toks[k : k + 1] == ["there"]:  # "No, there are two."
            k += 1
            while k < len(toks) and (toks[k] in THERE_ONE_FILLER or toks[k] in ELSEWHERE_FILLER):
                k += 1
        if toks[k + 1 : k + 4] in (["the", "look", "of"], ["the", "looks", "of"]):
            continue  # "Just stopped, by the look of the wipers." says how it is known
        if k < stop and toks[i - 1] in BREAKS and ((
                toks[k] in PLACE_PREPOSITIONS and tuple(toks[k : k + 2]) not in _NO_PLACES) or (
                toks[k] == "to" and toks[k + 1 : k + 3] in (["the", "left"], ["the", "right"],
                                                          ["the", "side"]))):
            return True  # "No, in the bike lane.", "Not directly, a bit to the left."
        if toks[k : k + 1] == ["the"] and toks[k + 1 : k + 2] and toks[k + 1] in HEAD_MODIFIERS:
            # "the nearest is about 30 m ahead", "the next one is a block away": as "it is"
            subject, j = "it", k + 2 + (toks[k + 2 : k + 3] == ["one"])
        elif toks[k : k + 1] == ["the"] and toks[k + 1 : k + 2] and is_count(toks[k + 1]):
            if toks[k + 1] not in ("one", "1") and any(
                    toks[m] in ("is", "'s") and toks[m + 1 : m + 2] in (["a"], ["an"])
                    for m in range(k + 2, stop)):
                continue  # "No; the '2' on the road is a lane number." names a numeral
            subject, j = toks[k + 1], k + 2  # "No, just the two at the stop."
        else:
            subject, j = (toks[k] if k < len(toks) else ""), k + 1
        counted = is_count(subject)
        if subject not in SUBJECT_PRONOUNS and not counted:
            continue
        while j < len(toks) and (toks[j] in COPULAS or toks[j] in ELSEWHERE_FILLER
                                 or partly_hidden(toks, j)):
            j += 1
        measured = j
        while measured < stop and (toks[measured] in MEASURES or is_count(toks[measured])
                                   or toks[measured].replace(".", "").isdigit()):
            measured += 1
        after = toks[j] if j < len(toks) else "."
        far = toks[measured] if measured < len(toks) else "."
        # "... but two of them are on the right"; "though plenty of cars" counts others
        partitive = counted and after == "of"
        if (after in PREPOSITIONS and not partitive) or far in DISTANCE_WORDS or (
                counted and after in BREAKS) or (
                partitive and toks[j + 1 : j + 2] in (["them"], ["those"], ["these"])):
            return True
    return False


# A speaker's seeing said in the past or the perfect: "I spotted one", "I've noticed two".
_SAW = frozenset({"sees", "saw", "seen", "count", "counted", "spotted", "noticed", "glimpsed",
                  "observed", "detected", "found", "glimpse"})


def seen_first(all_toks: list[str]) -> bool:
    """Whether the answer opens with the speaker seeing a number of what was asked, with no
    noun of its own (`_counts_seen`): "I noticed one by the curb.", "I glimpsed one behind the
    truck.", "I see exactly two". `all_toks` are with breaks."""
    stop = next((i for i, t in enumerate(all_toks) if t in BREAKS), len(all_toks))
    return _counts_seen(all_toks, 0, stop)


def _counts_seen(toks: list[str], k: int, stop: int) -> bool:
    """Whether the clause from `k` to `stop` has the speaker see or count a number of what was
    asked: "I see exactly two", "we can count three of them", "I spotted one by the curb"."""
    if toks[k : k + 1] not in (["i"], ["we"]):
        return False
    m = k + 1
    while m < stop and toks[m] in ("can", "could", "do", "only", "just", "actually", "'ve",
                                   "have", "did", "also"):
        m += 1
    if m >= stop or not (toks[m] in SEEING or toks[m] in _SAW):
        return False
    m += 1
    while m < stop and (toks[m] in THERE_ONE_FILLER or toks[m] in APPROXIMATORS):
        m += 1
    return m < stop and is_count(toks[m]) and (
        m + 1 >= len(toks) or toks[m + 1] in BREAKS or toks[m + 1] == "of"
        or toks[m + 1] in PLACE_PREPOSITIONS)


def comparison_end(toks: list[str], i: int) -> bool:
    """Whether toks[i] is the second "as" of an equal comparison ("not as big as the bus",
    "as far as"): what follows is the standard compared with, outside a negation before it."""
    return toks[i] == "as" and "as" in toks[max(0, i - 3) : i - 1]


# Words a doubt points back with, and the words of affirming it: "I can't confirm it.", "not
# sure about that"; "I see a sign, but I cannot read it." doubts only what the sign says.
_POINTING_BACK = frozenset({"it", "that", "this", "so"})
_AFFIRMING = frozenset({"confirm", "verify", "sure", "certain"})


def cannot_tell_scopes(toks: list[str]) -> list[bool]:
    """Per token, whether it follows a statement that the speaker cannot tell in its clause
    ("I'm not sure there is one", "hard to say whether it is a bus"): to a break or a
    contrastive word, so "Hard to say, but I think there's a truck." keeps the truck. A doubt
    that points back at the answer's opening clause covers it too (`doubted_opening`)."""
    inside = [False] * len(toks)
    active = False
    for i, tok in enumerate(toks):
        if tok in BREAKS or tok in SCOPE_ENDS or tok in REASON_WORDS:
            active = False
        elif cannot_tell_at(toks, i):
            active = True
        inside[i] = active
    opening = doubted_opening(toks)
    inside[:opening] = [True] * opening
    return inside


def doubted_opening(toks: list[str]) -> int:
    """How many tokens open the answer with a clause that a doubt after it points back at
    ("There might be a dog, but I can't confirm it.", "Possibly a child, though I can't verify
    it."): that clause says nothing either. 0 where none does; "Something red, possibly a fire
    truck, but I can't confirm that." and "a white vehicle, which might be an ambulance, but I
    cannot confirm it" doubt only the kind of what is there, and "I see a sign, but I cannot
    read it." only what it says."""
    for i in range(len(toks)):
        rest = _clause_after(toks, i)
        if not (rest and rest[-1] in _POINTING_BACK and len(rest) <= 4
                and any(t in _AFFIRMING for t in rest) and cannot_tell_at(toks, i)):
            continue
        j = clause_start(toks, i)
        while j >= 0 and (toks[j] in BREAKS or toks[j] in CLAUSE_WORDS):
            j -= 1
        if j >= 0 and clause_start(toks, j) < 0:
            return j + 1
    return 0


# What a viewer does to see: "If you look right, you'll see it." conditions only the looking.
_VIEWER_ACTIONS = frozenset({"look", "glance", "check", "zoom", "peer", "squint", "focus"})


def opens_condition(toks: list[str], i: int) -> bool:
    """Whether toks[i] opens a condition: "if", "unless" (`CONDITION_WORDS`), or the "case" of
    "in case" ("slow down in case someone steps out"). A condition on the viewer's looking
    ("If you look right, you'll see it.", "if you zoom in") supposes nothing of the frame, nor
    does an "if" that asks whether after a doubt ("not sure if", "can't tell if")."""
    if toks[i] == "if" and toks[i + 1 : i + 2] == ["you"] and toks[i + 2 : i + 3] and \
            toks[i + 2] in _VIEWER_ACTIONS:
        return False
    if toks[i] == "if" and i > 0 and (toks[i - 1] in CANNOT_TELL or toks[i - 1] in UNSURE_WORDS):
        return False  # "Not sure if there's one behind a bus." asks whether, supposing nothing
    return toks[i] in CONDITION_WORDS or (toks[i] == "case" and i > 0 and toks[i - 1] == "in")


def supposed_scopes(toks: list[str]) -> list[bool]:
    """Per token, whether it lies in a clause the answer supposes or restates rather than says,
    to the clause's break: a condition ("If there were a pedestrian, I'd slow down"), one put
    by inversion ("Had there been a cone, ..."), or the question being answered ("You asked
    about a stop sign: I can't find one."). What such a clause names is neither there nor
    denied; what follows it may still answer about it ("there isn't one")."""
    inside = [False] * len(toks)
    active = False
    for i, tok in enumerate(toks):
        if tok in BREAKS:
            active = False
        elif opens_condition(toks, i) or (
                tok in RESTATING and any(t in RESTATED_BY for t in toks[i + 1 : i + 3])) or (
                tok in INVERTED_CONDITIONS and (i == 0 or toks[i - 1] in BREAKS)
                and toks[i + 1 : i + 2] and toks[i + 1] in INVERTED_SUBJECTS
                and _clause_break(toks, i) == ","):
            active = True
        inside[i] = active
    return inside


def partitive_before(toks: list[str], start: int) -> bool:
    """Whether a partitive negation stands right before `start` ("none of the", "neither of
    these", "not one of the", "none of its", "none of the three", or "neither" on its own
    before one noun, as in "Neither car is red."): it takes the things it picks from as there.
    "Neither bus nor truck" is no partitive: it denies both."""
    if start >= 1 and toks[start - 1] == "neither" and "nor" not in toks[start:]:
        return True
    if start >= 1 and is_count(toks[start - 1]) and toks[start - 1] != "one":
        start -= 1  # "None of the three cars is red."
    head = toks[max(0, start - 4) : start]
    if len(head) < 3 or (head[-1] not in DEFINITES and head[-1] not in ("its", "their")) or \
            head[-2] != "of":
        return False
    return head[-3] in ("none", "neither") or (
        head[-3] == "one" and len(head) == 4 and head[0] in ("not", "no"))


def participle(tok: str) -> bool:
    """Whether `tok` reads as a present participle ("crossing", "waiting"), not a noun that
    ends like one (`ING_NOUNS`: "building", "markings")."""
    return len(tok) > 4 and tok.endswith("ing") and tok not in ING_NOUNS


def past_participle(tok: str) -> bool:
    """Whether `tok` reads as a past participle ("parked", "locked", "striped")."""
    return len(tok) > 3 and tok.endswith("ed")


def generic_scopes(toks: list[str]) -> list[bool]:
    """Per token, whether it lies in a clause that generalises or imagines rather than reports
    (`GENERIC_WORDS`: "Pedestrians usually cross here, but I see none today.", "You'd expect
    bicycles here"; a thing with "a" said to be what it "would" be, up to a thing named with
    "the": "A truck would be easy to spot here."), or after a phrase of purpose ("a lane
    reserved for buses"; `PURPOSE_PHRASES`) or of what a sign means ("which means vehicles must
    stop"; `MEANING_VERBS`), or of care whose object has no determiner ("watch out for
    pedestrians", "stop for cyclists"; `ADVICE_PHRASES`; "watch out for the cyclist" is about
    one there, as is "used by a man"), up to the clause's end. Clauses end at breaks,
    contrastive words and relative words ("a street where cars are normally parked" keeps the
    street)."""
    inside = [False] * len(toks)
    start = 0
    for i in range(len(toks) + 1):
        if i < len(toks) and not (toks[i] in BREAKS or toks[i] in SCOPE_ENDS
                                  or toks[i] in RELATIVE_WORDS):
            continue
        clause = range(start, i)
        if any(toks[j] in GENERIC_WORDS for j in clause):
            inside[start:i] = [True] * (i - start)
        elif toks[start : start + 1] in (["a"], ["an"]) and \
                "would" in toks[start + 2 : min(i, start + 5)]:
            # "A truck would be easy to spot here."; what it names with "the" is there: "A
            # bus would be hidden behind the truck"
            end = next((j for j in clause if j > start + 2 and toks[j] in DEFINITES), i)
            inside[start:end] = [True] * (end - start)
        else:
            advice = next((j + 2 for j in clause if tuple(toks[j : j + 2]) in ADVICE_PHRASES
                           and toks[j + 2 : j + 3] and toks[j + 2] not in SPECIFIC_DETERMINERS
                           and not is_count(toks[j + 2])), None)
            if advice is not None:  # "watch out for pedestrians": whoever comes, if any
                inside[advice:i] = [True] * (i - advice)
            purpose = next((j + 2 for j in clause if tuple(toks[j : j + 2]) in PURPOSE_PHRASES
                            and not (toks[j] == "used" and toks[j + 2 : j + 3]
                                     and toks[j + 2] in SPECIFIC_DETERMINERS)), None)
            if purpose is None:  # "which means vehicles must stop"
                purpose = next((j + 1 for j in clause if toks[j] in MEANING_VERBS
                                and toks[j + 1 : j + 2] and toks[j + 1] not in SPECIFIC_DETERMINERS
                                and not is_count(toks[j + 1]) and toks[j + 1] != "that"), None)
            if purpose is not None:
                inside[purpose:i] = [True] * (i - purpose)
        start = i + 1
    return inside


# Words of the present that supersede what a clause before said of the past: "now", "anymore".
_NOW = frozenset({"now", "currently", "anymore"})


def superseded_scopes(toks: list[str]) -> list[bool]:
    """Per token, whether it lies in a clause about the past that a later clause about now
    supersedes ("Earlier there was a stop sign; now there is none.", "It used to be green; now
    it's red."; `EARLIER`, `_NOW`): what it names was there, and the later clause says what is.
    Clauses end at breaks and at "but"."""
    inside = [False] * len(toks)
    cuts = [-1] + [i for i, t in enumerate(toks) if t in BREAKS or t == "but"] + [len(toks)]
    clauses = [(a + 1, b) for a, b in itertools.pairwise(cuts) if b > a + 1]
    for n, (start, stop) in enumerate(clauses):
        words = toks[start:stop]
        past = any(pair in (("there", "was"), ("there", "were"), ("used", "to"))
                   for pair in itertools.pairwise(words)) or (
            any(t in EARLIER for t in words) and any(t in PAST_COPULAS for t in words))
        if past and not _NOW & set(words) and any(
                _NOW & set(toks[a:b]) for a, b in clauses[n + 1 :]):
            inside[start:stop] = [True] * (stop - start)
    return inside


def set_aside_scopes(toks: list[str]) -> list[bool]:
    """Per token, whether it names the alternative an answer sets aside (`SET_ASIDE`: "a van
    rather than a truck", "Instead of a bus, ..."), or a kind a size is measured by
    (`compared_from`: "bigger than a car", "about the size of a bus", "as tall as a mailbox",
    "longer than any bus I've seen"), up to the next break, verb or contrastive word. What is
    set aside is neither there nor denied; "smaller than the truck beside it" compares with a
    thing in the frame, and it stays."""
    inside = [False] * len(toks)
    for j in range(len(toks) - 1):
        start = j + 2 if tuple(toks[j : j + 2]) in SET_ASIDE else compared_from(toks, j)
        if start is not None:
            k = start
            while k < len(toks) and not (toks[k] in BREAKS or toks[k] in FINITE
                                         or toks[k] in SCOPE_ENDS):
                inside[k] = True
                k += 1
    return inside


def compared_from(toks: list[str], j: int) -> int | None:
    """Where a kind that a size is measured by starts, when a comparison ends at `j` with
    "than", "of" or "as" before an indefinite determiner ("bigger than a car", "the size of a
    bus", "as tall as a mailbox", "longer than any bus"; `COMPARISON_DETERMINERS`), else
    None."""
    if toks[j + 1 : j + 2] == [] or toks[j + 1] not in COMPARISON_DETERMINERS:
        return None
    before = toks[j - 1] if j else ""
    if toks[j] == "than" and (before in ("more", "less") or (
            before.endswith("er") and before not in ("other", "rather", "further", "never"))):
        return j + 1
    if toks[j] == "of" and before in SIZE_NOUNS and toks[j - 2 : j - 1] == ["the"]:
        return j + 1
    if toks[j] == "as" and j >= 2 and toks[j - 2] == "as" and before not in ("well", "much",
                                                                             "soon", "many"):
        return j + 1
    return None


def question_scopes(toks: list[str]) -> list[bool]:
    """Per token, whether it lies in a sentence of the answer that asks back which thing is
    meant ("Which pedestrian? I see none.", "Do you mean the one on the left? It's red.";
    `ASKING_BACK`): what it names is neither said to be there nor denied, and the sentences
    after it answer. A question that repeats the asked thing ("A bus? No.") labels the answer
    after it and is read as before."""
    inside = [False] * len(toks)
    start = 0
    for k, tok in enumerate(toks):
        if tok in SENTENCE_BREAKS:
            if tok == "?" and any(tuple(toks[start : start + len(lead)]) == lead
                                  for lead in ASKING_BACK):
                inside[start:k] = [True] * (k - start)
            start = k + 1
    return inside


# What may open a question that only echoes what was asked: "A truck?", "Any cyclists?"
_ECHO_DETERMINERS = frozenset({"a", "an", "the", "any", "some"})
# Words that make a short question more than an echo: "Is it?", "You sure?", "Can you?"
_NOT_ECHOED = QUESTION_VERBS | AUXILIARIES | SUBJECT_PRONOUNS | frozenset(
    {"you", "i", "we", "me", "us", "do", "does", "did", "have", "has", "will", "would", "should",
     "really", "seriously", "sure", "why", "how", "who", "when"})


def echoes(words: list[str]) -> bool:
    """Whether a question of one to three words only echoes what was asked, a thing, a colour
    or a state, with no verb or person of its own ("A truck?", "Stop sign?", "Green?",
    "Wet?")."""
    if words[:1] and words[0] in _ECHO_DETERMINERS:
        words = words[1:]
    return 1 <= len(words) <= 2 and not any(w in _NOT_ECHOED or w in BREAKS for w in words)


def disjunction_scopes(toks: list[str]) -> list[bool]:
    """Per token, whether it lies in an "either ... or ..." that an answer leaves open
    ("There's either a bus or a truck, it's hard to tell.", and so "It could be a shadow or a
    pedestrian." and "whether that figure is a cyclist or a pedestrian is unclear"), from
    "either" (or "whether", or the "be" after "could", "might", "may") to the first break or
    verb after its "or". Each alternative may be the one there, so none is said to be, and none
    is denied; "on either side" has no "or" and is no such choice. "Whether or not" leaves what
    follows it open to the break."""
    inside = [False] * len(toks)
    for j, tok in enumerate(toks):
        if tok not in ("either", "whether") and not (tok == "be" and j and toks[j - 1] in (
                "could", "might", "may")):
            continue
        end = next((k for k in range(j + 1, len(toks)) if toks[k] in BREAKS), len(toks))
        if tok == "whether" and toks[j + 1 : j + 3] == ["or", "not"]:
            inside[j + 3 : end] = [True] * (end - j - 3)  # "whether or not there is a bus"
            continue
        alternative = next((k for k in range(j + 2, end) if toks[k] == "or"), None)
        if alternative is None:
            continue
        k = j + 1
        while k < end and not (k > alternative and toks[k] in FINITE):
            inside[k] = True
            k += 1
    return inside


def pronoun_place(all_toks: list[str]) -> bool:
    """Whether the answer places something by "it" ("No, in front of it.", "there's one behind
    it", "right next to it"): a place given by the thing the question placed its subject by.
    `all_toks` keep the breaks."""
    for i, tok in enumerate(all_toks[1:], 1):
        if tok != "it" or (i + 1 < len(all_toks) and all_toks[i + 1] not in BREAKS):
            continue
        before = all_toks[i - 1]
        if before in PLACE_PREPOSITIONS or (before == "of" and i >= 2 and all_toks[i - 2] in (
                "front", "top", "side", "left", "right", "rear")):
            return True
    return False


def only_in_likeness(toks: list[str], only: int) -> bool:
    """Whether the "only" at `only` places what was asked on or in a likeness alone ("Only on
    the billboard.", "Just in an advert on the bus."; `DEPICTIONS`, `SIGNAGE`): no real one is
    there. `toks` are without breaks."""
    if toks[only + 1 : only + 2] not in (["on"], ["in"]):
        return False
    return any(lemma(t) in DEPICTIONS or t in SIGNAGE for t in toks[only + 2 : only + 5])


def only_opening(toks: list[str]) -> int | None:
    """Where "only" or "just" opens an answer, after at most a subject and a verb of seeing or
    being ("Only a dog.", "I only see cars.", "There is just a tram."; `ONLY_LEAD`), or where
    "only" ends a short one ("Traffic lights only."); an answer opening with "All I see are",
    "The only" or "The sole", with an exception that nothing else is ("Apart from cars,
    nothing.", "Except for a truck, no vehicles.", "Save for a van, empty.") or with a place
    said empty but for one ("Deserted, apart from a cyclist.", "Empty road except for a bus."),
    one that says a thing named is "the only one", or one that closes on "nothing else" or the
    like (`EXCLUSIVE_CLOSINGS`) says the same, and the index is its last word. Else None.
    `toks` are without breaks."""
    if 1 < len(toks) <= 4 and toks[-1] in ONLY_WORDS and toks[-1] != "just":
        return len(toks) - 1
    seeing = next((i for i in range(1, min(len(toks), 5)) if toks[i] in SEEING
                   or toks[i] in PERCEIVING), None)
    if toks[:1] == ["all"] and seeing is not None:  # "All I see are cars."
        return next((i for i in range(seeing + 1, min(len(toks), seeing + 3))
                     if toks[i] in COPULAS), None)
    emptied = 1 + (toks[1:2] != [] and lemma(toks[1]) in EMPTY_PLACES) \
        if toks[:1] and toks[0] in EMPTY_WORDS else 0
    for excepted in EXCEPTIONS:  # "Apart from cars, nothing."
        n = len(excepted)
        if tuple(toks[:n]) == excepted and any(
                t in ("nothing", "nobody", "none", "no") or t in EMPTY_WORDS
                for t in toks[n + 1 : n + 5]):
            return n - 1
        if emptied and tuple(toks[emptied : emptied + n]) == excepted:
            return emptied + n - 1  # "Deserted, apart from a cyclist."
    if toks[:2] in (["the", "only"], ["the", "sole"]):  # "The only vehicles are cars."
        return 1
    if any(only_one_said_of(toks, i) for i in range(len(toks))):
        return len(toks) - 1  # "The cyclist is the only one on the road."
    if any(tuple(toks[-len(closing) :]) == closing for closing in EXCLUSIVE_CLOSINGS) and \
            len(toks) > 2:
        return len(toks) - 1  # "A truck, nothing else.", "A tram instead."
    k = next((i for i, t in enumerate(toks[:4]) if t in ONLY_WORDS), None)
    if k is None or any(t not in ONLY_LEAD for t in toks[:k]) or (
            toks[k] == "just" and done_at(toks, k + 1)):
        return None  # "Just stepped off the curb." says when, not what alone
    return k


# Words that close an elliptical clause after its copula: "the next one is, though".
_ELLIPSIS_TAILS = frozenset({"though", "too", "instead"})


def another_one_is(toks: list[str]) -> bool:
    """Whether a clause says, by ellipsis, that another of the things asked about is what was
    asked: "No, the one on the right is.", "No, but the other one is.", "the far one is,
    though". It opens with "the" (after "but"), names "one" or "other", and ends with its
    copula. `toks` are with breaks."""
    for part in cut_at(toks, BREAKS):
        while part[:1] in (["but"], ["though"]):
            part = part[1:]
        while part[-1:] and part[-1] in _ELLIPSIS_TAILS:
            part = part[:-1]
        if len(part) >= 3 and part[0] == "the" and part[-1] in ("is", "'s", "are") and \
                ("one" in part or "other" in part) and \
                not any(t in NEGATORS or t.endswith("n't") for t in part):
            return True
    return False


def cut_at(toks: list[str], ends: frozenset[str]) -> list[list[str]]:
    """`toks` cut at each of `ends`, the non-empty parts between them."""
    parts: list[list[str]] = [[]]
    for t in toks:
        if t in ends:
            parts.append([])
        else:
            parts[-1].append(t)
    return [p for p in parts if p]


def done_at(toks: list[str], i: int) -> bool:
    """Whether toks[i] is a verb said of a subject left out, before where it is or goes or at
    the answer's end: "Stepped off the curb.", "Stopped at the light.", "Tied to a lamp post.",
    "Hidden by the bus.", "Waiting at the lights." ("Parked cars." names the cars)."""
    if i >= len(toks) or toks[i] in EMPTY_WORDS or departed_at(toks, i) or not (
            participle(toks[i]) or past_participle(toks[i]) or toks[i] in PLACED_PARTICIPLES):
        return False
    return i + 1 == len(toks) or toks[i + 1] in BREAKS or toks[i + 1] in PLACE_PREPOSITIONS or \
        toks[i + 1] in VERB_PARTICLES


def _only_one_placed(toks: list[str]) -> bool:
    """Whether an answer opening "The only one" goes on to say where it is or what it does
    ("The only one is by the bus.", "The only one I see is crossing.") or says no more of it
    ("The only one, near the bus."): the one asked about is there, where "The only one on the
    road is a bus." names another thing. `toks` keep the breaks."""
    if toks[2:3] != ["one"]:
        return False
    k = next((i for i in range(3, len(toks)) if toks[i] in COPULAS), None)
    return k is None or (k + 1 < len(toks) and (toks[k + 1] in PLACE_PREPOSITIONS
                                                or done_at(toks, k + 1)))


def only_one_said_of(toks: list[str], i: int) -> bool:
    """Whether the "only" at `i` says that a thing named before it is "the only one" ("The
    cyclist is the only one on the road."): nothing else of its kind is there."""
    return toks[i] == "only" and i > 2 and toks[i - 1] == "the" and toks[i - 2] in COPULAS \
        and toks[i + 1 : i + 2] == ["one"]


def one_of_those_asked(all_toks: list[str]) -> bool:
    """Whether the answer's first "only" or "just" counts the thing asked about ("Just the one,
    near the bus.", "Only one.", "Just one by the barrier.", "The only one is by the bus."):
    a lone "one", with no noun of its own, where a break, the end or a place follows it.
    `all_toks` keep the breaks."""
    k = next((i for i, t in enumerate(all_toks) if t in ONLY_WORDS), len(all_toks))
    if k < len(all_toks) and only_one_said_of(all_toks, k):
        return False
    if all_toks[k - 1 : k] == ["the"] and all_toks[k + 1 : k + 2] == ["one"]:
        return _only_one_placed(all_toks[k - 1 :])
    rest = all_toks[k + 1 :]
    if rest[:1] == ["the"]:
        rest = rest[1:]
    return rest[:1] == ["one"] and (len(rest) == 1 or rest[1] in BREAKS
                                    or rest[1] in PLACE_PREPOSITIONS)


def partial_amount_after(toks: list[str], only: int) -> bool:
    """Whether the "only" or "just" at `only` is followed by a part or a little of something
    ("Only a sliver at the top.", "Only a light dusting on the parked cars."; `PARTIAL_AMOUNTS`)
    rather than by another thing ("Only a dog."): a little of the thing asked about is some of
    it. `toks` are without breaks."""
    i = only + 1
    if toks[i : i + 1] not in (["a"], ["an"]):
        return False
    while i < len(toks) and toks[i] in PARTIAL_AMOUNT_FILLER:
        i += 1
    return i < len(toks) and toks[i] in PARTIAL_AMOUNTS


def bounds_only(toks: list[str]) -> bool:
    """Whether an answer opens with an upper bound on a count ("No more than two.", "At most
    one.", "Fewer than five.", "Hardly any."; `UPPER_BOUNDS`) and gives no count after it
    ("Fewer than five, maybe three." does) nor says it is zero ("Fewer than I'd expect - none,
    in fact."): it may be zero, so it asserts nothing."""
    return any(tuple(toks[: len(bound)]) == bound
               and not any(is_count(t) for t in toks[len(bound) + 1 :])
               for bound in UPPER_BOUNDS) and not bound_said_zero(toks)


# Words that give a count as zero ("Fewer than I'd expect - none, in fact.", "Zero to one."),
# and those that join it to another count as alternatives: "Either none or one.", "0-1."
_ZEROS = frozenset({"none", "zero", "nothing", "nobody", "nil", "0", "nought", "naught"})
_RANGE_WORDS = frozenset({"to", "or", "\u2014", "-", "/"})
_MAYBE = frozenset({"maybe", "possibly", "perhaps", "probably"})


def count_may_be_zero(toks: list[str]) -> bool:
    """Whether the answer gives a count that may be zero: a zero and a count as a range or as
    alternatives ("Zero to one.", "Either none or one.", "0-1.", "One, or maybe none."), a zero
    hedged beside a count ("Maybe one, maybe none.", "One at most, possibly zero.", "Perhaps
    one, perhaps not."), or a count after "if any"
    ("If any, one."). "None on the road, one on the sidewalk." places each. `toks` are with
    breaks."""
    words = [t for t in toks if t not in _MAYBE and t != "either" and t != ","]
    for k in range(len(words) - 1):
        j = k + 2 if words[k + 1] in _RANGE_WORDS else k + 1
        a, b = words[k], words[j] if j < len(words) else "."
        if ((a in _ZEROS and is_count(b)) or (is_count(a) and b in _ZEROS)) and \
                words[k - 1 : k] != ["not"]:  # "Not zero - one." is one
            return True
    hedged = [toks[k + 1] for k in range(len(toks) - 1) if toks[k] in _MAYBE]
    return (any(t in _ZEROS or t == "not" for t in hedged) and any(is_count(t) for t in toks)) \
        or (toks[:2] == ["if", "any"] and any(is_count(t) for t in toks[2:]))


def bound_said_zero(toks: list[str]) -> bool:
    """Whether an answer that opens with an upper bound (`bounds_only`) goes on to say the count
    is zero, right after a break ("Fewer than I'd expect - none, in fact."): a no. "At most
    one, maybe none." only bounds. `toks` are with breaks."""
    return any(tuple(toks[: len(bound)]) == bound for bound in UPPER_BOUNDS) and any(
        t in _ZEROS and toks[k - 1] in BREAKS for k, t in enumerate(toks) if k > 0)


# Words that may stand between an upper bound and the count the answer then gives: "Hardly
# any - just one", "Fewer than five, maybe three".
_BEFORE_COUNT = ONLY_WORDS | {"maybe", "perhaps", "probably", "possibly", "exactly", "about",
                              "around", "roughly"}


def count_after_bound(toks: list[str]) -> bool:
    """Whether an answer that opens with an upper bound (`bounds_only`) goes on to a count of
    its own, past the bound's number ("Hardly any - just one by the barrier.", "Fewer than
    five, maybe three."): the count says some are there. `toks` are without breaks."""
    for bound in UPPER_BOUNDS:
        if tuple(toks[: len(bound)]) != bound:
            continue
        rest = toks[len(bound) :]
        if bound[-1] in ("than", "most", "to") and rest[:1] and is_count(rest[0]):
            rest = rest[1:]
        while rest[:1] and rest[0] in _BEFORE_COUNT:
            rest = rest[1:]
        return bool(rest) and is_count(rest[0])
    return False


def scarce_at(toks: list[str], i: int) -> bool:
    """Whether the concept at `i` follows "hardly any", "barely any", "hardly a" (`SCARCELY`):
    almost none, neither said to be there nor denied."""
    j = i - 1
    while j >= 0 and (toks[j] in COLOURS or toks[j] in PREDICATE_FILLER):
        j -= 1
    return j >= 0 and (toks[j] in SCARCELY or (j >= 1 and toks[j] == "any"
                                               and toks[j - 1] in SCARCELY))


def unsupposed(toks: list[str]) -> list[str]:
    """`toks` without each sentence's opening clause where that clause supposes or restates
    (`supposed_scopes`), up to and with its break: "If there were a pedestrian, I'd slow down;
    there isn't one." reads as "I'd slow down; there isn't one.", whose no answers the
    question. A few words may come before the clause's opener ("To answer your question
    about ...", "Even if ..."); a yes or a no among them stays ("No, if there were one, you
    would have to stop." reads as "No, you would have to stop.")."""
    supposed = supposed_scopes(toks)
    keep = [True] * len(toks)
    start = i = 0
    while i < len(toks):
        if toks[i] in SENTENCE_BREAKS:
            start = i + 1
        elif supposed[i]:
            end = next((j for j in range(i, len(toks)) if not supposed[j]), len(toks))
            if i - start <= OPENER_PREAMBLE and end < len(toks) and toks[end] in CLAUSE_BREAKS:
                if toks[start] in YES_WORDS or toks[start] in BARE_NO_WORDS:
                    start += 1  # "No, if there were one, ..." keeps its no
                keep[start : end + 1] = [False] * (end + 1 - start)
            i = end
            continue
        i += 1
    return [t for t, k in zip(toks, keep, strict=True) if k]


def _clause_break(toks: list[str], start: int) -> str | None:
    """The break that ends the clause opened at `start`, if any."""
    return next((t for t in toks[start:] if t in BREAKS), None)


def list_follows(toks: list[str], covered: list[bool], start: int) -> bool:
    """Whether the text from `start` to the next break is a list of concepts ("trucks or
    buses"), perhaps ending in the predicate the list shares ("or dogs are present", not
    "and a bus is visible", a clause of its own), and not followed by an aside that the
    clause's verb follows (`_aside_then_verb`): the comma before it then keeps a negation
    going."""
    seen = False
    for j in range(start, len(toks)):
        if toks[j] in BREAKS:
            return seen and not _aside_then_verb(toks, j)
        if covered[j]:
            seen = True
        elif seen and toks[j] in COPULAS and j + 1 < len(toks) and (
                toks[j + 1] in PRESENCE_WORDS or toks[j + 1 : j + 3] in IN_VIEW):
            return not {"a", "an"} & set(toks[start:j])
        elif toks[j] not in LIST_GLUE:
            return False
    return seen


def _aside_then_verb(toks: list[str], j: int) -> bool:
    """Whether the comma at `j` opens an aside that the verb of the clause follows, so that what
    stands before it is that clause's subject and no item of a list: in "Without any
    pedestrians, the crosswalk, which is painted white, is empty." the crosswalk is there."""
    k = j + 1
    if toks[j] != "," or k >= len(toks) or not (
            toks[k] in RELATIVE_WORDS - {"where"} or participle(toks[k])
            or past_participle(toks[k])):
        return False
    end = next((m for m in range(k, len(toks)) if toks[m] in BREAKS), len(toks))
    rest = [t for t in toks[end + 1 : end + 4] if t not in PREDICATE_FILLER
            and t not in TIME_ADVERBS]
    return end < len(toks) and toks[end] == "," and rest[:1] != [] and rest[0] in FINITE


def new_clause(toks: list[str], start: int, verb_seen: bool) -> bool:
    """Whether a conjunction before `start` opens a clause of its own ("and it is raining",
    "and the road is wet" after a verb), not another item of a list ("or trucks")."""
    if start >= len(toks):
        return False
    if toks[start] in SUBJECTS:
        return True
    if not verb_seen:
        return False
    for j in range(start, len(toks)):
        if toks[j] in BREAKS:
            return False
        if toks[j] in FINITE or toks[j].endswith("n't"):
            return True
    return False
