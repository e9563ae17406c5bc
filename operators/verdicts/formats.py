"""An answer as prose, whatever format the VLM wrote it in.

VLM families do not all answer in sentences. Grounding models wrap what they name in tags with
its box (Qwen-VL's `<ref>car</ref><box>(10,20),(30,40)</box>`, Qwen2-VL's `<|box_start|>`,
Kosmos-2's `<phrase>` and patch indices, Florence-2's `<loc_123>`); detection prompts get JSON
(`[{"bbox_2d": [...], "label": "car"}]`, and `[]` when nothing was found); benchmark-style
prompts offer lettered options ("(A) Yes (B) No") and get a letter back; chat templates leave
end-of-turn tokens ("</s>", "<|im_end|>") or echo the user's turn ("[INST] ... [/INST]").
`plain_answer` turns each into the words the answer reader (`concepts.ConceptExtractor.answer`)
reads: the tags' boxes and coordinates, which name no concept, go, what they label stays, and
an echoed turn goes; JSON becomes a list of its labels ("black car, truck"), with `[]` read as
"none", and an object described under its label (`{"traffic_light": {"visible": true,
"colour": "red"}}`) becomes "red traffic light" ("no traffic light" when not visible), as do
the same fields one to a line or as a YAML list ("label: traffic_light\nstate: red"); a letter
becomes its option's text. Chat models frame an answer ("Sure! Based on the image, no. Hope
this helps!"); the framing goes (`unframed`). Prose passes through otherwise unchanged.

Models also correct themselves mid-answer ("Yes, a bus. Actually, looking again, it's a
truck.", "It's blue. Sorry, I meant black."). `correction` splits such an answer where it
takes back what came before, so that only what follows is read as the answer.
"""

from __future__ import annotations

import ast
import json
import re
from functools import lru_cache

from drivexplain.operators.verdicts.lexicon import COLOURS, EMOJI_WORDS, NOT_THE_ANSWER, STATES

# Tags whose content is geometry (a box, a point, patch or location indices), removed whole;
# Kosmos-2's `<object>` only when it holds index tags alone, as an XML answer's
# `<object>truck</object>` names what it holds.
_GEOMETRY_TAGS = re.compile(
    r"<box>.*?</box>|<quad>.*?</quad>|<point>.*?</point>|<object>(?:\s*<[^<>]*>)*\s*</object>"
    r"|<\|(box|quad|point)_start\|>.*?<\|\1_end\|>",
    re.S,
)
# An opening tag with attributes, which hold positions: Molmo's `<point x="30.1" y="55.2"
# alt="pedestrian">` and `<points x1=... alt="...">`. What it wraps stays.
_ATTRIBUTE_TAG = re.compile(r"<[a-z_]+\s[^<>]*>", re.I)
# A chat template's role header: "<|im_start|>assistant", Llama 3's header ids.
_ROLE = re.compile(r"<\|im_start\|>\s*(?:assistant|user|system)?"
                   r"|<\|start_header_id\|>.*?<\|end_header_id\|>", re.S)
# A yes/no question that opens the answer, asked in other words than the prompt's or of the
# user, with the answer after it: "Is it a bus? Yes.", "Do you see anyone? Because I don't."
_OWN_QUESTION = re.compile(r"^\s*(?:do|does|did|can|could|is|are|was|were|would|will|has|have)"
                           r"\s[^?.!\n]*\?\s+(?=\S)", re.I)
# A Llama 2 or Mistral turn echoed before the answer: "[INST] Is there a cyclist? [/INST] No."
# The question it repeats is not the answer; what follows the last "[/INST]" is.
_ECHOED_TURN = re.compile(r"^.*\[/INST\]", re.S | re.I)
# What a chat model frames its answer with, removed where more text stands beside it: an
# acknowledgment or a filler before it ("Sure!", "Certainly.", "Well,", "Okay, so", "In short,", "To
# answer your question:", "Honestly,", "Actually,", "I think", "Thanks for the question!", "Hi!",
# "Sorry,", "I can help with that.", "I'd be happy to help.", "As an AI,", "Let me check...",
# "Clearly,"; "Sure." alone is a yes, "Certainly not." a no), the evidence it rests on ("Based on
# the image,", "Based on my analysis,", "From what I can see,", "As you can see,", "Looking
# closely,", "Upon analyzing the image,", "In this driving scene,"), a label ("Answer:", "**Final
# answer:**", "The answer is:", "The answer:", "Answer -", "TL;DR:", "Observation:", "Here's the
# answer:", a "### Answer" heading), and a closing courtesy, offer, disclaimer or confidence ("Hope
# this helps!", "Let me know if you need anything else.", "Is there anything specific you'd like to
# know?", "That's all I can see.", "Drive safely!", "Stay safe on the road.", "Thanks!", "Please
# verify.", "Please note that I am an AI ...", "Confidence: 85%"; alone, it is no answer).
_ACKNOWLEDGMENT = re.compile(
    r"^\s*(?:(?:okay|ok|alright|well),?\s+so,?|so,"
    r"|(?:sure(?: thing)?|certainly|of course|okay|ok|alright|all right|absolutely|perfect"
    r"|excellent|as requested|as asked|no problem|will do"
    r"|great question|good question|interesting question|happy to help|well|hmm+|mm+|um+|uh+"
    r"|o+h+|a+h+|e+h+"
    r"|thanks? (?:you )?for (?:the|your) question|sorry|great|hi|hello|hey|hi there"
    # a radio operator's acknowledgment: "Copy that. Yes, someone is.", "Roger, no."
    r"|copy(?: that)?|roger(?: that)?|understood|got it|noted)\s*[!.,]"
    # a sentence that only announces the answer: "The image shows the following.", "I can help
    # with that.", "Let me look at the image."
    r"|(?:the image shows the following|here(?:'s| is) what i (?:can )?see"
    r"|i can help with that|i(?:'d| would) be (?:happy|glad) to help(?: with that)?"
    r"|let me (?:take a )?look(?: at (?:the|this) (?:image|picture|frame))?"
    r"|let me (?:check|see|think|analy[sz]e (?:the|this) (?:image|picture|frame))|let's see"
    r"|(?:let me|let's) think(?: about (?:it|this))?(?: step by step| carefully)"
    r"|here you go|here it is)"
    r"\s*(?:[.!:]+|\u2026)"
    # a confidence said first: "Confidence: low. Possibly one ...", "Low confidence, but yes"
    r"|confidence\s*[:=]?\s*(?:\d+(?:\.\d+)?\s*%?|high|medium|moderate|low)\s*[.;,]"
    r"|(?:very\s+)?(?:high|medium|moderate|low)\s+confidence\s*[.;,:](?:\s*but\b)?"
    r"|(?:in short|in summary|to summari[sz]e|to sum up|overall|simply put|in conclusion"
    r"|to answer your question|in answer to your question)\s*[,:]"
    # an interjection run into the yes it opens: "Oh yes, right behind the van", "omg yes" ("Oh
    # no, a pedestrian is crossing!" is dismay, and stays)
    r"|(?:o+h+|a+h+|omg|wow|gosh|oh my god|oh my gosh)(?=\s+(?:yes|yeah|yep|yup)\b)"
    # alarm before where the thing is: "Whoa - right in front of the bus!", "Yikes, ..."
    r"|(?:who+a+|wow|yikes|eek|ouch|whoops|oops|careful)\s*(?:[!.,]|-+|[\u2013\u2014])"
    # a stance or a time said before the answer: "Honestly, no.", "Currently, none."
    r"|(?:honestly|frankly|candidly|truthfully|to be honest|basically|essentially|admittedly"
    r"|actually|to be (?:precise|exact|clear|fair)|clearly|obviously|evidently|to my eyes?"
    r"|unfortunately|fortunately|interestingly|currently|presently|right now|at the moment"
    r"|at present|as of now|for now|as an ai(?: (?:language )?(?:model|assistant))?)\s*,"
    # ... or asked of itself: "Honestly? Definitely not.", "Short answer? No."
    r"|(?:honestly|frankly|truthfully|seriously|really|short answer|my (?:answer|verdict)"
    r"|the (?:short )?answer|verdict)\s*\?"
    # an opinion said before the answer: "I think yes, ...", "I believe the car is red.",
    # "In my view, no."; "I think so" and "I think not" are the answer itself
    r"|(?:i (?:think|believe|guess|suppose|reckon)|i'd say|i would say|in my (?:view|opinion)"
    r"|my guess is)(?:\s+that(?!\s+one\b))?\s*,?(?=\s+(?!so\b|not\s*(?:[,.;!]|$))))\s+(?=\S)",
    re.I)
# The evidence an answer rests on, or an opinion, said after it: "No, as far as I can tell.",
# "Yes, from what I can see.", "Black, I think.", "There is, if I'm not mistaken."
_EVIDENCE_AFTER = re.compile(
    r",?\s+(?:as far as i can (?:see|tell|make out)|from what i can (?:see|tell|make out)"
    r"|by the looks? of it|i (?:think|believe|guess|suppose|reckon)|in my (?:view|opinion)"
    r"|(?:if|unless) i(?:'m| am) (?:not )?mistaken)"
    r"(?=\s*[.!]?\s*$)", re.I)
_EVIDENCE_AFTER_WORDS = re.compile(
    r"as far as|from what|looks? of it|think|believe|guess|suppose|reckon|in my|mistaken", re.I)
# A bullet or a first number before a one-line answer: "- No more than two.", "1. Yes, someone
# is."
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2192]|1[.)]|[-=]>)\s+(?=[^\n]*$)")
_EVIDENCE = re.compile(
    r"^\s*(?:(?:based (?:on|upon)|judging (?:by|from)|from|looking at|according to|in"
    r"|(?:after|upon|on|when) (?:analy[sz]ing|examining|looking at|reviewing|observing)"
    r"|upon (?:closer )?(?:inspection|examination|review) of)\s+(?:the|this|that|your)?\s*"
    r"(?:provided |given |attached )?"
    r"(?:(?:(?:driving|traffic|street|road) )?(?:image|picture|photo|photograph|frame|scene"
    r"|view|footage)|dashcam (?:image|view|footage)|camera view)"
    r"(?:\s+(?:carefully|closely|provided|you (?:shared|provided|sent)))?"
    r"|from what i can (?:see|tell)|as far as i can (?:see|tell)|upon (?:closer )?inspection"
    r"|at first glance|at a glance|as (?:you|we) can see|(?:by|from) the looks? of it"
    r"|looking (?:more )?(?:closely|carefully)|based (?:on|upon) my (?:analysis|observation"
    r"|assessment|review)|after (?:a )?(?:careful|close|closer) (?:observation|inspection|look"
    r"|examination)|on (?:closer|close) (?:inspection|examination))\s*[,:]\s+(?=\S)", re.I)
_LABEL = re.compile(
    r"^\s*(?:(?:\*\*)?(?:(?:final|short|my|one-word|brief)\s+)?"
    r"(?:answer|response|reply|output|assistant"
    r"|gpt|bot|a|tl;?dr|observation|conclusion|verdict|prediction|result|final)"
    r"(?:\s*\((?:yes\s*/\s*no|y\s*/\s*n)\))?(?:\*\*)?\s*:"
    r"|the model (?:says|said|answers|answered|replies|replied|outputs)\s*:"
    r"|here(?:'s| is) (?:the|my) answer\s*:"
    r"|(?:the|my) (?:final |short )?answer(?: is)?\s*:"
    r"|(?:answer|response)\s+[-\u2013\u2014]\s"
    # the model that answered, as a log names it, the answer's form, or a log level: "LLaVA:
    # No.", "Qwen-VL: On the sidewalk.", "Yes/No: Nope.", "[INFO] Nope."
    r"|(?:model|vlm|llava|qwen|internvl|paligemma|gemini|gpt-?4o?|idefics|molmo|cogvlm"
    r"|minicpm|blip)(?:[-\w.]*\w)?\s*:"
    r"|yes\s*/\s*no\s*:|\[(?:info|debug|result|output)\]"
    # which frame of a clip the answer is for: "Frame 12: Nope.", "Clip 2, frame 40 - No."
    r"|(?:clip\s*#?\d+\s*[,/]?\s*)?(?:frame|image|img)\s*#?\d+\s*(?::|[-\u2013\u2014]\s)"
    r"|#+\s*(?:(?:final|short)\s+)?answer\s*\n)\s*(?:\*\*)?\s*(?=\S)", re.I)
# Emphasis around an opening yes or no alone: "**No**. It appears to be parked."
_EMPHASISED_YES_NO = re.compile(r"^(\*{1,3}|_{1,3})(yes|no|nope|yep|yeah)\1(?=[\s.,!;:])", re.I)
_QUOTED = re.compile(r'^\s*["\u201c]([^"\u201c\u201d]+)["\u201d]\s*$')
# Emphasis around the whole answer: "*Not clearly, but yes.*", "**No.**", "_Yes._"
_EMPHASISED = re.compile(
    r"^\s*(?:(\*{1,3})(?P<starred>[^*]+)\1|(_{1,3})(?P<underlined>[^_]+)\3)\s*$")
# Emoji, which name nothing the reader knows ("Of course. \U0001F697" is "Of course."); check
# marks and crosses, a yes and a no, are read as words (`lexicon.CHECK_MARKS`) and stay.
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u26FF\uFE0F\u200D]")
# A smiley or a check mark closing the answer after its stop: "Of course. :)", "Nope. \u2713"
_EMOTICON = re.compile(r"\s+[:;]-?[)D]\s*$|(?<=[.!?])\s*[\u2705\u2714\u2713\u2611]\s*$")
# A check mark or a cross before the word it stands for ("\u274c No, on the road."), which says
# it once, not twice.
_MARKED_YES_NO = re.compile("^\\s*(?:[\u2705\u2714\u2713\u2611]\\s*(?=yes\\b)"
                            "|[\u274c\u274e\u2716\u2717\u2718]\\s*(?=no\\b))", re.I)
# Full-width punctuation, as models trained on Chinese text write it in English answers: "No
# buses\u3002"
_FULL_WIDTH = str.maketrans({"\u3002": ". ", "\uff0c": ", ", "\uff1a": ": ", "\uff1b": "; ",
                             "\uff01": "! ", "\uff1f": "? ", "\uff0e": ". "})
# A Markdown block quote around the whole answer: "> No, there's no bus."
_BLOCK_QUOTE = re.compile(r"^[ \t]*>[ \t]?", re.M)
# Spaces typed twice, which the patterns here would not match: "Sorry,  I meant black."
_SPACES = re.compile(r"[ \t]{2,}")
# A line broken after a comma, which goes on with its sentence ("No,\nit's stopped."); a
# bullet or a number on the next line starts an item of its own.
_COMMA_LINE_BREAK = re.compile(r",[ \t]*\n\s*(?![-*\u2022]|\d+[.)])")
# A yes or a no said twice: "No, no, on the road." is "No, on the road."
_REPEATED_YES_NO = re.compile(r"^(yes|no)[,.!]?[ \t]+\1\b", re.I)
# A no typed without its comma before what no determiner takes ("No the light is green.", "No
# it's stopped.", "No on the road."): the answer's no, where "No cars." and "No one." are not.
_NO_WITHOUT_COMMA = re.compile(
    r"^(no|nope)[ \t]+(?=(?:a|an|the|this|that|these|those|it|it's|its|they|they're|there"
    r"|there's|that's|i|i'm|i'd|we|he|she|you|just|only|not|still|every|wait|on|in|at|near"
    r"|behind|beside|next|off|further|farther)\b(?!-))", re.I)
# What the answer says in brackets after its yes or no goes on as it would after a comma: "No
# (just wet)." is "No, just wet."
_BRACKETED_AFTER_YES_NO = re.compile(
    r"^(yes|no|yeah|yep|yup|nope|nah)[ \t]*\(([^()\n]+)\)[ \t]*([.!]?)[ \t]*$", re.I)
# A note on its own after the answer: "Note: low light.", "(Note: the frame is dark.)".
_NOTE = re.compile(r"^\s*\(?\s*(?:note|caveat|n\.b\.|nb)\s*:", re.I)
_COURTESY = re.compile(
    r"(?:^|(?<=\S)\s+)(?:(?:i )?hope (?:this|that) (?:helps|answers your question|is helpful)[!.]?"
    r"|(?:please )?let me know if i can (?:help|assist)(?: (?:further|more|any further|with"
    r" anything else))?[.!]?"
    r"|(?:(?:please )?let me know|feel free to ask) if you (?:need|have|want|would like|'d like)"
    r" (?:anything|any|more|further) ?(?:else|more|other|further|details|information"
    r"|assistance|help)?[^.!?]*[.!?]?"
    r"|if you have (?:any )?(?:other|more|further) questions,? (?:feel free to ask|let me know"
    r"|just ask)[.!]?|would you like (?:me to|to know|more)[^?]*\?|happy to help[.!]*"
    r"|(?:drive|stay) safe(?:ly)?(?: on the road| out there)?[.!]*|safe travels[.!]*"
    r"|thanks?(?: you)?[.!]*|cheers[.!]*|glad (?:i could|to) help[.!]*"
    # an end marker: "No. [END]"
    r"|\[(?:end|eos|done)\]"
    # a Markdown rule closing the answer: "Of course.\n\n---"
    r"|(?<=\n)(?:-{3,}|\*{3,}|_{3,})"
    # chat laughter closing the answer: "No. lol", "Yes, that's true. haha"
    r"|(?<=[.!?,]\s)(?:lol|lmao|rofl|ha(?:ha)+|he(?:he)+)[.!]*"
    # a radio sign-off after a sentence or a comma: "Nope. Over.", "Yes, over and out."
    r"|(?<=[.!?,]\s)(?:over(?: and out)?|roger(?: that)?|out)[.!]*"
    r"|please (?:verify|double-check|confirm)(?: (?:this|it))?[.!]*"
    # a disclaimer or a note on the image's quality closing the answer: "Please note that I am
    # an AI and may make mistakes.", "Note: the image quality is low."
    r"|(?:(?:please )?note(?: that|:)\s*|(?<=[.!?]\s)|(?<=[.!?]\s\s))i(?:'m| am) (?:just )?an"
    r" ai\b[^.!?]*[.!?]?"
    r"|(?:note|caveat)\s*:\s*(?:the )?(?:image|picture|photo|frame)(?: quality)? is (?:low|poor"
    r"|blurry|dark|grainy)[^.!?]*[.!?]?"
    # a confidence on a line of its own after the answer: "\n\nConfidence: 85%"
    r"|(?:(?<=[.!?,]\s)|(?<=\n))confidence\s*[:=]\s*(?:\d+(?:\.\d+)?\s*%?|high|medium|low)"
    r"\s*[.!]?"
    r"|(?:is there )?anything (?:else|specific|more)[^?]*\?"
    # ("Cars, and that's all." keeps it: within its sentence it says nothing else is there)
    r"|(?<![,;]\s)(?<!\band\s)(?:that'?s|that is) (?:all|everything)(?: i can see| i see"
    r"| for now)?[.!]?"
    r"|(?:any (?:other|more|further) questions|what else would you like to know)\??)\s*$"
    # a confidence in brackets after the answer: "[Confidence: high]"
    r"|\s*\[\s*confidence\s*[:=][^\]\n]*\]\s*$"
    # a pointer to the image closing the answer: "No (see image).", "No, see the image."
    r"|(?:^|(?<=[.!?])|\s*[,;(])\s*(?:please\s+)?(?:see|refer to|check)\s+(?:the\s+)?"
    r"(?:attached\s+|provided\s+)?(?:image|picture|photo|frame)"
    r"(?:\s+(?:for|above|below)\b[^.!?()]*)?\)?[.!]?\s*$", re.I)
# A speaker's or a question's label in a prompt ("USER:", "Human:", "Q:", "Question:"), and
# the assistant's label that closes it ("ASSISTANT:", "A:").
_ROLE_LABEL = re.compile(
    r"^\s*(?:###\s*)?(?:user|human|question|q|instruction|prompt)\s*:\s*"
    r"|\s*(?:###\s*)?(?:assistant|gpt|answer|a)\s*:\s*$", re.I)
# Instructions in a prompt about the image or the answer's form, which ask nothing of the frame:
# "Please look at the image.", "Answer briefly.", "Please answer yes or no.", "Answer with a
# single letter.", "Be concise."
_INSTRUCTION = re.compile(
    r"(?:(?<=^)|(?<=[.?!:]\s)|(?<=\n)|(?<=\s)(?=please\s))\s*(?:please\s+)?(?:(?:answer|respond|reply)"
    r"(?:\s+(?:the question|briefly|concisely|shortly|honestly|truthfully|only|just"
    r"|in (?:one|a single|a) (?:word|sentence|phrase)"
    r"|using (?:one|a single) (?:word|phrase)(?: or (?:word|phrase))?"
    r"|with (?:yes or no|a yes or no|yes/no|a single (?:word|letter)|one word|one letter|the "
    r"(?:option'?s? )?letter(?: of the (?:correct )?option)?)|yes or no|yes/no"
    r"|from the (?:given )?(?:choices|options)|directly))*"
    r"|(?:select|choose|pick) the (?:correct|best|right) (?:answer|option|choice)"
    r"(?: from the (?:given )?(?:choices|options)(?: (?:above|below))?)?"
    r"|look (?:carefully )?at the (?:image|picture|photo|frame)(?: carefully)?"
    r"|be (?:brief|concise)|think step by step)\s*[.!:]", re.I)
_QUESTION_OPENING = re.compile(
    r"(?:is|are|was|were|does|do|did|can|could|will|would|has|have|isn't|aren't|wasn't"
    r"|weren't|doesn't|don't|didn't|can't|couldn't|what|which|where|how|who|why|when|any)\b",
    re.I)
# Words before a question that may ask nothing ("In this frame, is the light green?", "Hey, is
# there a bus?", "Quick question: ..."); a condition ("If the light is red, should I stop?") is
# no such preamble.
_PREAMBLE = re.compile(
    r"^(?!(?:if|when|whenever|unless|assuming|suppose|supposing|given|once|while|before|after"
    r"|since|because)\b)[^,:?.!\n]{1,40}[,:]\s+(?=" + _QUESTION_OPENING.pattern + ")", re.I)
# A tag closing a statement that asks to confirm it: "No pedestrians, correct?"
_CONFIRMING_TAG = r",\s*(?:right|correct|true|yes|isn't it|aren't they|is it|are they)\s*\?\s*$"
_CONFIRMED = re.compile(_CONFIRMING_TAG, re.I)
# A statement about a definite thing with such a tag, which asks what the question does: "The
# car is white, correct?" asks "Is the car white?". A negated one ("The pedestrian isn't
# crossing, is he?") stays as it is.
_TAGGED_STATEMENT = re.compile(
    r"^(?:[^,?]{1,40},\s+)?((?:the|this|that|these|those)\s+[^,?]+?)\s+(is|are)\s+([^,?]+?)"
    + _CONFIRMING_TAG, re.I)
_TAG_QUESTION = re.compile(
    r",\s*(?:right|correct|isn't it|aren't they|is it|are they|do you|don't you|can you"
    r"|yes or no)\s*\.?$", re.I)
_THE_IMAGE = (r"\s+(?:in|within|from)\s+(?:this|the|that)\s+(?:image|picture|photo|photograph"
              r"|frame|scene|view|footage)")
_IN_THE_IMAGE = re.compile(_THE_IMAGE + r"(?=\s*[?.!]|\s*$)", re.I)
# "in the image" closing a clause of an answer, where every answer is ("It's blue in the
# image.", "one red and one white in the image"); after a verb or a negation it says where a
# thing is or is not ("The bus is not in the image.", "It appears in the image."), and stays.
_IN_THE_IMAGE_AFTER = re.compile(
    r"(?P<before>[^\s.!?,;:]+)" + _THE_IMAGE + r"(?=\s*[.!?,;)]|\s*$)", re.I)
# Looked for first, as most answers have none of these words.
_IMAGE_NOUNS = re.compile(r"image|picture|photo|frame|scene|view|footage", re.I)
# Words before "in the image" that make it where a thing is (`_unless_placing`).
_PLACING_WORDS = frozenset({"is", "are", "was", "were", "am", "be", "been", "being", "appear",
                            "appears", "appeared", "seem", "seems", "look", "looks", "not",
                            "never"})
# Any other tag (`<ref>`, `</ref>`, `<phrase>`, `<loc_12>`, `</s>`, `<|im_end|>`), removed alone.
_TAG = re.compile(r"<\|?/?[a-z_]+(?:_\d+)?\|?>", re.I)
# A bracketed tuple of two or more numbers, nested or not: "[0.1, 0.2, 0.5, 0.6]",
# "[[12, 30, 80, 95]]", "(300,310)". A number in an answer is a count; these are positions.
_COORDINATES = re.compile(r"[\[(]\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)+\s*[\])]")
# A score or the frame an answer is for, in brackets beside it: "Yes (0.87).", "No (p=0.9)",
# "No more than two. [frame 12]". A number in brackets is no count.
_SCORE_OR_FRAME = re.compile(
    r"\s*(?:\(\s*(?:p\s*=\s*|conf(?:idence)?\s*[:=]?\s*)?(?:0?\.\d+|1\.0+)\s*\)"
    r"|\[\s*(?:frame|f)\s*#?\s*\d+\s*\])", re.I)
# A probability given for a thing, as a detector's log or a calibrated model writes it:
# "Probability of a bus: 0.1.", "Chance of rain in this frame: near zero.", "P(bus) = 0.8".
# Under 0.4 it says the thing is not there, from 0.6 that it is; between, it stays as written.
_PROBABILITY = re.compile(
    r"\b(?:(?:probability|chance|likelihood|odds)\s+(?:of\s+|that\s+)?(?:an?\s+|the\s+)?"
    r"(?P<thing>[a-z][a-z -]*?)|p\s*\(\s*(?P<named>[a-z][a-z -]*?)\s*\))"
    r"(?:\s+(?:in|for) (?:this|the) (?:frame|image|scene))?\s*(?::|=|is)\s*"
    r"(?P<value>\d*\.\d+|\d{1,3}\s*%|near zero|zero|nil|negligible|very low|low|slim|remote"
    r"|high|very high|near certain|certain)\b", re.I)
_PROBABILITY_CUES = re.compile(r"probab|chance|likelihood|odds|p\s*\(", re.I)
_PROBABILITY_WORDS = {"near zero": 0.0, "zero": 0.0, "nil": 0.0, "negligible": 0.02,
                      "very low": 0.05, "low": 0.2, "slim": 0.1, "remote": 0.05, "high": 0.8,
                      "very high": 0.95, "near certain": 0.98, "certain": 1.0}


def _as_said(match: re.Match[str]) -> str:
    """A `_PROBABILITY` match as the presence or absence it gives, or as written."""
    value = match["value"].lower()
    if value.endswith("%"):
        p = float(value[:-1]) / 100
    elif value in _PROBABILITY_WORDS:
        p = _PROBABILITY_WORDS[value]
    else:
        p = float(value)
    thing = match["thing"] or match["named"]
    return f"no {thing}" if p < 0.4 else thing if p >= 0.6 else match[0]


# A tracker's id with the class it tracks in brackets, for that thing: "ID 3 (car) left the
# frame." is "the car left the frame."
_TRACK_ID = re.compile(r"\b(?:track|id|obj(?:ect)?)[ _#]*\d+\s*\(\s*([a-z][a-z -]*?)\s*\)", re.I)
# A key and its value joined by "=", as a log line writes them: "road=wet; vehicles=2 cars".
_KEY_VALUE = re.compile(r"(?<=[a-z_])[ \t]*=[ \t]*(?=[a-z0-9])", re.I)
_EMPTY_BRACKETS = re.compile(r"[\[(][\s,]*[\])]")
# A time in a clip or a log ("[00:02]", "12:03:44", "t=3.2s", "@ 00:09", "(timestamp
# 0:07)"), which says when, not how many.
_TIMESTAMP = re.compile(
    r"[\[(]?[ \t]*(?:timestamp[ \t]*)?(?:@[ \t]*)?(?:t[ \t]*=[ \t]*\d+(?:\.\d+)?[ \t]*s\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\b)[ \t]*[\])]?", re.I)
# A count written as a multiple after its noun, closing its item, or before it: "car x2",
# "bus x0", "2x car" ("a BMW X5 is parked" is a model's name).
_TIMES_AFTER = re.compile(r"(?<=[a-z])[ \t]+[x\u00d7][ \t]?(\d+)\b(?=[ \t]*(?:[,;.\n]|$))",
                          re.I)
_TIMES_BEFORE = re.compile(r"\b(\d+)[ \t]?[x\u00d7][ \t]+(?=[a-z])", re.I)
# A nuScenes category ("vehicle.car", "human.pedestrian.adult", "movable_object.trafficcone"):
# the super-category before the first dot names no thing of its own, the rest names the thing.
_DOTTED_CATEGORY = re.compile(r"\b(?:vehicle|human|movable_object|static_object|animal)"
                              r"((?:\.[a-z_]+)+)\b", re.I)
# Categories whose words after the first dot do not name the thing: a police car, and a
# construction vehicle or a trailer, which are vehicles and no construction zone.
_DOTTED_NAMES = {"vehicle.emergency.police": "police car", "vehicle.construction": "vehicle",
                 "vehicle.trailer": "vehicle"}
# A field's value that says yes or no: "present: false", "detected: no".
_TRUTHS = {"true": True, "yes": True, "false": False, "no": False}
# A line of fields: "label: traffic_light", "  - name: bus", "objects:".
_FIELD_LINE = re.compile(r"^[ \t]*(?:-[ \t]+)?[a-z_][a-z_ ]{0,30}:(?:[ \t]+\S|[ \t]*$)", re.I)
# Keys that hold the answer itself, as prose: {"answer": "No, it's parked."}
_ANSWER_KEYS = frozenset({"answer", "response", "output", "reply", "text", "result", "caption",
                          "final_answer"})
# Keys of a detection that say what it is, and what colour.
_NAME_KEYS = ("label", "class", "class_name", "category", "type", "name", "object")
_COLOUR_KEYS = ("color", "colour", "state")
# Keys of an object described under its label that say whether it is there:
# {"traffic_light": {"visible": true, "colour": "red"}}.
_PRESENCE_KEYS = ("visible", "present", "detected", "exists", "found", "seen")
# Keys whose numbers are a position, size or score, not a count; a list of numbers is one too.
_GEOMETRY_KEYS = re.compile(
    r"^(?:x|y|w|h|x1|y1|x2|y2|width|height|area|depth|distance)$"
    r"|box|bbox|point|coord|position|location|score|confidence|prob", re.I)
# Words of a JSON key that say "how many" or "whether", not what: "truck_present", "car_count".
_KEY_FILLER = frozenset({"is", "are", "any", "has", "have", "there", "present", "visible",
                         "detected", "exists", "found", "count", "number", "num", "total", "of"})
_COLOUR_WORD = f"(?:{'|'.join(sorted(COLOURS))})"
_SHADED_COLOUR = rf"(?:(?:dark|light|pale|bright)\s+)?{_COLOUR_WORD}"
# What opens a self-correction, after a sentence's end, a spaced dash or at the answer's start:
# "Actually,", "Correction:", "Wait,", "On second thought,", "On second look,", "Looking
# again,", "I initially thought so, but". Words that can only take back what came before
# open one after a comma too: "Sorry, I meant", "scratch that", "strike that", "make that",
# "or rather", "I mean" before what is meant ("A bus - I mean a tram"; "No motorcycle, I mean,
# there's a scooter" only goes on), and "sorry" before a colour ("A black car, sorry, dark
# blue, waits"). A no after a pause that follows a yes or a colour opening the answer takes
# them back and stays to be read: "Yes... no, it's a fire hydrant.", "White - no, silver.";
# "Cars - no, trucks - yes." is a label and its value.
_CORRECTION_OPENER = (
    r"actually,|correction:|wait[,!\u2014]|on second (?:thought|look),?"
    r"|on closer (?:look|inspection),|looking (?:again|closer|more closely),"
    r"|i (?:initially|first|at first) thought so[,;.]? but\b|at first i thought so[,;.]? but\b")
_TAKING_BACK = (
    r"sorry,? i meant\b|(?:scratch|strike|make) that\b|or rather\b|i mean(?:t)?\b(?!,)"
    rf"|sorry,(?=\s+{_SHADED_COLOUR}\b)")
_CORRECTION = re.compile(
    rf"(?:^|(?<=[.;!?\u2014\u2013])|(?<= -))\s*(?:{_CORRECTION_OPENER}|{_TAKING_BACK})"
    rf"|(?<=[,:])\s*(?:{_TAKING_BACK})"
    rf"|^(?:yes|yeah|yep|yup|{_SHADED_COLOUR})(?P<pause>[.!?]{{2,}}|\u2026|\s+-|\s*[\u2014\u2013])"
    r"\s*(?=no,)",
    re.I)
# A colour said alone after a correction, for the colour of the thing before it: "A black car,
# sorry, dark blue, waits at the intersection." is "A dark blue car waits ...".
_CORRECTED_COLOUR = re.compile(rf"\s*({_SHADED_COLOUR})\s*(?:[,;.!]|$)\s*", re.I)
_LAST_COLOUR = re.compile(rf"\b{_SHADED_COLOUR}(?=\s+[a-z])(?!.*\b{_COLOUR_WORD}\b)", re.I | re.S)
# A yes or a no said as a sentence of its own before the rest, on its line or a later one ("No.
# It's stopped.", "Yes. A scooter, if that counts."), which goes on as it does after a comma;
# a heading or a bullet after it starts something else, and a correction takes it back ("No.
# Wait, yes, half hidden by the tree.", "Yes... no, it's a fire hydrant.").
_BARE_YES_NO = re.compile(
    r"^(yes|no|yeah|yep|yup|nope|nah)(?![.!?]{2,}\s*(?:yes|no|nope),)[.!]+\s+"
    rf"(?![-*#\u2022]|\d+[.)]|(?:{_CORRECTION_OPENER}|{_TAKING_BACK}))", re.I)
# A belief the answer then corrects: "Initially I thought it was a truck, but it is a bus.", or
# "... a truck. But it is a bus." The correction is the "but", so that what was thought is taken
# back, as after "Actually,".
_THOUGHT_BUT = re.compile(
    r"\b(?:(?:initially|at first|first),?\s+i|i\s+(?:initially|at first|first))\s+thought\b"
    r"[^.!?]*?([,;.]?\s+but\b)", re.I)
# An opening that says both yes and no before what explains it, which is the answer: "Yes and
# no: there's a bus, but it's out of service.", "Both yes and no -".
BOTH_SAID = re.compile(r"^\s*(?:both\s+)?(?:yes|no)\s+(?:and|or)\s+(?:yes|no)\s*"
                       r"[:;,.!\u2014\u2013-]+\s*(?=\S)", re.I)
# An earlier answer or frame pointed back to, which a reading of this frame cannot see: alone it
# is the whole answer ("Same as before.", "Ditto.", "See my previous answer."), and before a
# break it opens what the answer says again ("As I said, no.", "Like I said - one, by the
# curb.", "No change: still two on the corner."; "No change." alone is read as "No, no change."
# is, into which a doubled no folds).
_BACK = (r"same(?:\s+answer)?\s+as\s+(?:before|last\s+time|earlier|a\s+moment\s+ago"
         r"|the\s+(?:previous|last)\s+(?:frame|answer|one)|i\s+(?:said|told\s+you))"
         r"|ditto|as\s+before|unchanged(?:\s+from\s+(?:before|the\s+(?:previous|last)\s+frame))?"
         r"|as\s+(?:i|previously)\s+(?:said|stated|mentioned|noted)|like\s+i\s+said"
         r"|as\s+stated|see\s+(?:my\s+)?(?:previous|last|earlier)\s+(?:answer|reply|response)"
         r"|refer\s+to\s+(?:the|my)\s+(?:last|previous)\s+(?:frame|answer)"
         r"|repeat\s+of\s+(?:the|my)\s+(?:last|previous)\s+answer")
POINTS_BACK = re.compile(rf"^\s*(?:{_BACK})\s*[.!]*\s*$", re.I)
POINTING_BACK_LEAD = re.compile(rf"^\s*(?:{_BACK}|no\s+change)\s*[:;,.!\u2014\u2013-]+\s*(?=\S)",
                                re.I)
# A first yes or no that the answer then takes back: "Initially no, but then one appears from
# behind the van.", "At first yes, but it's a van."
_FIRST_ANSWER_BUT = re.compile(
    r"^(?:initially|at first|first),?\s+(?:no|yes)\b[^.!?]*?([,;.]?\s+but)\b", re.I)
# A likeness the answer then corrects with what the thing is: "Looks like a motorcycle, but
# it's a scooter.", "Shaped like one, but it's a yield sign." The "but" takes the likeness back,
# as "Actually," would; "Looks like a bus, but it's far off." names nothing else and keeps it
# (`concepts.ConceptExtractor.answer`).
LIKENESS_BUT = re.compile(
    r"^(?:(?:it|that|this)\s+)?(?:looks|looked|seems|seemed|is\s+shaped|shaped|resembles)"
    r"(?:\s+like)?\b[^.!?]*?([,;.]?\s+but)(?=\s+(?:it|that|this)(?:'s|\s+is)\s+"
    r"(?:actually\s+|really\s+|in\s+fact\s+)?(?:just\s+|only\s+)?(?:a|an)\s)", re.I)
# A light that changed, after its colour was said in the past: "It was red, but it just turned
# green.", "It was amber; now it's red."
_STATE_CHANGE = re.compile(
    r"[,;.]\s*(?:but\s+)?(?:(?:(?:it|the\s+light|the\s+signal)\s+)?(?:has\s+)?"
    r"(?:just\s+|since\s+)?(?:turned|changed)(?:\s+to)?|now(?:\s+it(?:'s|\s+is))?)"
    r"(?=\s+(red|amber|yellow|orange|green)\b)", re.I)
# What makes "Actually, there is also a bus." an addition, not a correction.
_ADDITION = re.compile(r"\b(?:also|too|as well|additionally|another|in addition)\b", re.I)
# A light changing from one colour to another is read at its end: "turning from green to amber".
_FROM_TO = re.compile(r"\bfrom\s+(?:red|amber|yellow|orange|green)\s+to\s+"
                      r"(red|amber|yellow|orange|green)\b", re.I)
_PAST_COLOUR = re.compile(
    r"\b(?:was|were)\s+(?:[a-z]+ly\s+|still\s+)?(?:red|amber|yellow|orange|green)\b", re.I)
# Where a JSON answer may open: the text's start or a line's.
_JSON_START = re.compile(r"(?:^|\n)[ \t]*([\[{])")
_DECODER = json.JSONDecoder()
# How much of an answer, and how many closing brackets, a Python literal is looked for in.
_LITERAL_MAX_CHARS = 20_000
_LITERAL_MAX_TRIES = 8
# Lettered or numbered options in a prompt: "(A) Yes (B) No", "A. bus B. bicycle", "a) left b)
# right", "1) a bus 2) a truck".
_OPTION = re.compile(r"(?:^|(?<=[\s:?]))(?:\(([A-Ha-h1-8])\)|([A-Ha-h1-8])[.)])\s+")
# Options that only say yes or no, or that the model cannot tell: the answer's form, which the
# question asks nothing through ("Is the car red? A. Yes B. No").
_YES_NO_OPTIONS = frozenset({"yes", "no", "not sure", "unsure", "cannot tell", "can't tell",
                             "cannot be determined", "unknown", "i don't know", "maybe"})
# An instruction that follows the last option on its line, which is not that option's text:
# "A. Yes B. No Please answer yes or no."
_AFTER_OPTION = re.compile(r"\s+(?=(?:please\s+)?(?:answer|respond|reply|select|choose|pick)\b)",
                           re.I)
# The label that opens a prompt's options: "Options:", "Choices:".
_OPTIONS_LABEL = re.compile(r"\b(?:options|choices|answer choices)\s*:\s*$", re.I)
# A letter answering them, after an optional "Answer:" label, alone or with more after a stop,
# a dash, a comma, a line break or a bracket: "B", "(B) No", "A. yes", "B - only a truck.",
# "B\n\nNote: it is dark.", "B (no bus visible)".
_LETTER = re.compile(
    r"^\W*(?:(?:final\s+)?answer\W*:\W*)?(?:option\s+)?\(?([A-Ha-h1-8])\)?\**"
    r"(?:[.:)]\s*|\s*$|\s*[-\u2013\u2014,;]\s*|[ \t]*\n\s*|\s+(?=\())(.*)$", re.S | re.I)
# ... or after "the answer is" or "I'd pick" at the end, or before a remark after it: "Step by
# step, ... The answer is (B).", "I'd pick C. I may be wrong."
_FINAL_LETTER = re.compile(
    r"\b(?:answer(?:\s+is|\s*:)|(?:i'd|i\s+would|i'll|i\s+will|i)\s+(?:pick|choose|select"
    r"|go\s+(?:with|for)))(\s*\**\s*(?:option\s+)?\(?([A-Ha-h1-8])\)?\**[.!]?\**[ \t]*)"
    r"(?:\s*$|(?=[(\n])|(?<=[.!]\s)(?=\w))", re.I)
# Where letters that answer end: the answer's end, or a remark after them on a line of its own,
# in brackets or in a sentence of its own ("A and B. I may be wrong.").
_LETTERS_END = r"[ \t]*[.!]?(?:\s*$|(?=\s*[(\n])|(?<=[.!])(?=\s+\w))"
# Several letters answering them: "A and B.", "Both A and C", "A, C", "Options 2 and 3."
_LETTERS = re.compile(r"^\W*(?:answers?\s*:\s*)?(?:both\s+)?(?:options?\s+)?"
                      r"(\(?[A-Ha-h1-8]\)?(?:\s*(?:,|&|\+|\band\b)\s*\(?[A-Ha-h1-8]\)?)+)"
                      + _LETTERS_END, re.I)
# All but one of them: "All except C.", "All but B", "Everything apart from A".
_ALL_BUT_LETTER = re.compile(r"^\W*(?:all|everything|all of them|all of the above)\s+"
                             r"(?:except(?:\s+for)?|but|apart\s+from|save\s+for)\s+"
                             r"(?:option\s+)?\(?([A-Ha-h1-8])\)?" + _LETTERS_END, re.I)


# A negation of a negation, which says the thing is so: "I wouldn't say it isn't red." is "it
# is red.", "It's not like there's no stop sign" is "there's stop sign"; a negated calling says
# one negation: "I wouldn't call it dry" is "it isn't dry". "I can't say the bus isn't there"
# is a doubt, and stays.
_NEGATED_SAYING = (r"\b(?:(?:i|we)\s+)?(?:wouldn't|would\s+not)\s+"
                   r"(?:really\s+|exactly\s+)?(?:say|claim)\s+(?:that\s+)?"
                   r"|\b(?:it's|it\s+is)\s+not\s+(?:like|as\s+if|as\s+though)\s+")
_DOUBLE_NEGATION = re.compile(
    rf"(?:{_NEGATED_SAYING})(?P<subject>there|it|they|the\s+[a-z]+)(?P<verb>'s|'re|\s+is|\s+are)?"
    r"(?:\s+not\b|\s+no\b|n't\b)", re.I)
_NEGATED_CALLING = re.compile(
    r"\b(?:(?:i|we)\s+)?(?:wouldn't|would\s+not)\s+(?:really\s+)?call\s+(?P<object>it|them)\b",
    re.I)
_VERB_OF = {"there": "'s", "it": " is", "they": " are"}


def _unnegated(match: re.Match[str]) -> str:
    """A `_DOUBLE_NEGATION` match as the clause it says is so."""
    subject = match["subject"]
    verb = match["verb"] or _VERB_OF.get(subject.lower(), " is")
    return f"{subject}{verb}"


def plain_answer(answer: str, prompt: str = "") -> str:
    """`answer` as the prose the reader takes (module docstring); `prompt` holds any options.
    A key and its value joined by "=" ("road=wet") read as a label and its value, a nuScenes
    category as the thing it names ("vehicle.bus.rigid" as "bus rigid"), a count written
    as a multiple ("bus x0") as a label's count ("bus: 0"), a time in a clip ("[00:02]",
    "t=3.2s") as nothing (it says when, not how many), a probability given for a thing as
    its presence or absence (`_PROBABILITY`), a tracker's id as the class it tracks ("ID 3
    (car)" as "the car"), and a negated negation as what it says is so ("I wouldn't say it
    isn't red." as "it is red.")."""
    text = _option_text(_coded(spoken(answer, prompt), prompt), options(prompt))
    structured = _json_text(text)
    if structured is None:
        structured = _fields_text(text)
    if structured is not None:
        return structured
    while _COORDINATES.search(text):
        text = _COORDINATES.sub(" ", text)
    if _PROBABILITY_CUES.search(text):
        text = _PROBABILITY.sub(_as_said, text)
    if "(" in text:
        text = _TRACK_ID.sub(r"the \1", text)
    if ":" in text or "=" in text:
        text = _TIMESTAMP.sub(" ", text)
    text = _TIMES_BEFORE.sub(r"\1 ", _TIMES_AFTER.sub(r": \1", text))
    if "=" in text:
        text = _KEY_VALUE.sub(": ", text)
    if "." in text:
        text = _DOTTED_CATEGORY.sub(lambda m: _DOTTED_NAMES.get(m.group(0).lower()) or m.group(
            1).replace(".", " ").replace("_", " "), text)
    if "n't" in text.lower() or " not " in text.lower():
        text = _NEGATED_CALLING.sub(lambda m: "they aren't" if m["object"].lower() == "them"
                                    else "it isn't", _DOUBLE_NEGATION.sub(_unnegated, text))
    return _FROM_TO.sub(r"\1", _EMPTY_BRACKETS.sub(" ", text))


# PaliGemma's task prefix and language: "answer en is the road wet", "caption en".
_TASK_PREFIX = re.compile(r"^\s*(?:answer|caption|describe|question)\s+(?:en|es|fr|de|pt|nl|ja|zh"
                          r"|ko|ru)\b\s*", re.I)
# A yes/no question asked inside another ("Would you say the road is wet?", "Do you think
# there is a bus?"), which asks what it would ask on its own ("Is the road wet?").
_EMBEDDED_QUESTION = re.compile(
    r"^(?:would you say|do you think|would you agree|do you agree|is it true|can you confirm"
    r"|could you confirm)(?:\s+that)?\s+((?:(?!\b(?:that|which|who)\b)[^?])+?)"
    r"\s+(is|are|was|were)\s+([^?]+)\?$", re.I)


@lru_cache(maxsize=256)
def question_text(prompt: str) -> str:
    """The question a prompt asks, without what a chat template or a benchmark wraps it in: a task
    prefix ("answer en "), tags ("<image>\n"), role and question labels ("USER:", "Q:", "Question:",
    a closing "ASSISTANT:"), instructions about the image or the answer's form ("Please look at the
    image.", "Answer briefly.", "Please answer yes or no."; `_INSTRUCTION`), and "in this image" at
    the question's end, where every question is ("Is the car red in this image?"). A question typed
    without its mark gets one ("Is the road snowy", "There's no truck, right"), one asked inside
    another is asked on its own ("Would you say the road is wet?" asks "Is the road wet?"), and a
    statement with a tag as the question ("The car is white, correct?" asks "Is the car
    white?"). Options that only say yes or no go; others are read as a list (`_options_listed`),
    as they name what is asked about. "<image>\nIs the car red? Answer briefly." and "Is the car
    red? A. Yes B. No" ask "Is the car red?". Kept for the last prompts read, as every answer
    asks it of its prompt."""
    text = _TASK_PREFIX.sub("", _TAG.sub(" ", _ROLE.sub(" ", prompt)))
    text = _INSTRUCTION.sub(" ", _options_listed(_ROLE_LABEL.sub(" ", text)))
    text = _CODE_INSTRUCTION.sub(" ", text)
    text = _IN_THE_IMAGE.sub("", text)
    text = " ".join(text.split())
    text = _EMBEDDED_QUESTION.sub(lambda m: f"{m[2].capitalize()} {m[1]} {m[3]}?", text)
    if "?" not in text and (_QUESTION_OPENING.match(text) or _TAG_QUESTION.search(text)):
        text = text.rstrip(" .") + "?"  # "Is the road snowy" typed without its mark
    text = _TAGGED_STATEMENT.sub(lambda m: f"{m[2].capitalize()} {m[1]} {m[3]}?", text)
    return text or prompt


# Where a prompt asks a second question: after a "?" ("Is the road wet? Is it night?") or
# after ", and" ("Is there a bus, and what colour is the light?").
_NEXT_QUESTION = re.compile(r"(?:\?|,\s*and)\s+(?=" + _QUESTION_OPENING.pattern + ")", re.I)


def asks_to_confirm(question: str) -> bool:
    """Whether the question is a statement with a tag after it that asks to confirm it ("No
    pedestrians, correct?", "The car is white, isn't it?")."""
    return _CONFIRMED.search(question) is not None


def questions_asked(prompt: str) -> list[str]:
    """The questions a prompt asks, each as a question of its own: "Is there a bus, and what
    colour is the light?" asks "Is there a bus?" and "What colour is the light?"; a prompt
    that asks one question gives it alone."""
    text = question_text(prompt)
    parts = [p.strip(" ,") for p in _NEXT_QUESTION.split(_PREAMBLE.sub("", text, count=1))
             if p.strip(" ,?")]
    if len(parts) < 2 or not all(_QUESTION_OPENING.match(p) for p in parts):
        return [text]
    return [p[:1].upper() + p[1:] + ("" if p.endswith("?") else "?") for p in parts]


def question_preamble(question: str) -> str:
    """What stands before the question proper in `question_text`'s output, up to its comma or
    colon (`_PREAMBLE`: "In this frame, " in "In this frame, is the light green?"), else "".
    Whether it asks nothing is the reader's to say: one that names a concept ("Looking at the
    bus, is it red?") is part of the question."""
    opening = _PREAMBLE.match(question)
    return opening.group(0) if opening else ""


@lru_cache(maxsize=1024)
def spoken(answer: str, prompt: str = "") -> str:
    """What the answer itself says, in its own format: without an echoed turn or question, a
    reasoning block, tags (their boxes with them) and a chat model's framing (`unframed`),
    also inside a chat template's tags ("<|im_start|>assistant\nSure! No.<|im_end|>" says
    "No."), and the prose of a JSON object that holds only the answer (`_answer_field`: {"answer":
    "No."}). Kept for the last answers read, as the reader asks it of each answer twice, once
    through `plain_answer`."""
    text = NOT_THE_ANSWER.sub(" ", _ECHOED_TURN.sub(" ", answer))
    text = _without_echo(unframed(_ROLE.sub(" ", text)), prompt)
    text = _TAG.sub(" ", _ATTRIBUTE_TAG.sub(" ", _GEOMETRY_TAGS.sub(" ", unframed(text))))
    # a prompt the model goes on from, echoed inside its tags: "<grounding> An image of<phrase>
    # a red car</phrase>..." to "<grounding>An image of"
    text = unframed(_without_echo(text, prompt))
    field = _answer_field(text) if "{" in text else None
    return text if field is None else unframed(_without_echo(field, prompt))


def _without_echo(answer: str, prompt: str) -> str:
    """`answer` without the question repeated before it, as a base model's completion or a
    decoded prompt and answer give it ("Is there a bus? Nope.", "Q: Is there a bus?\nA:
    Nope."): the question names what it asks about, not what the answer says is there. The
    answer comes here without its framing, so the question is also compared without its own
    ("I think there's a dog. Am I right?" comes as "there's a dog. Am I right?"). A yes/no
    question of the answer's own before its answer goes too (`_OWN_QUESTION`: "Is it a bus?
    Yes.", "Do you see anyone? Because I don't."): it asks, and says nothing is there."""
    text = _ROLE_LABEL.sub("", answer.lstrip(), count=1)
    for asked in dict.fromkeys((prompt.strip(), question_text(prompt), unframed(prompt))):
        if asked and text[: len(asked)].lower() == asked.lower() and text[len(asked) :].strip():
            return text[len(asked) :]
    own = _OWN_QUESTION.match(text)
    return text[own.end() :] if own else answer


_EMOJI_WORD = re.compile("|".join(EMOJI_WORDS))
# A traffic light's emoji and then its colour's: "\U0001F6A6\U0001F534" is a red traffic light.
_LIT_SIGNAL = re.compile("(\U0001F6A6|\U0001F6A5)\\s*(\U0001F534|\U0001F7E2|\U0001F7E1|\U0001F7E0)")
# Words that leave the answer waiting for a noun: an emoji after them is one.
_AWAITING_NOUN = re.compile(r"\b(?:just|only|the|and|or|of|with|plus)\s*$", re.I)


def _emoji_as_words(answer: str) -> str:
    """`answer` with the emoji `EMOJI_WORDS` knows as their words: all of them where the answer
    is emoji alone ("\U0001F44D", "\U0001F6AB\U0001F69A"), else those that stand among its
    words, not closing it ("Yes \U0001F6B4 in the bike lane"; "Of course. \U0001F697" closes
    with a decoration)."""
    if _EMOJI_WORD.search(answer) is None:
        return answer
    answer = _LIT_SIGNAL.sub(lambda m: f" {EMOJI_WORDS[m.group(2)]} traffic light ", answer)
    if not _EMOJI.sub("", _EMOJI_WORD.sub("", answer)).strip():
        return _EMOJI_WORD.sub(lambda m: f" {EMOJI_WORDS[m.group(0)]} ", answer)
    closing = re.search(rf"(?:\s|{_EMOJI.pattern})*$", answer)
    end = closing.start() if closing else len(answer)
    if _AWAITING_NOUN.search(answer[:end]):
        end = len(answer)  # "No \U0001F68C, just \U0001F695" closes on a noun
    return _EMOJI_WORD.sub(lambda m: f" {EMOJI_WORDS[m.group(0)]} ", answer[:end]) + answer[end:]


def unframed(answer: str) -> str:
    """`answer` without a chat model's framing around it (`_ACKNOWLEDGMENT`, `_EVIDENCE`,
    `_EVIDENCE_AFTER`, `_LABEL`, `_COURTESY`, `_BULLET`), the quotes or emphasis around all of
    it, said once where a generation repeats it line for line, without emoji, a score or a frame
    in brackets beside it (`_SCORE_OR_FRAME`) or "in the image" closing a clause
    (`_IN_THE_IMAGE_AFTER`), with its spaces single (no-break ones too), full-width punctuation
    as ASCII, a line broken after a comma joined, a yes or no said twice, or after the mark that
    stands for it, said once, what follows a yes or no in brackets as after a comma, and without
    a Markdown block quote's marks or a closing smiley: "Sure!
    Based on the image, no. Hope this helps!" is "no.", and so are "Answer: Answer: no",
    '"No."', "*No.*" and "No (see image)."; "No,\nit's stopped." is "No, it's stopped."."""
    text = _SCORE_OR_FRAME.sub("", _EMOJI.sub("", _emoji_as_words(
        answer.translate(_FULL_WIDTH)))).replace("\u00a0", " ").strip()
    lines = {line.strip() for line in text.splitlines() if line.strip()}
    if len(lines) == 1 and "\n" in text:
        text = lines.pop()  # a generation that said its answer again, line for line
    if text.startswith(">") and all(line.lstrip().startswith(">")
                                    for line in text.splitlines() if line.strip()):
        text = _BLOCK_QUOTE.sub("", text).strip()
    text = _MARKED_YES_NO.sub("", _EMOTICON.sub("", text))
    text = _SPACES.sub(" ", _COMMA_LINE_BREAK.sub(", ", text))
    if _IMAGE_NOUNS.search(text):
        text = _IN_THE_IMAGE_AFTER.sub(_unless_placing, text)
    text = _REPEATED_YES_NO.sub(r"\1", _EMPHASISED_YES_NO.sub(r"\2", text))
    text = _NO_WITHOUT_COMMA.sub(r"\1, ", _BARE_YES_NO.sub(r"\1, ", text))
    text = _BRACKETED_AFTER_YES_NO.sub(r"\1, \2\3", _QUOTED.sub(r"\1", _COURTESY.sub("", text)))
    text = _EMPHASISED.sub(lambda m: m["starred"] or m["underlined"], text)
    if _EVIDENCE_AFTER_WORDS.search(text):
        text = _EVIDENCE_AFTER.sub("", text)
    while True:
        opened = _BULLET.sub("", _LABEL.sub("", _EVIDENCE.sub("", _ACKNOWLEDGMENT.sub(
            "", text))))
        if opened == text or _NOTE.match(opened):
            return text  # "Certainly. Note: low light.": the note is no answer
        text = opened


def _unless_placing(match: re.Match[str]) -> str:
    """An `_IN_THE_IMAGE_AFTER` match without its "in the image", unless the word before it
    places a thing there (`_PLACING_WORDS`, "it's", "isn't")."""
    word = match["before"].lower().replace("\u2019", "'")
    placing = word in _PLACING_WORDS or word.endswith(("'s", "'re", "n't"))
    return match[0] if placing else match["before"]


def correction(answer: str) -> tuple[str, str] | None:
    """(what is taken back, what stands) when the answer corrects itself, split at its last
    correction (`_CORRECTION`; a no after a pause stays to be read) or at a change from a
    state said in the past ("It was red, but it just turned green."), with a colour said
    alone after it given to the thing before (`_CORRECTED_COLOUR`); None when it does not,
    or nothing follows the correction."""
    marks = [(m.end("pause") if m["pause"] else m.start(), m.end(), m)
             for m in _CORRECTION.finditer(answer)] + [
        (m.start(), m.end(), m) for m in _STATE_CHANGE.finditer(answer)
        if _PAST_COLOUR.search(answer[: m.start()])] + [
        (m.start(1), m.end(1), m) for m in _THOUGHT_BUT.finditer(answer)] + [
        (m.start(1), m.end(1), m) for m in LIKENESS_BUT.finditer(answer)] + [
        (m.start(1), m.end(1), m) for m in _FIRST_ANSWER_BUT.finditer(answer)]
    start, end, last = max(marks, key=lambda mark: mark[1], default=(0, 0, None))
    if last is None or not answer[end:].strip(" ,.\n"):
        return None
    before = answer[:start]
    if last.re is not _STATE_CHANGE and _ADDITION.search(answer[end:]):
        return None  # "A car. Actually, there is also a bus." takes nothing back
    if last.re is _STATE_CHANGE:  # what stands is the thing said before, in its new colour
        return before, _PAST_COLOUR.sub(f"is {last.group(1)}", before, count=1) + "."
    colour = _CORRECTED_COLOUR.match(answer, end)
    if colour is not None and _LAST_COLOUR.search(before):
        recoloured = _LAST_COLOUR.sub(colour.group(1), before).rstrip(" ,;")
        return before, f"{recoloured} {answer[colour.end():]}".strip()
    return before, answer[end:]


def options(prompt: str) -> dict[str, str]:
    """The prompt's lettered options, {"A": "Yes", "B": "No"}: letters in order from A, at
    least two, each with its text up to the next one, its line's end or an instruction after
    it ("B. No Please answer yes or no."). No options: {}."""
    return {letter: text for letter, _, _, text in _lettered(prompt)}


def _lettered(prompt: str) -> list[tuple[str, int, int, str]]:
    """Each option of `options` as (letter, where its mark starts, where its text ends, its
    text); [] when the prompt offers none. Numbers from 1 serve as letters do."""
    marks = list(_OPTION.finditer(prompt))
    letters = [(m.group(1) or m.group(2)).upper() for m in marks]
    if len(marks) < 2 or (letters != [chr(ord("A") + i) for i in range(len(marks))]
                          and letters != [str(i + 1) for i in range(len(marks))]):
        return []
    found = []
    for letter, mark, upto in zip(letters, marks, [m.start() for m in marks[1:]] + [len(prompt)],
                                  strict=True):
        line_end = prompt.find("\n", mark.end(), upto)
        end = upto if line_end < 0 else line_end
        instruction = _AFTER_OPTION.search(prompt, mark.end(), end)
        end = end if instruction is None else instruction.start()
        found.append((letter, mark.start(), end, prompt[mark.end() : end].strip(" \n,;.")))
    return found


# What may close an option's text inline, before the next one: "(A) red, (B) amber or (C)".
_OPTION_JOINT = re.compile(r"(?:\s*(?:,|;|\bor\b|\band\b))+\s*$", re.I)


def _options_listed(prompt: str) -> str:
    """`prompt` with its options, and the label before them, as what they offer: without
    them where they only offer a yes, a no or "cannot tell" (`_YES_NO_OPTIONS`: "Is the car
    red? A. Yes B. No" asks "Is the car red?"), else as a plain list, as the question would
    name them ("Which of these are visible? (A) taxi (B) tram (C) van" asks "... taxi, tram
    or van", "Is the light (A) red, (B) amber or (C) green?" asks "Is the light red, amber or
    green?"), so that what an answer picks is read against the others."""
    found = _lettered(prompt)
    said = {text.lower().rstrip(".!") for _, _, _, text in found}
    if not found:
        return prompt
    before = _OPTIONS_LABEL.sub("", prompt[: found[0][1]])
    if {"yes", "no"} <= said and said <= _YES_NO_OPTIONS:
        return f"{before} {prompt[found[-1][2] :]}"
    texts = [_OPTION_JOINT.sub("", text.rstrip("?")) for _, _, _, text in found]
    asked = "?" if found[-1][3].endswith("?") else ""
    listed = f"{', '.join(texts[:-1])} or {texts[-1]}{asked}"
    return f"{before}{listed} {prompt[found[-1][2] :]}"


def answer_to_all(answer: str, prompt: str) -> str:
    """`answer` as it answers the whole of a prompt that asks several questions, before it is
    read as the answer to each: without the prompt echoed before it ("Q: Is there a bus, and
    is there a truck?\nA: ..."), and with a letter it answers by as its option's text
    (`_option_text`: "B" to "... A. Yes B. No" is "No")."""
    text = _without_echo(_ROLE.sub(" ", answer).strip(), prompt)
    return _option_text(_ROLE_LABEL.sub("", text.strip(), count=1), options(prompt))


# Codes a prompt gives for a yes and a no: "Answer with 1 for yes and 0 for no.", "Reply Y = yes,
# N = no".
_CODES = re.compile(r"\b(\w+)\s*(?:for|=|means)\s*(yes|no)\b\W+(?:and\s+|or\s+)?(\w+)\s*"
                    r"(?:for|=|means)\s*(yes|no)\b", re.I)


# The instruction that gives them, which asks nothing of the frame.
_CODE_INSTRUCTION = re.compile(r"(?:(?:please\s+)?(?:answer|respond|reply)(?:\s+with)?\s+)?"
                               + _CODES.pattern + r"\s*[.!]?", re.I)


def _coded(answer: str, prompt: str) -> str:
    """A bare code the prompt gives for a yes or a no as that word: "0" to "Is there a
    pedestrian? Answer with 1 for yes and 0 for no." is "No"."""
    match = _CODES.search(prompt)
    if match is None or match.group(2).lower() == match.group(4).lower():
        return answer
    said = answer.strip().strip(".!").lower()
    codes = {match.group(1).lower(): match.group(2), match.group(3).lower(): match.group(4)}
    return codes[said].capitalize() if said in codes else answer


def _option_text(answer: str, offered: dict[str, str]) -> str:
    """A letter answer as its option's text: "B" -> "No"; "B. No, there isn't." keeps its
    words; "C. It is on the left." becomes "<option C>. It is on the left."; a letter that ends
    a reasoning chain ("..., so the answer is (B).", "I'd pick C.") becomes its option's text
    there; several letters ("A and C", "2, 3") become their options' texts joined by "and",
    and "All except C." the others'."""
    if not offered:
        return answer
    several = _LETTERS.match(answer)
    if several is not None:
        picked = [offered.get(k.upper()) for k in re.findall(r"\b[A-Ha-h1-8]\b", several.group(1))]
        if all(picked):  # "A and C" -> "dog and bus"
            return " and ".join(dict.fromkeys(p for p in picked if p)) + "." + \
                _remark_after(answer[several.end() :])
    but = _ALL_BUT_LETTER.match(answer)
    if but is not None and but.group(1).upper() in offered:  # "All except C."
        return " and ".join(t for k, t in offered.items() if k != but.group(1).upper()) + "." + \
            _remark_after(answer[but.end() :])
    final = _FINAL_LETTER.search(answer)
    if final is not None and final.group(2).upper() in offered:
        return f"{answer[: final.start(1)]} {offered[final.group(2).upper()]}." + \
            _remark_after(answer[final.end(1) :])  # "I'd pick C. I may be wrong."
    match = _LETTER.match(answer)
    if match is None or match.group(1).upper() not in offered:
        return answer
    option, rest = offered[match.group(1).upper()], match.group(2).strip()
    if not rest:
        return option
    said = re.match(rf"{re.escape(option)}\b", rest, re.I)  # "No, ...", not "Note: ..."
    return rest if said else f"{option}. {rest}"


def _remark_after(rest: str) -> str:
    """What follows a letter answer, kept as it stood: on a line of its own, or after a space
    ("\n\nNote: it is dark.", " (based on ...)", " I may be wrong.")."""
    rest = rest.rstrip()
    return rest if rest.startswith("\n") else f" {rest.lstrip()}" if rest else ""


def _json_text(text: str) -> str | None:
    """A JSON answer as what it names, "none" when it is empty, or None when no line of `text`
    opens a JSON list or object, or the JSON holds no word (a bare box is read as prose).
    Boxes, points and scores name nothing and go. Prose around the JSON ("Sure! Here are the
    detections:") is left out: the JSON is the answer, and an opening "Sure!" is no yes."""
    for start in _JSON_START.finditer(text):
        value = _structure_at(text, start.start(1))
        if isinstance(value, list | dict):
            return _value_text(value) or None
    return None


def _answer_field(text: str) -> str | None:
    """The prose of a JSON answer that holds only the answer (`_ANSWER_KEYS`: {"answer":
    "Black, like most of the cars here."}), to be read as prose is; else None."""
    for start in _JSON_START.finditer(text):
        value = _structure_at(text, start.start(1))
        if isinstance(value, dict) and len(value) == 1:
            (key, said), = value.items()
            if str(key).lower() in _ANSWER_KEYS and isinstance(said, str):
                return said
        return None
    return None


def _fields_text(text: str) -> str | None:
    """Fields written one to a line, or as a YAML list of them, that describe a named thing by
    its colour, state or presence ("label: traffic_light\nstate: red", "- name: dog\n  present:
    false"), read as the JSON objects they stand for ("red traffic_light", "no dog"); None for
    anything else, which is read as prose (where "label: bus" already names the bus). Each
    "- " opens a record; a field with no value ("objects:") heads the list and is left out.
    Indentation is not relied on, as the reader has already squashed runs of spaces."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or not all(_FIELD_LINE.match(line) for line in lines):
        return None
    records: list[dict[str, object]] = [{}]
    for line in lines:
        opens = line.lstrip().startswith("-")
        key, _, value = line.lstrip(" \t-").partition(":")
        if opens and records[-1]:
            records.append({})
        if value.strip():
            word = value.strip().lower()
            records[-1][key.strip()] = _TRUTHS.get(word, value.strip())
    records = [r for r in records if r]
    return (_value_text(records) or None) if _describes_a_named_thing(records) else None


def _describes_a_named_thing(value: object) -> bool:
    """Whether `value` holds a mapping with a name key (`_NAME_KEYS`) beside a colour, state or
    presence key."""
    if isinstance(value, list):
        return any(_describes_a_named_thing(v) for v in value)
    if not isinstance(value, dict):
        return False
    if _field(value, _NAME_KEYS, str) is not None and (
            _field(value, _COLOUR_KEYS, str) is not None
            or _field(value, _PRESENCE_KEYS, bool) is not None):
        return True
    return any(_describes_a_named_thing(v) for v in value.values())


def _structure_at(text: str, at: int) -> object:
    """The JSON value that opens at `at`, or, where it is not JSON, the Python literal that
    does (a printed dict with single quotes, as Florence-2's post-processing gives:
    `{'<OD>': {'bboxes': [...], 'labels': ['car']}}`); None for neither. `ast.literal_eval`
    builds literals only and runs no code."""
    try:
        return _DECODER.raw_decode(text, at)[0]
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack
        pass
    close = {"[": "]", "{": "}"}[text[at]]
    end = text.rfind(close, at, at + _LITERAL_MAX_CHARS)
    for _ in range(_LITERAL_MAX_TRIES):  # bounded: an answer is untrusted text
        if end <= at:
            break
        try:
            return ast.literal_eval(text[at : end + 1])
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            end = text.rfind(close, at, end)
    return None


def _value_text(value: object, key: str = "") -> str:
    """One JSON value as words; `key` is the key it stands under, which says whether a number
    is a count or a position."""
    if isinstance(value, bool):  # before int: a bool is one
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return "" if _GEOMETRY_KEYS.search(key) else str(value)
    if isinstance(value, str):
        return value
    if not value:  # [] or {}: nothing found
        return "none"
    if isinstance(value, list):
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return ""  # a box or a point
        items = [t for t in (_value_text(v, key) for v in value) if t]
        # a denied item ("no dog") would deny the items after it too if joined by commas
        return ("; " if any(t.startswith("no ") for t in items) else ", ").join(items)
    if isinstance(value, dict):
        name = _field(value, _NAME_KEYS, str)
        if name is not None:
            said = f"{_field(value, _COLOUR_KEYS, str) or ''} {name}".strip()
            return f"no {said}" if _field(value, _PRESENCE_KEYS, bool) is False else said
        described = _described(value, key)
        if described is not None:
            return described
        lines = []
        for k, v in value.items():
            label, words = _key_text(str(k)), _value_text(v, str(k))
            if isinstance(v, dict) and _described(v, str(k)) is not None:
                lines.append(words)  # {"bus": {"visible": false}} -> "no bus", not "bus: ..."
            elif words:  # a key that was all tag ("<OD>") leaves no label
                lines.append(f"{label}: {words}" if label else words)
            elif isinstance(v, list) and not _GEOMETRY_KEYS.search(str(k)):
                lines.append(label)  # {"car": [[x0, y0, x1, y1]]}: boxes of what it names
        return "\n".join(lines)
    return ""


def _field(value: dict, keys: tuple[str, ...], kind: type) -> object:
    """The first value of type `kind` under one of `keys`, in any case ("Color", "COLOR"), or
    None."""
    lowered = {str(k).lower(): v for k, v in value.items()}
    return next((lowered[k] for k in keys if isinstance(lowered.get(k), kind)), None)


def _described(value: dict, key: str) -> str | None:
    """An object described under its label `key` by its colour or state, or by whether it is
    there: {"visible": true, "colour": "red"} under "traffic_light" is "red traffic light",
    {"visible": false} under "bus" is "no bus"; None when `value` says neither."""
    colour = _field(value, _COLOUR_KEYS, str) or ""
    there = _field(value, _PRESENCE_KEYS, bool)
    if not key or (not colour and there is None):
        return None
    return f"no {_key_text(key)}" if there is False else f"{colour} {_key_text(key)}"


def _key_text(key: str) -> str:
    """A JSON key as the label it is: "truck_present" -> "truck", "num_cars" -> "cars",
    "road_wet" -> "wet road"; a key of filler alone ("present", "count") stays."""
    words = key.replace("_", " ").replace("-", " ").split()
    kept = [w for w in words if w.lower() not in _KEY_FILLER] or words
    if len(kept) > 1 and kept[-1].lower() in STATES:
        kept = [kept[-1], *kept[:-1]]  # "road_wet" -> "wet road"
    return " ".join(kept)
