"""The synthetic world: deterministic, varied, and true to its own scene graphs."""

from __future__ import annotations

import io
import re
from collections import Counter

import numpy as np
import pytest

from vision import world

SIDE = 128


def scenes(n: int, seed: int = 0) -> list[world.Scene]:
    return [world.make_scene(seed, i, SIDE, 2, 4, 5) for i in range(n)]


def png_bytes(scene: world.Scene) -> bytes:
    buf = io.BytesIO()
    world.render(scene).save(buf, format="PNG")
    return buf.getvalue()


def test_same_seed_same_world_other_seed_other_world() -> None:
    a, b, c = scenes(20), scenes(20), scenes(20, seed=1)
    assert [s.captions for s in a] == [s.captions for s in b]
    assert [png_bytes(s) for s in a] == [png_bytes(s) for s in b]
    assert [s.captions for s in a] != [s.captions for s in c]
    # an image does not depend on which other images are generated with it
    assert world.make_scene(0, 7, SIDE, 2, 4, 5).captions == a[7].captions


def test_scene_shape_counts_positions_and_captions() -> None:
    for s in scenes(60):
        assert 2 <= len(s.shapes) <= 4
        assert len(s.captions) >= 5 and len({c.text for c in s.captions}) == len(s.captions)
        for sh in s.shapes:
            x0, y0, x1, y1 = sh.box
            assert 0 <= x0 < x1 <= SIDE and 0 <= y0 < y1 <= SIDE


def test_every_relation_kind_and_caption_form_occurs() -> None:
    sample = scenes(150)
    preds = Counter(r.predicate for s in sample for r in s.relations)
    assert set(preds) == set(world.RELATIONS)
    texts = [c.text.lower() for s in sample for c in s.captions]
    for pattern in [r"^there (is|are) ", r" that is \w+ is ", r"^the \w+ is \w+", r"\b(two|three) \w+ \w+s\b",
                    r" is (enclosed|surrounded|topped) by ", r" (which is|that sits|sitting|lying) ",
                    r"^an? (small|medium|large) \w+ \w+ "]:
        assert any(re.search(pattern, t) for t in texts), pattern


def test_articles_and_number_agree() -> None:
    for s in scenes(80):
        for c in s.captions:
            text = c.text.lower()
            assert not re.search(r"\ba [aeiou]", text) and not re.search(r"\ban [^aeiou ]", text), text
            assert not re.search(r"\b(two|three|four) \w+ (circle|square|triangle|diamond|star|cross)\b", text)


def test_caption_facts_hold_in_the_scene() -> None:
    inverse = world.INVERSE
    singular = {world.PLURALS.get(k, k + "s"): k for k in world.SHAPES}
    for s in scenes(80):
        attrs = {(sh.shape, sh.color) for sh in s.shapes} | {(sh.shape, sh.size) for sh in s.shapes}
        rels = {(s.shapes[r.subject].shape, r.predicate, s.shapes[r.object].shape) for r in s.relations}
        rels |= {(o, inverse[p], sub) for sub, p, o in rels if p in inverse}
        counts = Counter((sh.shape, sh.color) for sh in s.shapes)
        for c in s.captions:
            for subj, pred, obj in c.facts:
                if pred == "is" and obj.isdigit():
                    assert int(obj) in counts.values()
                elif pred == "is":
                    assert (singular.get(subj, subj), obj) in attrs, (c.text, subj, obj)
                else:
                    assert (subj, pred, obj) in rels, (c.text, subj, pred, obj)


def test_relations_follow_the_geometry() -> None:
    for s in scenes(80):
        for r in s.relations:
            a, b = s.shapes[r.subject], s.shapes[r.object]
            (ax, ay), (bx, by) = a.center, b.center
            if r.predicate == "left of":
                assert ax < bx
            elif r.predicate == "right of":
                assert ax > bx
            elif r.predicate == "above":
                assert ay < by
            elif r.predicate == "below":
                assert ay > by
            elif r.predicate == "on top of":
                assert a.box[3] == b.box[1]
            elif r.predicate == "inside":
                assert b.box[0] <= a.box[0] and a.box[2] <= b.box[2]


@pytest.mark.parametrize("index", range(10))
def test_each_shape_is_drawn_in_its_colour_inside_its_box(index: int) -> None:
    s = world.make_scene(3, index, SIDE, 2, 4, 5)
    pixels = np.asarray(world.render(s))
    for k, sh in enumerate(s.shapes):
        x0, y0, x1, y1 = sh.box
        patch = pixels[y0:y1, x0:x1].reshape(-1, 3)
        mine = (patch == np.array(world.COLORS[sh.color])).all(axis=1)
        later_inside = any(world._contains(sh.box, o.box) for o in s.shapes[k + 1:])
        assert mine.mean() > (0.1 if later_inside else 0.3), (sh, mine.mean())
