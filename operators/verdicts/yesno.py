"""Whether an answer says yes, no or neither, and what a yes/no question asks.

`concepts.ConceptExtractor` reads which concepts an answer names; these functions read its
yes or no (`yes_or_no`) and what the question's no would deny: a question about how many there
are (`asks_number`) or about what the driver may do (`about_ego`) denies no concept; after a
reasoning chain, its final answer says the yes or no (`final_answer`). Like
`clauses`, each takes the text's tokens (`tokens`), so that a rule can be tested on its own.
"""

from __future__ import annotations

from typing import Literal

from drivexplain.operators.verdicts.clauses import (
    affirming_negation_at,
    bound_said_zero,
    cannot_tell_at,
    count_after_bound,
    denies_one,
    departed_at,
    hedged_no_end,
    is_count,
    is_negator,
    list_marker,
    one_out_of_view,
    passed_by_us,
    pronoun_no,
    says_empty,
    says_not_so,
    says_so,
    seen_first,
    so_said_first,
    there_is_not,
    there_is_one,
)
from drivexplain.operators.verdicts.lexicon import (
    ABSENT_WORDS,
    APPROXIMATORS,
    BARE_NO_WORDS,
    BREAKS,
    BRIEFLY,
    COLOURS,
    CONCLUDING,
    DOUBTFUL_OPENERS,
    EGO_MODALS,
    EMPHATICS,
    GLIMPSES,
    GROUP_NOUNS,
    HEDGED_OPENERS,
    IDIOMATIC_ANSWERS,
    LETTER_ANSWERS,
    LOCATING,
    NO_WORDS,
    NOT_A_ANSWERS,
    NOT_ANSWERS,
    NUMBER_QUESTION,
    PARTITIVE_QUANTIFIERS,
    PLACE_PREPOSITIONS,
    QUESTION_VERBS,
    SEEING,
    SHORT_YES_CLAUSES,
    SUBJECT_PRONOUNS,
    UNSURE_WORDS,
    WEAK_HEDGES,
    YES_WORDS,
)

Polarity = Literal["affirm", "deny"]


def yes_or_no(toks: list[str], all_toks: list[str], mentioned: bool, named: bool,
              denied: bool, negated: bool) -> Polarity | None:
    """Whether an answer says yes, no or neither (module docstring): its opening word
    ("Yes", "Nope", "Probably not", "Without a doubt") or clause (a hedged or counted yes:
    "Could be -", "Seems so -", "Some,", "A big one ...", "Only at the edges"; a hedged no:
    "I believe not,", "Not that I can see -", "Not a drop", "They aren't - they're ..."), else
    what it says of what it names
    (only denials: a no), else a count, "there is one" or "I think so" (a yes), else "it is
    empty" (a no); a verdict said as such ("I'd say yes.", "That would be a no.",
    `verdict_said`) gives its yes or no. `toks` are without breaks, `all_toks` with them."""
    first = toks[0] if toks else ""
    second = toks[1] if len(toks) > 1 else ""
    polarity: Polarity | None = (
        "affirm" if first in YES_WORDS
        else "deny" if first in NO_WORDS or first in ABSENT_WORDS else None
    )  # "Nowhere to be seen.", "Missing."
    if first in EMPHATICS or first in HEDGED_OPENERS:  # "Absolutely.", "Probably not."
        polarity = "deny" if second in ("not", "no") or second in NO_WORDS else "affirm"
    if toks[:2] in (["yeah", "nah"], ["nah", "yeah"]):  # Australian: "Yeah nah, ..." is a no
        polarity = "deny" if toks[1] == "nah" else "affirm"
    if first == "very" and (all_toks[1:2] == [] or all_toks[1] in BREAKS):
        polarity = "affirm"  # "Is it dark out?" "Very - only the street lamps light the road."
    if toks[:2] == ["of", "course"]:  # "Of course.", "Of course not."
        polarity = "deny" if toks[2:3] in (["not"], ["no"]) else "affirm"
    idiom = idiom_said(all_toks)
    if idiom is not None:  # "Uh-huh, on a leash.", "Fat chance."
        polarity = idiom
    if short_yes(all_toks) or so_said_first(toks) or one_said(all_toks) or (
            first in ("only", "just") and second in PLACE_PREPOSITIONS):
        polarity = "affirm"  # "Only at the edges; the lanes themselves are clear."
    if first in DOUBTFUL_OPENERS or (first == "not" and second in NOT_ANSWERS) or \
            about_to(all_toks) or \
            (first == "not" and second == "a" and toks[2:3] and toks[2] in NOT_A_ANSWERS) or \
            (first == "not" and toks[1:3] in (["that", "i"], ["as", "far"], ["from", "what"])) or \
            (all_toks[:3] in (["not", "that", "one"], ["not", "this", "one"])
             and all_toks[3:4] != [] and all_toks[3] in BREAKS and "but" not in toks) or \
            says_not_so(toks) or no_longer_so(all_toks) or one_out_of_view(toks) or \
            passed_by_us(all_toks):
        polarity = "deny"
    opening = 1 if toks[:1] in (["you"], ["i"], ["we"]) else 0
    if affirming_negation_at(toks, opening) or agreed(toks) or most_are(all_toks) or \
            partitive_yes(all_toks):
        # "Without a doubt.", "You can't miss him.", "That's right, ...", "Most are, but ..."
        polarity = "affirm"
    if first in BRIEFLY and all_toks[1:2] != [] and all_toks[1] in BREAKS and \
            all_toks[2:3] != [] and (all_toks[2] in YES_WORDS or all_toks[2] in NO_WORDS):
        polarity = "affirm" if all_toks[2] in YES_WORDS else "deny"  # "Briefly, no."
    if polarity is None and not negated and not any(t in NO_WORDS for t in all_toks) and (
            (first in BRIEFLY and (all_toks[1:2] == [] or all_toks[1] in BREAKS))
            or any(t in GLIMPSES and all_toks[k + 1 : k + 2] != ["of"]
                   for k, t in enumerate(all_toks))):
        polarity = "affirm"  # "Caught a glimpse behind the van.", "Briefly, through the gap"
    if polarity is None and not named and any(affirming_negation_at(toks, k)
                                              for k in range(len(toks))):
        polarity = "affirm"  # "There's no denying it.", "It's not absent, just far off."
    if polarity == "deny" and cannot_tell_at(toks, 0):  # "No idea."
        polarity = None
    if polarity == "affirm" and first in WEAK_HEDGES and all_toks[1:2] != [] and \
            all_toks[1] in BREAKS and any(cannot_tell_at(all_toks, k)
                                          for k in range(2, min(4, len(all_toks)))):
        polarity = None  # "Maybe? Can't really tell."
    hedged = hedged_no_end(all_toks)
    if polarity == "deny" and hedged and any(
            cannot_tell_at(all_toks, k) for k in range(hedged + 1, min(len(all_toks), hedged + 3))):
        return None  # "I don't think so, I can't make it out clearly." as "No, I can't ..."
    if polarity is None and first in ("neither", "incorrect", "wrong") and \
            all_toks[:1] == [first] and (len(all_toks) == 1 or all_toks[1] in BREAKS):
        polarity = "deny"  # "Neither, only cars." to "A bus or a truck?"; "Incorrect, ..."
    if polarity is None and first in LETTER_ANSWERS and all_toks[:1] == [first] and (
            len(all_toks) == 1 or all_toks[1] in BREAKS or all_toks[1] == "-"):
        polarity = "affirm" if first == "y" else "deny"  # "N. Only cars.", "Y - one bike."
    n = pronoun_no(all_toks)
    if polarity is None and n and all_toks[n : n + 1] and all_toks[n] in BREAKS and \
            all_toks[n + 1 : n + 2] and all_toks[n + 1] in SUBJECT_PRONOUNS:
        polarity = "deny"  # "They aren't - they're all stopped at the red light."
    n = there_is_not(all_toks)
    if polarity is None and n and (len(all_toks) == n or all_toks[n] in BREAKS):
        polarity = "deny"  # "There isn't, but there are tram tracks in the road."
    if polarity is None and ((denied and not named) or (not mentioned and negated)
                             or denies_one(all_toks)) and not (
            first in UNSURE_WORDS and all_toks[1:2] and all_toks[1] in BREAKS):
        polarity = "deny"  # "Unclear - it has a light bar but no visible markings." is none
    rest = [t for t in toks if t not in APPROXIMATORS]
    while rest[:1] in (["then"], ["and"]):
        rest = rest[1:]  # "Then one appears from behind the van." counts one
    if rest[:2] == ["i", "count"]:
        rest = rest[2:]  # "I count five orange cones ..." counts as "Five orange cones ..."
    a = next((i for i, t in enumerate(all_toks) if t not in APPROXIMATORS), 0)
    if all_toks[a : a + 1] == ["a"] and all_toks[a + 1 : a + 2] and is_count(all_toks[a + 1]) \
            and (len(all_toks) == a + 2 or all_toks[a + 2] in BREAKS
                 or all_toks[a + 2 : a + 4] in (["of", "them"], ["of", "those"])):
        # "A couple, on the far sidewalk.", "A bunch of them" and "Around a dozen, mostly
        # waiting at the crossing." count as "Two." does
        rest = rest[1:]
    elif all_toks[a : a + 2] == ["half", "a"] and all_toks[a + 2 : a + 3] and \
            is_count(all_toks[a + 2]):
        rest = rest[2:]  # "Half a dozen, most of them in the bike lane."
    number = rest[0] if rest else ""
    # a negation in a later clause leaves a count of what was asked, placed: "One on the
    # sidewalk, none on the road." ("1 car, 0 trucks." counts its own nouns)
    first_break = next((k for k, t in enumerate(all_toks) if t in BREAKS), len(all_toks))
    counted = is_count(number) and not list_marker(all_toks) and not (negated and (
        any(is_negator(all_toks, k) for k in range(first_break))
        or rest[1:2] == [] or rest[1] not in PLACE_PREPOSITIONS)) and \
        not cannot_tell_at(toks, 0)  # "50/50." is no count
    if polarity is None and counted and any(departed_at(toks, k) for k in range(1, len(toks))):
        return "deny"  # "One just rode out of frame." counts one that has gone
    if polarity is None and bound_said_zero(all_toks):
        return "deny"  # "Fewer than I'd expect - none, in fact."
    if polarity is None and (counted or count_after_bound(toks) or there_is_one(all_toks)
                             or count_after_comparison(all_toks)
                             or seen_first(all_toks) or group_of_them(all_toks[a:])
                             or (says_so(toks) and not negated)):
        polarity = "affirm"
    if polarity is None:
        polarity = verdict_said(all_toks)
    if polarity is None and says_empty(all_toks):
        polarity = "deny"
    return polarity


# Openers that compare the count with another before giving it: "Fewer than on the sidewalk:
# two."
_COMPARED_COUNTS = (("fewer", "than"), ("more", "than"), ("less", "than"), ("as", "many", "as"),
                    ("same", "as"), ("the", "same", "as"))


def count_after_comparison(all_toks: list[str]) -> bool:
    """Whether an answer opens by comparing the count with another ("Fewer than on the
    sidewalk: two.", "As many as yesterday - three.") and ends with the count itself after a
    break: the count says some are there. `all_toks` are with breaks."""
    if not any(tuple(all_toks[: len(c)]) == c for c in _COMPARED_COUNTS):
        return False
    toks = all_toks[:-1] if all_toks[-1:] and all_toks[-1] in BREAKS else all_toks
    k = len(toks) - 1
    while k > 0 and toks[k - 1] in APPROXIMATORS:
        k -= 1
    return k > 1 and is_count(toks[-1]) and toks[k - 1] in BREAKS | {"-"}


def no_longer_so(all_toks: list[str]) -> bool:
    """Whether the answer opens with a yes in the past as a clause of its own and goes on to
    what is so now ("It was; now it's pulling out.", "They were, but they've moved on."): a no.
    `all_toks` are with breaks."""
    return all_toks[:2] in (["it", "was"], ["they", "were"]) and all_toks[2:3] != [] and \
        all_toks[2] in BREAKS and all_toks[3:4] in (["now"], ["but"])


def idiom_said(all_toks: list[str]) -> Polarity | None:
    """The yes or no of an answer that opens with an interjection or an idiom for one
    (`IDIOMATIC_ANSWERS`: "Uh-huh, on a leash.", "Mm-hmm.", "Fat chance."), else None."""
    said = next((said for words, said in IDIOMATIC_ANSWERS.items()
                 if tuple(all_toks[: len(words)]) == words), None)
    return None if said is None else "affirm" if said == "affirm" else "deny"


def short_yes(all_toks: list[str]) -> bool:
    """Whether the answer opens with a short yes as a clause of its own (`SHORT_YES_CLAUSES`:
    "There is, on the left-hand pole.", "It is, next to the bus.", "Looks that way, though
    ...", "Could be - it has a light bar.", "Some, from the low sun."). `all_toks` are with
    breaks."""
    end = next((i for i, t in enumerate(all_toks) if t in BREAKS), len(all_toks))
    head = all_toks[:end]
    if head[-2:] in (["from", "here"], ["to", "me"]):  # "Looks that way from here, ..."
        head = head[:-2]
    if len(head) == 3 and head[1] in EMPHATICS:  # "There sure is, right at ...", "It sure is"
        head = [head[0], head[2]]
    return tuple(head) in SHORT_YES_CLAUSES


def about_to(all_toks: list[str]) -> bool:
    """Whether the answer opens with a clause that says the thing is about to be so, and ends
    there ("It's about to - the sky is full of snow clouds.", "He's about to."): not yet, a
    no. "It's about to pull out from the stop." says what is happening. `all_toks` are with
    breaks."""
    end = next((i for i, t in enumerate(all_toks) if t in BREAKS), len(all_toks))
    head = all_toks[:end]
    if head[-1:] == ["be"]:
        head = head[:-1]
    return len(head) == 4 and head[0] in SUBJECT_PRONOUNS and head[1] in (
        "'s", "is", "'re", "are") and head[2:] == ["about", "to"]


def group_of_them(all_toks: list[str]) -> bool:
    """Whether the answer opens with a group of what was asked, with at most two words before
    the group's noun (`GROUP_NOUNS`): "A long line of them by the curb.", "A whole cluster of
    them around the pothole.", "A procession of them heading for the on-ramp.". `all_toks` are
    with breaks."""
    if all_toks[:1] not in (["a"], ["an"]):
        return False
    for j in range(1, min(4, len(all_toks))):
        if all_toks[j] in GROUP_NOUNS:
            return all_toks[j + 1 : j + 3] in (["of", "them"], ["of", "those"])
        if all_toks[j] in BREAKS:
            return False
    return False


def one_said(all_toks: list[str]) -> bool:
    """Whether the answer opens with "a ... one" for the thing asked, a yes: "A big one by the
    drain, and a cyclist is riding through it." `all_toks` are with breaks."""
    if all_toks[:1] not in (["a"], ["an"]):
        return False
    for j in range(1, min(4, len(all_toks))):
        if all_toks[j] == "one":
            after = all_toks[j + 1] if j + 1 < len(all_toks) else "."
            return after in BREAKS or after in PLACE_PREPOSITIONS
        if all_toks[j] in BREAKS:
            return False
    return False


def agreed(toks: list[str]) -> bool:
    """Whether the answer opens by agreeing with the question, as a yes does: "That's right,
    someone is.", "That is correct.", "You're right, a child is crossing." `toks` are without
    breaks."""
    return len(toks) >= 3 and toks[0] in ("that", "you") and toks[1] in (
        "'s", "is", "'re", "are") and toks[2] in ("right", "correct", "true")


def most_are(all_toks: list[str]) -> bool:
    """Whether the answer opens with a quantifier and the question's verb as a clause of its
    own, a yes for most or all of what was asked: "Most are, but one has stepped into the
    road.", "All are." `all_toks` are with breaks."""
    return len(all_toks) >= 2 and all_toks[0] in ("most", "some", "all", "both", "many") \
        and all_toks[1] in QUESTION_VERBS and (len(all_toks) == 2 or all_toks[2] in BREAKS)


def partitive_yes(all_toks: list[str]) -> bool:
    """Whether the answer opens by saying how many of what was asked are as asked, a yes for
    them: "All of them are on the sidewalk.", "Each of the three is waiting at the curb.",
    "Only one of them is; the other is black.", "All but one; ...", "All except one, which
    is red.", "Half of it, the rest is behind a tree.", and "Everywhere, even on the parked
    cars." to "Is there snow?". "None of them" is no yes. `all_toks` are with breaks."""
    toks = all_toks[1:] if all_toks[:1] in (["only"], ["just"]) else all_toks
    if toks[:2] in (["all", "but"], ["all", "except"]) or (toks[:1] == ["everywhere"] and (
            len(toks) == 1 or toks[1] in BREAKS)):
        return True
    return bool(toks[:1]) and (toks[0] in PARTITIVE_QUANTIFIERS or (
        is_count(toks[0]) and toks[0] not in ("0", "zero"))) and toks[1:2] == ["of"] and \
        toks[2:3] in (["them"], ["those"], ["these"], ["the"], ["it"])


def verdict_said(all_toks: list[str]) -> Polarity | None:
    """The yes or no the first clause gives as what the speaker says or would answer: "I'd
    say yes.", "I'm going to say no: ...", "I'll go with yes.", "That would be a no.", "That's a
    yes." `all_toks` are with breaks."""
    clause = next((all_toks[:i] for i, t in enumerate(all_toks) if t in BREAKS), all_toks)
    for i, t in enumerate(clause[1:], 1):
        if t not in YES_WORDS and t not in BARE_NO_WORDS:
            continue
        before = clause[max(0, i - 2) : i]
        if before[-1:] in (["say"], ["with"]) or (
                before[-1:] == ["a"] and before[:1] in (["be"], ["is"], ["'s"], ["was"])):
            return "affirm" if t in YES_WORDS else "deny"
    return None


def _concluded(clause: list[str]) -> Polarity | None:
    """The yes or no of a hedged conclusion that ends the answer after "so" ("..., so
    probably.", "..., so probably not.", "..., so I'd say yes."; a hedge before a colour,
    "so likely red", is a yes whose colour the reader takes from the answer), else None."""
    end = next((k for k, t in enumerate(clause) if t in BREAKS), len(clause))
    if any(t not in (".", "!") for t in clause[end:]):
        return None  # the conclusion must end the answer
    head = clause[:end]
    if head[:1] and head[0] in HEDGED_OPENERS:
        if head[1:] in ([], ["so"]) or (len(head) == 2 and head[1] in COLOURS):
            return "affirm"
        if head[1:] == ["not"]:
            return "deny"
        return None
    return verdict_said(head)


def final_answer(all_toks: list[str]) -> Polarity | None:
    """The yes or no after a reasoning chain: "Step 1: ... Final answer: No.", "..., so the
    answer is yes.", or a bare yes or no that ends it as a sentence of its own ("It is a
    motorcycle. No.", or after a word that concludes, "Therefore no.", `CONCLUDING`) or after a
    closing "but" ("Not clearly, but yes.", "Not clearly. But yes.") or a "so" after a break
    ("Its brake lights are on, so yes, it is slowing down."), or a hedged conclusion after such
    a "so" that ends the answer ("The wipers are on, so probably."; `_concluded`). Only a marker
    after the answer's start counts (an opening "Answer: No." is a label, `clauses.unlabelled`);
    the last one wins. `all_toks` are with breaks."""
    sentences = [[]]
    for t in all_toks:
        if t in (".", "!", "\n"):
            sentences.append([])
        elif t not in BREAKS:
            sentences[-1].append(t)
    sentences = [s for s in sentences if s]
    last = sentences[-1] if sentences else []
    if last[:1] and last[0] in CONCLUDING and len(last) == 2:
        last = last[1:]  # "Crosswalk empty. Therefore no.", "... Verdict: no."
    if len(sentences) >= 2 and len(last) == 1 and (
            last[0] in YES_WORDS or last[0] in BARE_NO_WORDS):
        return "affirm" if last[0] in YES_WORDS else "deny"
    for i in range(len(all_toks) - 2, 0, -1):  # "Its brake lights are on, so yes, ..."
        if all_toks[i] == "so" and all_toks[i - 1] in BREAKS and (
                all_toks[i + 1] in YES_WORDS or all_toks[i + 1] in BARE_NO_WORDS) and (
                i + 2 == len(all_toks) or all_toks[i + 2] in BREAKS):
            return "affirm" if all_toks[i + 1] in YES_WORDS else "deny"
        if all_toks[i] == "so" and all_toks[i - 1] in BREAKS:
            concluded = _concluded(all_toks[i + 1 :])
            if concluded is not None:
                return concluded
    last = sentences[-1] if sentences else []
    if len(last) >= 2 and last[-2] == "but" and (last[-1] in YES_WORDS
                                                or last[-1] in BARE_NO_WORDS):
        # "Mostly hidden by the truck, but yes.", "Not clearly, but yes."
        return "affirm" if last[-1] in YES_WORDS else "deny"
    for i in range(len(all_toks) - 1, 0, -1):
        if all_toks[i] != "answer":
            continue
        after = [t for t in all_toks[i + 1 : i + 5] if t not in BREAKS]
        if after[:1] in (["is"], ["was"]):
            after = after[1:]
        elif after[:2] == ["would", "be"]:
            after = after[2:]
        elif ":" not in all_toks[i + 1 : i + 2]:
            continue
        word = after[0] if after else ""
        return "affirm" if word in YES_WORDS else "deny" if word in NO_WORDS else None
    return None


def asks_number(toks: list[str]) -> bool:
    """Whether a yes/no question asks how many there are ("Are there two buses?", "more than
    three", "exactly one", "more cars than trucks"), so that its "no" says the number is wrong,
    not that there are none. "Is there one car?" and "at least one" ask whether there is a car,
    and "over there" is no number."""
    if not toks or toks[0] not in QUESTION_VERBS:
        return False
    for i, t in enumerate(toks[1:], 1):
        if t in NUMBER_QUESTION:  # "more than 3", "at least two"; not "over there"
            number = next((n for n in toks[i + 1 : i + 3] if n != "than"), "")
            if is_count(number) and not (t == "least" and number in ("one", "1")):
                return True
            if t in ("more", "fewer", "less") and "than" in toks[i + 2 :]:
                return True  # "Are there more cars than trucks?" compares numbers
        elif is_count(t) and t not in ("one", "some", "few"):
            return True
    return False


def about_ego(toks: list[str], first: int) -> bool:
    """Whether a question asks what the ego driver may or should do, not whether a concept is
    there: "Is it safe to proceed through the intersection?", "Should we stop at the
    crosswalk?", "Would a truck fit in that gap?". "Is it a bus?", "Can we see a bus?", "Do you
    see a bus?", "Do we have a bus here?" and "Are we in a tunnel?" ask about the concept;
    `first` is where the question's first concept stands."""
    if len(toks) < 3 or toks[0] not in QUESTION_VERBS | EGO_MODALS:
        return False
    if toks[0] == "would" and toks[1] not in ("you", "there"):
        return True  # "Would a truck fit in that gap?" supposes one
    if toks[1] in ("we", "i"):  # "Are we in a tunnel?" asks about the tunnel
        if toks[2] in ("have", "got") and toks[3:4] in (["a"], ["an"], ["any"], ["some"]):
            return False  # "Do we have a bus here?" asks whether there is one
        return toks[2] not in SEEING and not (toks[0] in ("are", "am", "were")
                                              and toks[2] in LOCATING)
    return toks[1] == "it" and toks[2] not in ("a", "an", "the") and "to" in toks[3:first]
