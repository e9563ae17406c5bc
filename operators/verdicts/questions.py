"""What a prompt asks, read once per prompt and asked of it by every answer.

`concepts.ConceptExtractor` reads an answer against its prompt, and how a question is put
decides what the answer's yes or no says: a bare "No." to "Are there cones on the road?" denies
the cones and leaves the road, to "Is the pedestrian on the crosswalk?" it denies neither, and
to "Is there no bus?" it may mean either. `Question` holds the prompt's own mentions and tokens
and answers those questions about it; a run asks them once per frame and answer, so the
extractor keeps one `Question` per prompt text.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivexplain.operators.verdicts.clauses import opens_condition
from drivexplain.operators.verdicts.lexicon import (
    ASKING_IF,
    ASKING_WORDS,
    BREAKS,
    COLOUR_NOUNS,
    DEFINITES,
    EMPTINESS_WORDS,
    FRAME_CONDITIONS,
    HEAD_MODIFIERS,
    LIST_GLUE,
    PREPOSITIONS,
    PRESENCE_WORDS,
    QUESTION_VERBS,
    SEEING,
    TIME_ADVERBS,
    WH_WORDS,
    lemma,
)
from drivexplain.operators.verdicts.readings import Extraction, Mention
from drivexplain.operators.verdicts.yesno import about_ego, asks_number


@dataclass(frozen=True)
class Question:
    """A prompt's own mentions (none reached through a context) and its tokens, breaks kept."""

    text: str
    mentions: tuple[Mention, ...]
    toks: tuple[str, ...]

    def asked(self, prompt: Extraction) -> tuple[str, ...]:
        """The prompt concepts a bare "no" denies: what the question asks about, not where
        it looks. The first concept is asked; so are the ones listed with it ("cars or
        trucks"); a concept after a preposition or a verb ("cones on the road", "anyone
        crossing the street") is the setting, which a "no" leaves as it was; a frame's
        condition there is asked ("Was this taken at night?")."""
        mentions, toks = self.mentions, self.toks
        if mentions and about_ego(list(toks), mentions[0].start):
            return ()  # "Is it safe to cross the intersection?" asks about no concept
        if not mentions or {m.concept for m in mentions} != set(prompt.all_concepts):
            return prompt.concepts
        first = mentions[0].start
        at = first - 1 - (toks[first - 1] in DEFINITES) if first else -1
        before = toks[at] if at >= 0 else ""
        verb = before.endswith("ing") and before not in ("anything", "something") and (
            at == 0 or toks[at - 1] not in ("a", "an", "any", "some"))  # not "a waiting bus"
        if (before in PREPOSITIONS and mentions[0].concept not in FRAME_CONDITIONS) or verb:
            # "Find any animals on the road.", "Who is crossing the road?": what is asked
            # names no concept, the road is where
            return ()
        if self.partitive() and len(mentions) > 1:
            mentions = mentions[1:]  # "Are any of the vehicles buses?" asks about buses
        asked = [mentions[0]]
        for m in mentions[1:]:
            between = toks[asked[-1].stop : m.start]
            if any(t not in LIST_GLUE and t != "," for t in between) or not any(
                    t in (",", "or", "and", "nor") for t in between):
                break  # "cars or trucks" are both asked; in "Is the vehicle a truck?" one is
            asked.append(m)
        names = {m.concept for m in asked}
        return tuple(c for c in prompt.concepts if c in names) or prompt.concepts

    def kind_asked(self) -> tuple[str, ...]:
        """The kind a question asks its definite subject to be: the taxi of "Is the car a
        taxi?" and "Is the car in front a taxi?", which a no with the subject's colour ("No,
        it's silver.") leaves out, as the subject is no taxi; () for other questions."""
        mentions, toks = self.mentions, list(self.toks)
        if len(mentions) != 2 or toks[:1] not in (["is"], ["was"]) or \
                toks[1:2] not in (["the"], ["that"], ["this"]):
            return ()
        between = toks[mentions[0].stop : mentions[1].start]
        return (mentions[1].concept,) if between[-1:] in (["a"], ["an"]) and not any(
            t in PREPOSITIONS or t in BREAKS for t in between[-2:-1]) else ()

    def alternatives(self, prompt: Extraction) -> tuple[str, ...]:
        """The concepts the prompt asks about as alternatives ("Are there any cars or
        trucks?"), which a yes naming one of them leaves as they were; else ()."""
        return self._joined(prompt, ("or",))

    def coordinated(self, prompt: Extraction) -> tuple[str, ...]:
        """The concepts the prompt asks about together, joined by "or" or "and" ("Are there
        pedestrians and cyclists?"), of which an answer naming only some ("Only pedestrians.")
        denies the rest; else ()."""
        return self._joined(prompt, ("or", "and"))

    def chosen_from(self, prompt: Extraction) -> tuple[str, ...]:
        """The concepts a "which" question about presence offers to choose from ("Which of
        these are visible: bus, truck, van?", "Which can you see, ...?"), of which an answer
        naming some ("Truck, van.") denies the rest; else (). "Which is closer, the bus or
        the truck?" asks about both, and its answer denies neither."""
        if self.toks[:1] != ("which",) or not any(
                t in PRESENCE_WORDS or t in SEEING for t in self.toks):
            return ()
        return self._joined(prompt, ("or", "and", ","))

    def _joined(self, prompt: Extraction, joiners: tuple[str, ...]) -> tuple[str, ...]:
        """The asked concepts when two or more are named with one of `joiners` between."""
        asked = self.asked(prompt)
        mentions = [m for m in self.mentions if m.concept in asked]
        if len(mentions) < 2:
            return ()
        between = self.toks[mentions[0].stop : mentions[-1].start]
        return asked if any(j in between for j in joiners) else ()

    def presupposed(self) -> bool:
        """Whether the question takes its concept as given and asks something of it: a
        yes/no question about a definite one ("Is the pedestrian on the crosswalk?", "Does the
        bus have its doors open?"). Its "no" denies what is asked (the place, the state), not
        the pedestrian; "Is there a pedestrian on the crosswalk?" asks whether there is one,
        and so do "Is the bus visible?" and "Is the bus still there?"."""
        if not self.mentions:
            return False
        first = self.mentions[0]
        head = [t for t in self.toks[: first.start] if t not in BREAKS]
        rest = [t for t in self.toks[first.stop :] if t not in BREAKS and t not in TIME_ADVERBS]
        return (2 <= len(head) <= 3 and head[0] in QUESTION_VERBS and head[1] in DEFINITES
                and all(t in HEAD_MODIFIERS for t in head[2:])
                and bool(rest) and rest[0] not in PRESENCE_WORDS)

    def asks_of_definite(self) -> bool:
        """Whether a question word asks something of a definite subject after its verb ("How
        fast is the car going?", "Why is the truck stopped?", "Where is the bus going?"; not a
        colour question): it takes the subject as given, so a no ("It's not moving.", "Not
        far.") denies only what is asked of it."""
        if not self.definite() or self.about_colour():
            return False
        between = self.toks[1 : self.mentions[0].start - 1]
        return self.toks[0] in ASKING_WORDS and 1 <= len(between) <= 3 and \
            between[-1] in QUESTION_VERBS and \
            not any(t in PREPOSITIONS or t in BREAKS for t in between)

    def asks_empty(self) -> bool:
        """Whether the question asks whether a definite place is empty ("Is the sidewalk
        empty?", "Is the road clear?"; `EMPTINESS_WORDS`): a no that names what is there
        ("Not quite - there's a dog ...") has the place too, as what is on it."""
        if not self.presupposed():
            return False
        rest = [t for t in self.toks[self.mentions[0].stop :] if t not in BREAKS
                and t not in TIME_ADVERBS]
        return rest[:1] != [] and rest[0] in EMPTINESS_WORDS and (
            len(rest) == 1 or rest[1] in ("of", "now"))

    def partitive(self) -> bool:
        """Whether the question picks from a definite set it names first ("Are any of the
        vehicles buses?", "Is either of the lights red?"): the set is given, and what is
        asked is what follows it."""
        if not self.mentions:
            return False
        head = [t for t in self.toks[: self.mentions[0].start] if t not in BREAKS]
        return (len(head) == 4 and head[0] in QUESTION_VERBS
                and head[1] in ("any", "either", "one", "all", "both") and head[2] == "of"
                and head[3] in DEFINITES)

    def supposed(self) -> set[str]:
        """The prompt's concepts in a condition ("if the light turns red", "in case a bus
        comes"): supposed, not said to be there, so no answer inherits them. An "if" after a
        verb of telling or knowing asks whether ("Can you tell me if there's a bus?")."""
        if "?" not in self.text:
            return set()  # "Say yes if there is a truck." sets the answer's words
        inside, opened = [False] * len(self.toks), False
        for i, t in enumerate(self.toks):
            before = [w for w in self.toks[max(0, i - 2) : i] if w not in ("me", "us")]
            if t == "if" and before[-1:] and before[-1] in ASKING_IF:
                continue  # "Could you tell me if there's a bus?" asks whether there is one
            if opens_condition(self.toks, i):
                opened = True
            elif t in BREAKS:
                opened = False
            inside[i] = opened
        return {m.concept for m in self.mentions if inside[m.start]}

    def definite(self) -> bool:
        """Whether the prompt's first concept is a definite one ("the truck", "the
        pedestrians"), which a pronoun opening the answer refers to."""
        return bool(self.mentions) and self.mentions[0].start > 0 and \
            self.toks[self.mentions[0].start - 1] in DEFINITES

    def where_about(self) -> bool:
        """Whether the prompt asks where a definite concept is ("Where is the stop sign?"),
        or something else of it as the subject of its verb ("Which lane is the cyclist in?",
        "What is the cyclist doing?"): an answer that says so says it is there. Not "What is
        in front of the car?", where the car is the setting, nor a colour question, which the
        answer's colour answers."""
        if not self.definite() or self.about_colour():
            return False
        if self.toks[:1] == ("where",):
            return True
        first = self.mentions[0].start
        between = self.toks[1 : first - 1]
        return (self.toks[0] in WH_WORDS and len(between) >= 1 and between[-1] in QUESTION_VERBS
                and not any(t in PREPOSITIONS or t in BREAKS for t in between))

    def negative(self) -> bool:
        """Whether the question negates what it asks about so that a bare yes or no may mean
        either ("Is there no bus?" "Yes."). A negated auxiliary opening it ("Isn't there a
        bus?") leans to a yes, and a yes to it says there is one; a concept named by its
        opposite ("Is it daytime?") is asked, not negated."""
        return not (self.toks and self.toks[0].endswith("n't")) and any(
            m.negated and not m.opposite for m in self.mentions)

    def plural(self) -> bool:
        """Whether the prompt names its first concept in the plural ("the cars"), or asks for
        colours with no singular verb ("Car colours?"; not "What colours is the car?", which
        asks about one two-tone car)."""
        if not self.mentions:
            return False
        word = self.toks[self.mentions[0].stop - 1]
        return lemma(word) != word or (
            any(t in ("colours", "colors") for t in self.toks)
            and not any(t in ("is", "was", "'s") for t in self.toks))

    def about_colour(self) -> bool:
        """Whether the prompt asks about a colour ("What colour is the car?")."""
        return any(t in COLOUR_NOUNS for t in self.toks)

    def about_time_of_day(self) -> bool:
        """Whether the prompt asks what time of day it is ("What time of day is it?"), which
        names the day only to ask which it is: a count or a hedge in the answer is no yes."""
        return "time" in self.toks and any(t in WH_WORDS for t in self.toks[:2])

    def about_number(self) -> bool:
        """Whether the prompt asks how many ("Are there more than three cars?")."""
        return asks_number(list(self.toks))
