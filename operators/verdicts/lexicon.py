"""The words the answer reader knows: plurals, synonyms, colours, negators, copulas.

Kept apart from the rules in `operators.verdicts.mentions` and `operators.verdicts.concepts` so
that the vocabulary of how people write ("lorry", "nope", "isn't", "grey") can grow without
touching how a text is read, and so that each list says in one place why a word is in it.
"""

from __future__ import annotations

import re

# Irregular plurals and forms the suffix rules would get wrong.
IRREGULAR: dict[str, str] = {
    "people": "person",
    "persons": "person",
    "children": "child",
    "schoolchildren": "schoolchild",
    "kids": "child",
    "kid": "child",
    "men": "man",
    "women": "woman",
    "bus": "bus",
    "buses": "bus",
    "busses": "bus",
    "glass": "glass",
    "grass": "grass",
    "cross": "cross",
    "lens": "lens",
    "lenses": "lens",
    "series": "series",
    "this": "this",
    "is": "is",
    "was": "was",
    "yes": "yes",
    "its": "its",
    "us": "us",
    "taxis": "taxi",
}
# Words outside the vocabulary that name one of its concepts, as VLMs write them. Applied only
# when the target is in the vocabulary; the longest phrase still wins ("zebra crossing" is a
# crosswalk). Choices that narrow or widen a meaning, on purpose:
# - A person out on a driving scene is a pedestrian, whoever they are ("someone", "a jogger",
#   "passers-by"); children keep the vocabulary's own "child".
# - A van stays "van" (its own concept); sedans, SUVs, hatchbacks are cars; pickups, semis,
#   18-wheelers and tractor-trailers are trucks; coaches, minibuses and double-deckers buses.
# - A pylon in a driving scene is a traffic cone, a junction an intersection.
# - "pedestrian crossing" is a crosswalk only where it cannot be a pedestrian who is crossing
#   (`NOUN_ONLY_PHRASES`): "Is a pedestrian crossing the road?" is about a pedestrian.
SYNONYMS: dict[str, str] = {
    "person": "pedestrian",
    "man": "pedestrian",
    "woman": "pedestrian",
    "walker": "pedestrian",
    "jogger": "pedestrian",
    "runner": "pedestrian",
    "hiker": "pedestrian",
    "commuter": "pedestrian",
    "shopper": "pedestrian",
    "onlooker": "pedestrian",
    "bystander": "pedestrian",
    "postman": "pedestrian", "postwoman": "pedestrian", "courier": "pedestrian",
    "businessman": "pedestrian", "businesswoman": "pedestrian",
    "gentleman": "pedestrian", "gentlemen": "pedestrian",
    "granny": "pedestrian", "grandma": "pedestrian", "grandpa": "pedestrian",
    "guy": "pedestrian",
    "lady": "pedestrian",
    "passer by": "pedestrian",
    "someone": "pedestrian",
    "somebody": "pedestrian",
    "anyone": "pedestrian",
    "anybody": "pedestrian",
    "zebra crossing": "crosswalk",
    # on a road, "the zebra" is its crossing: "People are crossing at the zebra."
    "zebra": "crosswalk",
    "pelican crossing": "crosswalk", "puffin crossing": "crosswalk",
    "toucan crossing": "crosswalk",
    "post box": "mailbox", "postbox": "mailbox", "letterbox": "mailbox",
    "cross walk": "crosswalk",
    "pedestrian crossing": "crosswalk",
    "temporary light": "traffic light",  # at roadworks
    "crossing": "crosswalk",  # as a noun only (`NOUN_ONLY_PHRASES`): "at the crossing"
    "stoplight": "traffic light",
    "stop light": "traffic light",
    "traffic signal": "traffic light",
    "signal light": "traffic light",
    # a log's shorthand: "2 peds at the xing.", "Moto on the left.", "3 vehs in lane 2."
    "ped": "pedestrian", "ped xing": "crosswalk", "xing": "crosswalk", "moto": "motorcycle",
    "veh": "vehicle",
    "bike": "bicycle",
    "pushbike": "bicycle",
    "push bike": "bicycle",
    "cyclist on a bike": "cyclist",
    "bicyclist": "cyclist",
    "bike rider": "cyclist",
    "ppl": "pedestrian",
    "dog walker": "pedestrian",
    "motorbike": "motorcycle",
    "motorcyclist": "motorcycle",
    "lorry": "truck",
    "pickup truck": "truck",
    "pickup": "truck",
    "semi": "truck",
    "semi truck": "truck",
    "18 wheeler": "truck",
    "tractor trailer": "truck",
    "big rig": "truck",
    "rig": "truck",
    "snow plough": "truck",
    "snowplough": "truck",
    "snow plow": "truck",
    "snowplow": "truck",
    "gritter": "truck",
    "artic": "truck",  # an articulated lorry
    "coach": "bus",
    "minibus": "bus",
    "double decker": "bus",
    "automobile": "car",
    "sedan": "car",
    "suv": "car",
    "hatchback": "car",
    "coupe": "car",
    "convertible": "car",
    "limousine": "car",
    "limo": "car",
    "station wagon": "car",
    "estate car": "car",
    "saloon car": "car",
    # makes and models that name only cars, motorcycles or scooters; a make that also builds
    # trucks, vans or buses ("Ford", "Volvo", "Mercedes") names none
    "tesla": "car",
    "prius": "car",
    "land rover": "car",
    "range rover": "car",
    "jeep": "car",
    "porsche": "car",
    "ferrari": "car",
    "audi": "car",
    "corolla": "car",
    "camry": "car",
    "uber": "car",
    "lyft": "car",
    "harley": "motorcycle",
    "harley davidson": "motorcycle",
    "ducati": "motorcycle",
    "vespa": "scooter",
    "minivan": "van",
    "cab": "taxi",
    "cop car": "police car",
    "squad car": "police car",
    "panda car": "police car",
    "patrol car": "police car",
    "hydrant": "fire hydrant",
    "streetcar": "tram",
    "youngster": "child",
    "mom": "pedestrian",
    "mum": "pedestrian",
    "mother": "pedestrian",
    "dad": "pedestrian",
    "father": "pedestrian",
    "adult": "pedestrian",
    "teenager": "pedestrian",
    "family": "pedestrian",
    "tourist": "pedestrian",
    "worker": "pedestrian",
    "flagger": "pedestrian",
    "flagman": "pedestrian",
    "construction worker": "pedestrian",
    "road worker": "pedestrian",
    "officer": "pedestrian",
    "police officer": "pedestrian",
    "policeman": "pedestrian",
    "policewoman": "pedestrian",
    "traffic warden": "pedestrian",
    "crossing guard": "pedestrian",
    "schoolchild": "child",
    "schoolkid": "child",
    "boy": "child",
    "girl": "child",
    "schoolboy": "child",
    "schoolgirl": "child",
    "baby": "child",
    "infant": "child",
    "pupil": "child",
    "student": "pedestrian",
    "grown up": "pedestrian",
    "grownup": "pedestrian",
    "road work": "roadwork",
    "toddler": "child",
    "street": "road",
    "traffic sign": "road sign",
    "street sign": "road sign",
    "sign": "road sign",  # in a driving scene a sign is a road sign; "no sign of" is none
    "warning sign": "road sign",
    "pedestrian crossing sign": "road sign",  # a sign for a crossing, not a pedestrian
    "wiper": "windshield wiper",
    "windscreen wiper": "windshield wiper",
    "crosswalk sign": "road sign",
    "avenue": "road",
    "alley": "road",
    "alleyway": "road",
    "guardrail": "barrier",
    "guard rail": "barrier",
    "boulevard": "road",
    "motorway": "highway",
    "freeway": "highway",
    "expressway": "highway",
    "construction": "construction zone",
    "road marking": "lane marking",
    # vehicles by their trade names
    "fire engine": "fire truck",
    "fire appliance": "fire truck",
    "trolley car": "tram",
    "light rail": "tram",
    "light rail train": "tram",
    "light rail vehicle": "tram",
    "moped": "scooter",
    "paramedic van": "ambulance",
    "police cruiser": "police car",
    "police suv": "police car",
    "patrol suv": "police car",
    "cop suv": "police car",
    # the ego car's own parts, as the frame shows them
    "rearview mirror": "rear-view mirror",
    "rear view mirror": "rear-view mirror",
    # the driver's own mirror: "in the mirror" (a van's "side mirror" is none)
    "the mirror": "rear-view mirror",
    "our mirror": "rear-view mirror",
    "my mirror": "rear-view mirror",
    "your mirror": "rear-view mirror",
    "dash": "dashboard",
    "bonnet": "hood of the car",
    "hood of our car": "hood of the car",
    "hood of our vehicle": "hood of the car",
    "hood of my car": "hood of the car",
    "windscreen": "windshield",
    # the weather and the time; clouds that may bring the weather are clouds
    "tonight": "night",
    "snow cloud": "cloud",
    "rain cloud": "cloud",
    "slush": "snow",
    "raindrop": "rain",
    # the street and the roadside
    "railing": "fence",
    "work zone": "construction zone",
    "storefront": "shop",
    "shopfront": "shop",
    "store": "shop",
    "traffic circle": "roundabout",
    "rotary": "roundabout",
    "underpass": "tunnel",
    "footbridge": "bridge",
    "pedestrian bridge": "bridge",
    "jaywalker": "pedestrian",
    "overpass": "bridge",
    "flyover": "bridge",
    "viaduct": "bridge",
    "overhead wire": "power line",
    "overhead cable": "power line",
    "power cable": "power line",
    "hoarding": "billboard",
    "apartment block": "building",
    "apartment building": "building",
    "block of flats": "building",
    "shrub": "bush",
    "hedge": "bush",
    "verge": "grass",
    "grass verge": "grass",
    "grassy verge": "grass",
    "lawn": "grass",
    "slip road": "on-ramp",
    "entrance ramp": "on-ramp",
    "drain cover": "manhole cover",
    "manhole": "manhole cover",
    "high rise": "skyscraper",
    "tower block": "skyscraper",
    "office tower": "skyscraper",
    # lane lines by the names drivers give them
    "lane line": "lane marking",
    "centre line": "lane marking",
    "center line": "lane marking",
    "white line": "lane marking",
    "yellow line": "lane marking",
    "edge line": "lane marking",
    "dashed line": "dashed lane line",
    "dashed white line": "dashed lane line",
    "dashed yellow line": "dashed lane line",
    "broken line": "dashed lane line",
    "broken white line": "dashed lane line",
    "broken centre line": "dashed lane line",
    "broken center line": "dashed lane line",
    "dotted line": "dashed lane line",
    "solid line": "solid lane line",
    "solid white line": "solid lane line",
    "solid yellow line": "solid lane line",
    "double yellow line": "solid lane line",
    "double white line": "solid lane line",
    "double line": "solid lane line",
    "continuous line": "solid lane line",
    "unbroken line": "solid lane line",
    "marking": "lane marking",
    "car park": "parking lot",
    "bin": "trash can",
    "litter bin": "trash can",
    "rubbish bin": "trash can",
    "garbage can": "trash can",
    "dustbin": "trash can",
    "speed limit": "speed limit sign",
    "mph sign": "speed limit sign",
    "give way sign": "yield sign",
    "construction site": "construction zone",
    "pavement": "sidewalk",
    "kerb": "curb",
    "carriageway": "road",
    "asphalt": "road",
    "tarmac": "road",
    "roadway": "road",
    "footpath": "sidewalk",
    "cone": "traffic cone",
    "trafficcone": "traffic cone",  # nuScenes' movable_object.trafficcone
    "pylon": "traffic cone",
    "junction": "intersection",
    "crossroad": "intersection",
    "brake light": "tail lights",
    "taillight": "tail lights",
    "rear light": "tail lights",
    "streetlight": "street lamp",
    "street light": "street lamp",
    "lamp post": "street lamp",
    "lamppost": "street lamp",
    "pedestrian crosswalk": "crosswalk",
    "pedestrian zebra crossing": "crosswalk",
    "post": "pole",  # "a stop sign mounted on a post"
    "signpost": "pole",
    "snowing": "snow",
    "snowy": "snow",
    "snowfall": "snow",
    "snowflake": "snow",
    "blizzard": "snow",
    "raining": "rain",
    "rainy": "rain",
    "rainfall": "rain",
    "rainstorm": "rain",
    "drizzle": "rain",
    "drizzling": "rain",
    "light sprinkle": "rain",  # "a light sprinkle of snow" is snow (NON_CONCEPT_COMPOUNDS)
    "downpour": "rain",
    "pouring": "rain",  # "It's pouring."
    "foggy": "fog",
    "nighttime": "night",
    "night time": "night",
    "cloudy": "cloud",
    "snow covered road": "snowy road",
    "road surface": "road",
    "slushy road": "snowy road",
}
# Words between a definite and its head that pick one out: "the nearest light".
HEAD_MODIFIERS = frozenset({"nearest", "closest", "nearer", "closer", "first", "next", "second",
                            "last", "other", "overhead", "front", "left", "right", "far",
                            "farthest", "furthest"})
# Heads too vague alone that name a concept when one of these colours goes with them (module
# docstring): a green light is a traffic light, a blue one is not.
COLOURED_HEADS: dict[str, tuple[str, frozenset[str]]] = {
    "light": ("traffic light", frozenset({"red", "amber", "yellow", "orange", "green"})),
    "signal": ("traffic light", frozenset({"red", "amber", "yellow", "orange", "green"})),
    "arrow": ("traffic light", frozenset({"red", "amber", "yellow", "orange", "green"})),
    "lamp": ("traffic light", frozenset({"red", "amber", "yellow", "orange", "green"})),
}
# Names of a group of concepts, which a denial of the group denies each of: "No emergency
# vehicles are visible." denies the ambulance, the police car and the fire truck, not every
# vehicle; "an emergency vehicle" said to be there is a vehicle of one of them.
GROUP_NAMES: dict[str, tuple[str, ...]] = {
    "emergency vehicle": ("ambulance", "police car", "fire truck")}
# Synonyms that name only some of their concept: one said to be there is one of it ("a worker
# is standing" is a pedestrian), but none of them is not none of it ("no workers in the lane"
# leaves the pedestrians as they were).
NARROW_SYNONYMS = frozenset({
    "worker", "construction worker", "road worker", "officer", "police officer", "policeman",
    "policewoman", "traffic warden", "crossing guard", "tourist", "teenager", "family", "adult",
    "jogger", "flagger", "flagman",
    "mom", "mum", "mother", "dad", "father", "schoolchild", "youngster", "toddler", "boy", "girl",
    "schoolboy", "schoolgirl", "baby", "infant", "pupil", "student", "grown up", "grownup",
    "runner", "hiker", "commuter", "shopper", "onlooker", "bystander", "postman", "postwoman",
    "courier", "businessman", "businesswoman", "gentleman", "gentlemen", "granny", "grandma",
    "grandpa", "schoolkid"})
# Phrases that name a concept and deny it at once: "no one is crossing", "nobody", "in
# daylight" (no night).
NEGATIVE_SYNONYMS: dict[str, str] = {"no one": "pedestrian", "nobody": "pedestrian",
                                     "riderless": "cyclist",
                                     "noone": "pedestrian", "daytime": "night",
                                     "daylight": "night", "day": "night", "afternoon": "night",
                                     "midday": "night", "noon": "night", "sunny": "night",
                                     "sunshine": "night",
                                     # weather that is over: "It has stopped raining."
                                     "stopped raining": "rain", "stopped snowing": "snow",
                                     # what a place is said to be without: "unfenced"
                                     "unfenced": "fence", "treeless": "tree",
                                     "cloudless": "cloud", "signalless": "traffic light",
                                     "unsignalled": "traffic light",
                                     "unsignaled": "traffic light",
                                     "unsignalized": "traffic light",
                                     "unsignalised": "traffic light"}
# The negative synonyms that name the concept's opposite rather than negate it: "Is it
# daytime?" asks about the night, and its yes says there is none.
OPPOSITES = frozenset({"daytime", "daylight", "day", "afternoon", "midday", "noon", "sunny",
                       "sunshine"})
# Synonyms with a second reading that is not the concept: "a pedestrian crossing the road" is a
# pedestrian, and "cones marking a lane closure" name no lane marking. They name the concept
# only where the noun is meant (`clauses.noun_reading`).
NOUN_ONLY_PHRASES = frozenset({("pedestrian", "crossing"), ("crossing",), ("marking",)})
# Compounds that name a place or a thing, not the vocabulary concept they start with: a bus stop
# is no bus, a bus lane no bus.
NON_CONCEPT_COMPOUNDS = frozenset({("bus", "stop"), ("bus", "shelter"), ("bus", "lane"),
                                   ("bicycle", "rack"), ("bike", "rack"),
                                   # a quad bike is an all-terrain vehicle, no bicycle
                                   ("quad", "bike"),
                                   # places named for what they serve: "a car wash", "the
                                   # taxi rank", "a dog park"
                                   ("car", "wash"), ("car", "dealership"), ("car", "showroom"),
                                   ("taxi", "rank"), ("taxi", "stand"), ("cab", "rank"),
                                   ("train", "station"), ("railway", "station"),
                                   ("tram", "stop"), ("bus", "station"), ("bus", "depot"),
                                   ("police", "station"), ("fire", "station"),
                                   ("fire", "hall"), ("dog", "park"),
                                   # a line's tracks, no vehicle on them: "a tram line"
                                   ("tram", "line"), ("tram", "track"), ("train", "track"),
                                   # colours: "a sky blue car", "Snow white."
                                   ("sky", "blue"), ("snow", "white"), ("fire", "engine", "red"),
                                   ("fire", "truck", "red"),
                                   ("pedestrian", "signal"), ("pedestrian", "light"),
                                   ("sign", "of"),  # "no sign of a cyclist": no road sign
                                   ("road", "user"),  # "vulnerable road users": no road
                                   # idioms: "wall-to-wall cars", "sky-high snowbanks", "beyond
                                   # a shadow of a doubt"
                                   ("wall", "to", "wall"), ("sky", "high"),
                                   ("shadow", "of", "a", "doubt"),
                                   ("car", "length"),  # "two car lengths ahead"
                                   ("car", "charging", "point"),
                                   ("car", "charging", "station"),
                                   ("dash", "cam"), ("dash", "camera"),  # the camera
                                   # where a road crosses a railway, no crosswalk
                                   ("railway", "crossing"), ("railroad", "crossing"),
                                   ("level", "crossing"), ("rail", "crossing"),
                                   ("crossing", "light"), ("crossing", "gate"),
                                   ("crossing", "arm"),
                                   ("pedestrian", "island"), ("pedestrian", "refuge"),
                                   ("pedestrian", "crossing", "signal"),
                                   ("pedestrian", "crossing", "light"),
                                   ("pedestrian", "crossing", "button"),
                                   # the light the scene is lit by: "(Note: low light.)"
                                   ("low", "light"), ("poor", "light"), ("dim", "light"),
                                   ("bad", "light"), ("fading", "light"), ("ambient", "light"),
                                   ("natural", "light"),
                                   # a vehicle's own lamps, not a traffic light
                                   ("turn", "signal"), ("hazard", "light"),
                                   ("interior", "light"), ("warning", "light"),
                                   ("emergency", "light"), ("roof", "light"),
                                   ("roof", "sign"),  # a taxi's, not a road sign
                                   ("post", "office"),
                                   ("light", "sprinkle", "of"),  # "of snow": no rain
                                   ("uber", "eat"),  # "Uber Eats": a courier, no car
                                   ("cat", "and", "dog")})  # it rains "cats and dogs"
# Nouns whose modifier names what is sold, mended or hired there, not a thing in the frame: a
# bike shop is a shop and no bicycle.
TRADE_HEADS = frozenset({"shop", "store", "dealer", "repair", "rental", "hire"})
# Nouns of a thing named for the kind before it, which is none of that kind and no concept
# itself: "a bus shelter", "the taxi rank", "a dog bowl", "the bus timetable" ("stop", "park"
# and "wash" are verbs too, and stay in `NON_CONCEPT_COMPOUNDS` with their kinds).
SERVING_HEADS = frozenset({"shelter", "rank", "rack", "depot", "timetable", "schedule",
                           "route", "showroom", "dealership", "garage", "bowl", "bay",
                           "charger", "yard", "station", "terminal", "track"})
# Concepts that are people: "Is anyone crossing?" "Just a cyclist." says someone is.
PERSONS = frozenset({"pedestrian", "cyclist", "child", "person with an umbrella"})
# What doubts that a thing named is of the kind asked: "a scooter, if that counts".
KIND_QUALIFIERS: tuple[tuple[str, ...], ...] = (
    ("if", "that", "counts"), ("if", "it", "counts"), ("if", "you", "count"),
    ("if", "that", "'s", "what", "you", "mean"))
# Words before a negated concept that deny only some of its kind: "no moving vehicles" leaves
# the parked car, "no other cars" the car just named.
RESTRICTIVE = frozenset({"other", "moving", "oncoming", "approaching", "passing", "nearby",
                         "large", "big", "small", "additional", "further", "more"})
# Words between a negator and the hedge it negates: "not entirely sure", "not really certain".
DEGREE_ADVERBS = frozenset({"be", "really", "quite", "very", "entirely", "completely",
                            "totally", "fully", "100", "absolutely", "exactly"})
# Negations that affirm: of doubt ("Without a doubt.", "No doubt there is a truck.", "Beyond a
# shadow of a doubt."), of want ("No shortage of them.", "No lack of cars.", "Not without people -
# two are crossing."), of missing ("You can't miss him.") and of a count of one or none ("Not
# zero.", "Not just one.").
AFFIRMING_NEGATIONS = (("no", "doubt"),
                       *((lead, *a, "doubt") for lead in ("without", "beyond")
                         for a in ((), ("a",), ("any",), ("all",), ("a", "shadow", "of", "a"))),
                       ("no", "shortage", "of"), ("no", "lack", "of"), ("no", "dearth", "of"),
                       ("no", "scarcity", "of"), ("not", "without"), ("can't", "miss"),
                       ("cannot", "miss"), ("couldn't", "miss"), ("no", "denying"),
                       # a negated negative: "Not impossible.", "It's not absent, just far off."
                       *((negator, negative) for negator in ("not", "isn't", "aren't")
                         for negative in ("impossible", "unlikely", "improbable", "absent",
                                          "missing", "nobody", "zero", "none", "nil")),
                       # a count said to be more than one: "Not just one.", "Not merely the one."
                       *(("not", only, *the, "one") for only in ("just", "merely", "only",
                                                                 "solely", "exactly")
                         for the in ((), ("the",))),
                       ("not", "a", "lone", "one"), ("not", "the", "only", "one"),
                       # a possibility not ruled out: "I can't rule one out."
                       *((negator, "rule") for negator in ("can't", "cannot", "couldn't",
                                                           "wouldn't", "won't")))
# Words of time or purpose after an asked colour: "Is the light green for us?", "... red now?".
WHEN_WORDS = frozenset({"for", "now", "yet", "still", "already", "currently", "right"})
# Adverbs that make a negated seeing a matter of how well, not whether: "I can't see the light
# clearly, but it seems red" does not deny the light.
MANNER = frozenset({"clearly", "well", "properly", "exactly", "precisely", "fully", "sharply"})
# Adverbs between a negation and a presence word that say how much or how well a thing is seen,
# not whether it is there: "The bus isn't fully visible." (part of it is), "The brake lights
# aren't clearly visible." (the speaker cannot tell, as in "I can't see them clearly").
PARTLY_SEEN = frozenset({"fully", "completely", "entirely", "totally", "wholly"})
UNCLEARLY_SEEN = frozenset({"clearly", "well", "properly", "sharply", "easily"})
# Words that make an exception of a negated concept, after it or before what is excepted: "no
# vehicles other than a bus", "apart from the truck, no vehicles" say the bus or the truck is
# the only vehicle, not that there are none, so the kind is neither denied nor asserted.
EXCEPTIONS = frozenset({("other", "than"), ("except",), ("except", "for"), ("excepting",),
                        ("besides",), ("apart", "from"), ("aside", "from"), ("save", "for"),
                        ("not", "counting"), ("excluding",)})
# Words of everything before an exception that denies what it excepts: "Everything but a bus.",
# "anything except trucks" (after a negation, an exception spares instead: "no vehicles
# except a bus").
UNIVERSALS = frozenset({"everything", "anything", "everyone", "anyone", "everybody",
                        "anybody"})
# Words between a negator and "one" that point back at what was asked: "there isn't one",
# "I don't see a single one".
ONE_FILLER = frozenset({"see", "spot", "find", "notice", "detect", "a", "single", "even", "any",
                        "be", "there", "is", "can", "could"})
# Words between "there" and "one" in a claim that what was asked is there: "there could be
# one behind the bus", "there's probably one".
THERE_ONE_FILLER = frozenset({"is", "'s", "are", "was", "were", "could", "might", "may",
                              "must", "be", "probably", "likely", "possibly", "seems", "to",
                              "also", "just", "only", "exactly", "still", "actually"})
# Clause words after which a statement that one cannot tell no longer reaches: "Hard to tell
# because of the glare" names the glare.
REASON_WORDS = frozenset({"because", "since", "due"})
# Words for a whole kind that, with a definite article, point back at the one prompt concept of
# that kind: after "What colour is the car?", "The vehicle is blue." is about the car.
HYPERNYMS: dict[str, frozenset[str]] = {
    "vehicle": frozenset({"car", "truck", "bus", "school bus", "van", "taxi", "motorcycle",
                          "scooter", "ambulance", "police car", "fire truck", "tram"}),
    "road sign": frozenset({"stop sign", "yield sign", "speed limit sign"}),
}
# What a person rides, and what the rider is then called: "a man on a bike" is a cyclist.
RIDERS: dict[str, str] = {"bicycle": "cyclist"}
# What a person rides, on or astride: "Is there a motorcycle?" "A man on one."
RIDDEN = frozenset({"bicycle", "motorcycle", "scooter"})
# Verbs that make a person a rider with no ride named: "someone cycling" is a cyclist.
RIDING_VERBS: dict[str, str] = {"cycling": "cyclist", "biking": "cyclist",
                                "bicycling": "cyclist", "pedalling": "cyclist",
                                "pedaling": "cyclist"}
RIDING_GLUE = frozenset({"on", "riding", "rides", "atop", "a", "an", "the", "his", "her",
                         "their", "is", "'s", "are", "was", "were", "can", "could", "be",
                         "seen"})
# Hedges that add a colour as an afterthought: "a dark car, possibly black".
AFTERTHOUGHTS = frozenset({"possibly", "probably", "maybe", "perhaps", "likely", "apparently",
                           "both", "all"})
# Auxiliaries before a verb: "someone is riding a bike".
AUXILIARIES = frozenset({"is", "'s", "are", "'re", "was", "were", "can", "could", "be",
                         "seen"})
NEGATORS = frozenset(
    {"no", "not", "without", "nothing", "none", "never", "neither", "nor", "zero", "0",
     "cannot", "nobody", "doubt", "doubtful", "unlikely", "improbable", "unable", "lacks",
     "lack", "lacking", "absence", "nary", "minus"}
)
YES_WORDS = frozenset({"yes", "yeah", "yep", "yup", "correct", "true", "affirmative",
                       "ya", "yea", "yah", "ye"})  # as texted
# Verbs after which a question's "if" means "whether": "Could you tell me if there's a bus?"
ASKING_IF = frozenset({"tell", "know", "check", "see", "wonder", "ask", "say", "confirm",
                       "determine", "verify"})
# What a question asks of a place when it asks whether anything is on it: "Is the road clear?"
EMPTINESS_WORDS = frozenset({"empty", "clear", "free", "deserted", "vacant", "unobstructed"})
# Short clauses that say yes as the first clause of an answer, alone or before what it goes on
# to name: "There is, on the left-hand pole.", "Looks that way, though the glare makes it hard
# to be sure.", a hedge ("Could be - it has a light bar.", "Could well be; ...") or a quantity
# ("Some, from the low sun.", "A little, on the left."). "Could be a bus." names what it could
# be, and is no such clause.
SHORT_YES_CLAUSES = frozenset({
    ("there", "is"), ("there", "are"), ("it", "is"), ("they", "are"), ("it", "does"),
    ("they", "do"), ("i", "can"), ("i", "do"), ("looks", "that", "way"),
    ("seems", "that", "way"), ("it", "looks", "that", "way"), ("it", "seems", "that", "way"),
    ("that", "one", "is"), ("this", "one", "is"), ("that", "one", "does"),
    ("looks", "like", "it"), ("seems", "like", "it"), ("it", "looks", "like", "it"),
    ("some",), ("a", "little"), ("a", "bit"), ("a", "lot")}) | frozenset(
    (*subject, modal, *degree, "be") for subject in ((), ("it",))
    for modal in ("could", "might", "may") for degree in ((), ("well",), ("very", "well"))) | \
    frozenset(  # "It's still there, parked behind the van."
        (*subject, *still, "there") for subject in (
            ("it", "is"), ("it", "'s"), ("they", "are"), ("they", "'re"), ())
        for still in ((), ("still",)) if subject or still)
# Words that open an answer and take the polarity of what follows them: "Absolutely.",
# "Definitely not."
EMPHATICS = frozenset({"absolutely", "certainly", "definitely", "indeed", "sure", "surely",
                       "clearly", "really", "truly", "honestly"})
NO_WORDS = frozenset(
    {"no", "nope", "nah", "false", "negative", "zero", "0", "none", "nothing", "absent", "nil",
     "zilch", "nada", "zip", "nowt", "nought", "naught"})
# Answers said by an interjection or an idiom, by their opening words ("Uh-huh, on a leash.",
# "Mm-hmm.", "Bingo - lights flashing behind the van.", "Fat chance."), and the yes or no
# each says.
IDIOMATIC_ANSWERS: dict[tuple[str, ...], str] = {
    ("uh", "huh"): "affirm", ("mm", "hm"): "affirm", ("mhm",): "affirm", ("bingo",): "affirm",
    ("fat", "chance"): "deny", ("far", "from", "it"): "deny",
    # slang for none: "Bugger all.", "Diddly squat.", "Not a sausage.", "Nary a one."
    ("bugger", "all"): "deny", ("sod", "all"): "deny", ("diddly", "squat"): "deny",
    ("jack", "squat"): "deny", ("squat",): "deny", ("not", "a", "sausage"): "deny",
    ("nary",): "deny",
    # a no it would be false to say: "I'd be lying if I said no.", "It would be wrong to say no."
    ("i", "'d", "be", "lying"): "affirm", ("i", "would", "be", "lying"): "affirm",
    ("it", "would", "be", "wrong", "to", "say", "no"): "affirm",
    ("it", "'d", "be", "wrong", "to", "say", "no"): "affirm"}
# What a device does when it works, whose negation says how it is, not that it is gone: "It's
# not working.", "The signal isn't lit."
FUNCTIONING = frozenset({"working", "functioning", "operating", "operational", "lit",
                         "illuminated", "running"})
# What a signal is said to be when none of its lamps is lit: "It's blank.", "Switched off."
UNLIT = frozenset({"off", "blank", "unlit", "dark", "dead"})
# What a driver may be told not to do: right after a negator ("Don't pass the school bus.",
# "You should not overtake the truck."), what is negated is the action, and its object is there.
# Perception and existence ("don't see", "does not have") stay out: they deny.
DRIVING_ACTIONS = frozenset({
    "pass", "overtake", "cross", "hit", "follow", "block", "enter", "forget", "ignore",
    "tailgate", "cut", "honk", "merge", "run", "approach", "swerve", "proceed", "accelerate",
    "rush", "drive", "go", "speed", "change", "crowd", "startle", "splash", "miss"})
# A past copula and the words that put what it says before the frame: "two cones that were not
# there before" are there now.
PAST_COPULAS = frozenset({"was", "were", "wasn't", "weren't"})
EARLIER = frozenset({"before", "earlier", "previously", "ago"})
# "Only" and what may stand before it when it opens an answer: "I only see cars.", "There is
# just a tram.", "Solely trucks."
ONLY_WORDS = frozenset({"only", "just", "solely", "exclusively", "merely"})
ONLY_LEAD = frozenset({"i", "we", "can", "could", "see", "there", "is", "are", "'s", "'re"})
# What closes an answer to say that what it named is all there is ("A truck, nothing else.",
# "Cars, and that's all.", "A tram instead.", "The bus has the street to itself."), as "only"
# before it would.
EXCLUSIVE_CLOSINGS = (("nothing", "else"), ("nothing", "more"), ("nothing", "besides"),
                      ("that", "'s", "all"), ("that", "'s", "it"), ("that", "is", "all"),
                      ("that", "is", "it"), ("that", "'s", "everything"), ("nobody", "else"),
                      ("no", "one", "else"), ("no", "others"), ("instead",), ("to", "itself"),
                      ("to", "themselves"))
# A yes or no in one letter, read only as an answer's opening word standing alone: "N. Only
# cars.", "Y - one bike."
LETTER_ANSWERS = frozenset({"y", "n"})
# Words beside a yes or no that only restate it: "Yes, that's true." and "No, it is not." are
# as bare as "Yes." and "No.", which to a negative question may mean either.
AGREEMENT_FILLER = frozenset({"that", "is", "'s", "it", "not", "n't", "isn't", "true", "right",
                              "correct", "indeed", "exactly"})
# The no words that answer a question without saying how many: to "Is there no bus?", "No."
# may mean either, "None." may not.
BARE_NO_WORDS = frozenset({"no", "nope", "nah", "false", "negative"})
# What carries a denial past a comma to a stronger case: "Not a single car, let alone a bus."
A_FORTIORI = frozenset({("let", "alone"), ("much", "less"), ("still", "less"), ("never", "mind")})
# Words that join a yes and a no into an answer that says both: "Yes and no.", "Half yes, half
# no."
AMBIVALENT = frozenset({"and", "both", "half", "or", "but", "also", "kind", "of", "sort"})
# Words after an opening "not" that make it a no on its own: "Not yet, but one is waiting.",
# "Not really."
NOT_ANSWERS = frozenset({"yet", "really", "currently", "now", "anymore", "quite", "exactly",
                         "today", "tonight"})
# What "Not a" opens a no with, as a clause of its own: "Not a drop - but the clouds are low.",
# "Not a soul, only parked cars.", "Not a real one - a bus painted on a mural."
NOT_A_ANSWERS = frozenset({"drop", "soul", "trace", "flake", "single", "real", "chance"})
# A part or a little of the thing asked about, after "only" or "just": "Can you see the sky?"
# "Only a sliver at the top.", "Is there any snow?" "Only a light dusting on the parked cars.",
# and a part of a thing: "Is there a dog?" "Only a tail, wagging behind the hedge.". Words of
# `PARTIAL_AMOUNT_FILLER` may stand before it ("a thin layer").
PARTIAL_AMOUNTS = frozenset({"sliver", "glimpse", "corner", "part", "dusting", "layer", "film",
                             "sprinkling", "smattering", "trace", "touch", "hint", "bit",
                             "patch", "patches", "coating", "sheen", "tail", "nose",
                             "outline", "silhouette", "edge"})
PARTIAL_AMOUNT_FILLER = frozenset({"a", "an", "light", "thin", "small", "tiny", "slight",
                                   "faint", "little"})
# Hedged answer words: a hedged claim is the claim, so "Possibly, near the crosswalk." says yes
# to the question as "Yes, near the crosswalk." does; "Probably not." says no.
HEDGED_OPENERS = frozenset({"possibly", "possible", "probably", "likely", "maybe", "perhaps",
                            "presumably", "apparently"})
# The hedges too weak to stand as a yes beside a cannot-tell: "Maybe? Can't really tell."
WEAK_HEDGES = frozenset({"possibly", "possible", "maybe", "perhaps"})
# Quantifiers that open an answer with "of them" for what was asked, a yes for some or all of
# it: "All of them are on the sidewalk.", "Each of the three is waiting."
PARTITIVE_QUANTIFIERS = frozenset({"all", "each", "most", "both", "many", "some", "several",
                                   "half", "either", "part"})
# Answer words of doubt: "Unlikely, I only see cars." says no.
DOUBTFUL_OPENERS = frozenset({"unlikely", "doubtful", "improbable"})
# Verbs of "I think so", "it seems so": a hedged yes.
SO_VERBS = frozenset({"think", "believe", "guess", "suppose", "reckon", "seems", "appears"})
# The same after a negated auxiliary: "It doesn't seem so."
NEGATED_SO_VERBS = SO_VERBS | {"seem", "appear"}
# Words that soften a count or bound it from below: "around six cones" and "at least six cones"
# count as "six cones" does.
APPROXIMATORS = frozenset({"around", "about", "approximately", "roughly", "nearly", "almost",
                           "over", "some", "at", "least", "more", "than"})
# Adjectives that deny what follows "of": "the road is clear of vehicles".
LACKING = frozenset({"clear", "free", "devoid", "empty", "bare", "bereft"})
# A place said to be empty answers a question about what could be in it: "Is there a car?" ->
# "The road is clear." denies the car. Only places on the road count; "the sky is clear" is
# weather.
EMPTY_WORDS = frozenset({"empty", "clear", "deserted", "vacant", "unoccupied"})
EMPTY_PLACES = frozenset({"road", "street", "lane", "intersection", "crosswalk", "sidewalk",
                          "highway", "junction", "way", "path", "scene", "area", "crossing",
                          "pavement", "footpath", "roadway", "carriageway", "shoulder", "stop",
                          "curb", "kerb", "roundabout", "driveway", "bridge", "tunnel",
                          "bench"})
DEGREE_WORDS = frozenset({"completely", "totally", "entirely", "fully", "quite", "pretty",
                          "fairly", "largely"})
# What a label may be given to say its concept is absent, in lists and tables: "Bus: no",
# "buses - absent", "| bus | no |", "Pedestrians? None."
ABSENT_VALUES = frozenset({"no", "nope", "none", "0", "zero", "absent", "missing", "false",
                           "nothing", "nil"})
# Words that make a question ask how many, not whether: "Are there more than three cars?".
NUMBER_QUESTION = frozenset({"more", "least", "exactly", "fewer", "less", "most", "over",
                             "under"})
# Marks between a label and its value ("Car: yes", "Car - yes", "Car (black)", "| car | yes |");
# "-", en and em dashes with spaces around them become "—" when the text is tokenised.
LABEL_MARKS = frozenset({":", "?", "\u2014", "(", "|"})
# Words of a label a VLM may put before its answer: "Answer: No.", "A: yes", "Final answer: no".
ANSWER_LABELS = frozenset({"answer", "a", "response", "reply", "short", "final", "my", "output",
                           "present", "visible", "result", "results", "detection",
                           "detections", "detected", "found", "object", "objects", "count",
                           "total", "assistant", "gpt", "bot", "verdict", "conclusion",
                           "status", "presence", "decision"})
COLOURS = frozenset(
    {"red", "blue", "white", "black", "yellow", "silver", "green", "amber", "grey", "gray",
     "orange", "brown", "purple", "pink"}
)
# Words between a vehicle's "with" or comma and its lamps: "with its red and blue lights".
LAMP_WORDS = COLOURS | {"and", "its", "their", "flashing", "blinking", "bright", "rotating",
                        "strobe", "emergency", "roof"}
# What says lamps after a vehicle and its comma are lit: "A fire engine, red lights flashing."
LAMPS_LIT = frozenset({"flashing", "blinking", "on", "blazing", "strobing", "rotating", "lit"})
# What links lamps to the vehicle named after them: "the red lights of a truck", "the red
# lights ahead belong to a fire engine", "the red lights are on the ambulance".
LAMP_OWNED = frozenset({"of", "on", "from", "belong", "belongs", "belonging", "atop"})
LAMP_LINKS = LAMP_OWNED | {"ahead", "are", "is", "to", "the", "a", "an", "that", "which",
                           "mounted", "top"}
# Names of one colour: a "yellow light" is the vocabulary's "amber traffic light".
# Grey paint is the vocabulary's silver, and an orange traffic light its amber one: a reader
# who says "grey car" or "orange light" names the colour the vocabulary calls otherwise.
# Shades read as the colour they are a shade of: "a maroon car", "Navy.". An "-ish" colour
# ("greenish") is a hedge between colours and names none.
SHADES: dict[str, str] = {
    "navy": "blue", "maroon": "red", "crimson": "red", "scarlet": "red", "burgundy": "red",
    "cream": "white", "ivory": "white", "gunmetal": "grey", "charcoal": "grey",
    "graphite": "grey"}
COLOUR_ALIASES: dict[str, tuple[str, ...]] = {
    "yellow": ("amber",), "amber": ("yellow",), "grey": ("gray", "silver"),
    "gray": ("grey", "silver"), "orange": ("amber",)}
# Words that may sit between a colour and its noun: "a red-coloured car".
COLOUR_SUFFIXES = frozenset({"coloured", "colored", "colour", "color"})
# Nouns for a surface's colour: "it has a white paint job", "has a red finish".
PAINT_WORDS = frozenset({"paint", "paintwork", "finish", "body", "bodywork", "hue", "shade",
                         "tint"})
COUNT_WORDS = frozenset(
    {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
     "twelve", "several", "many", "multiple", "some", "few", "couple", "handful", "dozen",
     "bunch", "plenty", "lots", "loads", "numerous", "dozens"}
)
# Participles that give a colour to the concept before their comma: "a light, showing green".
PARTICIPLES = frozenset({"showing", "displaying", "glowing", "shining", "lit"})
# Verbs that link a subject to a colour: "the car is black", "the light turned green", "the
# light went amber".
COPULAS = frozenset(
    {"is", "are", "was", "were", "'s", "'re", "be", "been", "being", "look", "looks", "appear",
     "appears", "seem", "seems", "turned", "turns", "turn", "changed", "changes", "switched",
     "went", "goes",
     "switches", "became", "becomes", "stays", "stay", "remains", "remain", "shows", "show",
     "showing", "displays", "display", "displaying", "glows", "glow", "glowing", "shines",
     "shine", "turning", "shining", "lit"}
)
# Verbs of a change of colour, and the words that open a clause of time, in which the present
# tense says what will be: "wait until it turns green" has the light not green yet.
CHANGE_VERBS = frozenset({"turns", "turn", "changes", "change", "switches", "switch"})
UNTIL_WORDS = frozenset({"until", "till", "til", "before", "once", "when", "whenever"})
# A definite light or signal said to change is a traffic light, colour or none ("How long until
# the light changes?", "Has the signal changed yet?"); one turned on or off is any lamp.
HEAD_CHANGES = CHANGE_VERBS | frozenset({"changed", "changing", "switched", "switching",
                                         "turned", "turning", "cycles", "cycled"})
# States said of a concept, as the first word of the vocabulary's concept in that state ("wet
# road", "parked car"): "the road is slick" is a wet road. A state folds into a concept only
# where the vocabulary has the concept in that state.
STATES: dict[str, str] = {"wet": "wet", "damp": "wet", "slick": "wet", "slicked": "wet",
                          "soaked": "wet", "drenched": "wet", "glistening": "wet",
                          "flooded": "wet", "waterlogged": "wet", "snowy": "snowy",
                          "slushy": "snowy", "parked": "parked"}
# States that follow their noun as a participle, with no verb between: "cars parked along the
# curb" are parked cars, as "a parked car" is; "Are there any cars parked?" asks about them.
PARTICIPLE_STATES = frozenset({"parked", "flooded", "soaked", "waterlogged"})
# Words that say a concept is not in a state, by its opposite: to "Is the road wet?", "Dry."
# answers no. "Clear" and "bare" of a road say it has no snow on it.
OPPOSITE_STATES: dict[str, str] = {"dry": "wet", "clear": "snowy", "bare": "snowy",
                                   "cleared": "snowy", "ploughed": "snowy", "plowed": "snowy",
                                   "moving": "parked", "driving": "parked"}
# What a state is of, after "clear of" in a question that asks about the opposite: "Is the
# road clear of snow?" asks whether it is snowy.
STATE_OBJECTS: dict[str, str] = {"snow": "snowy", "ice": "snowy", "slush": "snowy",
                                 "water": "wet"}
# Opposites that name the plain state only, before the noun as after it: "dry asphalt" is a
# road that is not wet; "a clear road" is as often one free of traffic.
PLAIN_OPPOSITES = frozenset({"dry", "cleared", "ploughed", "plowed"})
# Concepts a frame shows one of: a no that gives another state of it denies the state asked
# about ("Is the road snowy?" "No, but it is wet."), where several cars may each have a colour.
SINGLE_SURFACES = frozenset({"road"})
# Phrases after a copula that say a state in several words: "is covered in snow".
STATE_PHRASES: dict[tuple[str, ...], str] = {("covered", "in", "snow"): "snowy",
                                             ("covered", "with", "snow"): "snowy",
                                             ("snow", "covered"): "snowy",
                                             ("under", "snow"): "snowy"}
# What covers a surface and the state it leaves, said before it: "snow covering the road" is a
# snowy road, "water pooling on the street" a wet one.
COVERING = {"snow": "snowy", "slush": "snowy", "water": "wet", "rainwater": "wet"}
COVERING_VERBS = frozenset({"covering", "covers", "blanketing", "blankets", "coating", "coats",
                            "pooling", "pooled"})
# Words that may stand between "covered in" and the snow: "covered with a thin layer of snow".
COVER_FILLER = frozenset({"a", "an", "some", "thin", "thick", "light", "heavy", "fresh", "layer",
                          "blanket", "dusting", "coat", "coating", "sheet", "of"})
# Concepts that are the whole frame's condition: "at night" and "in the rain" name them, not a
# place where something is asked about.
FRAME_CONDITIONS = frozenset({"night", "rain", "snow", "fog"})
# Weather that can end, and the verbs that say it has: "Is it raining?" "It stopped a minute
# ago.", "Is it foggy?" "It's lifted."
PASSING_WEATHER = frozenset({"rain", "snow", "fog"})
# Words that say the weather asked about is not there: "Is it foggy?" "Crystal clear.", "Is it
# raining?" "Bone dry."
WEATHER_OPPOSITES: dict[str, frozenset[str]] = {
    "clear": PASSING_WEATHER, "sunny": PASSING_WEATHER, "dry": frozenset({"rain", "snow"})}
# Words that say the weather asked about is still to come: "Threatening to.", "Could start any
# minute.", "The forecast said snow, but nothing yet."; and what "about to" does before it:
# "Looks like it's about to start."
WEATHER_TO_COME = frozenset({("threatening", "to"), ("any", "minute"), ("any", "moment"),
                             ("any", "second"), ("nothing", "yet"), ("none", "yet"),
                             ("could", "start"), ("might", "start"), ("may", "start")})
WEATHER_STARTS = frozenset({"start", "begin", "rain", "snow", "pour"})
# What visibility is said to be when no fog hides anything: "Visibility is excellent."
GOOD_VISIBILITY = frozenset({"excellent", "good", "great", "fine", "perfect", "unlimited"})
WEATHER_ENDINGS = frozenset({"stopped", "cleared", "lifted", "ended", "eased", "passed",
                             "finished", "let"})  # "It's let up."
# Nouns of falling weather that may be the subject of its ending: "The rain stopped.", "The
# mist has cleared.", "The shower's over."
WEATHER_NOUNS = frozenset({"rain", "snow", "fog", "mist", "drizzle", "shower", "storm",
                           "downpour", "snowfall", "rainfall", "sleet", "haze", "flurry"})
# What makes a thing hard to see, named as the circumstance of a doubt ("can't tell in this
# glare"): it is there.
SEEING_CONDITIONS = FRAME_CONDITIONS | frozenset({"glare", "shadow"})
# What opens a yes/no question about a concept's colour or state, negated or not: "Is the light
# red?", "Aren't the lights red?"
QUESTION_COPULAS = frozenset({"is", "are", "was", "were", "isn't", "aren't", "wasn't", "weren't"})
# Verbs a question about a state links its subject and state with: "Does the road look wet?".
LINKING_VERBS = frozenset({"look", "looks", "seem", "seems", "appear", "appears", "to", "be"})
# How an answer opens a question back about which thing is meant: "Which pedestrian?", "Do you
# mean the one on the left?", "Including parked ones?".
ASKING_BACK = (("which",), ("what",), ("do", "you", "mean"), ("you", "mean"),
               ("did", "you", "mean"), ("are", "you", "asking"), ("including",),
               ("for", "us", "or"), ("that", "one"), ("this", "one"), ("the", "one"))
# Words that open a condition: the concepts inside it are supposed, not said to be there.
CONDITION_WORDS = frozenset({"if", "unless", "suppose", "supposing", "whenever", "assuming"})
# A condition put by inversion opens its clause with one of these and then its subject: "Had
# there been a cone, ...", "Were the light green, ...".
INVERTED_CONDITIONS = frozenset({"had", "were", "should"})
INVERTED_SUBJECTS = frozenset({"there", "the", "a", "an", "it", "any"})
# Words that restate the question before answering it: "You asked about a stop sign: none.",
# "To answer your question about the light: no."
RESTATING = frozenset({"asked", "asking", "question"})
RESTATED_BY = frozenset({"about", "whether", "regarding"})
# How many words may open a sentence before the clause that supposes or restates ("To answer
# your question about ..."), for that clause to be the sentence's opening one.
OPENER_PREAMBLE = 3
CLAUSE_BREAKS = frozenset({",", ";", ":", "\u2014"})
SENTENCE_BREAKS = frozenset({".", "!", "?", "\n"})
# Adverbs between a question's concept and what it asks of it: "Is the bus still there?" asks
# whether the bus is there.
TIME_ADVERBS = frozenset({"still", "currently", "now", "really"})
COLOUR_NOUNS = frozenset({"colour", "color", "colours", "colors"})
# Words between a copula and its state: "is still quite wet", "is bone dry", "is
# double-parked", "is partially covered in slush".
STATE_FILLER = frozenset({"all", "very", "quite", "still", "now", "mostly", "completely",
                          "fully", "totally", "partly", "really", "pretty", "rather",
                          "slightly", "somewhat", "visibly", "clearly", "currently", "a", "bit",
                          "little", "fairly", "extremely", "just", "merely", "simply", "bone",
                          "partially", "double"})
# Words between a copula and its colour: "is painted a dark blue".
PREDICATE_FILLER = frozenset(
    {"a", "an", "the", "all", "both", "mostly", "mainly", "clearly", "definitely", "currently",
     "now", "still", "very", "bright", "dark", "light", "pale", "deep", "painted", "coloured",
     "colored", "to", "navy", "royal", "sky", "forest", "metallic", "jet", "illuminated",
     "just", "already", "as",
     # hedges between the verb and the colour: "is probably red", "is most likely white"
     "probably", "likely", "most", "perhaps", "possibly", "maybe", "apparently", "seemingly",
     "presumably", "evidently"}
)
# What a clause says of its subject to deny it: "the bus is not visible", "is missing".
PRESENCE_WORDS = frozenset(
    {"visible", "present", "there", "here", "seen", "shown", "anywhere", "detected", "found",
     "spotted", "observed", "around"}
)
ABSENT_WORDS = frozenset({"absent", "missing", "invisible", "gone", "nowhere"})
# Verbs that say a subject has left the frame: "The bus has just left the frame.", "The cars
# have all driven off.", "the pedestrian ... has walked away". Each maps to the words that must
# follow it (an empty set: none); "left" needs the frame or the clause's end after it, as "on
# the left" and "left of the car" are places.
DEPARTURES: dict[str, frozenset[str]] = {
    **dict.fromkeys(("disappeared", "vanished", "departed", "exited", "removed"), frozenset()),
    **dict.fromkeys(("driven", "drove", "walked", "ridden", "rode", "pulled", "moved", "taken",
                     "towed", "ran", "run", "sped", "raced", "zoomed", "took"),
                    frozenset({"off", "away"})),
}
# Words after "left" or "gone" said with no auxiliary that put the going before the frame: "It
# left a moment ago.", "Just left.", "It left earlier."
GONE_WHEN = frozenset({"ago", "earlier", "already", "before", "previously", "now"})
DEPARTURE_AUXILIARIES = frozenset({"has", "have", "had", "'s", "'ve"})
FRAME_WORDS = frozenset({"frame", "view", "scene", "image", "picture", "shot"})
# Other words for the image, and for how well it shows things, that an answer may speak of:
# "The photo is blurry.", "Visibility is limited."
IMAGE_WORDS = frozenset({"photo", "photograph", "footage", "video", "camera", "lens",
                         "visibility", "lighting", "resolution", "quality", "exposure"})
# Verbs that name what a thing is, before the thing and its colour: "I'd call the car black.",
# "I'd describe the car as red."
NAMING_VERBS = frozenset({"call", "calls", "called", "describe", "describes", "described"})
# What names a colour's kind before "of" it: "a shade of blue", "a tint of green".
SHADE_OF = (["shade", "of"], ["tint", "of"], ["hue", "of"], ["tone", "of"])
# Words of a shade before a colour: "painted dark blue".
SHADE_WORDS = frozenset({"dark", "light", "bright", "pale", "deep"})
NEGATED_COPULAS = frozenset({"isn't", "aren't", "wasn't", "weren't"})
ABSENCE_FILLER = frozenset({"be", "been", "really", "clearly", "currently", "longer", "any",
                            "completely", "fully", "totally", "entirely", "conspicuously",
                            "notably", "noticeably"})
# Words that make a bare head word point at a concept already named: "the light".
DEFINITES = frozenset({"the", "that", "this", "these", "those"})
# The verbs that open a yes/no question about a definite subject ("Is the bus ...?").
QUESTION_VERBS = frozenset({"is", "are", "was", "were", "does", "do", "did", "has", "have"})
# Question words that ask something of a definite subject after their verb: "Which lane is the
# cyclist in?", "What is the cyclist doing?". Not "why" or "how": "Why is the car slowing
# down?" and "How fast is the car going?" are as often about the ego vehicle as about one ahead.
WH_WORDS = frozenset({"what", "which"})
# Question words that may ask something of a subject the question takes as given.
ASKING_WORDS = WH_WORDS | {"where", "how", "why", "when"}
# Modals that open a question about what the driver may do: "Should we stop?".
EGO_MODALS = frozenset({"should", "can", "could", "may", "must", "shall", "will", "would"})
# Words after "Are we" that say where we are, which asks about a place: "Are we in a tunnel?".
LOCATING = frozenset({"in", "on", "at", "under", "near", "inside", "approaching", "nearing",
                      "entering", "leaving", "passing", "behind", "following", "crossing"})
# Verbs of seeing: "Can we see a bus?" asks whether there is one.
SEEING = frozenset({"see", "spot", "notice", "find", "observe", "detect", "identify", "view"})
# Things that only look like a concept: "a smudge that looks like a pedestrian" is a smudge.
# Anything else said to look like one hedges about it being there ("something that looks like
# a pedestrian", "the vehicle ahead looks like a truck").
LOOKING = frozenset({"looks", "look", "looked", "looking"})
LOOKALIKES = frozenset({"smudge", "smear", "stain", "speck", "spot", "blob", "blur", "mark",
                        "reflection", "shadow", "sticker", "decal", "poster", "statue",
                        "mannequin", "cutout", "bag", "artifact", "artefact", "raindrop",
                        "drop", "dirt", "glare", "flare", "bush", "tree", "pole", "post",
                        "billboard", "balloon", "sculpture", "cloud", "building"})
# Verbs that deny the seeing after them: "I fail to see any pedestrian."
FAILING = frozenset({"fail", "fails", "failed"})
# Subjects that point back: to the last concept before them, else to the prompt's.
PRONOUNS = frozenset({"it", "its", "they", "this", "that", "these", "those", "which", "who",
                      "both", "ours", "he", "she"})
# Words that make a vehicle the ego vehicle, the one the camera rides in: "our car", "my own
# vehicle", "the ego car", "the camera car". It is not in the frame, so an answer naming it says
# nothing of the frame's cars.
EGO_OWNERS = frozenset({"our", "my", "ego", "camera"})
EGO_VEHICLES = frozenset({"car", "vehicle", "van", "truck", "bus", "taxi"})
# Words before "from inside a car" that make that car the camera's: "taken from inside a car".
EGO_VIEWS = frozenset({"taken", "seen", "viewed", "shot", "filmed", "recorded", "captured",
                       "photographed", "looking", "view", "perspective"})
# Words for a likeness of a thing rather than the thing: "a billboard with a poster of a bus",
# "a bicycle symbol painted on the lane", "a traffic light's reflection", "a truck's shadow".
# What they show is not in the scene, or not in the frame. "Picture", "image" and "photo" are
# the frame itself when it is what the sentence is ("This is a picture of a road"), so they
# count only as "a picture of" after another word.
DEPICTIONS = frozenset({"poster", "drawing", "painting", "icon", "symbol", "logo", "reflection",
                        "shadow", "advertisement", "advert", "graffiti", "mural", "sticker",
                        "cartoon", "statue", "pictogram"})
FRAME_DEPICTIONS = frozenset({"picture", "image", "photo", "photograph"})
DEPICTION_MODIFIERS = frozenset({"toy", "cartoon"})
# Words after a concept that make it the shape of a likeness ("a pedestrian-shaped shadow")
# or a likeness painted on something ("a bus painted on a mural").
SHAPE_WORDS = frozenset({"shaped", "like", "sized"})
# Openings and hollows a kind's size measures: "a truck-sized gap in the traffic" names no truck.
SIZED_SPACES = frozenset({"gap", "space", "hole", "pothole", "puddle", "opening", "spot",
                          "dent", "crack"})
# Road users a kind's size or shape may describe, no kind of it themselves: "a truck-sized van"
# is a van, "a van-shaped trailer" a trailer. ("a bus-sized vehicle" may be a bus, and its kind
# stays.)
LIKENED_ROAD_USERS = frozenset({"car", "van", "truck", "lorry", "bus", "taxi", "suv",
                                "pickup", "trailer", "tractor", "motorcycle", "scooter",
                                "bicycle", "bike", "dog"})
# Nouns of a measure taken by a kind ("about the size of a bus") and the indefinite
# determiners that make what a size is compared with a kind, not a thing in the frame ("bigger
# than a car", "longer than any bus"; `clauses.compared_from`).
SIZE_NOUNS = frozenset({"size", "height", "length", "width", "weight"})
COMPARISON_DETERMINERS = frozenset({"a", "an", "any", "most"})
PAINTED = frozenset({"painted", "drawn", "printed", "sprayed", "pictured"})
# Surfaces markings are painted on, where what is painted is a marking there.
ROAD_SURFACES = frozenset({"road", "street", "pavement", "asphalt", "tarmac", "ground", "lane",
                           "roadway", "surface"})
# What a sign, a billboard or a screen says or shows is its message, not a thing in the scene:
# "a road sign warns of cyclists ahead", "a billboard advertises a new car".
SIGNAGE = frozenset({"sign", "signs", "billboard", "billboards", "poster", "posters", "banner",
                     "placard", "notice", "screen", "display"})
MESSAGE_VERBS = frozenset({"says", "say", "saying", "reads", "reading", "shows", "showing",
                           "warns", "warn", "warning", "advertises", "advertise", "advertising",
                           "depicts", "depicting", "displays", "displaying", "announces",
                           "announcing"})
# Message verbs that quote the words said: "it says 'No entry'".
QUOTING_VERBS = frozenset({"says", "say", "saying", "reads", "reading"})
# Prepositions that place the sign after what it says, and so end its message: "a road sign
# reading 'Pedestrians crossing' beside a zebra crossing" has the crossing.
AFTER_MESSAGE = frozenset({"beside", "next", "near", "behind", "below", "above", "under",
                           "underneath", "alongside", "opposite", "at"})
# What a sign says that names its kind: "What does the sign say?" "STOP." is a stop sign.
SIGN_MESSAGES: dict[tuple[str, ...], str] = {("stop",): "stop sign", ("yield",): "yield sign",
                                             ("give", "way"): "yield sign"}
# What "it" is said to be when it is night, or day: "It's pitch dark.", "It's light out."; and
# the words besides degree adverbs that may stand before it ("still", "already", "pitch").
DARK_WORDS = frozenset({"dark", "black"})
LIGHT_WORDS = frozenset({"light", "bright", "sunny"})
LIGHT_FILLER = frozenset({"still", "already", "pitch", "getting", "fairly", "so"})
# Words of an answer to "What time of day is it?" that say it is day or night: "Probably
# early morning", "About 9 pm - it's dark.". Dusk and evening say neither.
DAY_TIMES = frozenset({"morning", "forenoon", "sunrise"})
NIGHT_TIMES = DARK_WORDS | {"darkness", "midnight"}
# Nouns that name a kind, with which an answer names what was asked again: "No vehicle of that
# kind.", "not that type".
KIND_WORDS = frozenset({"kind", "sort", "type", "description"})
# What little is seen of a thing, which is the thing seen: "Just a glimpse.", "A silhouette at
# the far end." ("a glimpse of a dog" names what it is of), and adverbs that say it was seen
# briefly: "Briefly, through the gap in the trucks."
GLIMPSES = frozenset({"glimpse", "silhouette", "outline", "hint", "flash", "peek"})
BRIEFLY = frozenset({"briefly", "fleetingly", "momentarily"})
# Words after "a" that name no thing, as a short answer's head: "A big one.", "A bit.", "A
# couple of them".
NOT_THINGS = frozenset({"one", "ones", "bit", "little", "lot", "few", "couple", "pair", "dozen",
                        "handful", "tad", "touch", "deal", "while", "moment", "yes", "no",
                        # how many: "A smattering.", "A gazillion."
                        "smattering", "sprinkling", "scattering", "load", "ton", "heap",
                        "gazillion", "zillion", "million", "thousand", "hundred", "score"}) | \
    GLIMPSES
# Verbs after which capitals or quotes give what a thing is marked with: "a lane marked BIKES
# ONLY". Before a noun they describe it: "a marked police car", "a clearly marked crosswalk".
MARKING_VERBS = frozenset({"marked", "labelled", "labeled", "lettered", "stencilled",
                           "stenciled"})
# Words before a marking verb that make it describe the noun after it.
MARKING_ATTRIBUTIVE = frozenset({"a", "an", "the", "its", "their", "this", "that", "clearly",
                                 "well", "freshly", "newly", "poorly", "badly", "brightly"})
# Words that name a vehicle's part after its owner: "its cab", "the truck's cab", "the truck
# cab" are the cabin, not a taxi.
PART_WORDS = frozenset({"cab"})
# The vehicles among them, whose "the cab" is theirs when named earlier or asked about.
PART_VEHICLES = frozenset({"truck", "trucks", "lorry", "bus", "tractor", "pickup"})
PART_OWNERS = frozenset({"its", "their", "his", "her", "'s"}) | PART_VEHICLES
# Words of the road's surface, which make bare "markings" the road's: "the markings on the road
# are faded"; with a vehicle asked about and none of these, they are the vehicle's ("Is that a
# police car?" "It has a light bar, but I can't see any markings.").
ROAD_SURFACE_WORDS = frozenset({"road", "roads", "lane", "lanes", "street", "asphalt",
                                "tarmac", "pavement", "painted", "paint", "line", "lines",
                                "highway", "crosswalk", "intersection", "junction"})
# Where a sign is a vehicle's (a taxi's), not a road sign: "a sign on the roof", "a lit sign on
# top"; "a sign on top of the pole" is a road sign.
ON_THE_ROOF = (["on", "the", "roof"], ["on", "its", "roof"], ["on", "their", "roof"])
# What says a thing is in the frame after "not" or "no longer": "Bus not in view.", "Not in
# sight: buses."
IN_VIEW = (["in", "view"], ["in", "sight"])
# What a copula says when its subject is out of the frame: "is out of view", "is hidden from
# sight"; "partly hidden" keeps it there.
OUT_OF_VIEW = {("out", "of"): frozenset({"view", "sight", "frame", "shot", "picture"}),
               ("hidden", "from"): frozenset({"view", "sight"})}
# Words that make a clause a generalisation, not a report of the frame: "Pedestrians usually
# cross here", "Trucks typically use the right lane", "Bicycles are common in this city". What
# such a clause names is not said to be there. Relative words open a clause of their own: "a
# street where cars are normally parked".
GENERIC_WORDS = frozenset({"usually", "typically", "often", "normally", "generally", "commonly",
                           "common", "frequently", "tend", "tends", "expect",
                           # what is foretold: "The forecast said snow, but nothing yet."
                           "forecast", "forecasts", "predicted"})
# Phrases of care, whose object with no determiner is whoever may come, not someone there:
# "watch out for pedestrians", "be ready to stop for cyclists", "look for large vehicles".
ADVICE_PHRASES = frozenset({("out", "for"), ("watch", "for"), ("look", "for"), ("looking", "for"),
                            ("check", "for"), ("checking", "for"), ("scan", "for"),
                            ("stop", "for"), ("down", "for"), ("yield", "to"), ("beware", "of"),
                            ("careful", "of"), ("careful", "around"), ("careful", "with"),
                            ("mindful", "of"), ("alert", "for"), ("prepared", "for")})
# What makes the object of such a phrase one thing there: "watch out for the cyclist".
SPECIFIC_DETERMINERS = DEFINITES | {"a", "an", "his", "her", "its", "their", "your", "my", "our"}
# Phrases of purpose whose object is who a place is for, not who is in it: "a lane reserved for
# buses", "the sidewalk is used by pedestrians".
PURPOSE_PHRASES = (("reserved", "for"), ("meant", "for"), ("designed", "for"),
                   ("intended", "for"), ("used", "by"),
                   # what a sign or a light means: "red, indicating that vehicles must stop"
                   ("indicating", "that"), ("meaning", "that"), ("signalling", "that"),
                   ("signaling", "that"), ("means", "that"), ("indicates", "that"))
# Verbs of what a sign or a light means, whose object with no determiner is whoever it
# applies to: "red, which means vehicles must stop" ("which means the car ahead must stop" is
# about a car there).
MEANING_VERBS = frozenset({"means", "meaning", "indicating", "indicates", "signalling",
                           "signaling"})
# What an answer sets aside for what it names: neither there nor denied ("it is a van rather
# than a truck"; "snowy rather than icy").
SET_ASIDE = (("rather", "than"), ("instead", "of"), ("opposed", "to"))
RELATIVE_WORDS = frozenset({"where", "which", "who", "whose"})
# An upper bound on a count may be zero, so it says neither yes nor no: "No more than two.",
# "At most one.", "Hardly any.", "Few, if any."
UPPER_BOUNDS = (("no", "more", "than"), ("not", "more", "than"), ("at", "most"),
                ("fewer", "than"), ("less", "than"), ("up", "to"), ("hardly", "any"),
                ("barely", "any"), ("scarcely", "any"), ("few", "if", "any"),
                ("few", ",", "if", "any"))
# Words before "any" that leave a thing neither there nor absent: "Barely any cars".
SCARCELY = frozenset({"hardly", "barely", "scarcely"})
# Pronouns that pick one of the last two things named: "a car and a truck; the former is red",
# or, with none named, of the question's alternatives: "Bicycle or motorcycle?" "The latter."
ORDINAL_PRONOUNS = {"former": -2, "latter": -1}
# Subjects that are one more of a kind already named, with a colour of its own: "Two cars: one
# is red, the other is silver."
ONE_SUBJECTS = frozenset({"one", "other", "another"})
# Pronouns that open a clause about the concept a question was asked of: "No, it's stopped."
SUBJECT_PRONOUNS = frozenset({"it", "they", "he", "she"})
# Nouns of a group that count what was asked with "of them": "the other side has a row of
# them".
GROUP_NOUNS = frozenset({"row", "line", "lot", "bunch", "group", "number", "queue", "pair",
                         "cluster", "string", "stream", "procession", "convoy", "column",
                         "fleet", "crowd", "throng", "swarm", "gaggle", "pack", "flock", "herd",
                         "peloton", "trio", "forest", "avenue", "sea", "army", "horde", "mass"})
# Concepts that are a figure of a mass before "of" and a word with no determiner: "a wall of
# fog", "a river of red lights", "a mountain of snow", "a cloud of spray", "a tunnel of trees"
# name no wall, river, mountain, cloud or tunnel; "the wall of the tunnel" does.
FIGURATIVE_MEASURES = frozenset({"wall", "river", "mountain", "cloud", "tunnel"})
# Words between a subject and where it is: "they are all on the sidewalk".
ELSEWHERE_FILLER = frozenset({"all", "both", "just", "only", "still", "now", "currently",
                              "further", "farther", "actually", "partially", "partly", "half",
                              "parked", "standing", "waiting", "stopped", "a", "bit", "little",
                              "slightly", "somewhat"})
# How far off a thing is, after its copula: "it's two lanes over", "the nearest is about 30 m
# ahead", "the next one is a block away". A measure may come first (`MEASURES`).
DISTANCE_WORDS = frozenset({"over", "away", "off", "back", "far", "further", "farther",
                            "ahead", "behind", "beyond", "down", "up"})
MEASURES = frozenset({"a", "an", "about", "around", "roughly", "bit", "little", "m", "metre",
                      "metres", "meter", "meters", "km", "feet", "ft", "yards", "lane", "lanes",
                      "block", "blocks", "car", "cars", "length", "lengths", "way"})
# Words that start a new clause for attribute attachment ("a car and the bus is yellow").
CLAUSE_WORDS = frozenset(
    {"and", "or", "but", "while", "whereas", "although", "though", "because", "so", "yet",
     "only", "just", "except"}
)
# Nouns that end like a participle, which `clauses.participle` must not read as one.
ING_NOUNS = frozenset({"building", "buildings", "marking", "markings",
                       "parking", "railing", "railings", "ceiling", "lighting", "thing",
                       "things", "nothing", "anything", "something", "everything", "evening",
                       "morning", "ring", "spring", "string", "wing", "king", "clothing"})
# Negation scope ends (module docstring): contrast, prepositions, new clauses.
SCOPE_ENDS = frozenset(
    {"but", "only", "just", "except", "instead", "rather", "however", "though", "although",
     "while", "whereas", "yet", "than", "apart", "besides", "unlike"}
)
PREPOSITIONS = frozenset(
    {"on", "in", "at", "near", "behind", "beside", "next", "across", "along", "under", "over",
     "by", "around", "between", "from", "inside", "outside", "ahead", "above", "below",
     "toward", "towards", "into", "onto", "through", "beyond", "past", "with", "beneath",
     "alongside", "opposite", "down", "up"}
)
# Verbs of the ego vehicle going past a thing, alone ("Just passed one.", "We've just left it.")
# or before "past" or "through" ("We drove past it.", "Just went through one."): the thing lies
# behind the camera.
PASSED_VERBS = frozenset({"passed", "exited", "left"})
PASSING_VERBS = frozenset({"went", "drove", "driven", "gone", "rode", "ridden", "come", "came"})
# Words of where, between a note's bare noun and its colour: "Car ahead red."
NOTED_PLACES = frozenset({"ahead", "behind", "left", "right", "opposite"})
# Particles after a verb, which place its subject as a preposition does: "stepped off the
# curb", "pulled back", "tied to a lamp post".
VERB_PARTICLES = frozenset({"off", "back", "out", "away", "to"})
# Past participles without "-ed" that say where or how a thing is: "Mostly hidden by the bus."
PLACED_PARTICIPLES = frozenset({"hidden", "stuck", "caught", "held", "sat", "stood", "lit",
                                "shown", "seen"})
# Adverbs of how much of a thing is seen, or that a state holds, before where it is or what it
# does: "Partly, behind the truck.", "Half hidden by a parked van.", "Still at the light."
PART_DEGREES = frozenset({"partly", "partially", "mostly", "half", "largely", "still"})
# Prepositions that can open a place: all but "with", which says how or with what ("No, with
# high confidence.").
PLACE_PREPOSITIONS = PREPOSITIONS - {"with"}
# Nouns of a likeness after a preposition, which keep a negation going: "nothing with the
# shape of a bus", "nothing in the form of a cyclist".
LIKENESS = frozenset({"shape", "shapes", "outline", "form", "silhouette", "size"})
CONJUNCTIONS = frozenset({"and", "or", "so", "because", "since", "as"})
SUBJECTS = frozenset(
    {"i", "it", "we", "they", "he", "she", "you", "there", "this", "these", "those"}
)
# Finite verbs: a clause that has one and meets "and"/"or" + another has ended.
FINITE = COPULAS | frozenset(
    {"am", "'m", "has", "have", "had", "'ve", "can", "could", "will", "would", "'ll", "may",
     "might", "must", "should", "shall", "do", "does", "did", "see", "sees", "saw", "seen"}
)
# A negated hedge says nothing about absence: "I'm not sure", "I can't tell".
HEDGES = frozenset(
    {"sure", "certain", "clear", "tell", "say", "determine", "confirm", "verify", "know",
     "possible", "only", "read", "answer"}
)
# What a negated hedge or these words say is that the speaker cannot tell: what follows in the
# clause is neither asserted nor denied ("I'm not sure there is one", "hard to say whether").
CANNOT_TELL = HEDGES - {"possible", "only"}
# Verbs of making a thing out: negated with "the colour" after them, they say the colour cannot
# be told ("I can't make out the colour").
PERCEIVING = frozenset({"make", "see", "tell", "determine", "identify", "discern",
                        "distinguish", "read", "say", "judge"})
UNSURE_WORDS = frozenset({"unsure", "unclear", "uncertain", "unknown", "depends", "idk",
                          "dunno"})
# "hard to tell", "difficult to say", "impossible to determine"
HARD_WORDS = frozenset({"hard", "difficult", "impossible", "tough", "tricky", "unable",
                        "insufficient"})
# Verbs of needing more before one can tell: "I would need a clearer image to answer."
NEEDING = frozenset({"need", "needs", "require", "requires"})
# What a refusal says it cannot see: the frame itself ("I cannot see images").
FRAME_OBJECTS = frozenset({"image", "images", "picture", "pictures", "photo", "photos"})
# What a list of concepts may hold besides them: "no cars, trucks, or any buses".
LIST_GLUE = frozenset({"a", "an", "the", "any", "or", "and", "nor", "some", "even"})
# Open questions about the scene (Case II); anything else without a concept is Case III.
GENERIC = re.compile(
    r"\b(describe|description|caption|summari[sz]e|what (?:do|can) you see|what(?:'s| is| are)"
    r" (?:in|on|ahead|there|happening|going on|visible|around|in front)|what is this|"
    r"tell me (?:about|what)|anything (?:ahead|unusual|interesting)|what do we have)\b"
)
TOKEN = re.compile(r"\d+\.\d+|[a-z0-9]+n't|[a-z0-9]+|(?<=[a-z0-9])'[a-z]+|[.,;:!?|()\n\u2014]")
# Scope breaks: punctuation, line ends (bullets, tables), bars, brackets and dashes.
BREAKS = frozenset(".,;:!?|()\n\u2014")
# Adverbs of certainty and of time right after a verb say how sure the speaker is or since
# when, not what is there: "The car is obviously white." says what "The car is white." says,
# "There is definitely one." what "There is one." does and "Pedestrians are still absent." what
# "Pedestrians are absent." does, so `tokens` leaves them out there. Hedges ("probably") stay,
# and so does one after a negated verb ("isn't really visible") or before a break ("Is it
# really?"), and "also" after "there is", where it adds to what was asked ("Is the truck the only
# vehicle?" "No, there's also a bus.").
CERTAINTY_ADVERBS = frozenset({"obviously", "certainly", "clearly", "definitely", "evidently",
                               "plainly", "really", "actually", "indeed", "undoubtedly",
                               "surely", "truly", "honestly", "visibly", "unmistakably",
                               "unquestionably", "genuinely", "decidedly", "still", "now",
                               "currently", "already", "also"})
# A time closing a clause says since when, not what: "one red and one green right now" gives
# each light its colour as "one red and one green" does.
TIME_TAILS = (("right", "now"), ("at", "the", "moment"), ("at", "this", "moment"),
              ("at", "present"), ("for", "now"), ("as", "of", "now"), ("currently",),
              ("presently",))
_TIME_TAIL_OPENINGS = frozenset(t[0] for t in TIME_TAILS)
_ADVERB_WORDS = CERTAINTY_ADVERBS | {"right"}
# Words typed without their apostrophe: negated auxiliaries ("dont", "isnt") and a few
# contractions ("theres", "thats").
UNAPOSTROPHISED = {
    f"{stem}nt": f"{stem}n't" for stem in (
        "do", "does", "did", "is", "are", "was", "were", "could", "would", "should", "have",
        "has", "had", "must", "need")
} | {"cant": "can't", "wont": "won't", "aint": "ain't", "theres": "there's", "thats": "that's",
     "theyre": "they're", "whats": "what's", "heres": "here's"}
# Check marks and crosses are a yes and a no: "car \u2705", "bus \u274c", "No \u274c".
# Emoji that stand for a word of the vocabulary or for a yes or a no, read where they stand in
# the answer's words ("Yes \U0001F6B4 in the bike lane", "\U0001F697") rather than close it as a
# decoration ("Of course. \U0001F697"; `formats.unframed`).
EMOJI_WORDS = {
    "\U0001F697": "car", "\U0001F699": "car", "\U0001F698": "car", "\U0001F695": "taxi",
    "\U0001F696": "taxi", "\U0001F68C": "bus", "\U0001F68D": "bus", "\U0001F68E": "bus",
    "\U0001F690": "van", "\U0001F69A": "truck", "\U0001F69B": "truck",
    "\U0001F3CD": "motorcycle", "\U0001F6F5": "scooter", "\U0001F6B2": "bicycle",
    "\U0001F6B4": "cyclist", "\U0001F6B6": "pedestrian", "\U0001F9CD": "pedestrian",
    "\U0001F9D2": "child", "\U0001F466": "child", "\U0001F467": "child", "\U0001F415": "dog",
    "\U0001F436": "dog", "\U0001F691": "ambulance", "\U0001F693": "police car",
    "\U0001F694": "police car", "\U0001F692": "fire truck", "\U0001F68B": "tram",
    "\U0001F68A": "tram", "\U0001F686": "train", "\U0001F682": "train", "\U0001F684": "train",
    "\U0001F6A6": "traffic light", "\U0001F6A5": "traffic light", "\U0001F6D1": "stop sign",
    "\U0001F6A7": "roadwork", "\U0001F327": "rain", "\u2614": "rain", "\U0001F328": "snow",
    "\U0001F32B": "fog", "\U0001F319": "night", "\u2600": "sun", "\u2601": "cloud",
    "\U0001F333": "tree", "\U0001F332": "tree", "\U0001F3E0": "house", "\U0001F3E1": "house",
    "\U0001F3E2": "building", "\U0001F534": "red", "\U0001F7E2": "green",
    "\U0001F7E1": "yellow", "\U0001F7E0": "amber", "\U0001F44D": "yes", "\U0001F44E": "no",
    "\U0001F6AB": "no", "\U0001F937": "not sure",
}
CHECK_MARKS = {"\u2705": "yes", "\u2714": "yes", "\u2713": "yes", "\u2611": "yes",
               "\u274c": "no", "\u274e": "no", "\u2716": "no", "\u2717": "no", "\u2718": "no"}
_CHECK_MARK = re.compile("|".join(CHECK_MARKS))
_DASH = re.compile(r"[\u2013\u2014]|(?:^|(?<=\s))-+(?=\s|$)", re.M)
_HYPHENATED_ISH = re.compile(r"\b([a-z]+)-ish\b")
# Hyphenated modifiers whose first word names what is not there: "a car-free street", "a
# bus-only lane", "a bike-friendly street", "a sun-bleached sign", "a signal-less junction".
# Written as one word they name no concept, or deny it (`mentions`: "-less"). ("van-like"
# hedges a van, and "child-sized" may be a child: `SHAPE_WORDS`.)
_HYPHENATED_MODIFIER = re.compile(
    r"\b([a-z]+)-(free|only|friendly|proof|style|bleached|less)\b")
_UNAPOSTROPHISED = re.compile(r"\b(" + "|".join(UNAPOSTROPHISED) + r")\b")
# "its" typed for "it's", where no noun follows it as its possessive: "No, its parked at the
# curb.", "its in front of the bus", "its blue.", "its daytime." ("its blue light" and "its
# daytime running lights" are the car's).
_ITS_STATES = sorted(COLOURS | {"daytime", "nighttime", "night", "day", "dark", "raining",
                                "snowing", "sunny", "empty", "clear", "wet", "dry", "foggy"})
_ITS_FOR_IT_IS = re.compile(
    r"\bits(?=\s+(?:(?:a|an|the|not|in|on|at|still|very|just|too|so|possible|likely|probably"
    r"|definitely|clearly|completely|partly|mostly|hard|far|further|two|behind|near|off|only"
    r"|parked|moving|stopped|turning|going|coming)\b|(?:" + "|".join(_ITS_STATES)
    + r")\s*(?:[.,;:!?]|$|and\b|but\b)))")
# What a VLM writes around its answer that is no part of it: a reasoning model's thoughts
# ("<think>...</think> No.", or as Ollama prints them, "Thinking...\n...\n...done thinking."),
# which name what it considered, not what it claims, and the fences of a code block with their
# language ("```json").
NOT_THE_ANSWER = re.compile(
    r"<think>.*?</think>|(?i:^\s*thinking\.\.\.\s*\n.*?\.\.\.done thinking\.)|```[a-z]*", re.S)


def lemma(token: str) -> str:
    """A plural-insensitive form of one lower-case token; it need not be a real word."""
    if token in IRREGULAR:
        return IRREGULAR[token]
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


# Words that say nothing by themselves: hesitation, chat shorthand for not knowing, and what a
# failed generation leaves ("Hmm.", "idk", "ERROR", "<unk>"). An answer of only these asserts
# and denies nothing; one that opens with them is read from the word after ("Um, no.").
# Words of a look still being taken, which open an answer before a pause and answer nothing:
# "Looking... none.", "Scanning: crosswalk empty."
SEARCHING_WORDS = frozenset({"looking", "scanning", "checking", "searching", "analyzing",
                             "analysing", "examining", "inspecting", "thinking", "processing"})
# Words that conclude before a yes or a no said as a sentence of its own: "Therefore no.",
# "So, yes.", "Verdict: no."
CONCLUDING = frozenset({"so", "therefore", "hence", "thus", "ergo", "consequently", "verdict",
                        "conclusion"})
NON_ANSWER_WORDS = frozenset({"hmm", "hm", "mm", "mmm", "um", "uh", "er", "erm", "ah", "well",
                              "so", "ok",
                              "okay", "idk", "dunno", "tbh", "pass", "skip", "error", "unk",
                              "nan", "null", "undefined"})
# A yes or a no drawn out in chat ("Noo.", "Yesss", "Nopeee", and "Hmmm", "Ummm"): its letters
# repeated, read as the word.
_ELONGATED = re.compile(r"\b(?:n+o+|y+e+s+|n+o+p+e+|y+e+a+h+|y+e+p+|h+m+|u+m+|u+h+)\b")


def _shortened(match: re.Match[str]) -> str:
    return re.sub(r"(.)\1+", r"\1", match.group(0))


# A verb of seeming with "to be" says what its copula says, hedged: "there appears to be one"
# is "there is one" and "one seems to be waiting" "one is waiting" (the reader reads a hedged
# presence as presence). "seem" and "appear" stay: "Does the road seem to be wet?" asks.
SEEMING_TO_BE = {"appears": "is", "seems": "is", "appeared": "was", "seemed": "was"}


def _as_copula(toks: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(toks):
        if toks[i] in SEEMING_TO_BE and toks[i + 1 : i + 3] == ["to", "be"]:
            out.append(SEEMING_TO_BE[toks[i]])
            i += 3
        else:
            out.append(toks[i])
            i += 1
    return out


# "kind of" and "sort of" before a colour or a state hedge it: "The car is kind of red." is
# read as "The car is red.", a hedged colour as the reader reads every hedge.
HEDGING_KINDS = frozenset({"kind", "sort"})
HEDGING_KIND_WORDS = frozenset({"kinda", "sorta"})
HEDGING_WORDS = HEDGING_KINDS | HEDGING_KIND_WORDS


def _hedging_kind(toks: list[str], i: int) -> bool:
    """Whether toks[i] is part of a "kind of" or "kinda" just before a colour or a state."""
    def hedged(j: int) -> bool:
        return j < len(toks) and (toks[j] in COLOURS or toks[j] in STATES)
    if toks[i] in HEDGING_KIND_WORDS:
        return hedged(i + 1)
    if toks[i] in HEDGING_KINDS:
        return toks[i + 1 : i + 2] == ["of"] and hedged(i + 2)
    return toks[i] == "of" and i > 0 and toks[i - 1] in HEDGING_KINDS and hedged(i + 1)


def tokens(text: str) -> list[str]:
    """Lower-case word tokens and scope breaks (`BREAKS`; a spaced or en/em dash becomes "\u2014");
    clitics ("'s") are tokens of their own (an apostrophe before a word, the opening of a
    quoted 'scooter', is none), negated auxiliaries stay one token ("don't", also
    when typed "dont" or with a curly apostrophe; "theres", and "its" before no noun, read as
    "there's" and "it's"), a shade is its colour (`SHADES`), a check
    mark or cross a yes or no (`CHECK_MARKS`), a drawn-out yes or no ("Noo.") the word, and a
    colour labelled "colour:" is said with "is", a texted "v" before a state or a colour is
    "very", a hyphenated modifier that names no concept
    ("car-free", "bus-only"; `_HYPHENATED_MODIFIER`) one word, and a colour or state likened
    to something
    is said without the likeness (`_unlikened`). A reasoning block and code fences are left out
    (`NOT_THE_ANSWER`), and so are an adverb of certainty or time right after a verb
    (`CERTAINTY_ADVERBS`), a time closing a clause (`TIME_TAILS`) and the "right" of "right
    now"; "appears to be" is "is" (`SEEMING_TO_BE`), and "kind of" before a colour or a state
    goes (`HEDGING_KINDS`)."""
    text = NOT_THE_ANSWER.sub(" ", text.lower())
    text = _CHECK_MARK.sub(lambda m: f" {CHECK_MARKS[m.group(0)]} ", text)
    text = _DASH.sub(" \u2014 ", text.replace("\u2019", "'").replace("\r", "\n"))
    text = _UNAPOSTROPHISED.sub(lambda m: UNAPOSTROPHISED[m.group(1)], text)
    if "its" in text:
        text = _ITS_FOR_IT_IS.sub("it's", text)
    text = _HYPHENATED_ISH.sub(r"\1ish", text)  # "blue-ish" is "blueish"
    text = _HYPHENATED_MODIFIER.sub(r"\1\2", text)  # "car-free" is "carfree"
    toks = [SHADES.get(t, t) for t in TOKEN.findall(_ELONGATED.sub(_shortened, text))]
    for i in range(1, len(toks) - 1):  # "its colour: red" says "its colour is red"
        if toks[i] == ":" and toks[i - 1] in COLOUR_NOUNS and toks[i + 1] in COLOURS:
            toks[i] = "is"
    if "v" in toks:  # a texted "v wet" is "very wet"
        toks = ["very" if t == "v" and toks[i + 1 : i + 2] and (
            toks[i + 1] in STATES or toks[i + 1] in COLOURS) else t for i, t in enumerate(toks)]
    if "as" in toks:
        toks = _unlikened(toks)
    return _plainly(toks)


# Words before "as white as" that are no noun it could describe: "not as white as snow".
_NOT_A_NOUN = frozenset({"not", "never", "nearly", "almost", "just", "quite", "half", "twice",
                         "and", "or", "but", "so", "a", "an", "the"})


def _unlikened(toks: list[str]) -> list[str]:
    """`toks` without a simile after a colour or a state, which says the colour and names
    nothing in the frame: "black as night." is "black.", "red as a stop sign," is "red,", "is
    as white as snow" is "is white",
    "a car as white as snow" is "a car, white", "dry as a bone" is "dry" (`tokens`)."""
    def quality(t: str) -> bool:
        return t in COLOURS or t in STATES or t in OPPOSITE_STATES
    out: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "as" and out and i + 2 < len(toks) and quality(toks[i + 1]) and \
                toks[i + 2] == "as":
            if out[-1] not in COPULAS and out[-1].isalpha() and out[-1] not in _NOT_A_NOUN:
                out.append(",")  # "a car as white as snow" is "a car, white"
            i += 1  # "is as white as snow": the first "as" goes
            continue
        if t == "as" and out and quality(out[-1]):
            j = i + 1 + (toks[i + 1 : i + 2] in (["a"], ["an"]))
            k = j
            while k < min(len(toks), j + 3) and toks[k].isalpha():
                k += 1
            if k > j and (k == len(toks) or toks[k] in BREAKS):
                i = k  # "as snow", "as a bone", "as a stop sign": the likeness goes
                continue
        out.append(t)
        i += 1
    return out


def _plainly(toks: list[str]) -> list[str]:
    """`toks` with "appears to be" as "is" and without hedging kinds, closing times, adverbs
    of certainty after a verb and the "right" of "right now" (`tokens`); each pass runs only
    when one of its words is there, as most answers have none."""
    if _PLAIN_WORDS.isdisjoint(toks):
        return toks
    words = set(toks)
    if words & SEEMING_TO_BE.keys():
        toks = _as_copula(toks)
    if words & HEDGING_WORDS:
        toks = [t for i, t in enumerate(toks) if not _hedging_kind(toks, i)]
    if words & _TIME_TAIL_OPENINGS:
        toks = _without_time_tails(toks)
    if not words & _ADVERB_WORDS:
        return toks
    out: list[str] = []
    verb = ""  # the verb the adverbs left out so far follow
    for i, t in enumerate(toks):
        if t in CERTAINTY_ADVERBS and i < len(toks) - 1 and toks[i + 1] not in BREAKS and (
                verb or (bool(out) and out[-1] in FINITE)) and not (
                t == "also" and out[-2:-1] == ["there"]):
            verb = verb or out[-1]  # "is clearly obviously red" is "is red"
            continue
        verb = ""
        if not (t == "right" and toks[i + 1 : i + 2] == ["now"]):  # "right now" is no side
            out.append(t)
    return out


_PLAIN_WORDS = SEEMING_TO_BE.keys() | HEDGING_WORDS | _TIME_TAIL_OPENINGS | _ADVERB_WORDS


def _without_time_tails(toks: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(toks):
        tail = next((t for t in TIME_TAILS if tuple(toks[i : i + len(t)]) == t and (
            i + len(t) == len(toks) or toks[i + len(t)] in BREAKS)), None) \
            if toks[i] in _TIME_TAIL_OPENINGS and out[-1:] != ["not"] else None  # "Not now."
        if tail is None:
            out.append(toks[i])
            i += 1
        else:
            i += len(tail)
    return out
