"""The inspection report: self-contained, escaped, and rendered by a real browser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from sgmatch import report

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


SECRET = b"\x89PNG\r\n\x1a\n" + b"root:x:0:0 the secret outside the root"  # would be embedded if opened


def test_inspect_never_embeds_a_file_outside_the_image_root(tmp_path: Path) -> None:
    import base64
    import json

    import yaml

    from pipeline.artifacts import write_artifact
    from pipeline.schemas import TEXT_GRAPHS
    from sgmatch import cli
    from stages import ingest

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.png").write_bytes(SECRET)
    root = tmp_path / "root"
    root.mkdir()
    Image.new("RGB", (16, 16), (0, 90, 200)).save(root / "ok.png")
    (root / "link.png").symlink_to(outside / "passwd.png")
    names = ["ok.png", "../outside/passwd.png", "link.png", str(outside / "passwd.png"), "gone.png"]
    (tmp_path / "k.json").write_text(json.dumps({"images": [
        {"filename": n, "cocoid": k, "split": "test", "sentences": [{"raw": f"picture {k}"}]}
        for k, n in enumerate(names)]}))
    section = {"format": "karpathy", "split": "test", "on_error": "record", "captions_per_image": 5,
               "partition_rows": 100, "world": {"seed": 0, "num_images": 1, "image_size": 32, "min_shapes": 1,
                                                "max_shapes": 1, "captions_per_image": 1, "test_images": 0,
                                                "val_images": 0, "images_per_partition": 1,
                                                "max_mentions": 0, "always_size": False,
                                                "heldout_pairs": 0}}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump({"ingest": section}))
    assert ingest.main(["--params", str(tmp_path / "p.yaml"), "--input", str(tmp_path / "k.json"), "--out-captions",
                        str(tmp_path / "captions"), "--out-images", str(tmp_path / "images"), "--workers", "0"]) == 0
    n = len(names)
    graphs = {"caption_id": [f"{k}#0" for k in range(n)], "image_id": [str(k) for k in range(n)], "split": ["test"] * n,
              "caption": [f"picture {k}" for k in range(n)], "tokens": [[]] * n, "offsets": [[]] * n,
              "objects": [[]] * n, "relations": [[]] * n, "facts": [[]] * n, "backend": ["spacy"] * n,
              "backend_version": ["x"] * n, "error": [None] * n}
    write_artifact(tmp_path / "tg", TEXT_GRAPHS, [TEXT_GRAPHS.table(graphs)])
    out = tmp_path / "report.html"
    assert cli.main(["inspect", "--text-graphs", str(tmp_path / "tg"), "--images", str(tmp_path / "images"),
                     "--image-root", str(root), "--sample", "10", "--out", str(out)]) == 0
    page = out.read_text()
    assert base64.b64encode(SECRET).decode()[:24] not in page and "root:x:0:0" not in page
    assert str(outside) not in page.replace(html_escape(str(outside / "passwd.png")), "")  # named only as given
    assert page.count("data:image/png;base64,") == 1  # ok.png only
    assert "picture not shown: path: &#x27;../outside/passwd.png&#x27; leaves the image root" in page
    assert "picture not shown: path: &#x27;link.png&#x27; leads outside the image root" in page
    assert "picture not shown: path: absolute path" in page
    assert "picture not shown: image: missing file &#x27;gone.png&#x27;" in page


def html_escape(text: str) -> str:
    import html

    return html.escape(text)


def test_long_texts_are_shortened_on_the_page_and_invisible_characters_shown(tmp_path: Path) -> None:
    long = "a dog " * 8000  # 48,000 characters
    g = graph("c0", long)
    g["objects"] = g["objects"] * 40  # 80 objects
    negative = {**NEGATIVE, "negative": long[:-1] + " cat", "start": len(long), "after": "cat"}
    html_page = report.build_report([g, graph("c1", "a \u202edog\u202c\u200b with a \x1b[2Jcat")], [], [],
                                    [negative], None, ["img"])
    assert len(html_page) < 20_000
    assert "47,700 more characters" in html_page  # 300 shown of the 48,000 (the data is not touched)
    assert "<mark>cat</mark>" in html_page  # the edit at the end of a long negative stays in sight
    assert "(+68 more objects not drawn)" in html_page
    assert "a \\u202edog\\u202c\\u200b with a \\x1b[2Jcat" in html_page and "\u202e" not in html_page
    text = report.terminal_view(graph("c1", "a \x1b[2J\u202ecat"), [])
    assert "\x1b" not in text and "\\x1b[2J\\u202ecat" in text
