"""Readers of the caption dataset formats the field uses, into plain rows.

Every reader returns :class:`SourceRows`: image rows and caption rows as dicts with the
columns of the ``images`` and ``captions`` artifacts (less the synthetic-world truth).
Readers never raise on a bad row: they record the problem in the row's ``error`` as
``"field: problem"`` and keep going; :func:`check_rows` adds the cross-row checks
(duplicate ids, paths that leave the image root) and applies the stage's error policy.
A file that cannot be read at all (missing, not JSON) raises :class:`InputError`.

Formats:

- ``karpathy``: ``dataset_flickr30k.json`` / ``dataset_coco.json`` (Karpathy splits).
- ``precomp``: the SCAN layout, ``{split}_caps.txt`` one caption a line and
  ``{split}_ids.txt`` (one id per caption, or one per image), optional ``id_mapping.json``
  (id to image path), in one directory.
- ``flickr_token``: ``IMAGE.jpg#N<TAB>caption`` lines (Flickr8k/Flickr30K token files),
  with optional image lists per split.
- ``coco_json``: MSCOCO ``captions_*.json`` (``images`` and ``annotations``).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError

FORMATS = ("karpathy", "precomp", "flickr_token", "coco_json")


@dataclass
class SourceRows:
    images: list[dict[str, Any]] = field(default_factory=list)
    captions: list[dict[str, Any]] = field(default_factory=list)


def _image(image_id: str, split: str, path: str | None, source: str, error: str | None = None,
           width: int | None = None, height: int | None = None) -> dict[str, Any]:
    return {"image_id": image_id, "split": split, "path": path, "width": width,
            "height": height, "source": source, "error": error}


def _caption(caption_id: str, image_id: str, split: str, sent_index: int, caption: str | None,
             source: str, error: str | None = None) -> dict[str, Any]:
    if error is None and (caption is None or not caption.strip()):
        error = "caption: empty caption"
    text = caption.strip() if caption else caption
    return {"caption_id": caption_id, "image_id": image_id, "split": split,
            "sent_index": sent_index, "caption": text, "source": source, "error": error}


def _read_text_lines(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8", newline=None) as fh:
            return fh.read().splitlines()
    except FileNotFoundError:
        raise InputError(str(path), "", "file not found") from None
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise InputError(str(path), "", "file not found") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}", "", f"not valid JSON: {exc.msg}") from None


def read_karpathy(path: Path) -> SourceRows:
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("images"), list):
        raise InputError(str(path), "images", "expected an object with an 'images' list")
    rows = SourceRows()
    for idx, img in enumerate(data["images"]):
        where = f"{path}:images[{idx}]"
        if not isinstance(img, dict) or not isinstance(img.get("filename"), str):
            rows.images.append(_image(f"{path.name}:{idx}", "", None, where, "filename: missing"))
            continue
        image_id = str(img["cocoid"]) if "cocoid" in img else Path(img["filename"]).stem
        split = str(img.get("split", ""))
        rel = posixpath.join(img.get("filepath", "") or "", img["filename"])
        rows.images.append(_image(image_id, split, rel, where))
        sentences = img.get("sentences")
        if not isinstance(sentences, list):
            rows.images[-1]["error"] = "sentences: missing or not a list"
            continue
        for k, sent in enumerate(sentences):
            text = None
            if isinstance(sent, dict):
                text = sent.get("raw") or " ".join(sent.get("tokens") or [])
            rows.captions.append(
                _caption(f"{image_id}#{k}", image_id, split, k, text, f"{where}.sentences[{k}]")
            )
    return rows


def read_precomp(directory: Path, split: str, captions_per_image: int) -> SourceRows:
    caps_path = directory / f"{split}_caps.txt"
    ids_path = directory / f"{split}_ids.txt"
    caps = _read_text_lines(caps_path)
    ids: list[str] | None = None
    if ids_path.exists():
        ids = [line.strip() for line in _read_text_lines(ids_path)]
    mapping: Mapping[str, Any] = {}
    if (directory / "id_mapping.json").exists():
        mapping = _read_json(directory / "id_mapping.json")
    if ids is None:
        image_of = [str(i // captions_per_image) for i in range(len(caps))]
    elif len(ids) == len(caps):
        image_of = ids
    elif len(ids) * captions_per_image == len(caps):
        image_of = [ids[i // captions_per_image] for i in range(len(caps))]
    else:
        raise InputError(
            str(ids_path), "",
            f"{len(ids)} ids for {len(caps)} captions: expected one id per caption or one "
            f"per {captions_per_image} captions",
        )
    rows = SourceRows()
    seen: dict[str, int] = {}
    for line_no, (text, image_id) in enumerate(zip(caps, image_of, strict=True), start=1):
        where = f"{caps_path}:{line_no}"
        if image_id not in seen:
            seen[image_id] = 0
            ids_where = f"{ids_path}:{line_no}" if ids is not None else where
            error = None if image_id else "image_id: empty id"
            path = mapping.get(image_id)
            rows.images.append(_image(image_id, split, str(path) if path else None, ids_where, error))
        k = seen[image_id]
        seen[image_id] += 1
        rows.captions.append(_caption(f"{image_id}#{k}", image_id, split, k, text, where))
    return rows


def read_flickr_token(path: Path, split: str, split_lists: Mapping[str, Path]) -> SourceRows:
    split_of: dict[str, str] = {}
    for name, list_path in split_lists.items():
        for line in _read_text_lines(list_path):
            if line.strip():
                split_of[line.strip()] = name
    rows = SourceRows()
    images: dict[str, dict[str, Any]] = {}
    for line_no, line in enumerate(_read_text_lines(path), start=1):
        where = f"{path}:{line_no}"
        if not line.strip():
            continue  # blank lines carry nothing; not a row
        key, tab, text = line.partition("\t")
        name, hash_, num = key.strip().rpartition("#")
        if not tab or not hash_ or not num.isdigit() or not name:
            rows.captions.append(_caption(f"line:{line_no}", "", "", -1, None, where,
                                          "caption_id: expected IMAGE#N<TAB>caption"))
            continue
        image_id = name.rsplit(".", 1)[0]
        img_split = split_of.get(name, split if not split_lists else "unlisted")
        if image_id not in images:
            images[image_id] = _image(image_id, img_split, name, where)
            rows.images.append(images[image_id])
        rows.captions.append(_caption(f"{image_id}#{num}", image_id, img_split, int(num), text, where))
    return rows


def read_coco_json(path: Path, split: str) -> SourceRows:
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise InputError(str(path), "annotations", "expected an object with an 'annotations' list")
    rows = SourceRows()
    known: set[str] = set()
    for idx, img in enumerate(data.get("images") or []):
        where = f"{path}:images[{idx}]"
        if not isinstance(img, dict) or "id" not in img:
            rows.images.append(_image(f"{path.name}:{idx}", split, None, where, "id: missing"))
            continue
        image_id = str(img["id"])
        known.add(image_id)
        rows.images.append(_image(image_id, split, img.get("file_name"), where,
                                  width=img.get("width"), height=img.get("height")))
    per_image: dict[str, int] = {}
    for idx, ann in enumerate(data["annotations"]):
        where = f"{path}:annotations[{idx}]"
        if not isinstance(ann, dict) or "image_id" not in ann or "id" not in ann:
            rows.captions.append(_caption(f"{path.name}:annotations[{idx}]", "", split, -1, None,
                                          where, "image_id: missing image_id or id"))
            continue
        image_id = str(ann["image_id"])
        k = per_image.get(image_id, 0)
        per_image[image_id] = k + 1
        error = None if image_id in known else f"image_id: no image {image_id} in 'images'"
        rows.captions.append(_caption(str(ann["id"]), image_id, split, k, ann.get("caption"),
                                      where, error))
    return rows


def _path_error(path: str) -> str | None:
    """Why ``path`` cannot be used below an image root, or None when it can."""
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        return "path: absolute path; paths must be relative to the image root"
    norm = posixpath.normpath(path.replace("\\", "/"))
    if norm == ".." or norm.startswith("../"):
        return f"path: {path!r} leaves the image root"
    return None


def check_rows(rows: SourceRows) -> SourceRows:
    """Record cross-row problems: duplicate ids and image paths that leave the image root."""
    first_image: dict[str, str] = {}
    for row in rows.images:
        if row["error"] is None and row["path"] is not None:
            row["error"] = _path_error(row["path"])
        if row["image_id"] in first_image and row["error"] is None:
            row["error"] = f"image_id: duplicate of the image at {first_image[row['image_id']]}"
        first_image.setdefault(row["image_id"], row["source"])
    first_caption: dict[str, str] = {}
    for row in rows.captions:
        if row["caption_id"] in first_caption and row["error"] is None:
            row["error"] = f"caption_id: duplicate of the caption at {first_caption[row['caption_id']]}"
        first_caption.setdefault(row["caption_id"], row["source"])
    return rows


def first_error(rows: SourceRows) -> InputError | None:
    """The first recorded problem as an InputError (for the ``fail`` policy)."""
    for row in [*rows.images, *rows.captions]:
        if row["error"]:
            field_name, _, problem = row["error"].partition(": ")
            return InputError(row["source"], field_name, problem)
    return None
