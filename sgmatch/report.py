"""``sgmatch inspect``: look at what the pipeline made before training on it.

A self-contained static HTML page (no network: styles inline, pictures as data URIs) for a
sample of images or for given image ids: the picture (the synthetic world's true boxes in
green, detected regions dashed red where a regions artifact exists), each caption with its
scene graph drawn, the image's phrase labels, and each negative with its type and the edited
words highlighted. :func:`terminal_view` prints one caption's graph and negatives for a quick
look.

Everything from the data is untrusted. Text is escaped, with invisible characters (controls,
zero-width and bidirectional marks) shown as ``\\u200b`` escapes so a page or a terminal shows
what is there, and long texts are cut to :data:`SHOWN_CHARS` characters with the count of
what was left out (the artifacts keep them whole). Pictures are opened only through
:func:`pipeline.images.open_image` (never for an ``images`` row with an error, never outside
the image root) and embedded only when their bytes are PNG, JPEG, GIF or WebP.
"""

from __future__ import annotations

import base64
import html
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.artifacts import read_table
from pipeline.errors import InputError
from pipeline.images import open_image
from pipeline.schemas import IMAGE_LABELS, IMAGES, NEGATIVES, REGIONS, TEXT_GRAPHS

SHOWN_CHARS = 300  # a caption, negative or list of facts longer than this is cut on the page
SHOWN_NAME = 40  # an object's name or attributes in a drawn graph
SHOWN_OBJECTS = 12  # objects drawn per graph (relations between them)
SHOWN_LABELS = 60  # phrase labels per kind and image
MAX_PICTURE_BYTES = 16 << 20
PICTURE_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h2{margin-top:2em;border-bottom:1px solid #ccc}
.image{display:flex;gap:1.5em;align-items:flex-start}
.caption{margin:.6em 0 .2em;font-weight:600}
.facts{color:#555;font-size:12px}
.neg{margin:.1em 0 .1em 1em}
.neg .type{display:inline-block;min-width:7em;font-size:11px;color:#fff;background:#777;border-radius:3px;
 padding:0 .4em;margin-right:.5em}
.neg.unverified .type{background:#c66}
mark{background:#ffe27a}
.labels span{display:inline-block;margin:.1em;padding:0 .4em;border:1px solid #bbb;border-radius:3px;font-size:12px}
svg text{font:11px system-ui,sans-serif}
.error{color:#b00}
"""


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(value: str) -> str:
    """``value`` with each character that does not print (controls, format and zero-width
    characters, bidirectional marks, line and paragraph separators) written as its escape, e.g.
    ``\\u202e``, so it cannot act on the page or the terminal."""
    if value.isprintable():
        return value
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in value)


def shortened(value: str | None, limit: int = SHOWN_CHARS) -> str:
    """``value`` cut to ``limit`` characters, saying how many were left out (not escaped)."""
    value = value or ""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}\u2026 [{len(value) - limit:,} more characters]"


def page_text(value: str | None, limit: int = SHOWN_CHARS) -> str:
    """Data as page text: shortened, invisible characters made visible, HTML-escaped."""
    return html.escape(visible(shortened(value, limit)))


def _read(directory: Path | None, schema: Any, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    if directory is None:
        return []
    return read_table(directory, schema, columns).to_pylist()


def graph_svg(graph: dict[str, Any], width: int = 560) -> str:
    """Objects as boxes in a row (name and attributes), relations as labelled arcs above them."""
    objects = graph["objects"][:SHOWN_OBJECTS]
    relations = [r for r in graph["relations"] if r["subject"] < len(objects) and r["object"] < len(objects)]
    relations = relations[:SHOWN_OBJECTS]
    if not objects:
        return ""
    step = width / len(objects)
    levels = max(1, len(relations))
    top = 18 + 16 * levels
    out = [f'<svg width="{width}" height="{top + 46}" viewBox="0 0 {width} {top + 46}" role="img">']
    centers = []
    for k, o in enumerate(objects):
        cx = step * k + step / 2
        centers.append(cx)
        label = page_text(o.get("label") or o["name"], SHOWN_NAME)
        attrs = ", ".join(o["attributes"] + ([o["count"]] if o.get("count") else []))
        out.append(f'<rect x="{cx - step / 2 + 4:.0f}" y="{top}" width="{step - 8:.0f}" height="36" rx="5" '
                   f'fill="#eef4ff" stroke="#7a9cd6"/>')
        out.append(f'<text x="{cx:.0f}" y="{top + 15}" text-anchor="middle" font-weight="600">{label}</text>')
        if attrs:
            out.append(f'<text x="{cx:.0f}" y="{top + 29}" text-anchor="middle" fill="#555">'
                       f'{page_text(attrs, SHOWN_NAME)}</text>')
    for level, r in enumerate(relations):
        x1, x2 = centers[r["subject"]], centers[r["object"]]
        y = top - 8 - 16 * level
        if x1 == x2:
            x2 += 20
        out.append(f'<path d="M{x1:.0f},{top} C{x1:.0f},{y} {x2:.0f},{y} {x2:.0f},{top}" fill="none" '
                   f'stroke="#d67a7a" marker-end="url(#arrow)"/>')
        out.append(f'<text x="{(x1 + x2) / 2:.0f}" y="{y + 4}" text-anchor="middle" fill="#a33">'
                   f'{page_text(r["predicate"], SHOWN_NAME)}</text>')
    out.insert(1, '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
                  'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#d67a7a"/></marker></defs>')
    out.append("</svg>")
    more = len(graph["objects"]) - len(objects)
    if more > 0:
        out.append(f"<div class='facts'>(+{more} more objects not drawn)</div>")
    return "".join(out)


def picture(image: dict[str, Any] | None, image_root: Path | None, regions: dict[str, Any] | None = None,
            size: int = 260) -> str:
    if image is None or image_root is None:
        return ""
    if image.get("error"):
        return f'<p class="error">picture not shown: {page_text(image["error"])}</p>'
    if not image.get("path"):
        return ""
    try:
        with open_image(image_root, image) as fh:
            raw = fh.read(MAX_PICTURE_BYTES + 1)
    except InputError as exc:
        return f'<p class="error">picture not shown: {page_text(f"{exc.field}: {exc.problem}")}</p>'
    mime = next((m for magic, m in PICTURE_TYPES if raw.startswith(magic)), None)
    if mime is None and raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        mime = "image/webp"
    if len(raw) > MAX_PICTURE_BYTES or mime is None:
        why = "larger than 16 MB" if mime else "not a PNG, JPEG, GIF or WebP file"
        return f'<p class="error">picture not shown: {page_text(image["path"])} is {why}</p>'
    data = base64.b64encode(raw).decode()
    w, h = image.get("width") or size, image.get("height") or size
    scale = size / max(w, h, 1)
    boxes = []
    for o in image.get("true_objects") or []:
        x0, y0, x1, y1 = (v * scale for v in o["box"])
        boxes.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" fill="none" '
                     f'stroke="#0f0" stroke-width="1.5"><title>true: {page_text(o["color"] + " " + o["shape"])}'
                     f'</title></rect>')
    for box, name in zip((regions or {}).get("boxes") or [], (regions or {}).get("label_names") or [], strict=False):
        x0, y0, x1, y1 = (v * scale for v in box)
        boxes.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" fill="none" '
                     f'stroke="#f33" stroke-width="1" stroke-dasharray="3,2"><title>region: {page_text(name)}'
                     f'</title></rect>')
    return (f'<svg width="{w * scale:.0f}" height="{h * scale:.0f}"><image href="data:{mime};base64,{data}" '
            f'width="{w * scale:.0f}" height="{h * scale:.0f}"/>{"".join(boxes)}</svg>')


def highlighted(negative: dict[str, Any], limit: int = SHOWN_CHARS) -> str:
    """The negative caption with its edited words marked (everything escaped); a long one is
    shown as a window of about ``limit`` characters around the edit."""
    text, start, edited = negative["negative"] or "", negative["start"], negative["after"] or ""
    if start is None or start < 0 or text[start:start + len(edited)] != edited:
        return page_text(text, limit)
    end = start + len(edited)
    left = max(0, min(start - limit // 3, len(text) - limit))
    right = max(end, left + limit)
    before = ("\u2026" if left else "") + text[left:start]
    after = text[end:right] + (f"\u2026 [{len(text) - right:,} more characters]" if right < len(text) else "")
    return (f"{html.escape(visible(before))}<mark>{page_text(text[start:end], limit)}</mark>"
            f"{html.escape(visible(after))}")


def build_report(graphs: Sequence[dict[str, Any]], images: Sequence[dict[str, Any]],
                 labels: Sequence[dict[str, Any]], negatives: Sequence[dict[str, Any]],
                 image_root: Path | None, image_ids: Sequence[str],
                 regions: Sequence[dict[str, Any]] = ()) -> str:
    by_image: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for g in graphs:
        by_image[g["image_id"]].append(g)
    image_of = {i["image_id"]: i for i in images}
    labels_of = {lab["image_id"]: lab for lab in labels}
    regions_of = {r["image_id"]: r for r in regions}
    negs_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n in negatives:
        negs_of[n["caption_id"]].append(n)
    parts = ['<!DOCTYPE html><html><head><meta charset="utf-8"><title>sgmatch inspect</title>',
             f"<style>{CSS}</style></head><body><h1>sgmatch inspect</h1>",
             f"<p>{len(image_ids)} images</p>"]
    for image_id in image_ids:
        parts.append(f"<h2>{page_text(image_id)}</h2><div class='image'><div>"
                     f"{picture(image_of.get(image_id), image_root, regions_of.get(image_id))}</div><div>")
        for g in by_image.get(image_id, []):
            parts.append(f"<div class='caption'>{page_text(g['caption'])}</div>")
            if g["error"]:
                parts.append(f"<div class='error'>{page_text(g['error'])}</div>")
                continue
            parts.append(graph_svg(g))
            facts = "; ".join(" ".join(f) for f in g["facts"])
            parts.append(f"<div class='facts'>{page_text(facts)}</div>")
            for n in negs_of.get(g["caption_id"], []):
                cls = "neg" if n["verified"] else "neg unverified"
                note = "" if n["verified"] else f" (re-parse found {page_text(n['found_type'])})"
                parts.append(f"<div class='{cls}'><span class='type'>{page_text(n['type'])}</span>"
                             f"{highlighted(n)}{note}</div>")
        lab = labels_of.get(image_id)
        if lab:
            for kind in ("entities", "attributes", "triples"):
                chips = "".join(f"<span title='{int(e['captions'] or 0)} captions'>{page_text(e['phrase'], SHOWN_NAME)}"
                                "</span>" for e in lab[kind][:SHOWN_LABELS])
                more = len(lab[kind]) - SHOWN_LABELS
                chips += f" (+{more} more)" if more > 0 else ""
                parts.append(f"<div class='labels'><b>{kind}</b> {chips}</div>")
        parts.append("</div></div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def choose_images(graphs: Sequence[dict[str, Any]], ids: Sequence[str], sample: int, seed: int) -> list[str]:
    all_ids = list(dict.fromkeys(g["image_id"] for g in graphs))
    if ids:
        missing = [i for i in ids if i not in set(all_ids)]
        if missing:
            raise KeyError(f"image ids not in the text graphs: {', '.join(missing[:5])}")
        return list(ids)
    return sorted(random.Random(seed).sample(all_ids, min(sample, len(all_ids))))


def load(text_graphs: Path, images: Path | None, labels: Path | None, negatives: Path | None,
         regions: Path | None = None) -> tuple:
    return (_read(text_graphs, TEXT_GRAPHS), _read(images, IMAGES), _read(labels, IMAGE_LABELS),
            _read(negatives, NEGATIVES), _read(regions, REGIONS, ["image_id", "boxes", "label_names"]))


def terminal_view(graph: dict[str, Any], negatives: Sequence[dict[str, Any]]) -> str:
    """One caption: its objects, relations and negatives, as plain text (invisible characters,
    terminal escape sequences among them, shown as escapes; long texts cut)."""

    def plain(value: str | None) -> str:
        return visible(shortened(value, 4 * SHOWN_CHARS))

    lines = [plain(graph["caption"]), ""]
    for k, o in enumerate(graph["objects"]):
        extra = ", ".join(o["attributes"] + ([f"count {o['count']}"] if o.get("count") else []))
        lines.append(f"  [{k}] {plain(o['name'])}" + (f"  ({plain(extra)})" if extra else ""))
    for r in graph["relations"]:
        lines.append(f"  [{r['subject']}] --{plain(r['predicate'])}--> [{r['object']}]")
    if graph["error"]:
        lines.append(f"  error: {plain(graph['error'])}")
    for n in negatives:
        mark = "ok " if n["verified"] else "BAD"
        lines.append(f"  {mark} {n['type']:<12} {plain(n['negative'])}   "
                     f"[{plain(repr(n['before']))} -> {plain(repr(n['after']))}]")
    return "\n".join(lines)
