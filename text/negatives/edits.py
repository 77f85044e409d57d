"""Hard-negative captions: edit a caption's scene graph, realise the edit in its own words.

Each edit changes exactly one meaning unit and is written back into the caption's text by
replacing or inserting words at the tokens the graph points to, keeping the rest of the
caption as it was. Articles are fixed ("a orange" -> "an orange"), number is kept (a plural
noun is replaced by a plural noun), and no word is doubled.

What may replace what comes from the corpus (:class:`text.negatives.corpus.CorpusWords`),
so that a negative reads like a caption and a reader cannot tell it without the image:

- ``replace-obj``: a noun used alike in the corpus that takes the object's attributes and
  fits each of its relations ("a man riding a horse" -> "a woman", never "a giraffe riding"),
  of an object whose fit can be checked (:meth:`Editor.checked_relation`), agreeing with the
  caption's pronouns, with what one sex wears (:meth:`Editor.sex_of`) and with its "X of Y"
  phrase (:meth:`Editor.of_phrase_fits`); what is ridden only by what is ridden ("on skis", never
  "on mountains");
- ``replace-att``: an attribute of the same kind that the corpus uses with this noun (a
  person may be young, not metal), from the other end of a scale ("big" -> "small", never "tall");
- ``replace-rel``: a predicate written the same way (a verb in the same form, a preposition)
  seen between such a subject and object ("runs behind the car", not "under the car"), never one
  place preposition for another ("in" / "on the street": one picture), nor one the captions of
  an image say instead of it of such an object ("holding" / "flying a kite"); a preposition only
  where its phrase can be said of nothing but its subject (:meth:`Editor.open_attachment`);
- ``swap-att``: two objects exchange attributes each of them takes;
- ``swap-obj``: subject and object trade places only where every relation and attribute still
  fits the other way round ("a dog chasing a cat"; never "a scooter wearing sunglasses");
- ``add-obj``: a phrase the corpus attaches to such a noun, right after it ("a man with a
  hat sitting on a bench", "a bench next to a tree"), never "... and a pizza" at the end, and a
  place only where the corpus does there what the host does (:meth:`Editor.done_there`: no "a man
  in a chair walking"), nothing to ride to one who rides (:meth:`Editor.second_ride`);
- ``add-att``: an attribute of a kind the object has none of, that the corpus uses with it and
  that is not most likely true anyway (:meth:`Editor.usual`, :meth:`Editor.implied`: no "small
  kid", no "white snow covered hill"), placed as the corpus orders adjectives (after "cute",
  before "round": :meth:`Editor.opinion`).

Nothing the parser visibly misread is edited (:func:`misread_objects`: an attribute given to more
objects than the caption writes it, or to one it is not written by), and a caption with a relation
the parser guessed without words saying it gets no inserted or swapped unit
(:func:`guessed_relations`): re-read after the edit, such a caption changes elsewhere too, and the
negative would fail verification or carry the misreading.

No replacement is the same word, a synonym, a hypernym or a hyponym of what it replaces or of
any object of the caption (:func:`text.negatives.lexical.relation`), and replacements are
words the parser reads in their role in the corpus (so the negative can be verified). Each
type gives up to ``limit`` candidates; the caller ranks them by plausibility.

Shapes: a graph is plain data as in the ``text_graphs`` artifact: ``tokens``, ``offsets``
(character offset of each token), ``objects`` (``name, lemma, head, start, end,
attributes, count``) and ``relations`` (``subject, predicate, object, start, end, via``).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

from text.negatives.corpus import CorpusWords, mounted, of_another, of_head, participle_form, verb_form
from text.negatives.lexical import Pairs, relation
from text.negatives.words import IRREGULAR_PLURALS, Categories, article_for, match_case, plural

Graph = dict[str, Any]
ADJECTIVE_ORDER = {"size": 1, "age": 2, "color": 3, "pattern": 4, "material": 5}  # "a black striped shirt"
DETERMINERS = {"a", "an", "the", "his", "her", "their", "its", "my", "our", "your", "this", "that", "these",
               "those", "some", "several", "many", "each", "every", "another", "other", "no", "both", "'s",
               "various", "assorted", "few", "lots", "plenty", "different", "numerous", "multiple"}
# words that stand before any look in English: "their own white bowl", "the only red car", "the same old man"
LIMITING = {"own", "only", "same", "last", "first", "main", "next", "very", "entire", "whole", "former"}
NUMBERS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozen"}
# replace-obj: the new thing is pictured with the caption's other things at least this share as often as the old
SCENE_SHARE = 0.2
RELIABLE = 0.7  # a replacement the parser reads in its role at least this often in the corpus
# add-obj: a noun said with the host (or another object of the caption) in this share of its captions is
# most likely there anyway; a place or furniture with a thing, in USUAL_WITH_THINGS: people name the table
# under a banana in 14 % of its captions, the road under a car in 8 %, the table of a keyboard in 10 %
USUAL = 0.15
USUAL_WITH_THINGS = 0.07
PICTURED_ANYWAY = 0.2  # ... or the captions of this share of the host's pictures name it: "a sign on a pole"
COMMON = 10  # ... or with another object of the caption named at least this often
SWAPPED_SHARE = 0.2  # swap-obj: the corpus says the swapped triple at least this often as the original
# replace-rel: a new verb's (subject, predicate, object) said at least this often in the corpus; once
# is mostly the parser's misreading ("a man wearing a kite" from "a man wearing a hat flying a kite")
MIN_TRIPLE = 2
# prepositions of a thing held by another (in it, on it), which few things can be: a new one (replace-rel)
# only as a triple the corpus says, a new holder (replace-obj) only where the corpus puts the subject so
# with any verb (CorpusWords.held): "a sink in a mirror", "a zebra on a tree", "surfing on the runway"
# are no one's picture; "near", "behind", "next to" fit any two things
HELD_BY = {"in", "on", "inside", "into", "onto", "on top of", "atop", "in the middle of"}
# replace-rel: one body holds one of these at a time: "standing and walking", "sleeping in bed" while
# "sitting" elsewhere in the caption is no one's picture
POSTURES = {"standing", "sitting", "laying", "lying", "sleeping", "walking", "running", "kneeling", "squatting",
            "trotting", "strolling", "jogging"}
# replace-rel: no new "ride" for one the caption has going on foot ("carrying a surfboard is walking")
ON_FOOT = {"walk", "walks", "walking", "walked", "run", "runs", "running", "jogging", "jogs", "strolling", "hiking"}
# replace-rel: "wear" only of what is mostly worn where it is named (a hat, glasses; not a guitar or a
# bicycle, which the parser often reads as worn: "a man in a helmet riding a bicycle")
WORN_SHARE = 0.3
# predicates that say little ("a plate with food", "taking a baby"): never replaced, swapped or a replacement
WEAK = {"have", "with", "of", "take"}
COPULAS = {"is", "are", "was", "were", "has", "have"}
PREPOSITIONS = {"in", "on", "at", "by", "near", "under", "over", "above", "below", "behind", "beside", "across", "along",
                "around", "through", "into", "onto", "inside", "outside", "toward", "towards", "past", "between",
                "against", "beneath", "underneath", "among", "from", "off", "up", "down", "to", "atop", "next to",
                "in front of", "on top of", "close to", "far from", "out of", "away from", "left of", "right of",
                "to the left of", "to the right of", "across from", "alongside", "beyond", "upon", "within", "for"}
# nouns that say almost nothing: "items" for "wooden spoons", "the ground" for "a snowy surface"; and
# names of a whole class, which no picture shows alone ("at a location", "with an animal", "a DEVICE")
GENERIC = {"item", "thing", "object", "stuff", "something", "ground", "surface", "area", "background", "place",
           "scene", "view", "picture", "image", "photo", "side", "part", "piece", "top", "front", "back", "room",
           "location", "animal", "creature", "device", "gadget", "equipment", "furniture", "appliance", "vehicle",
           "machine", "electronics",
           # times, no things: "a trainyard with container cars" never becomes "an autumn with"
           "autumn", "winter", "summer", "season", "time", "day", "night", "daytime", "nighttime", "evening",
           "morning", "afternoon"}
SYMMETRIC = {"next to", "beside", "near", "by", "with", "across from", "alongside", "and", "between", "among",
             "hug", "kiss", "embrace", "face", "talk to", "greet", "fight"}
# swap-obj: two things of one of these kinds may take either role ("a man standing behind a woman",
# "a dog chasing a cat", "a car in front of a bus") where each is seen in its new role in the corpus
SWAP_KINDS = ("person", "animal", "vehicle")
# words that end the phrase before a noun ("and cat", "of items", "with glasses"): the noun is
# written on its own, not as part of a compound ("lounge chairs")
FUNCTION_WORDS = {"and", "or", "of", "with", "while", "as", "that", "who", "which", "than", "but", "is", "are", "was",
                  "were", "has", "have", "for", "from", "to", "into", "in", "on", "at", "by", "near", "under", "over",
                  "behind", "beside", "across", "along", "around", "through", "onto", "inside", "outside", "toward",
                  "towards", "past", "between", "against", "beneath", "underneath", "among", "off", "up", "down",
                  "atop", "like", "without", "during", "above", "below"}
# people named by the sport they do or their place in it, each seen apart by gear, place or pose
SPORT_ROLES = {"skateboarder", "snowboarder", "surfer", "skier", "batter", "catcher", "pitcher", "umpire",
               "tennis player", "baseball player", "soccer player"}
SEXED = {"man", "boy", "guy", "gentleman", "woman", "girl", "lady", "men", "women", "child", "kid", "baby"}
# a person replaced by one of the other sex would disagree with the caption's pronouns ("a girl ... his face")
MALE = {"man", "boy", "guy", "gentleman", "male", "father", "husband", "groom", "king", "son", "dude", "men"}
FEMALE = {"woman", "girl", "lady", "female", "mother", "wife", "bride", "queen", "daughter", "women"}
# people named by sex, age or nothing else: a person named by a role ("skier", "player") wears its outfit
PLAIN_PEOPLE = SEXED | {"person", "people", "adult", "teenager", "teen", "couple", "girls", "boys", "children"}
# swap-obj between two people: a child and an adult do not trade roles ("a child holding a man")
CHILDREN = {"child", "kid", "boy", "girl", "baby", "toddler", "infant", "son", "daughter", "children", "kids"}
PRONOUNS = {"male": {"he", "his", "him", "himself"}, "female": {"she", "her", "hers", "herself"}}
PERSON_PRONOUNS = PRONOUNS["male"] | PRONOUNS["female"]
SEX = {w: "male" for w in MALE} | {w: "female" for w in FEMALE}  # a person noun -> the sex it names
THING_PRONOUNS = {"its", "itself"}  # of an animal or a thing: "a dog with a toy in its mouth" is no man's
# possessives the parser may read as objects ("his horse" as ``his, have, horse``): no thing to fit
PRONOUN_WORDS = PERSON_PRONOUNS | THING_PRONOUNS | {"their", "my", "our", "your"}
# replace-obj: a thing the corpus says with one sex at under this share of the rate it says it with the
# other (a dress, a skirt, a beard; a suit, a tie) is not given to the other ("a man in a dress"), and a
# person wearing or having it keeps their sex; a lean is read only from this many relations
SEX_SHARE = 0.2
SEX_MIN = 5
FACIAL_HAIR = {"beard", "mustache", "moustache"}
# words that stand for an object named elsewhere (the parser may give "she" the object "woman"):
# never replaced by a noun ("as she plays" -> "as man plays") nor given a phrase
STAND_INS = {"he", "him", "she", "her", "it", "they", "them", "we", "us", "you", "i", "me", "someone", "somebody",
             "something", "one", "ones"}
PERSON_SIZES = {"tall", "short"}  # the sizes add-att gives a person
THING_SIZES = {"long"}  # and those it gives no person or animal: "a long pit bull dog", "a group of long steers"
LIVING_AGES = {"young", "younger", "youthful", "elderly"}  # add-att: of people and animals ("young hot dogs")
# add-att: what no picture shows a colour or a size of ("a white picture of a man", "a green row of
# cattle", "a new video game": new is no look, "white things": a thing has none of its own); "new", which
# no picture shows, and the rarer sizes, which say more than a picture ("a vast elephant") are not added
UNSEEN = {"picture", "photo", "image", "view", "scene", "shot", "row", "line", "set", "group", "variety", "sport",
          "game", "lead", "way", "side", "part", "top", "front", "back", "middle", "edge", "bottom", "end",
          "background", "foreground", "distance", "air", "corner", "photograph", "pic", "snapshot", "thing", "stuff",
          "item", "object", "area"}
VIEWS = {"scene", "view", "shot", "game", "picture", "photo", "photograph", "image", "pic", "snapshot"}  # of UNSEEN
POSITIONS = {"top", "front", "back", "middle", "edge", "bottom", "end", "side", "part"}  # of UNSEEN
# a caption of a black and white picture: no colour is seen in it ("a black and white photo of a green bus")
PHOTO_WORDS = {"picture", "photo", "photograph", "image", "shot", "pic", "snapshot"}
NO_COLOUR_WORDS = {"monochrome", "sepia", "grayscale", "greyscale"}
COLOURED = {"colored", "coloured", "multicolored", "multicoloured", "tinted", "hued"}  # "a cream colored vase"
# add-att: compounds that are no kind of their last word take none of its colours ("a yellow hot dog":
# yellow dogs), only their own
NOT_ITS_HEAD = {"hot dog", "corn dog", "chili dog"}
NOT_ADDED = {"new", "mini", "vast", "enormous", "massive", "gigantic"}
PARTICLES = {"up", "off", "out", "away", "over", "down"}  # replace-rel: "picking it up" needs its verb
NEGATIONS = {"not", "n't", "never", "no"}
WH_WORDS = {"how", "what", "where", "why", "when"}  # "showing a child how to ski": the verb takes a clause
PLURAL_ONLY = {"people", "men", "women", "children", "folks", "persons", "cattle", "police", "clothes"}
PLURAL_PEOPLE = PLURAL_ONLY - {"cattle", "clothes"}
ADD_KINDS = ("color", "size", "material", "pattern", "age")  # attributes add-att may add
# add-att: of a noun named this often, an attribute said once is the parser's misreading ("a long
# person" from "a person with long hair"); of rarer nouns once is all the corpus can tell
MANY_TIMES = 500
MATERIAL_TIMES = 100  # a material, the look the parser most often hangs on the wrong noun ("a wooden bat and
# ball": "a wooden ball"), twice of a noun named this often
# add-att: a size or age is not added at the end of its scale the corpus says of the noun more than
# half the time, and at least this often ("small", "little" or "tiny" of a kid)
USUAL_END = 10
# add-att: a colour or material said in this share of the (at least so many) of a noun's is likely true
USUAL_SHARE, USUAL_MIN = 0.3, 10
KNOWN_HEAD = 20  # add-att: a noun named this often tells what attributes it takes
NEVER_PLURAL_MIN = 20  # replace-obj: a noun named this often and never as a plural is a mass noun ("hair")
# garments a person wears in almost every picture, named or not: "a man in a shirt" is most likely true
WORN_ANYWAY = {"shirt", "top", "pants", "clothes", "clothing", "shoe", "outfit", "short", "shorts", "jean", "jeans"}
# parts of a person or an animal, there in nearly every picture of it, named or not ("a man with an
# arm", "a dog with a tail"); and what a dog wears anyway ("a dog with a collar")
BODY_PARTS = {"head", "hand", "arm", "leg", "foot", "feet", "face", "hair", "eye", "mouth", "nose", "ear", "finger",
              "shoulder", "neck", "knee", "back", "lap", "body", "skin", "tooth", "teeth", "lip", "chest", "belly",
              "tail", "paw", "fur", "hoof", "wing", "beak", "trunk", "mane", "horn"}
# body parts whose colour is their skin's, which add-att never gives (hair, eyes, wings, horns have colours)
SKIN = {"head", "hand", "arm", "leg", "foot", "feet", "face", "mouth", "nose", "ear", "finger", "shoulder", "neck",
        "knee", "back", "lap", "body", "skin", "lip", "chest", "belly"}
WORN_BY_ANIMALS = {"collar"}
COATS = {"skin", "fur", "feathers", "feather", "wool", "paint", "mane", "hide", "shell"}  # a thing's own colour
# what a person doing a sport wears anyway, by the words that name the sport: add-obj adds none of it
_SNOW = frozenset({"ski", "skis", "skiing", "skier", "skiers", "snow", "slope", "snowboard", "snowboarding",
                   "snowboarder"})
_SURF = frozenset({"surf", "surfing", "surfer", "surfers", "surfboard", "surfboards", "wave", "waves"})
_SKATE = frozenset({"skateboard", "skateboards", "skateboarder", "skateboarders", "skateboarding", "skate",
                    "skating", "skatepark", "ramp"})
# add-obj: one sport's board or skis, never where another sport's scene is named ("a person on a
# skateboard standing near a ski-lift", "a man with a skateboard riding a wave")
SPORT_SCENES = {"skateboard": _SNOW | _SURF, "surfboard": _SNOW | _SKATE, "skis": _SURF | _SKATE, "ski": _SURF | _SKATE,
                "snowboard": _SURF | _SKATE}
# add-obj: where a person is only while jumping, which the added phrase does not say ("three men in the
# air standing next to each other")
AIRBORNE = {"air", "sky"}
_BALL = frozenset({"baseball", "batter", "pitcher", "catcher", "umpire", "softball"})
DRESSED_FOR = {"wetsuit": _SURF, "suit": _SURF, "jacket": _SNOW, "coat": _SNOW, "goggles": _SNOW, "gloves": _SNOW,
               "helmet": _SNOW | {"skateboard", "skateboarding", "bike", "bicycle", "motorcycle"}, "uniform": _BALL,
               "jersey": _BALL, "cap": _BALL}
# add-obj: a caption that names one of these sports gets no place phrase (the sport says where) and its
# doer nothing more to ride (Editor.second_ride), nor one who rides or plays with a GEAR_KINDS thing
SPORT_VERBS = {"skiing", "surfing", "snowboarding", "skateboarding", "skating", "surfs", "skis", "skates", "boarding",
               "kayaking", "paddling", "rowing", "sailing", "swimming", "kiteboarding", "windsurfing", "snowboards"}
# add-obj: where one surfs, skis or rows, nothing stays by one ("a man next to a dog is surfing a wave")
NEARBY = {"next to", "beside", "near", "by", "behind", "in front of", "alongside"}
WAVES = {"wave", "waves"}  # "a man riding a wave": surfing
GEAR_KINDS = ("vehicle", "board", "equipment")
RIDDEN_ANIMALS = {"horse", "elephant", "camel", "pony", "donkey"}
# what a room, a machine or a dish has in nearly every picture of it, said or not
FIXTURES = {
    "kitchen": {"sink", "stove", "oven", "refrigerator", "fridge", "cabinet", "counter", "microwave", "faucet"},
    "bathroom": {"sink", "toilet", "tub", "bathtub", "mirror", "shower", "faucet", "towel"},
    "restroom": {"sink", "toilet", "mirror"},
    "toilet": {"lid", "seat", "tank", "bowl", "handle"},
    "laptop": {"keyboard", "screen"},
    "computer": {"keyboard", "monitor", "screen", "mouse"},
    "pizza": {"topping", "crust", "cheese", "sauce"},
}
# words that say where the scene is: "a dog playing outside" is in no car, "people eating indoors" in no park
WHERE_WORDS = {"outside", "outdoors", "indoors", "inside"}
# a place: a scene has one, and a caption that names one gets no other ("a dog running through the
# water on the grass", "people on the street hiking up an icy hillside")
PLACE_KINDS = ("ground", "area", "room", "water", "building", "structure")
PLACES = {"street", "road", "sidewalk", "wall", "beach", "field", "snow", "grass", "park", "city", "town", "yard",
          "shore", "hill", "hillside", "mountain", "forest", "woods", "stage", "court", "track", "tracks", "lake",
          "river", "ocean", "sea", "pool", "desert", "kitchen", "bathroom", "bedroom", "room", "market", "restaurant",
          "store", "shop", "station", "airport", "runway", "parking lot", "lot", "sky", "air", "floor", "ground",
          "campus", "trail", "path", "water", "dirt", "sand", "mud", "lawn", "garden", "backyard", "plaza", "square",
          "alley", "highway", "intersection", "crowd", "area", "building", "house", "landscape", "weather", "rain",
          "carpet", "rug"}
# where on or in a place something is: "on the street", "in the street", "along the street", "across
# the grass", "over the field" hold of one picture, so none replaces another
WITHIN_PLACE = {"in", "on", "at", "along", "through", "around", "down", "up", "inside", "into", "onto",
                "atop", "within", "on top of", "across", "over"}
# ground and flat places (PLACE_KINDS' "ground", "area", "water" and these): nothing is in front of,
# behind or under them
FLAT_PLACES = {"street", "road", "sidewalk", "highway", "track", "tracks", "court", "path", "trail", "runway", "lawn",
               "floor", "ground", "beach", "shore", "field", "grass", "snow", "sand", "dirt", "mud", "water", "pavement"}
NOT_BY_FLAT = {"in front of", "behind", "on top of", "under", "beneath", "underneath", "below", "inside"}
SHADOWS = {"shade", "shadow", "shadows"}  # replace-rel: what one is in or under alike
LOCATIVE = {"in", "on", "at", "inside", "into", "onto", "through", "along", "across", "around", "outside", "atop"}
# what many people or animals are not all on or with at once ("two men on a horse", "men with a beard")
RIDDEN_KINDS = ("vehicle", "animal", "board")
RIDING_VERBS = {"surfing", "surfs", "skating", "skiing", "snowboarding", "skateboarding", "pedaling", "pedalling",
                "peddling", "biking", "cycling"}  # as "riding"
# how a path is taken, not where: "walks down / along / on the street" all hold of one picture
PATH_PREPOSITIONS = {"down", "along", "up", "on", "around"}
# where something goes, not where it is: only a verb that moves takes one ("a ball to its mouth",
# "a bird to a branch" say nothing; "a dog runs to the ball" does)
# replace-rel: verbs a vehicle moves by, which one still picture tells apart no better than "moving":
# "a train running / driving / coming down the track" (speeding is seen: the blur)
MOVING = {"come", "go", "head", "move", "travel", "drive", "run", "roll", "ride", "pull", "pass", "approach",
          "fly", "make"}
DIRECTIONS = {"to", "toward", "towards", "into", "onto", "from", "off", "out of", "away from"}


@dataclass(frozen=True)
class Negative:
    type: str
    text: str
    before: str  # the edited words of the positive caption
    after: str  # what they became
    start: int  # character span of ``before`` in the positive caption
    end: int
    # (old, new) words whose embeddings are still to be compared (lexical.relation): done in a
    # batch for the few candidates that are kept, not for every candidate
    changed: tuple[tuple[str, str], ...] = ()
    # what the negative says that the caption did not, as facts (:func:`facts_of`): a negative
    # that another caption of the same image says is still true of it
    introduces: tuple[str, ...] = ()


# one replacement: tokens [i, j) of the caption become ``text``; i == j inserts ``text`` before token i
Replacement = tuple[int, int, str]


def realise(caption: str, graph: Graph, replacements: Sequence[Replacement], kind: str) -> Negative | None:
    """Apply token replacements to the caption text, fixing the article before each one."""
    tokens, offsets = graph["tokens"], graph["offsets"]
    n = len(tokens)
    if any(not 0 <= i <= j <= n or i == n for i, j, _ in replacements):
        return None
    if any(offsets[k] < 0 for i, j, _ in replacements for k in range(max(i - 1, 0), max(j, i + 1))):
        return None
    edits: list[tuple[int, int, str]] = []  # character spans
    for i, j, text in replacements:
        start = offsets[i]
        end = offsets[j - 1] + len(tokens[j - 1]) if j > i else start
        if j == i:
            text = text + " "
        # "a apple" -> "an apple": the article right before the edit agrees with its first word
        if i > 0 and tokens[i - 1].lower() in ("a", "an"):
            first = text.strip().split(" ")[0]
            art = match_case(article_for(first), tokens[i - 1])
            if art.lower() != tokens[i - 1].lower():
                start = offsets[i - 1]
                text = art + caption[offsets[i - 1] + len(tokens[i - 1]): offsets[i]] + text
        edits.append((start, end, text))
    edits.sort()
    for (_, e1, _), (s2, _, _) in zip(edits, edits[1:], strict=False):
        if s2 < e1:
            return None
    out, pos = [], 0
    for s, e, t in edits:
        out.append(caption[pos:s])
        out.append(t)
        pos = e
    out.append(caption[pos:])
    text = "".join(out)
    start, end = edits[0][0], edits[-1][1]
    after_end = end + (len(text) - len(caption))
    if text == caption or _doubled(text) > _doubled(caption):
        return None
    return Negative(kind, text, caption[start:end], text[start:after_end], start, end)


def _doubled(text: str) -> int:
    words = text.lower().split()
    return sum(a == b for a, b in zip(words, words[1:], strict=False))


class Editor:
    """Builds the candidate negatives of each type for one caption."""

    def __init__(self, caption: str, graph: Graph, categories: Categories, words: CorpusWords,
                 rng: random.Random, limit: int = 6, careful: bool = True) -> None:
        self.caption = caption
        self.g = graph
        self.tokens = [t.lower() for t in graph["tokens"]]
        self.token_set = frozenset(self.tokens)  # "is this word in the caption", asked per candidate
        self.cats = categories
        self.words = words
        self.rng = rng
        self.limit = limit
        self.lemmas = {o["lemma"] for o in graph["objects"]}
        self.named = Counter(o["lemma"] for o in graph["objects"])  # how many objects bear each name
        # careful: nothing the parser visibly misread is edited, and where it guessed a relation no
        # unit is inserted or swapped (re-read, the whole caption changes)
        self.unsure = misread_objects(graph) if careful else set()
        self.guessed = guessed_relations(graph) if careful else False

    # ------------------------------------------------------------ helpers

    def related(self, a: str, b: str) -> bool:
        """The cheap part of :func:`relation` (curated list and corpus); embeddings come later."""
        return relation(a, b, self.words.coreferent, embeddings=False) is not None

    def new_object(self, word: str, replacing: str | None = None) -> bool:
        """A noun not in the caption (no object's name, nor a word of it: "car and motorcycle traffic" never
        becomes "motorcycle and motorcycle traffic"), no other name of one of its objects, read as a noun by
        the parser."""
        if word in self.lemmas or " " in word or word in GENERIC or self.words.as_noun.get(word, 0.0) < RELIABLE:
            return False
        if self.cats.kind_of(word, "attributes") is not None and self.cats.kind_of(word, "objects") is None:
            return False  # the parser's misreading of a look: "jumping off a ramp" never becomes "off a snowy"
        if word in self.token_set or plural(word) in self.token_set:
            return False
        return not any(self.related(x, word) for x in self.lemmas | ({replacing} if replacing else set()))

    def name_span(self, o: dict[str, Any]) -> tuple[int, int] | None:
        """First and head token of the object's name as written ("dump truck"), when it is
        written in one piece with nothing noun-like before it."""
        h = o["head"]
        first = h - (len(o["name"].split()) - 1)
        if first < 0 or h >= len(self.tokens) or any(self.g["offsets"][k] < 0 for k in range(first, h + 1)):
            return None
        if " ".join(self.tokens[first:h + 1]) != o["name"].lower():
            return None
        return (first, h) if first == 0 or self.before_name(self.tokens[first - 1]) else None

    def noun_after(self, o: dict[str, Any]) -> bool:
        """The object's head is followed by a noun: the first word of a compound the parser took
        for the thing ("two doughnut holes" read as doughnuts) or for a thing of its own ("a zebra
        suitcase" read as a zebra and a suitcase); replacing it would write "two fruits holes", "a
        woman suitcase"."""
        h = o["head"] + 1
        return h < len(self.tokens) and self.words.as_noun.get(self.tokens[h], 0.0) >= 0.5

    def single_word(self, o: dict[str, Any]) -> bool:
        """A one-word name whose head has nothing noun-like before it ("lounge chairs" is not)."""
        h = o["head"]
        if " " in o["name"] or h >= len(self.tokens) or self.g["offsets"][h] < 0:
            return False
        return h == 0 or self.before_name(self.tokens[h - 1])

    def before_name(self, t: str) -> bool:
        """A word that may stand right before a name written on its own: a plain modifier, or a word
        that ends the phrase before it ("a dog and cat", "a man with glasses", "riding bikes")."""
        return self.plain_modifier(t) or t in FUNCTION_WORDS or self.participle(t)

    def participle(self, t: str) -> bool:
        """An -ing word the corpus (almost) never uses as a noun: "riding", "standing"; not "building"."""
        return t.endswith("ing") and self.words.as_noun.get(t, 0.0) < 0.1

    def plain_modifier(self, t: str) -> bool:
        return (t in DETERMINERS or t in NUMBERS or t.isdigit() or not any(c.isalnum() for c in t)
                or self.cats.kind_of(t, "attributes") is not None or self.words.as_attribute.get(t, 0.0) >= RELIABLE)

    def edited_noun(self, o: dict[str, Any]) -> bool:
        """An object whose head the parser reads as a noun in the corpus ("grazing" mostly is not)."""
        return self.words.as_noun.get(self.tokens[o["head"]], 0.0) >= RELIABLE if o["head"] < len(self.tokens) else False

    def is_plural(self, o: dict[str, Any]) -> bool:
        return self.written_plural(o) or o.get("count") not in (None, "1")

    def number_said(self, o: dict[str, Any]) -> bool:
        """One or many, as the caption tells it of a noun written alike for both ("a sheep", "two
        sheep"; not "sheep grazing", nor "a herd of sheep", which the verb may take either way)."""
        if plural(o["lemma"]) != o["lemma"] or o.get("count") is not None:
            return True
        first = o["start"]
        return first > 0 and self.tokens[first - 1] in ("a", "an", "one", "another", "each")

    def written_plural(self, o: dict[str, Any]) -> bool:
        """The object's name is a plural word ("dogs", "people"), or one the parser left as its own lemma
        though the corpus names the word without its "s" more often ("SHEEPS" is many sheep); "a four way
        sign" counts 4 of a singular."""
        name = o["name"].split()[-1].lower()
        return (name != o["lemma"].split()[-1] or name in PLURAL_ONLY
                or (name.endswith("s") and self.words.objects[name[:-1]] > self.words.objects[name]))

    def never_plural(self, lemma: str) -> bool:
        """A noun the corpus names often and never writes as a plural ("hair", "broccoli"): it does
        not replace many things ("brush their teeth" never becomes "brush their hairs")."""
        return (self.words.objects[lemma] >= NEVER_PLURAL_MIN and lemma not in self.words.plurals
                and lemma not in IRREGULAR_PLURALS and lemma not in PLURAL_ONLY)

    def named_after(self, o: dict[str, Any]) -> bool:
        """A capitalised word follows the object's name inside a caption not written in capitals: a
        proper name ("streets Wadsworth and Amherst", "the river Thames")."""
        tokens = self.g["tokens"]
        after = tokens[o["end"]] if o["end"] < len(tokens) else ""
        return after[:1].isupper() and not all(t.isupper() for t in tokens if t[:1].isalpha())

    def noun_for(self, lemma: str, like: dict[str, Any]) -> str:
        # English's own plural first: the corpus writes "sheeps" too, and "sheep" looks singular to it
        plural_ = (lemma if lemma in PLURAL_ONLY else IRREGULAR_PLURALS.get(lemma)
                   or self.words.plurals.get(lemma, plural(lemma)))
        word = plural_ if self.is_plural(like) else lemma
        return match_case(word, self.g["tokens"][like["head"]])

    def attribute_token(self, o: dict[str, Any], attr: str) -> int | None:
        inside = [k for k in range(o["start"], o["head"]) if self.tokens[k] == attr]
        if inside:
            return inside[0]
        after = [k for k in range(o["head"] + 1, len(self.tokens)) if self.tokens[k] == attr]
        return after[0] if after else None

    def insertion_point(self, o: dict[str, Any], kind: str) -> int:
        """Where a new adjective of ``kind`` goes: after numbers and words of opinion ("this basic
        black kitchen", not "this black basic kitchen"), in English order among known adjectives
        ("two small red wooden chairs"), before any other modifier ("tiny lounge chairs"); after a
        quantity the span begins with ("a group of birds" -> "a group of white birds")."""
        rank = ADJECTIVE_ORDER.get(kind, 9)
        of = [k for k in range(o["start"], o["head"]) if self.tokens[k] == "of"]
        k = of[-1] + 1 if of else o["start"]
        while k < o["head"] and (self.tokens[k] in NUMBERS or self.tokens[k].isdigit() or self.tokens[k] in DETERMINERS):
            k += 1
        span = self.name_span(o)
        while k < (span[0] if span else o["head"]) and self.opinion(self.tokens[k]):
            k += 1
        while k < o["head"]:
            other = self.cats.kind_of(self.tokens[k], "attributes")
            if other is None or ADJECTIVE_ORDER.get(other, 9) > rank:
                break
            k += 1
        return k

    def clean_insertion(self, p: int, o: dict[str, Any] | None = None, kind: str = "") -> bool:
        """Not inside a hyphenated word, and right after a determiner, a number, nothing or the
        predicate whose object ``o`` is, when ``o`` is many things or worn ("flying kites" -> "flying
        red kites", "a girl in dress" -> "in red dress"; another bare singular there is mostly an
        idiom: "takes place", "on foot"); never between two nouns the parser read as two things; not after
        another adjective ("black leather cap" reads as one shade of colour) but a size or an age
        before what follows it in English order, nor after an adverb ("a recently young married couple")."""
        off = self.g["offsets"][p]
        if off > 0 and self.caption[off - 1] != " ":
            return False
        if p == 0:
            return True
        objects = self.g["objects"]
        if any(x["end"] == p for x in objects) and self.tokens[p - 1] not in DETERMINERS:
            return False  # inside a compound read as two things: no "a traffic light green pole"
        if o is not None and p == o["start"] and (self.is_plural(o) or self.worn(o["lemma"])) and any(
                objects[r["object"]] is o and r["start"] <= p - 1 < r["end"] and r["via"] != "learned"
                for r in self.g["relations"]):  # not the parser's guess: "motor" read as `motor, have, bikes`
            return True
        if p < len(self.tokens) and self.tokens[p].lower() in LIMITING:
            return False  # "their own bowl" never becomes "their white own bowl", nor "the red only vehicles"
        t = self.tokens[p - 1]
        before = self.cats.kind_of(t, "attributes")
        if kind == "pattern" and before == "color":
            return True  # "a black striped shirt"
        if (o is not None and t in o["attributes"] and before in ("size", "age")
                and ADJECTIVE_ORDER[before] < ADJECTIVE_ORDER.get(kind, 0)
                and p < len(self.tokens) and self.tokens[p] not in o["attributes"]):
            return True  # a size or an age first, then a noun: "a huge (blue) dump truck", not "a big (blue) cute"
        if t == "of" and o is not None and o["start"] <= p <= o["head"] and self.written_plural(o):
            return True  # "a row of cows" -> "a row of brown cows", the span "group of birds" -> "group of white birds"
        if self.opinion(t):  # after "cute", but not inside "cute looking"
            return p >= len(self.tokens) or not self.tokens[p].endswith(("ed", "ing"))
        return t in DETERMINERS or t in NUMBERS or t.isdigit() or not any(c.isalnum() for c in t)

    @cached_property
    def addable(self) -> list[str]:
        """The attributes add-att may add (of :data:`ADD_KINDS`)."""
        return [w for kind in ADD_KINDS for w in self.cats.attributes[kind]]

    def opinion(self, t: str) -> bool:
        """A word English puts before size, age and colour, as the corpus writes it: "basic",
        "careful", "cute" stand before such adjectives more than twice as often as after them
        ("a cute little dog"); "indoor", "round", "Chinese" stand after them ("a big round table")."""
        if (not t.isalpha() or t in FUNCTION_WORDS or t in DETERMINERS or t in NUMBERS or t.endswith(("ed", "ing"))
                or self.cats.kind_of(t, "attributes") is not None):
            return False
        before = sum(self.words.modifier_order[(t, w)] for w in self.addable)
        after = sum(self.words.modifier_order[(w, t)] for w in self.addable)
        return before >= 2 and before > 2 * after

    def splits_phrase(self, o: dict[str, Any], p: int) -> bool:
        """A word put at ``p`` would describe something else or split a phrase: before "group of"
        ("a red group of planes" is no red plane) or inside a multi-word attribute ("a two white way
        street sign")."""
        if "of" in self.tokens[p:o["head"]]:
            return True
        for a in o["attributes"]:
            words = str(a).lower().split()
            n = len(words)
            if n > 1 and any(self.tokens[q:q + n] == words for q in range(max(p - n + 1, 0), p)):
                return True
        return False

    def pictured_alike(self, word: str, instead_of: str) -> bool:
        """The new thing is in the pictures of each of the caption's other common things at least
        :data:`SCENE_SHARE` as often as the thing it replaces: people are at a beach in many of its
        pictures, giraffes in almost none ("a group of giraffes at the beach"); cars are on many
        streets, trains on few ("a train driving on a quiet street")."""
        return all(self.words.pictured_with(x, word) >= SCENE_SHARE * self.words.pictured_with(x, instead_of)
                   for x in self.common_others(instead_of, word))

    def fits_scene(self, word: str, instead_of: str) -> bool:
        """The noun has been seen in one caption with each of the caption's other common objects
        (not "surfer" in a downhill race, not "a bathroom" beside a statue)."""
        return all(self.words.together(word, x) > 0 for x in self.common_others(instead_of, word))

    def common_others(self, instead_of: str, word: str) -> list[str]:
        """The caption's objects but ``instead_of`` the corpus names at least three times, or
        :data:`COMMON` times where a person named by sex or age replaces another: a girl for a boy changes no scene,
        though the corpus has never seen a girl by its six nightstands; a plunger for a mouse, a car
        for a boat does."""
        least = COMMON if instead_of in SEXED and word in SEXED else 3
        key = (instead_of, least)
        if key not in self._common_others:  # asked for every word that might replace the object
            self._common_others[key] = [x for x in self.lemmas - {instead_of} if self.words.objects[x] >= least]
        return self._common_others[key]

    @cached_property
    def _common_others(self) -> dict[tuple[str, int], list[str]]:
        return {}

    def usual(self, lemma: str, attribute: str, kind: str) -> bool:
        """The attribute is what the corpus often says of this noun among its kind (in more than half
        of them, or a colour or a material in more than :data:`USUAL_SHARE` of :data:`USUAL_MIN` or more:
        "yellow" of bananas, "colorful" of kites), or its end of a scale is what it mostly says ("small",
        "little" or "tiny" of kids, so none of them is added to a kid). Remembered in the corpus's memo."""
        key = ("usual", lemma, attribute, kind)
        if key not in self.words.memo:
            self.words.memo[key] = self._usual(lemma, attribute, kind)
        return self.words.memo[key]

    def _usual(self, lemma: str, attribute: str, kind: str) -> bool:
        # a compound by its own counts where it has them: a stop sign is red, whatever signs are
        counts = {w: self.words.noun_attributes[(lemma, w)] for w in self.cats.attributes[kind]}
        if sum(counts.values()) < 3:
            counts = {w: self.words.takes(lemma, w) for w in self.cats.attributes[kind]}
        total = sum(counts.values())
        alike = sum(n for w, n in counts.items() if w == attribute or self.cats.same_end(w, attribute))
        # "gray" and "grey" are one colour: elephants are grey in most captions that colour them
        counts[attribute] = sum(n for w, n in counts.items() if w == attribute or relation(
            w, attribute, self.words.coreferent, embeddings=False) == "synonym")
        # an end only where the corpus says it often: two "big" and two "long" streets tell little
        often = kind not in self.cats.scales and total >= USUAL_MIN and counts[attribute] > USUAL_SHARE * total
        return total >= 3 and (counts[attribute] > 0.5 * total or often or (alike >= USUAL_END and alike > 0.5 * total))

    def implied(self, o: dict[str, Any], p: int, attribute: str) -> bool:
        """The thing, or a word between ``p`` and its name, implies the attribute anyway ("a (white)
        snow covered hill", "a (white) snowy field", "a (wooden) stick"), or the thing is covered by
        another, whose colour is the one seen ("a (red) road covered in snow")."""
        k = next(k for k, x in enumerate(self.g["objects"]) if x is o)
        covering = [self.g["objects"][r["subject"]]["lemma"] for r in self.g["relations"]
                    if r["object"] == k and r["predicate"].startswith("cover")]
        if covering and self.cats.kind_of(attribute, "attributes") == "color":
            return True  # what covers a thing is the colour one sees: no "a red road covered in snow"
        said = self.cats.implies.get(attribute, frozenset())
        return any(t in said for t in [o["lemma"], *self.tokens[p:o["head"]]])

    def coat_coloured(self, o: dict[str, Any]) -> bool:
        """The thing is with or has a skin, fur or paint whose colour the caption says: that is its
        colour ("longhorn cattle, with brown skin" are not black cattle)."""
        objects = self.g["objects"]
        return any(objects[r["subject"]] is o and r["predicate"] in ("with", "have")
                   and objects[r["object"]]["lemma"] in COATS
                   and any(self.cats.kind_of(a.split()[-1], "attributes") == "color"
                           for a in objects[r["object"]]["attributes"] if a.split())
                   for r in self.g["relations"])

    def person_swap_visible(self, old: str, new: str) -> bool:
        """A person named by role ("surfer", "player") may be any man or woman: only a person named
        by sex or age is replaced by another person, and one of :data:`SPORT_ROLES` by another ("a
        pitcher throws to the batter" -> "to the umpire"; what it does must still fit the new one,
        :meth:`fits_everywhere`)."""
        people = relation("person", old, self.words.coreferent, embeddings=False) == "hyponym"
        if not people or relation("person", new, self.words.coreferent, embeddings=False) != "hyponym":
            return True
        return (old in SEXED and new in SEXED) or (old in SPORT_ROLES and new in SPORT_ROLES)

    def sex_of(self, lemma: str) -> str | None:
        """The sex a person noun names, or that a garment (or a beard) leans to: the corpus relates it to men at under
        :data:`SEX_SHARE` of the rate it relates it to women ("dress": 2 of 3,963 male persons' relations
        on COCO, 27 of 2,181 female ones'), or the other way round (a suit, a tie, a beard)."""
        if lemma in SEX:
            return SEX[lemma]
        if not (self.is_garment(lemma) or lemma in FACIAL_HAIR):  # what one does is no one's sex: women skate
            return None
        rate = {}
        for sex, people in (("male", MALE), ("female", FEMALE)):
            said = sum(self.words.related_count(lemma, p) for p in people)
            named = sum(self.words.objects[p] for p in people)
            rate[sex] = (said, said / named if named else 0.0)
        for sex, other in (("male", "female"), ("female", "male")):
            if rate[sex][0] >= SEX_MIN and rate[other][1] < SEX_SHARE * rate[sex][1]:
                return sex
        return None

    def sexes_fit(self, k: int, new: str) -> bool:
        """Object ``k`` renamed ``new`` is related to nothing that leans to the other sex: a person
        keeps what they wear or have ("a woman in a dress" never becomes "a man"), a thing of a
        person stays that person's ("a man in a suit" never gets "a dress")."""
        mine = self.sex_of(new)
        if mine is None:
            return True
        for r in self.relations_of(k):
            theirs = self.sex_of(self.other_end(r, k)["lemma"])
            if theirs is not None and theirs != mine:
                return False
        return True

    def checked_relation(self, k: int, new: str) -> bool:
        """Object ``k`` is the caption's only thing, or has a relation to another thing the caption
        names (not to "his" or "it"), whose fit ``new`` must pass, or it is a person or an animal and
        so is ``new`` (the subject of a verb without object: "two dogs run", "two cats run"). The
        parser relates nothing to "a river" in "surfs up a river" nor to the kites of "while many
        kites fly": renamed, they would take any noun ("surfs up a hill", "many surfboards fly")."""
        objs = self.g["objects"]
        others = [self.other_end(r, k) for r in self.relations_of(k) if r["subject"] != r["object"]]
        if len(objs) == 1 or any(self.tokens[x["head"]] not in STAND_INS and x["lemma"] not in PRONOUN_WORDS
                                 for x in others):
            return True  # alone in its caption, it misfits nothing: "a shot of a small bathroom"
        return self.is_animate(objs[k]["lemma"]) and self.is_animate(new)

    def names_a_view(self, o: dict[str, Any]) -> bool:
        """The object's name only says what a view or a game after it is of: "a rainy street scene"
        never becomes "a big rainy street scene", nor "a baseball game shot" "a little baseball"."""
        h = o["head"] + 1
        return h < len(self.tokens) and self.tokens[h] in VIEWS

    def before_participle(self, o: dict[str, Any]) -> bool:
        """The object names what covers or fills the thing after it: "a tree-covered hill", "a grass
        covered field", "a graffiti filled area"."""
        after = self.tokens[o["head"] + 1:o["head"] + 4]
        if after[:1] == ["-"]:
            after = after[1:]
        return (len(after) >= 2 and participle_form(after[0]) and verb_form(after[0]) == "ed"
                and self.words.as_noun.get(after[1], 0.0) >= 0.5)

    def particle_after(self, end: int) -> bool:
        """The words from ``end`` on (past the object's name, "of" and the names in its phrase) end
        the clause in a particle of the verb: "picking a piece of food up"; not "with her umbrella up"."""
        q = end
        while q < len(self.tokens) and (self.tokens[q] == "of" or any(
                x["start"] <= q < x["end"] for x in self.g["objects"])):
            q += 1
        return (q < len(self.tokens) and self.tokens[q] in PARTICLES
                and (q + 1 == len(self.tokens) or not self.tokens[q + 1].isalnum()))

    def still_one_of_the_others(self, old: str, new: str) -> bool:
        """"Several giraffes and other animals" never becomes "several men and other animals": where the
        caption names "other" things of a kind the object is of, the new noun is of it too."""
        for q, t in enumerate(self.tokens[:-1]):
            if t in ("other", "another"):
                kind = self.tokens[q + 1]
                kind = kind[:-1] if kind.endswith("s") and self.words.objects[kind[:-1]] else kind
                if kind != old and self.kind(old, (kind,)) is not None and self.kind(new, (kind,)) is None:
                    return False
        return True

    def after_other(self, o: dict[str, Any]) -> bool:
        """The object is named after "other" or "another": it is of the kind of a thing named before
        ("a pocketknife and other items", never "other vegetables"; "a man and another man")."""
        span = self.name_span(o)
        return span is not None and span[0] > 0 and self.tokens[span[0] - 1].lower() in ("other", "another")

    def mouth_held(self, old: str, new: str) -> bool:
        """An animal renamed a person where the caption says a mouth: an animal holds things in it ("a
        dog with a frisbee in his mouth" never becomes "a man with a frisbee in his mouth")."""
        return ("mouth" in self.token_set and self.is_person(new) and not self.is_person(old)
                and self.is_animate(old))

    def placed(self, o: dict[str, Any], role: str = "subject") -> bool:
        """Somewhere already: in, on or at something ("jumping through a hoop", "in a club dancing",
        "sitting at a table"), though what it is on may be placed ("standing at the base of a
        mountain", "on the edge of"); with ``role="object"``: what something is in, on or at."""
        return any(self.g["objects"][r[role]] is o and (
            r["predicate"].split()[-1] in LOCATIVE or r["predicate"].endswith(("top of", "front of"))
            or (r["predicate"].endswith(" of") and LOCATIVE & set(r["predicate"].split())))
            for r in self.g["relations"])

    def joined(self, o: dict[str, Any]) -> bool:
        """A relation's object, as the parser reads it or as the words say: after a preposition
        ("with a dog", read or not)."""
        k = o["start"] - 1
        while k >= 0 and (self.tokens[k].lower() in DETERMINERS or self.tokens[k].lower() in NUMBERS):
            k -= 1
        return (any(self.g["objects"][r["object"]] is o for r in self.g["relations"])
                or (k >= 0 and self.tokens[k].lower() in PREPOSITIONS | {"with"}))

    def held_in_body(self, end: int) -> bool:
        """The words after a verb's object say it is held: "in its mouth", "in his hands"."""
        t = [w.lower() for w in self.tokens[end:end + 3]]
        return len(t) == 3 and t[0] == "in" and t[2].rstrip("s") in BODY_PARTS

    def one_of_another(self) -> set[str]:
        """What "one" names where a bare "another" stands for a second of it: "one bird on top of
        another" is two birds, so the one is not renamed alone ("one giraffe on top of another")."""
        t = [w.lower() for w in self.tokens]
        if not any(w == "another" and (i + 1 == len(t) or not t[i + 1].isalpha() or t[i + 1] in PREPOSITIONS
                                       or t[i + 1] in ("and", "while", "as", "that", "who", "which"))
                   for i, w in enumerate(t)):
            return set()
        return {o["lemma"] for o in self.g["objects"] if "one" in t[max(o["start"] - 1, 0):o["head"]]}

    def second_place(self, k: int, new: str) -> bool:
        """What is ridden or stood on renamed a place where the caption names a place already: "a
        person on a surfboard in the water" never becomes "a person on a beach in the water"."""
        old = self.g["objects"][k]["lemma"]
        if self.is_place(old) or not self.is_place(new) or self.kind(old.rsplit(" ", 1)[-1], RIDDEN_KINDS) is None:
            return False
        return any(self.is_place(x["lemma"]) for j, x in enumerate(self.g["objects"]) if j != k)

    def does_what_follows(self, k: int, new: str) -> bool:
        """A participle right after object ``k`` is said of the new noun too somewhere in the corpus,
        whatever the parser relates it to: "several motor scooters parked in a row" never becomes
        "several paintings parked", nor "a teddy bear sitting at a desk" "a pencil sitting". After
        the object of a preposition it is most often said of another thing ("a man on a beach
        surfing", "two people posing on a mountain wearing skis"); a person or an animal renamed one
        of its kind does what it did."""
        h = self.g["objects"][k]["head"] + 1
        verb = self.tokens[h] if h < len(self.tokens) else ""
        if not participle_form(verb) or self.words.as_noun.get(verb, 0.0) >= 0.5:  # "a bird on a building"
            return True
        placed = (r["via"] == "preposition" or " " in r["predicate"] for r in self.relations_of(k) if r["object"] == k)
        if any(placed) and not self.before_participle(self.g["objects"][k]):  # "a leaf filled tree": leaves fill
            return True
        kind = self.kind(self.g["objects"][k]["lemma"], ("person", "animal"))
        if kind is not None and self.kind(new, (kind,)) == kind:
            return True  # what one person or animal does another may: "men kitboarding", "women kitboarding"
        return self.words.verb_subjects[(new, verb)] > 0

    def other_end(self, r: dict[str, Any], k: int) -> dict[str, Any]:
        """The object relation ``r`` joins object ``k`` to."""
        return self.g["objects"][r["object"] if r["subject"] == k else r["subject"]]

    def of_phrase_fits(self, k: int, new: str) -> bool:
        """In "X of Y", the new noun is one the corpus writes in that phrase with the other side:
        "a plate of cookies" may become "a box of cookies", never "a table of cookies"; "bushels of
        bananas" never "bushels of cakes", "a pair of scissors" never "a pair of containers"."""
        objs, o = self.g["objects"], self.g["objects"][k]
        x = of_head(self.tokens, objs, o)
        if x is not None and not self.words.of_phrases[(x, new)]:  # Y: the X stays
            return False
        for y in objs:  # X: each Y stays
            if y is not o and y["start"] == o["head"] + 2 and self.tokens[o["head"] + 1] == "of":
                if not self.words.of_phrases[(new, y["lemma"])]:
                    return False
        return True

    def is_person(self, lemma: str) -> bool:
        return lemma in SEXED or lemma in PLURAL_PEOPLE or relation("person", lemma, self.words.coreferent,
                                                                   embeddings=False) in ("hyponym", "same")

    def is_garment(self, noun: str) -> bool:
        return relation("clothing", noun, self.words.coreferent, embeddings=False) == "hyponym"

    def open_attachment(self, r: dict[str, Any]) -> bool:
        """A new preposition in ``r``'s place could be read as said of another thing: of an object
        named between the subject and the preposition ("a bike with wood on it next to a truck":
        the wood, the bike?), or of what the subject is itself the object of ("a girl stands next
        to a boy on a bike" -> "next to a boy next to a bike": the girl or the boy?). A reader
        cannot tell what such a negative says, nor can the parser that verifies it."""
        objs = self.g["objects"]
        lo, hi = sorted((objs[r["subject"]]["head"], r["start"]))
        between = any(lo < o["head"] < hi for o in objs)
        return between or any(x is not r and x["object"] == r["subject"] for x in self.g["relations"])

    def pronoun_object(self, r: dict[str, Any]) -> bool:
        """The relation's object is written as a pronoun after its predicate ("on it"), not a noun
        ("in her hand" names the hand)."""
        at = r["end"]
        named_after = self.g["objects"][r["object"]]["head"] == at + 1
        return at < len(self.tokens) and self.tokens[at] in STAND_INS and not named_after

    def mostly_worn(self, noun: str) -> bool:
        """What the corpus mostly says is worn ("a hat", not "a guitar", however often the parser
        reads "a man wearing a helmet holding a guitar" as him wearing the guitar)."""
        return self.words.received_share("wear", noun) >= WORN_SHARE

    def worn(self, noun: str) -> bool:
        """Something worn ("in a hat"): a phrase that places nothing."""
        return self.mostly_worn(noun) or self.is_garment(noun)

    def there_anyway(self, host: str, dependent: str) -> bool:
        """A thing most likely in the picture, said or not: one said in at least :data:`USUAL` of the
        captions that name the host or another common object of this caption, or, when it is a place
        or furniture and that object a thing, in :data:`USUAL_WITH_THINGS` of them (the table under a
        keyboard, the kitchen of a burrito go unsaid more often than what a person is near); a place,
        in that share of their pictures (:meth:`CorpusWords.pictured_with`: a place is what one
        caption of a picture most often leaves to the others); anything, in :data:`PICTURED_ANYWAY`
        of their pictures ("a sign on a pole", "a cake on a plate"); or the thing a verb of the caption is
        named for ("a person on a snowboard snowboarding")."""
        words = self.words
        support = self.is_place(dependent) or self.kind(dependent, ("furniture",)) is not None

        place = self.is_place(dependent)

        def usual(x: str) -> bool:
            share = USUAL_WITH_THINGS if support and not self.is_animate(x) else USUAL
            if place:  # one caption of a giraffe's picture seldom names its field, its five often do
                return words.pictured_with(x, dependent) >= share
            return (words.together(x, dependent) >= share * words.objects[x]
                    or words.pictured_with(x, dependent) >= PICTURED_ANYWAY)

        head = host.rsplit(" ", 1)[-1]  # "a cake plate on a table": a plate's table
        if usual(host) or any(words.objects[x] >= COMMON and usual(x) for x in self.lemmas | {head}):
            return True
        return any(t.startswith(dependent) and t[len(dependent):] in ("ing", "er", "ers", "ed") for t in self.tokens)

    def done_there(self, host: dict[str, Any], preposition: str, dependent: str, doing: str = "") -> bool:
        """What the host does is done there, as the corpus says it: each verb the host does somewhere
        or somehow (a verb with a preposition: "walking with luggage", "climbing up a chair") is seen
        with this preposition and this thing ("sitting at a table"; never "walking at a table",
        "climbing on a desk"). So is the participle ``doing`` right after the host, where the phrase
        goes, when it goes somewhere or takes no object, unless the thing is a place: "a man in a
        chair walking", "pulling luggage" are refused. A verb with an object ("holding a donut") may
        be done anywhere: the corpus says where apart ("people at a table holding luggage")."""
        objects = self.g["objects"]
        verbs = {r["predicate"].split()[0] for r in self.g["relations"]
                 if objects[r["subject"]] is host and r["via"] == "verb" and " " in r["predicate"]}
        verb = self.words.verb_lemma(doing) if doing and not self.is_place(dependent) else None
        if verb is not None and (self.kind(verb, ("travel", "move")) or not any(
                objects[r["subject"]] is host and r["predicate"] == verb for r in self.g["relations"])):
            verbs.add(verb)
        return all(self.words.predicate_objects[(f"{v} {preposition}", dependent)] > 0 for v in verbs)

    def worn_anyway(self, host: dict[str, Any], dependent: str) -> bool:
        """A garment added to a person that is most likely there anyway ("a man in a shirt"), one
        garment for many ("children in a shirt"), or any garment of a person named by what they
        do, whose outfit goes with it ("a baseball player in a jersey", "a skier in a jacket")."""
        if not self.is_person(host["lemma"]):
            return False
        if DRESSED_FOR.get(dependent, frozenset()) & self.token_set:
            return True  # "a man in a wetsuit riding a wave", "a woman in a coat riding skis"
        garment = dependent in WORN_ANYWAY or self.is_garment(dependent)
        if host["lemma"] not in PLAIN_PEOPLE:
            return garment or self.mostly_worn(dependent)
        return garment and (dependent in WORN_ANYWAY or self.is_plural(host))

    def second_ride(self, host: dict[str, Any], dependent: str) -> bool:
        """Something to ride or play with, added to one who rides, holds or uses one already (or
        whose pronoun does: "his bike"), or does a sport the caption names: "a man with a skateboard
        riding a wave on a surfboard", "a person with a snowboard skiing", "a man with a horse
        skiing", "the man on a skateboard is riding his bike"."""
        def ridden(lemma: str) -> bool:
            return lemma in RIDDEN_ANIMALS or self.kind(lemma, GEAR_KINDS) is not None

        if not ridden(dependent):
            return False
        objects, deeds = self.g["objects"], self.deeds(host)
        # one who rides anything, where the caption names a board or a vehicle ("riding a wave on a
        # surfboard": the parser may hang the board on the wave)
        rides = any(r["predicate"].split()[:1] == ["ride"] for r in deeds) and any(ridden(x["lemma"]) for x in objects)
        return rides or bool(SPORT_VERBS & self.token_set) or any(
            ridden(objects[r["object"]]["lemma"]) for r in deeds if r["via"] in ("verb", "learned"))

    def deeds(self, host: dict[str, Any]) -> list[dict[str, Any]]:
        """The relations the host is the subject of, and, for a person or an animal, those of the
        pronouns the parser made things of ("his" in "riding his bike": `his, have, bike`)."""
        objects, animate = self.g["objects"], self.is_animate(host["lemma"])
        return [r for r in self.g["relations"] if objects[r["subject"]] is host
                or (animate and self.tokens[objects[r["subject"]]["head"]] in PRONOUN_WORDS | STAND_INS)]

    def part_anyway(self, host: dict[str, Any], dependent: str) -> bool:
        """A part of a person or an animal ("a man with an arm"), a dog's collar, or a fixture of
        a room or a machine the caption names ("a kitchen with a sink", "a laptop with a
        keyboard"): there anyway."""
        animal = self.kind(host["lemma"], ("animal",)) is not None
        return ((dependent in BODY_PARTS and (animal or self.is_person(host["lemma"])))
                or (dependent in WORN_BY_ANIMALS and animal)
                or self.fixture(dependent))

    def fixture(self, noun: str) -> bool:
        """A fixture of a room or a machine the caption names, also in a compound ("kitchen area")."""
        return any(noun in FIXTURES.get(w, ()) for x in self.lemmas for w in x.split())

    def is_flat(self, lemma: str) -> bool:
        return lemma in FLAT_PLACES or self.kind(lemma, ("ground", "area", "water")) is not None

    def is_place(self, lemma: str) -> bool:
        """A place, or a compound named for one ("airport runway", "train station")."""
        return lemma in PLACES or lemma.rsplit(" ", 1)[-1] in PLACES or self.kind(lemma, PLACE_KINDS) is not None

    def is_animate(self, lemma: str) -> bool:
        """A person or an animal, not a food named for one ("hot dog")."""
        return self.is_person(lemma) or (self.kind(lemma, ("animal",)) is not None
                                         and self.kind(lemma, ("food",)) is None)

    def keeps_role(self, k: int, new: str) -> bool:
        """What the caption says of object ``k`` beyond its relations still holds of ``new``: a
        person or an animal that is no relation's object may be the subject of a verb the graph
        does not hold ("as two animals run", never "two shovels"), so it stays animate; a place
        something is in or on stays a place ("in the desert", never "in the harness")."""
        old, rels = self.g["objects"][k]["lemma"], self.relations_of(k)
        if self.is_animate(old) and not any(r["object"] == k for r in rels) and not self.is_animate(new):
            return False
        located = any(r["object"] == k and r["predicate"].split()[-1] in LOCATIVE for r in rels)
        return not (located and self.is_place(old) and not self.is_place(new))

    def kind(self, lemma: str, kinds: Sequence[str]) -> str | None:
        """The first of ``kinds`` the noun is or is below in the curated hypernyms ("man": "person")."""
        return _kind(lemma, tuple(kinds), self.words.coreferent)

    def one_for_many(self, preposition: str, dependent: str) -> bool:
        """One thing had, worn or ridden by many at once: "men with a beard", "two men in a costume",
        "two men on a horse" (but many may be in one kitchen)."""
        had = preposition in ("with", "in") and not self.is_place(dependent)
        return had or self.kind(dependent, RIDDEN_KINDS) is not None

    def same_pronouns(self, old: str, new: str) -> bool:
        """The caption's pronouns still fit the new noun: no "a man ... in its mouth" for a dog, no
        "a girl ... his face", no "a dog ... her hand" for a person."""
        person_old, person_new = self.is_person(old), self.is_person(new)
        if person_new and not person_old and THING_PRONOUNS & self.token_set:
            return False
        if person_old and not person_new and PERSON_PRONOUNS & self.token_set:
            return False
        if SEX.get(old) == SEX.get(new):
            return True
        if SEX.get(old) is None:  # "an elephant walking around his pen" never becomes "a woman", nor "a
            # child holding a remote in its hand" "a man"
            return not (PRONOUNS["female" if SEX[new] == "male" else "male"] | {"its"}) & self.token_set
        return not PRONOUNS[SEX[old]] & self.token_set

    def whole_word(self, k: int) -> bool:
        """Token ``k`` is a word of its own in the text, not part of "semi-green"."""
        off = self.g["offsets"][k]
        end = off + len(self.g["tokens"][k])
        return off >= 0 and (off == 0 or self.caption[off - 1] == " ") and self.caption[end:end + 1] != "-"

    @cached_property
    def own_attributes(self) -> list[list[str]]:
        """Each object's attributes but what is said of its group ("a group of men", "a big herd of
        sheep"): the corpus does not count that as the members' (of_another), and of_phrase_fits
        checks the phrase."""
        return [[a for a in o["attributes"] if not of_another(self.tokens, a, o["head"])] for o in self.g["objects"]]

    def relations_of(self, k: int) -> list[dict[str, Any]]:
        return [r for r in self.g["relations"] if k in (r["subject"], r["object"])]

    def fits_everywhere(self, k: int, lemma: str) -> bool:
        """Object ``k`` named ``lemma`` still takes its attributes and fits each of its relations
        (a weak one, "a plate of food", only as a triple the corpus has; one the corpus says of few
        nouns, by the new noun seen in that role, :meth:`CorpusWords.fits_role`)."""
        objs = self.g["objects"]
        if not self.words.fits_noun(lemma, self.own_attributes[k]):
            return False
        # an animal renamed a person, or a person an animal, is only where the corpus puts the new one
        # by such a thing: "a cat sits in a suitcase" never becomes "a woman sits in a suitcase"
        across = self.is_person(objs[k]["lemma"]) != self.is_person(lemma)
        for r in self.relations_of(k):
            s = lemma if r["subject"] == k else objs[r["subject"]]["lemma"]
            o = lemma if r["object"] == k else objs[r["object"]]["lemma"]
            placed = r["via"] == "preposition" or " " in r["predicate"]  # "sit in", "on", not "chase"
            strict = r["predicate"] in WEAK or r["via"] in ("of", "possessive") or (across and placed)
            role = "subject" if r["subject"] == k else "object"
            said = self.words.triples[(s, r["predicate"], o)]
            tail = held_by(r["predicate"])
            if r["object"] == k and tail and not self.words.held(s, tail, lemma):
                return False  # a holder only where the corpus puts such a thing: never "surfing on the runway"
            if said < 2 and not self.kin_of_the_usual(lemma, r["predicate"], o if role == "subject" else s, role):
                return False
            if role == "object" and mounted(r["predicate"]) and self.words.ridden(lemma) < MIN_TRIPLE:
                return False  # what is ridden is seen ridden: "riding on skis" never becomes "riding on mountains"
            if role == "object" and r["predicate"] == "wear" and not self.mostly_worn(lemma):
                return False  # "wearing skis" never becomes "wearing motorcycles", which the parser reads often
            if self.words.fits_relation(s, r["predicate"], o, strict):  # a triple said once fits
                continue
            if strict or r["subject"] == r["object"] or not self.words.fits_role(lemma, r["predicate"], role):
                return False
        return True

    def kin_of_the_usual(self, lemma: str, predicate: str, other: str, role: str) -> bool:
        """A phrase the corpus says mostly of one noun ("on a leash": dogs) goes to that noun's kin
        only (a cat on a leash, never a man on a leash), unless the corpus says it of the new noun twice."""
        usual = self.words.said_of(predicate, other, role)
        if usual is None or usual == lemma:
            return True
        kind = self.kind(usual, SWAP_KINDS + ("food", "furniture", "clothing"))
        return kind is not None and self.kind(lemma, (kind,)) == kind

    def shuffled(self, items: Sequence[Any]) -> list[Any]:
        items = list(items)
        self.rng.shuffle(items)
        return items

    def take(self, negatives: Iterator[Negative | None]) -> list[Negative]:
        out: list[Negative] = []
        seen = set()
        for neg in negatives:
            if neg is not None and neg.text != self.caption and neg.text not in seen:
                seen.add(neg.text)
                out.append(neg)
                if len(out) >= self.limit:
                    break
        return out

    # ------------------------------------------------------------ the seven types

    def replace_obj(self) -> list[Negative]:
        return self.take(self._replace_obj())

    def _replace_obj(self) -> Iterator[Negative | None]:
        # "sheep" may be one or many: unless the caption says which, its replacement could not agree
        # with the verb; "a giraffe sitting while another giraffe eats": one of two named alike is not
        # renamed alone
        alike = {"another", "other", "others"} & self.token_set
        twice = {x for x, n in self.named.items() if n > 1} if alike else set()
        twice |= self.one_of_another()
        objs = [(k, o) for k, o in enumerate(self.g["objects"]) if k not in self.unsure
                and self.name_span(o) is not None and self.number_said(o) and self.edited_noun(o)
                and self.tokens[o["head"]] not in STAND_INS and o["lemma"] not in twice and not self.noun_after(o)
                and not self.after_other(o)]
        for k, o in self.shuffled(objs):
            kind = self.cats.kind_of(o["lemma"], "objects")
            pool = list(self.words.neighbours.get(o["lemma"], ())) + list(self.cats.objects.get(kind, ()) if kind else ())
            many = self.is_plural(o)
            for w in dict.fromkeys(pool):
                if (self.words.objects[w] >= 3 and (w not in PLURAL_ONLY or many)
                        and not (many and self.never_plural(w)) and self.fits_scene(w, o["lemma"])
                        and self.pictured_alike(w, o["lemma"]) and self.checked_relation(k, w)
                        and self.fits_everywhere(k, w) and self.keeps_role(k, w) and self.new_object(w, o["lemma"])
                        and self.same_pronouns(o["lemma"], w)
                        and self.person_swap_visible(o["lemma"], w) and self.sexes_fit(k, w)
                        and not self.mouth_held(o["lemma"], w) and not self.second_place(k, w)
                        and self.still_one_of_the_others(o["lemma"], w)
                        and self.of_phrase_fits(k, w) and self.does_what_follows(k, w)
                        and (w not in BODY_PARTS or o["lemma"] in BODY_PARTS)  # "a surf board on a stump": no "a paw"
                        and not self.fixture(w)):  # "a toilet and a seat", "a kitchen area with a stove"
                    first, h = self.name_span(o)  # a compound is replaced whole: "a dump truck" -> "a bus"
                    if first > 0 and self.tokens[first - 1] in ("a", "an") and not self.words.countable(w):
                        continue  # "in a field" never becomes "in a snow"
                    new = self.noun_for(w, o).lower()  # capitals only at the start or in a caption in capitals:
                    if first == 0 or self.caption.isupper():  # "a Teddy bear" becomes "a cat"
                        new = match_case(new, self.g["tokens"][first])
                    neg = realise(self.caption, self.g, [(first, h + 1, new)], "replace-obj")
                    yield neg and _with_changed(neg, [(o["lemma"], w)] + [(x, w) for x in self.lemmas - {o["lemma"]}],
                                                [f"o:{w}"] + [f"a:{w}:{a}" for a in o["attributes"]])

    def replace_att(self) -> list[Negative]:
        return self.take(self._replace_att())

    def _replace_att(self) -> Iterator[Negative | None]:
        pairs = [(o, a) for k, o in enumerate(self.g["objects"]) if k not in self.unsure
                 for a in o["attributes"] if " " not in a]
        for o, a in self.shuffled(pairs):
            kind = self.cats.kind_of(a, "attributes")
            k = self.attribute_token(o, a)
            if kind is None or k is None:
                continue
            for w in self.shuffled(self.cats.attributes[kind]):
                if (w != a and w not in o["attributes"] and w not in self.tokens[o["start"]:o["end"]]
                        and not self.cats.same_end(a, w)
                        and self.words.takes(o["lemma"], w) >= 2
                        and self.words.as_attribute.get(w, 0.0) >= RELIABLE and not self.related(a, w)
                        and not any(self.related(x, w) for x in o["attributes"] if x != a)):  # "a large big bus"
                    neg = realise(self.caption, self.g, [(k, k + 1, match_case(w, self.g["tokens"][k]))], "replace-att")
                    yield neg and _with_changed(neg, [], [f"a:{o['lemma']}:{w}"])

    def replace_rel(self) -> list[Negative]:
        return self.take(self._replace_rel())

    def _replace_rel(self) -> Iterator[Negative | None]:
        """One part of the predicate changes: the verb ("sitting on" -> "standing on") or the
        preposition ("sitting on" -> "sitting under"), never both."""
        if NEGATIONS & self.token_set:
            return  # "in front of an umbrella and not under an umbrella": a relation denied is no fact to change
        objs = self.g["objects"]
        for r in self.shuffled(self.g["relations"]):
            written, said = self.tokens[r["start"]:r["end"]], r["predicate"].split()
            if (r["via"] not in ("verb", "preposition") or r["predicate"] in WEAK
                    or len(written) != len(said) or written[1:] != said[1:]
                    or (r["via"] == "preposition" and written[0] != said[0])):
                continue  # the predicate is not the words at its place ("with a metal" read as "on top of")
            if not (self.edited_noun(objs[r["subject"]]) and self.edited_noun(objs[r["object"]])):
                continue  # "a close up of a toilet": the parser's own misreading
            if r["subject"] == r["object"]:
                continue  # "zebras standing next to each other": "close to", "near" tell the same picture
            end = objs[r["object"]]["end"]
            if end < len(self.tokens) and self.tokens[end] in WH_WORDS:
                continue  # "showing a child how to ski" never becomes "holding a child how to ski"
            if r["via"] == "verb" and self.particle_after(end):
                continue  # "picking a piece of food up" never becomes "eating a piece of food up"
            if r["via"] == "verb" and self.held_in_body(end):
                continue  # "a dog holds a frisbee in its mouth" never becomes "chases a frisbee in its mouth"
            s, o = objs[r["subject"]]["lemma"], objs[r["object"]]["lemma"]
            if r["via"] == "preposition" and self.open_attachment(r):
                continue
            if r["via"] == "preposition" and self.pronoun_object(r):
                continue  # "a cart with people on it": re-read after the edit, "it" may be another thing
            if r["via"] == "preposition" and r["predicate"] == "in" and self.worn(o):
                continue  # "a man in glasses" wears them: "next to glasses" is no place of his
            if r["via"] == "preposition" and o in SHADOWS:
                continue  # "under the shade of a tree" / "in the shade": one picture
            if r["via"] == "preposition" and self.kind(o.rsplit(" ", 1)[-1], RIDDEN_KINDS) and any(
                    t.startswith(("rid", "rode")) or t in RIDING_VERBS
                    for t in self.tokens[:r["start"]] + self.tokens[end:]):
                continue  # "a person on a horse is riding", "a man on a surf board surfing": the riding says "on"
            if r["via"] == "preposition" and o in BODY_PARTS:
                continue  # "a toothbrush in its mouth", "a racket in his hands": held, not placed; re-read
                # after the edit, "next to its mouth" hangs on the child or the man as often as on the brush
            form = verb_form(written[0]) if r["via"] == "verb" else ""
            verb, rest = written[0], written[1:]
            # a verb that heads other relations too ("running in the grass with a frisbee") would
            # change them all: only its preposition may change
            shared = any(x is not r and x["start"] <= r["start"] < x["end"] for x in self.g["relations"])
            # "being led" is no base form: its verb cannot be written in its form, only its preposition changed
            irregular = r["via"] == "verb" and not form and verb != r["predicate"].split()[0]
            others = set(self.tokens[:r["start"]] + self.tokens[r["start"] + 1:])
            posed = bool(POSTURES & others)
            for predicate in self.words.predicates_between(s, o):
                new_words = self.words.written(predicate, r["via"], form)
                if new_words is None or predicate == r["predicate"] or predicate in WEAK:
                    continue
                if r["via"] == "verb" and predicate.split()[0] in PREPOSITIONS:
                    continue  # a verb read as a bare preposition ("has" as "in"): "rides" would become "has"
                if r["via"] == "verb" and new_words[0] != verb and (
                        irregular or new_words[0] in others or (posed and new_words[0] in POSTURES)):
                    continue  # "horses being stand", "grazing in a field and grazing", "standing and walking"
                if r["via"] == "preposition" and " ".join(new_words) not in PREPOSITIONS:
                    continue  # what the parser took for a preposition: "counter", "using"
                one_part = r["via"] == "preposition" or (
                    len(new_words) == len(written) and (new_words[0] == verb) != (new_words[1:] == rest)
                    and (new_words[0] == verb or not shared))
                old_part, new_part = _changed_part(r["predicate"], predicate)
                if new_part in WEAK:
                    continue  # "two dogs play by a tree" never becomes "play with a tree": another sense
                if old_part in PATH_PREPOSITIONS and new_part in PATH_PREPOSITIONS and r["via"] == "verb":
                    continue  # "walks down the street" / "walks along the street": the same picture
                if self.is_place(o) and old_part in WITHIN_PLACE and new_part in WITHIN_PLACE:
                    continue  # "on the street" / "in the street" / "along the street": the same picture
                if old_part in MOVING and new_part in MOVING and self.kind(s, ("vehicle",)):
                    continue  # "a train running down the track" / "driving down": a vehicle moves either way
                if r["via"] == "preposition" and new_part in DIRECTIONS:
                    continue  # no verb moves it: "food in its mouth" never becomes "food to its mouth"
                if self.is_flat(o) and new_part in NOT_BY_FLAT:
                    continue  # nothing is "in front of a field" or "under a street"
                if new_part in HELD_BY and not self.words.triples[(s, predicate, o)]:
                    continue  # in or on only what the corpus says holds such a thing: never "a zebra on a tree"
                if r["via"] == "verb" and new_words[0] != verb and self.words.triples[(s, predicate, o)] < MIN_TRIPLE:
                    continue  # a new verb only as said of such a pair: never "wearing a kite"
                if r["via"] == "verb" and new_words[0] != verb and not self.words.verb_subjects[(s, new_words[0])]:
                    continue  # and in a form the corpus writes of such a subject: people are seated, trains sit
                if r["via"] == "preposition" and not (r["predicate"] in PREPOSITIONS and predicate in PREPOSITIONS):
                    continue  # "with glasses", "in a hat" are worn: "in glasses", "in a bicycle" are no place
                if self.words.said_alike(r["predicate"], predicate, o):
                    continue  # "flying a kite" / "holding a kite": the captions of one image say both
                if predicate.split()[0] == "ride" and ON_FOOT & others:
                    continue  # "a man carrying a surfboard is walking" never becomes "riding a surfboard is walking"
                if predicate == "wear" and not self.mostly_worn(o):
                    continue  # "a man wearing a guitar": the parser's misreading, said often enough
                if one_part and not self.related(old_part, new_part):
                    new = match_case(" ".join(new_words), self.g["tokens"][r["start"]])
                    neg = realise(self.caption, self.g, [(r["start"], r["end"], new)], "replace-rel")
                    yield neg and _with_changed(neg, [(old_part, new_part)], [f"r:{s}|{predicate}|{o}"])

    def swap_att(self) -> list[Negative]:
        return self.take(self._swap_att())

    def _swap_att(self) -> Iterator[Negative | None]:
        if self.guessed:
            return
        items = [(k, a, t) for k, o in enumerate(self.g["objects"]) if k not in self.unsure for a in o["attributes"]
                 if " " not in a and (t := self.attribute_token(o, a)) is not None and self.whole_word(t)]
        objs = self.g["objects"]
        kind = {a: self.cats.kind_of(a, "attributes") for _, a, _ in items}
        # two attributes of one known kind: "long black hair in a pink shirt" never becomes "pink black
        # hair in a long shirt", nor "a white curtain and a shower toilet" (the parser's "shower" of
        # "shower curtain" is no attribute of a kind)
        pairs = [(x, y) for x in items for y in items if x[0] < y[0] and x[1] != y[1] and x[2] != y[2]
                 and objs[x[0]]["lemma"] != objs[y[0]]["lemma"]
                 and kind[x[1]] is not None and kind[x[1]] == kind[y[1]]
                 and y[1] not in objs[x[0]]["attributes"] and x[1] not in objs[y[0]]["attributes"]
                 and self.words.takes(objs[x[0]]["lemma"], y[1]) > 0
                 and self.words.takes(objs[y[0]]["lemma"], x[1]) > 0]
        for (_, a1, k1), (_, a2, k2) in self.shuffled(pairs):
            t = self.g["tokens"]
            yield realise(self.caption, self.g, [(k1, k1 + 1, match_case(a2, t[k1])), (k2, k2 + 1, match_case(a1, t[k2]))],
                          "swap-att")

    def swap_obj(self) -> list[Negative]:
        return self.take(self._swap_obj())

    def _swap_obj(self) -> Iterator[Negative | None]:
        objs = self.g["objects"]
        if self.unsure or self.guessed:  # two objects trade places: a misreading anywhere travels or stays
            return
        for r in self.shuffled(self.g["relations"]):
            i, j = r["subject"], r["object"]
            s, o = objs[i], objs[j]
            named_twice = self.named[s["lemma"]] > 1 or self.named[o["lemma"]] > 1  # "women and women"
            if (s["lemma"] == o["lemma"] or named_twice
                    or not self.single_word(s) or not self.single_word(o)
                    or not self.edited_noun(s) or not self.edited_noun(o)
                    or r["predicate"] in WEAK or r["via"] in ("of", "possessive")
                    or self.related(s["lemma"], o["lemma"])):
                continue
            if _says(r["predicate"], SYMMETRIC):
                continue  # "a man next to a woman" and "a woman next to a man" are the same scene
            # the swapped relation must be one the corpus says about as readily, or the two must be
            # things of one kind each seen in its new role (fits_swapped); the others must fit too
            said = self.words.triples[(s["lemma"], r["predicate"], o["lemma"])]
            swapped = self.words.triples[(o["lemma"], r["predicate"], s["lemma"])]
            kind = self.kind(s["lemma"], SWAP_KINDS)
            alike = kind is not None and kind == self.kind(o["lemma"], SWAP_KINDS) and (
                # two people of one age, or two things the corpus says in the new order too: a car
                # carries no trucks, a bird no giraffes, whatever each is seen doing elsewhere
                (s["lemma"] in CHILDREN) == (o["lemma"] in CHILDREN) if kind == "person" else swapped >= 1)
            # two things of two kinds a preposition joins that a third one also deals with: both orders
            # tell one scene ("riding a wave on a surfboard" / "riding a surfboard on a wave"), so
            # only two of a kind swap there ("a circle left of a square" alone still does)
            spatial = _says(r["predicate"], self.cats.relations["spatial"])
            third = any({q["subject"], q["object"]} & {i, j} and {q["subject"], q["object"]} - {i, j}
                        for q in self.g["relations"])
            seen = swapped >= 2 and swapped >= SWAPPED_SHARE * said and not (spatial and third)
            if (seen and self.fits_swapped(i, j)) or (alike and self.fits_swapped(i, j, swapped=r)):
                neg = realise(self.caption, self.g, [(s["head"], s["head"] + 1, self.noun_for(o["lemma"], s)),
                                                     (o["head"], o["head"] + 1, self.noun_for(s["lemma"], o))], "swap-obj")
                yield neg and _with_changed(neg, [(s["lemma"], o["lemma"])])

    def fits_swapped(self, i: int, j: int, swapped: dict[str, Any] | None = None) -> bool:
        """With objects ``i`` and ``j`` exchanged, every attribute and relation still fits. With
        ``swapped`` (the relation whose roles are exchanged, between two things of one kind), that
        relation needs the new subject seen doing it a few times and the new object seen receiving
        it, and each other relation only the new noun seen once in its role there: a man and a woman
        near a wall are as likely as each other, but a corpus of a few thousand captions says few
        such things of each."""
        objs = self.g["objects"]
        name = {i: objs[j]["lemma"], j: objs[i]["lemma"]}
        if not (self.words.fits_noun(name[i], objs[i]["attributes"]) and self.words.fits_noun(name[j], objs[j]["attributes"])):
            return False
        for r in self.g["relations"]:
            if r["subject"] in name or r["object"] in name:
                s = name.get(r["subject"], objs[r["subject"]]["lemma"])
                o = name.get(r["object"], objs[r["object"]]["lemma"])
                p = r["predicate"]
                if r is swapped:
                    fits = self.words.subject_predicates[(s, p)] >= 3 and self.words.predicate_objects[(p, o)] >= 1
                elif swapped is not None:
                    fits = self.words.fits_relation(s, p, o) or (
                        (r["subject"] not in name or self.words.subject_predicates[(s, p)] >= 1)
                        and (r["object"] not in name or self.words.predicate_objects[(p, o)] >= 1))
                else:
                    fits = self.words.fits_relation(s, p, o)
                if not fits:
                    return False
        return True

    def add_att(self) -> list[Negative]:
        return self.take(self._add_att())

    def _add_att(self) -> Iterator[Negative | None]:
        if self.guessed:
            return
        # no look of what no picture shows one of, by a compound's last word too ("a baseball game"),
        # but a part named for its thing is one ("a wooden counter top")
        objs = [o for k, o in enumerate(self.g["objects"]) if k not in self.unsure
                and self.g["offsets"][o["start"]] >= 0 and o["start"] <= o["head"] and o["lemma"] not in UNSEEN
                and o["lemma"].split()[-1] not in UNSEEN - POSITIONS]
        monochrome = bool(NO_COLOUR_WORDS & self.token_set) or (
            "black and white" in " ".join(self.tokens) and bool(PHOTO_WORDS & self.token_set))
        tokens = self.g["tokens"]
        for o in self.shuffled(objs):
            if self.named_after(o) or self.names_a_view(o):
                continue  # "the signs of streets Wadsworth and Amherst": no "big streets Wadsworth"
            # "bright red" is a colour too
            have = {self.cats.kind_of(a, "attributes") or self.cats.kind_of(a.split()[-1], "attributes")
                    for a in o["attributes"] if a.split()}
            # "a cream colored vase" has a colour, however the parser splits its attributes
            words = {a.split()[-1] for a in o["attributes"] if a.split()} | set(self.tokens[o["start"]:o["end"]])
            if COLOURED & words:
                have.add("color")
            person = self.is_person(o["lemma"])  # a person's size is a height: "three large passengers" is rude
            animate = self.is_animate(o["lemma"])
            # a colour said of a person reads as skin or race ("a black child", "white man"), not as what it wears
            kinds = [k for k in ADD_KINDS if k not in have
                     and not (k == "color" and (monochrome or person or self.coat_coloured(o)))]
            if not self.words.countable(o["lemma"]) or o["lemma"] in BODY_PARTS:  # "little traffic", "big snow":
                kinds = [k for k in kinds if k != "size"]  # how much, not how big; "a large shaved head": rude
            if self.before_participle(o):  # a size reads as of the whole ("a small tree lined street"), a colour
                kinds = [k for k in kinds if k == "size"]  # as of the cover ("a white grass covered shore")
            if o["lemma"] in BODY_PARTS:  # "her metal arm"; a hand's colour is its skin's ("the other red hand")
                kinds = [k for k in kinds if k != "material" and (k != "color" or o["lemma"] not in SKIN)]
            named = self.words.objects[o["lemma"]]
            least = 2 if named >= MANY_TIMES else 1  # "a long person": said once
            least_material = 2 if named >= MATERIAL_TIMES else least
            # a compound read as two things ("train station") takes the look its last thing takes, where
            # the corpus knows that well: "a white kitchen sink", not "the green train station"; any
            # size or age reads well of the whole ("a small airport tarmac", "an older woman skier")
            heads = [x["lemma"] for x in self.g["objects"] if x["start"] == o["end"]
                     and self.edited_noun(x) and self.words.objects[x["lemma"]] >= KNOWN_HEAD]
            options = [(w, kind) for kind in kinds for w in self.cats.attributes[kind]
                       if w not in NOT_ADDED
                       and self.words.takes(o["lemma"], w) >= (least_material if kind == "material" else least)
                       and (kind in self.cats.scales or all(self.words.takes(x, w) >= least for x in heads))
                       and not (person and kind == "size" and w not in PERSON_SIZES)
                       and not (animate and w in THING_SIZES)
                       and not (w in LIVING_AGES and not animate)
                       and not (kind == "color" and o["lemma"] in NOT_ITS_HEAD
                                and not self.words.noun_attributes[(o["lemma"], w)])]
            where: dict[str, int | None] = {}  # kind -> where a look of it goes, None where it may not
            for w, kind in self.shuffled(options):  # the dearer checks only for the options tried
                if (self.words.as_attribute.get(w, 0.0) < RELIABLE or any(self.related(a, w) for a in o["attributes"])
                        or self.usual(o["lemma"], w, kind)):  # "a yellow banana": most likely true of the image
                    continue
                if kind not in where:
                    p = self.insertion_point(o, kind)
                    where[kind] = p if self.clean_insertion(p, o, kind) and not self.splits_phrase(o, p) else None
                p = where[kind]
                if p is None or self.implied(o, p, w):
                    continue
                if p > 0 and tokens[p - 1].lower() in NUMBERS - {"one"} and not self.written_plural(o):
                    continue  # "a four way stop sign": a number before a singular belongs to a compound
                if p == 0 and tokens[0][:1].isupper() and tokens[0][1:].islower():  # "Children ..." -> "Small children ..."
                    neg = realise(self.caption, self.g, [(0, 1, f"{w.capitalize()} {tokens[0].lower()}")], "add-att")
                else:  # capitals only at the start or in a caption written in capitals ("two Frisbees")
                    cased = match_case(w, tokens[p]) if p == 0 or (len(tokens[p]) > 1 and tokens[p].isupper()
                                                                   and self.caption.isupper()) else w  # "an E2 jet"
                    neg = realise(self.caption, self.g, [(p, p, cased)], "add-att")
                yield neg and _with_changed(neg, [], [f"a:{o['lemma']}:{w}"])

    def add_obj(self) -> list[Negative]:
        return self.take(self._add_obj())

    def _add_obj(self) -> Iterator[Negative | None]:
        """A phrase the corpus attaches to one of the caption's nouns, right after that noun."""
        tokens = self.g["tokens"]
        if self.unsure or self.guessed:  # a new phrase re-reads the caption around it: a misreading moves
            return
        hosts = [o for o in self.g["objects"] if o["end"] == o["head"] + 1 and self.g["offsets"][o["head"]] >= 0
                 and self.edited_noun(o) and self.tokens[o["head"]] not in STAND_INS]
        has_place = any(self.is_place(x) for x in self.lemmas)
        objects = self.g["objects"]
        somewhere = [x for x in objects if self.placed(x)]
        for o in self.shuffled(hosts):
            placed = any(x is o for x in somewhere)
            located = has_place or placed
            # what a relation joins to the scene where something is somewhere already ("men fishing in a
            # boat with a dog", "a man laying in a bed next to a woman") has no place of its own ("a dog
            # in a field", "a woman at a table"), but for the thing it is in or on ("a bowl on a table in
            # a kitchen")
            beside_placed = (self.joined(o) and not self.placed(o, role="object")
                             and any(x is not o for x in somewhere))
            # what is on or in something already, or rides it, is not also "on a bench" or "in a chair"
            # ("a man on a bench sitting on a horse"); it may still be "in a hat" or "with a dog"
            settled = placed or any(objects[r["subject"]] is o and r["predicate"].split()[0] == "ride"
                                    for r in self.g["relations"])
            after = self.tokens[o["end"]] if o["end"] < len(tokens) else "."
            if ((after[:1].isalnum() or after.startswith("'")) and after not in COPULAS
                    and not self.participle(after)):  # "a man in a hat standing" takes a phrase before the verb
                continue  # a phrase before a verb or another phrase would take them over, as the parser reads it
            doing = self.participle(after)  # the host does something: "a person snowboarding down a hill"
            # somewhere by the words too, where the parser missed it: "a man laying down on a bed" is in no chair
            settled = settled or (doing and bool(LOCATIVE & set(self.tokens[o["end"] + 1:o["end"] + 3])))
            # "... playing outside": in no car; "paddle boarding", "skiing": where the sport is
            said_where = bool(WHERE_WORDS & set(self.tokens[o["end"]:]) or SPORT_VERBS & self.token_set)
            surfing = bool((SPORT_VERBS | WAVES) & self.token_set)  # nothing stays by one who surfs
            for preposition, determiner, dependent in self.words.attachments(o["lemma"]):
                if (determiner and self.new_object(dependent) and self.fits_scene(dependent, o["lemma"])
                        and not self.there_anyway(o["lemma"], dependent)
                        and not (doing and preposition in LOCATIVE and self.kind(dependent, RIDDEN_KINDS) is not None)
                        # "a man next to a dog sitting on a bench": what the host does reads as the new one's
                        # (after "with" it stays the host's: "a man with a dog walking")
                        and not (doing and preposition in NEARBY and self.is_animate(dependent))
                        and not self.worn_anyway(o, dependent) and not self.part_anyway(o, dependent)
                        and not self.second_ride(o, dependent)
                        and not SPORT_SCENES.get(dependent, frozenset()) & self.token_set
                        and not (dependent in AIRBORNE and self.is_person(o["lemma"]))
                        and not (self.is_place(dependent) and located)
                        and (preposition not in LOCATIVE or self.worn(dependent)
                             or self.done_there(o, preposition, dependent, after if doing else ""))
                        and not ((settled or said_where or beside_placed) and preposition in LOCATIVE
                                 and not self.worn(dependent))
                        and not (preposition in NEARBY and surfing)
                        and not (determiner == "a" and self.is_plural(o)
                                 and self.one_for_many(preposition, dependent))):
                    h = o["head"]
                    det = article_for(dependent) if determiner == "a" else determiner
                    added = " ".join(w for w in (preposition, det, dependent) if w)
                    capitals = len(tokens[h]) > 1 and tokens[h].isupper()  # "A MAN ON A HORSE IS ..."
                    phrase = f"{tokens[h]} {added.upper() if capitals else added}"
                    neg = realise(self.caption, self.g, [(h, h + 1, phrase)], "add-obj")
                    yield neg and _with_changed(neg, [(x, dependent) for x in self.lemmas], [f"o:{dependent}"])


@lru_cache(maxsize=4096)
def held_by(predicate: str) -> str | None:
    """The preposition of :data:`HELD_BY` the predicate ends in ("sit on top of": "on top of")."""
    longest_first = sorted(HELD_BY, key=len, reverse=True)
    return next((h for h in longest_first if predicate == h or predicate.endswith(" " + h)), None)


@lru_cache(maxsize=100_000)
def _kind(lemma: str, kinds: tuple[str, ...], corpus: Pairs) -> str | None:
    """:meth:`Editor.kind`, remembered across captions: the stage asks it of the same few hundred
    nouns a million times."""
    return next((k for k in kinds if relation(k, lemma, corpus, embeddings=False) in ("same", "hyponym")), None)


def misread_objects(graph: Graph) -> set[int]:
    """Objects the parser read inconsistently, which an edit would have re-read unpredictably (its
    negative fails verification or, worse, carries the misreading), so they are not edited:

    - given an attribute whose word the caption writes fewer times than objects carry it ("the
      square is orange and the star is red" read with both colours on both);
    - given an attribute written only outside its noun phrase and nearer another object's head
      ("a star that is yellow is beneath a circle that is orange" with orange on the star)."""
    tokens = [t.lower() for t in graph["tokens"]]
    objects = graph["objects"]
    written = Counter(tokens)
    carried = Counter(a.split()[0].lower() for o in objects for a in set(o["attributes"]) if a)
    shared = {w for w, n in carried.items() if n > written[w]}
    heads = [o["head"] for o in objects]

    def nearest(t: int) -> int:  # the object whose head is nearest token t (the earlier one on a tie)
        return min(range(len(heads)), key=lambda j: (abs(heads[j] - t), heads[j] > t))

    out = set()
    for k, o in enumerate(objects):
        for a in o["attributes"]:
            w = a.split()[0].lower() if a else ""
            places = [t for t, x in enumerate(tokens) if x == w]
            if w in shared or (places and not any(o["start"] <= t < o["end"] or nearest(t) == k for t in places)):
                out.add(k)
    return out


def guessed_relations(graph: Graph) -> bool:
    """The parser stated a relation no construction of the words says (its own guess, ``via``
    "learned"): re-read after a word is added or two are exchanged, such guesses come and go."""
    return any(r.get("via") == "learned" for r in graph["relations"])


def _says(predicate: str, phrases: Iterable[str]) -> bool:
    """The predicate is one of the phrases or ends with one ("walk next to": "next to")."""
    return any(predicate == x or predicate.endswith(" " + x) for x in phrases)


def _changed_part(a: str, b: str) -> tuple[str, str]:
    """The words of two predicates that differ: ("sit on", "stand on") -> ("sit", "stand"); a word
    is kept on each side, so "stand on" / "stand on top of" compares "on" with "on top of"."""
    x, y = a.split(), b.split()
    while len(x) > 1 and len(y) > 1 and x[0] == y[0]:
        x, y = x[1:], y[1:]
    while len(x) > 1 and len(y) > 1 and x[-1] == y[-1]:
        x, y = x[:-1], y[:-1]
    return " ".join(x), " ".join(y)


def _with_changed(neg: Negative, changed: Sequence[tuple[str, str]], introduces: Sequence[str] = ()) -> Negative:
    return replace(neg, changed=tuple(changed), introduces=tuple(introduces))


def facts_of(graph: Graph) -> set[str]:
    """A caption's objects, attributes and relations as strings, the way negatives declare theirs."""
    objs = graph["objects"]
    out = {f"o:{o['lemma']}" for o in objs} | {f"a:{o['lemma']}:{a}" for o in objs for a in o["attributes"]}
    out |= {f"r:{objs[r['subject']]['lemma']}|{r['predicate']}|{objs[r['object']]['lemma']}" for r in graph["relations"]}
    return out


EDITS: dict[str, Callable[[Editor], list[Negative]]] = {
    "replace-obj": Editor.replace_obj,
    "replace-att": Editor.replace_att,
    "replace-rel": Editor.replace_rel,
    "swap-att": Editor.swap_att,
    "swap-obj": Editor.swap_obj,
    "add-obj": Editor.add_obj,
    "add-att": Editor.add_att,
}

