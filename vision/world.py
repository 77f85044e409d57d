"""The built-in synthetic world: images of coloured shapes and captions from their scene graphs.

Each image holds 2 to 4 shapes (several shapes, colours and sizes) on a plain background,
placed so that they stand in spatial relations: left of, right of, above, below, next to, on
top of (resting on), inside (a small shape drawn within a large one). The true scene graph of
each image is kept, and each caption is written from it by a small grammar with real variety:
attributes before the noun, "that is" clauses, predicative "is red", counts ("two red
circles"), passives ("is enclosed by"), relative and reduced relative clauses, "there is".
Every caption carries its own true facts in the FACTUAL convention, so parsers and detectors
can be scored against the truth.

Everything is a pure function of ``(seed, image index)``: the same seed gives the same world
however the work is split into partitions.

A harder setting (:class:`WorldOptions`) is chosen by three knobs. ``max_mentions`` N > 0 makes
each caption mention only 1 to N of the image's shapes, as real captions name a few salient
objects among many regions, so the in-batch negatives of a ranking loss rarely differ from the
caption in one binding alone. ``always_size`` gives every mentioned shape both its colour and its
size ("a large red circle and a small red square" needs both bound). ``heldout_pairs`` K picks
K colour-shape pairs (a function of the seed) that no train or val image holds and that every
test image holds at least once: the test split asks for systematic generalisation, pairs of
words each seen in training but never together.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

SHAPES = ("circle", "square", "triangle", "diamond", "star", "cross")
PLURALS = {"cross": "crosses"}
COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 225),
    "yellow": (235, 210, 40),
    "purple": (145, 60, 185),
    "orange": (245, 140, 30),
    "white": (245, 245, 245),
}
BACKGROUND = (70, 70, 70)
# Half-extent of each size, as a fraction of the image side.
SIZES = {"small": 0.07, "medium": 0.105, "large": 0.15}
# Relations as stored in the true graph (FACTUAL-style predicates).
RELATIONS = ("left of", "right of", "above", "below", "next to", "on top of", "inside")
INVERSE = {"left of": "right of", "right of": "left of", "above": "below", "below": "above",
           "next to": "next to"}
# Ways a caption says each relation.
SURFACE = {
    "left of": ("to the left of", "left of", "on the left of"),
    "right of": ("to the right of", "right of", "on the right of"),
    "above": ("above", "over"),
    "below": ("below", "under", "beneath"),
    "next to": ("next to", "beside"),
    "on top of": ("on top of", "on"),
    "inside": ("inside", "in", "within"),
}
PASSIVE = {"inside": ("enclosed by", "surrounded by"), "on top of": ("topped by",)}
NUMBERS = {2: "two", 3: "three", 4: "four"}

Fact = tuple[str, str, str]


@dataclass(frozen=True)
class Shape:
    shape: str
    color: str
    size: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)

    @property
    def center(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)


@dataclass(frozen=True)
class Relation:
    subject: int
    predicate: str
    object: int


@dataclass(frozen=True)
class Caption:
    text: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class WorldOptions:
    """The harder setting's knobs; the defaults are the classic world."""

    max_mentions: int = 0  # 0: the classic grammar; N: captions mention 1 to N shapes, each with colour and size
    always_size: bool = False  # every noun phrase names the shape's size as well as its colour
    heldout: frozenset[tuple[str, str]] = frozenset()  # (colour, shape) pairs of the compositional split
    role: str = "train"  # train | val | test: train and val images avoid ``heldout``, test images hold one


def heldout_pairs(seed: int, k: int) -> frozenset[tuple[str, str]]:
    """``k`` (colour, shape) pairs drawn from ``seed``, at most two a colour and two a shape, so
    that every colour and every shape still occurs in training with other partners."""
    most = 2 * min(len(COLORS), len(SHAPES))
    if k > most:
        raise ValueError(f"heldout_pairs: at most {most} pairs keep every word in training")
    rng = random.Random(f"sgmatch-world-heldout:{seed}")
    pairs = [(c, s) for c in COLORS for s in SHAPES]
    rng.shuffle(pairs)
    chosen: list[tuple[str, str]] = []
    for color, shape in pairs:
        if len(chosen) == k:
            break
        if sum(c == color for c, _ in chosen) < 2 and sum(s == shape for _, s in chosen) < 2:
            chosen.append((color, shape))
    return frozenset(chosen)


@dataclass
class Scene:
    image_id: str
    size: int
    shapes: list[Shape]
    relations: list[Relation] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)


# ---------------------------------------------------------------- layout


def _box(cx: int, cy: int, half: int) -> tuple[int, int, int, int]:
    return (cx - half, cy - half, cx + half, cy + half)


def _overlaps(a: tuple[int, ...], b: tuple[int, ...], gap: int) -> bool:
    return not (a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1])


def _contains(outer: tuple[int, ...], inner: tuple[int, ...]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _place(rng: random.Random, n: int, side: int) -> list[Shape]:
    """Choose shapes and positions; sometimes a resting pair, an enclosed pair, a repeat."""
    shapes: list[Shape] = []
    margin = 2
    gap = max(4, side // 24)

    def pick(size: str | None = None, avoid_color: str | None = None) -> tuple[str, str, str]:
        colors = [c for c in COLORS if c != avoid_color]
        return rng.choice(SHAPES), rng.choice(colors), size or rng.choice(tuple(SIZES))

    def free_spot(half: int) -> tuple[int, int] | None:
        for _ in range(200):
            cx = rng.randint(margin + half, side - margin - half)
            cy = rng.randint(margin + half, side - margin - half)
            box = _box(cx, cy, half)
            if all(not _overlaps(box, s.box, gap) for s in shapes):
                return cx, cy
        return None

    # An enclosed pair: a small shape inside a large square or circle of another colour.
    if rng.random() < 0.25:
        outer_shape = rng.choice(("square", "circle"))
        _, outer_color, _ = pick()
        half = int(SIZES["large"] * side)
        spot = free_spot(half)
        if spot:
            shapes.append(Shape(outer_shape, outer_color, "large", _box(*spot, half)))
            kind, color, _ = pick(avoid_color=outer_color)
            inner_half = int(SIZES["small"] * side * 0.6)
            shapes.append(Shape(kind, color, "small", _box(*spot, inner_half)))
    # A resting pair: one shape directly on top of another, touching.
    if len(shapes) + 2 <= n and rng.random() < 0.3:
        kind, color, size = pick()
        half = int(SIZES[size] * side)
        top_kind, top_color, top_size = pick(avoid_color=color)
        top_half = int(SIZES[top_size] * side)
        for _ in range(200):
            cx = rng.randint(margin + max(half, top_half), side - margin - max(half, top_half))
            cy = rng.randint(margin + 2 * top_half + half, side - margin - half)
            low = _box(cx, cy, half)
            high = (cx - top_half, low[1] - 2 * top_half, cx + top_half, low[1])
            if all(not _overlaps(low, s.box, gap) and not _overlaps(high, s.box, gap) for s in shapes):
                shapes += [Shape(kind, color, size, low), Shape(top_kind, top_color, top_size, high)]
                break
    while len(shapes) < n:
        if shapes and rng.random() < 0.3:  # a repeat of an existing shape and colour
            twin = rng.choice(shapes)
            kind, color, size = twin.shape, twin.color, rng.choice(tuple(SIZES))
        else:
            kind, color, size = pick()
        half = int(SIZES[size] * side)
        spot = free_spot(half)
        if spot is None:
            break
        shapes.append(Shape(kind, color, size, _box(*spot, half)))
    return shapes


def relation_between(a: Shape, b: Shape, side: int) -> str:
    """The one relation that best describes ``a`` with respect to ``b``."""
    if _contains(b.box, a.box):
        return "inside"
    h_overlap = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
    if a.box[3] == b.box[1] and h_overlap > 0:
        return "on top of"
    (ax, ay), (bx, by) = a.center, b.center
    dx, dy = bx - ax, by - ay
    if abs(dx) >= abs(dy):
        gap = max(b.box[0] - a.box[2], a.box[0] - b.box[2])
        v_overlap = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
        if gap < side * 0.08 and v_overlap > 0:
            return "next to"
        return "left of" if dx > 0 else "right of"
    return "above" if dy > 0 else "below"


def scene_relations(shapes: list[Shape], side: int) -> list[Relation]:
    """One relation per pair: inside and on top of point from the contained/resting shape."""
    rels = []
    for i in range(len(shapes)):
        for j in range(i + 1, len(shapes)):
            pred = relation_between(shapes[i], shapes[j], side)
            if pred in ("inside", "on top of"):
                rels.append(Relation(i, pred, j))
                continue
            back = relation_between(shapes[j], shapes[i], side)
            if back in ("inside", "on top of"):
                rels.append(Relation(j, back, i))
            else:
                rels.append(Relation(i, pred, j))
    return rels


# ---------------------------------------------------------------- drawing


def _polygon(kind: str, box: tuple[int, int, int, int]) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = box[0], box[1], box[2] - 1, box[3] - 1
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    if kind == "triangle":
        return [(cx, y0), (x1, y1), (x0, y1)]
    if kind == "diamond":
        return [(cx, y0), (x1, cy), (cx, y1), (x0, cy)]
    if kind == "star":
        pts = []
        for k in range(10):
            r = 0.5 if k % 2 == 0 else 0.21
            ang = -math.pi / 2 + k * math.pi / 5
            pts.append((cx + r * w * math.cos(ang), cy + r * h * math.sin(ang) + 0.05 * h))
        return pts
    if kind == "cross":
        t = 0.18
        return [(cx - t * w, y0), (cx + t * w, y0), (cx + t * w, cy - t * h), (x1, cy - t * h),
                (x1, cy + t * h), (cx + t * w, cy + t * h), (cx + t * w, y1), (cx - t * w, y1),
                (cx - t * w, cy + t * h), (x0, cy + t * h), (x0, cy - t * h), (cx - t * w, cy - t * h)]
    raise ValueError(f"unknown shape {kind!r}")


def render(scene: Scene) -> Image.Image:
    """Draw the scene; shapes are drawn in order, so an enclosed shape lands on top."""
    img = Image.new("RGB", (scene.size, scene.size), BACKGROUND)
    draw = ImageDraw.Draw(img)
    for s in scene.shapes:
        color = COLORS[s.color]
        x0, y0, x1, y1 = s.box
        if s.shape == "circle":
            draw.ellipse((x0, y0, x1 - 1, y1 - 1), fill=color)
        elif s.shape == "square":
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=color)
        else:
            draw.polygon(_polygon(s.shape, s.box), fill=color)
    return img


# ---------------------------------------------------------------- captions


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _with_article(np: str) -> str:
    return f"{_article(np)} {np}"


class _Writer:
    """Writes captions for one scene; each method returns (text, facts) or None."""

    def __init__(self, scene: Scene, rng: random.Random, always_size: bool = False) -> None:
        self.s = scene
        self.rng = rng
        self.always_size = always_size
        counts: dict[tuple[str, str], int] = {}
        for sh in scene.shapes:
            counts[(sh.shape, sh.color)] = counts.get((sh.shape, sh.color), 0) + 1
        self.counts = counts

    def np(self, i: int, facts: list[Fact], size_p: float = 0.3) -> str:
        """A noun phrase for shape i with attributes before the noun."""
        sh = self.s.shapes[i]
        words = [sh.color, sh.shape]
        facts.append((sh.shape, "is", sh.color))
        if self.always_size or self.rng.random() < size_p:
            words.insert(0, sh.size)
            facts.append((sh.shape, "is", sh.size))
        return " ".join(words)

    def rel(self) -> tuple[int, str, int] | None:
        if not self.s.relations:
            return None
        r = self.rng.choice(self.s.relations)
        if r.predicate in INVERSE and self.rng.random() < 0.5:
            return r.object, INVERSE[r.predicate], r.subject
        return r.subject, r.predicate, r.object

    def surface(self, pred: str) -> str:
        return self.rng.choice(SURFACE[pred])

    def simple(self) -> Caption | None:  # "a small red circle to the left of a blue square"
        r = self.rel()
        if r is None:
            return None
        a, pred, b = r
        facts: list[Fact] = []
        text = f"{_with_article(self.np(a, facts))} {self.surface(pred)} {_with_article(self.np(b, facts))}"
        facts.append((self.s.shapes[a].shape, pred, self.s.shapes[b].shape))
        return Caption(text, tuple(facts))

    def there_is(self) -> Caption | None:  # "there is a red circle above a blue square"
        c = self.simple()
        return Caption(f"there is {c.text}", c.facts) if c else None

    def that_is(self) -> Caption | None:  # "a circle that is red is left of a square that is blue"
        r = self.rel()
        if r is None:
            return None
        a, pred, b = r
        sa, sb = self.s.shapes[a], self.s.shapes[b]
        text = (f"{_article(sa.shape)} {sa.shape} that is {sa.color} is {self.surface(pred)} "
                f"{_article(sb.shape)} {sb.shape} that is {sb.color}")
        facts = [(sa.shape, "is", sa.color), (sb.shape, "is", sb.color), (sa.shape, pred, sb.shape)]
        return Caption(text, tuple(facts))

    def predicative(self) -> Caption | None:  # "the circle is red and the square is blue"
        unique = [sh for sh in self.s.shapes if sum(o.shape == sh.shape for o in self.s.shapes) == 1]
        if len(unique) < 2:
            return None
        a, b = self.rng.sample(unique, 2)
        extra = self.rng.random() < 0.5
        a_attr = f"{a.size} and {a.color}" if extra else a.color
        facts = [(a.shape, "is", a.color), (b.shape, "is", b.color)]
        if extra:
            facts.insert(0, (a.shape, "is", a.size))
        return Caption(f"the {a.shape} is {a_attr} and the {b.shape} is {b.color}", tuple(facts))

    def counting(self) -> Caption | None:  # "two red circles and a blue square"
        groups = sorted(self.counts.items(), key=lambda kv: -kv[1])
        if len(groups) < 2 and groups[0][1] < 2:
            return None
        parts, facts = [], []
        for (kind, color), n in groups:
            if n == 1:
                parts.append(_with_article(f"{color} {kind}"))
                facts.append((kind, "is", color))
            else:
                noun = PLURALS.get(kind, kind + "s")
                parts.append(f"{NUMBERS[n]} {color} {noun}")
                facts += [(noun, "is", color), (noun, "is", str(n))]
        text = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
        if self.rng.random() < 0.5:
            text = f"there {'is' if groups[0][1] == 1 else 'are'} {text}"
        return Caption(text, tuple(facts))

    def passive(self) -> Caption | None:  # "a red circle is enclosed by a blue square"
        rels = [r for r in self.s.relations if r.predicate in PASSIVE]
        if not rels:  # no enclosed or resting pair: a passive participle instead
            r2 = self.rel()
            if r2 is None:
                return None
            a, pred, b = r2
            facts: list[Fact] = []
            verb = self.rng.choice(("placed", "positioned", "drawn", "shown"))
            text = (f"{_with_article(self.np(a, facts))} is {verb} {self.surface(pred)} "
                    f"{_with_article(self.np(b, facts))}")
            facts.append((self.s.shapes[a].shape, pred, self.s.shapes[b].shape))
            return Caption(text, tuple(facts))
        r = self.rng.choice(rels)
        facts = []
        # "X is enclosed by Y": X inside Y.  "Y is topped by X": X on top of Y.
        first, second = (r.subject, r.object) if r.predicate == "inside" else (r.object, r.subject)
        text = (f"{_with_article(self.np(first, facts, 0))} is {self.rng.choice(PASSIVE[r.predicate])} "
                f"{_with_article(self.np(second, facts, 0))}")
        facts.append((self.s.shapes[r.subject].shape, r.predicate, self.s.shapes[r.object].shape))
        return Caption(text, tuple(facts))

    def relative(self) -> Caption | None:  # "a red circle which is above a blue square"
        r = self.rel()
        if r is None:
            return None
        a, pred, b = r
        facts: list[Fact] = []
        clause = self.rng.choice(("which is", "that is", "that sits", "sitting", "lying"))
        text = f"{_with_article(self.np(a, facts))} {clause} {self.surface(pred)} {_with_article(self.np(b, facts))}"
        facts.append((self.s.shapes[a].shape, pred, self.s.shapes[b].shape))
        return Caption(text, tuple(facts))


    # ------------------------------------------------ the harder setting: 1 to N mentioned shapes

    def pair_relation(self, a: int, b: int) -> str:
        """The relation of shape ``a`` to shape ``b`` as the scene holds it (or its inverse)."""
        for r in self.s.relations:
            if (r.subject, r.object) == (a, b):
                return r.predicate
            if (r.subject, r.object) == (b, a) and r.predicate in INVERSE:
                return INVERSE[r.predicate]
        raise KeyError((a, b))

    def related_pair(self, chosen: list[int]) -> tuple[int, str, int] | None:
        """Two of the ``chosen`` shapes in an order the scene has a relation for."""
        for a, b in ((x, y) for x in chosen for y in chosen if x != y):
            try:
                return a, self.pair_relation(a, b), b
            except KeyError:
                continue
        return None

    def mention(self, k: int, focus: Sequence[int] = ()) -> Caption:
        """A caption about ``k`` shapes drawn from the image (every noun phrase with its attributes),
        one of them from ``focus`` when it is given."""
        if focus:
            first = self.rng.choice(list(focus))
            chosen = [first, *self.rng.sample([i for i in range(len(self.s.shapes)) if i != first], k - 1)]
            self.rng.shuffle(chosen)
        else:
            chosen = self.rng.sample(range(len(self.s.shapes)), k)
        facts: list[Fact] = []
        if k == 1:
            phrase = _with_article(self.np(chosen[0], facts))
            text = self.rng.choice((phrase, f"there is {phrase}", f"{phrase} is shown"))
            return Caption(text, tuple(facts))
        pair = self.related_pair(chosen)
        if pair is None or self.rng.random() < 0.25:  # a plain list: "a large red circle and a small blue star"
            phrases = [_with_article(self.np(i, facts)) for i in chosen]
            return Caption(", ".join(phrases[:-1]) + " and " + phrases[-1], tuple(facts))
        a, pred, b = pair
        clause = self.rng.choice(("", "", "which is ", "that is "))
        text = f"{_with_article(self.np(a, facts))} {clause}{self.surface(pred)} {_with_article(self.np(b, facts))}"
        facts.append((self.s.shapes[a].shape, pred, self.s.shapes[b].shape))
        rest = [i for i in chosen if i not in (a, b)]
        if rest:
            text += f" and {_with_article(self.np(rest[0], facts))}"
        return Caption(text, tuple(facts))


TEMPLATES = ("simple", "there_is", "that_is", "predicative", "counting", "passive", "relative")


def _finish(cap: Caption) -> Caption:
    """Capitalised, full stop, repeated facts dropped (order kept)."""
    return Caption(cap.text[0].upper() + cap.text[1:] + ".", tuple(dict.fromkeys(cap.facts)))


def write_mention_captions(scene: Scene, rng: random.Random, n: int, max_mentions: int,
                           focus: Sequence[int] = ()) -> list[Caption]:
    """At least ``n`` distinct captions, each about 1 to ``max_mentions`` of the scene's shapes
    (how many drawn uniformly), every shape named with its size and colour; each caption names
    one of the ``focus`` shapes when they are given (a test image's held-out pairs)."""
    writer = _Writer(scene, rng, always_size=True)
    top = min(max_mentions, len(scene.shapes))
    captions: list[Caption] = []
    seen: set[str] = set()
    for _ in range(50 * n):
        if len(captions) == n:
            break
        cap = writer.mention(rng.randint(1, top), focus)
        if cap.text in seen:
            continue
        seen.add(cap.text)
        captions.append(_finish(cap))
    if len(captions) < n:
        raise RuntimeError(f"{scene.image_id}: could only write {len(captions)} distinct captions")
    return captions


def write_captions(scene: Scene, rng: random.Random, n: int, always_size: bool = False) -> list[Caption]:
    """At least ``n`` distinct captions, cycling through the templates in a shuffled order."""
    writer = _Writer(scene, rng, always_size)
    order = list(TEMPLATES)
    rng.shuffle(order)
    captions: list[Caption] = []
    seen: set[str] = set()
    attempts = 0
    while len(captions) < n and attempts < 50 * n:
        name = order[attempts % len(order)]
        attempts += 1
        cap = getattr(writer, name)()
        if cap is None:
            continue
        done = _finish(cap)
        if done.text in seen:
            continue
        seen.add(done.text)
        captions.append(done)
    if len(captions) < n:
        raise RuntimeError(f"{scene.image_id}: could only write {len(captions)} distinct captions")
    return captions


MAX_LAYOUTS = 2000  # layouts drawn before a scene that must avoid or hold held-out pairs gives up


def _fits(shapes: list[Shape], options: WorldOptions) -> bool:
    """Whether a layout agrees with the compositional split: none of the held-out pairs in a train
    or val image, at least one in a test image."""
    if not options.heldout:
        return True
    held = any((s.color, s.shape) in options.heldout for s in shapes)
    return held if options.role == "test" else not held


def make_scene(seed: int, index: int, side: int, min_shapes: int, max_shapes: int,
               captions_per_image: int, options: WorldOptions | None = None) -> Scene:
    """The scene of image ``index`` for ``seed``: a pure function of its arguments.

    With held-out pairs, layouts are drawn until one fits the image's role (rejection sampling:
    the scene is the classic world's conditioned on the split's rule)."""
    options = options or WorldOptions()
    rng = random.Random(f"sgmatch-world:{seed}:{index}")
    for _ in range(MAX_LAYOUTS):
        n = rng.randint(min_shapes, max_shapes)
        shapes = _place(rng, n, side)
        if len(shapes) >= min_shapes and _fits(shapes, options):
            break
    else:
        raise RuntimeError(f"world-{index:06d}: no layout of {min_shapes}-{max_shapes} shapes fits its "
                           f"{options.role} split in {MAX_LAYOUTS} tries")
    scene = Scene(image_id=f"world-{index:06d}", size=side, shapes=shapes)
    scene.relations = scene_relations(shapes, side)
    if options.max_mentions:
        focus = [i for i, s in enumerate(shapes) if (s.color, s.shape) in options.heldout] \
            if options.role == "test" else []
        scene.captions = write_mention_captions(scene, rng, captions_per_image, options.max_mentions, focus)
    else:
        scene.captions = write_captions(scene, rng, captions_per_image, options.always_size)
    return scene
