"""The inspection report: self-contained, escaped, and rendered by a real browser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from stages import report

MARKUP = "<script>alert('x')</script> a <b>cat</b> & a dog"


def graph(caption_id: str, caption: str) -> dict:
    return {"caption_id": caption_id, "image_id": "img", "caption": caption, "error": None,
            "objects": [{"name": "cat", "lemma": "cat", "label": "cat", "attributes": ["<i>black</i>"], "count": None},
                        {"name": "dog", "lemma": "dog", "label": "dog", "attributes": [], "count": "2"}],
            "relations": [{"subject": 0, "predicate": "next to", "object": 1}],
            "facts": [["cat", "is", "<i>black</i>"], ["cat", "next to", "dog"]]}


NEGATIVE = {"caption_id": "c0", "negative": "a <b>dog</b> & a dog", "type": "replace-obj", "before": "cat",
            "after": "dog", "start": 5, "end": 8, "verified": True, "found_type": "replace-obj"}


def page(tmp_path: Path) -> str:
    Image.new("RGB", (16, 16), (200, 30, 30)).save(tmp_path / "img.png")
    image = {"image_id": "img", "path": "img.png", "width": 16, "height": 16,
             "true_objects": [{"box": [2.0, 2.0, 10.0, 10.0], "color": "red", "shape": "square"}]}
    labels = {"image_id": "img", "entities": [{"phrase": "<u>cat</u>", "captions": 1}], "attributes": [], "triples": []}
    return report.build_report([graph("c0", MARKUP)], [image], [labels], [NEGATIVE], tmp_path, ["img"])


def test_text_from_data_is_escaped_and_the_page_is_self_contained(tmp_path: Path) -> None:
    html = page(tmp_path)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<b>cat</b>" not in html and "<i>black</i>" not in html and "<u>cat</u>" not in html
    assert "data:image/png;base64," in html and "http://" not in html and "https://" not in html
    assert "<mark>dog</mark>" in html  # the edited words of the negative are highlighted


def test_terminal_view() -> None:
    text = report.terminal_view(graph("c0", "a cat next to two dogs"), [NEGATIVE])
    assert "[0] --next to--> [1]" in text and "replace-obj" in text and "count 2" in text


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_the_page_renders_in_headless_chromium_with_markup_shown_as_text(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(page(tmp_path), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert "sgmatch inspect" in dom
    # the caption's markup arrives as text, not as elements
    assert "&lt;script&gt;alert('x')&lt;/script&gt; a &lt;b&gt;cat&lt;/b&gt;" in dom
    assert "<b>cat</b>" not in dom and "<script>alert" not in dom
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=900,700", path.as_uri()],
                   capture_output=True, timeout=120, check=True)
    with Image.open(shot) as img:
        assert img.size == (900, 700)
        colors = img.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colors is not None and len(colors) > 10  # something was drawn, not a blank page
