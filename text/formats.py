"""Readers of the caption dataset formats the field uses, into plain rows.

Every reader returns :class:`SourceRows`: image rows and caption rows as dicts with the
columns of the ``images`` and ``captions`` artifacts (less the synthetic-world truth).
Readers never raise on a bad row: they record the problem in the row's ``error`` as
``"field: problem"`` and keep going (a caption that is a number, an id that is a list, an
empty caption or one of no words); :func:`check_rows` adds the checks of single fields
(lone surrogates, control characters in ids and paths) and across rows (duplicate ids,
paths that leave the image root). Captions are normalised as they are read
(:func:`pipeline.text.normalize_caption`), and line formats hold one record per
``\n``-terminated line (:func:`pipeline.text.split_lines`). A file that cannot be read at
all (missing, not UTF-8, not JSON, of the wrong shape) raises :class:`InputError`.

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
from pipeline.images import path_problem
from pipeline.text import (
    caption_problem,
    control_character,
    lone_surrogate,
    normalize_caption,
    read_lines,
    read_text,
    without_surrogates,
)

FORMATS = ("karpathy", "precomp", "flickr_token", "coco_json")


@dataclass
class SourceRows:
    images: list[dict[str, Any]] = field(default_factory=list)
    captions: list[dict[str, Any]] = field(default_factory=list)


def _image(image_id: str, split: str, path: str | None, source: str, error: str | None = None,
           width: int | None = None, height: int | None = None) -> dict[str, Any]:
    return {"image_id": image_id, "split": split, "path": path, "width": width,
            "height": height, "source": source, "error": error}


def _caption(caption_id: str, image_id: str, split: str, sent_index: int, caption: object,
             source: str, error: str | None = None) -> dict[str, Any]:
    """A caption row, its text normalised (:func:`pipeline.text.normalize_caption`) and checked."""
    text: str | None = None
    if caption is None:
        problem: str | None = "empty caption"
    elif not isinstance(caption, str):
        problem = f"expected a string, found {_kind(caption)}"
    else:
        surrogate = lone_surrogate(caption)
        text = normalize_caption(caption)
        problem = f"not valid Unicode (lone surrogate {surrogate})" if surrogate else caption_problem(text)
    if error is None and problem is not None:
        error = f"caption: {problem}"
    return {"caption_id": caption_id, "image_id": image_id, "split": split,
            "sent_index": sent_index, "caption": text, "source": source, "error": error}


def _kind(value: object) -> str:
    """What a JSON value is, in JSON's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def _id(value: object) -> str | None:
    """An id as a string; JSON ids are numbers or strings, nothing else."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _read_json(path: Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}", "", f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(str(path), "", "not readable JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise InputError(str(path), "", f"not readable JSON: {exc}") from None


def read_karpathy(path: Path) -> SourceRows:
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("images"), list):
        found = _kind(data.get("images")) if isinstance(data, dict) else _kind(data)
        raise InputError(str(path), "images", f"expected an object with an 'images' list, found {found}")
    rows = SourceRows()
    for idx, img in enumerate(data["images"]):
        where = f"{path}:images[{idx}]"
        fallback_id = f"{path.name}:{idx}"
        if not isinstance(img, dict):
            rows.images.append(_image(fallback_id, "", None, where, f"filename: the image is {_kind(img)}, "
                                                                      "expected an object"))
            continue
        problem = _karpathy_image_problem(img)
        if problem is not None:
            rows.images.append(_image(fallback_id, "", None, where, problem))
            continue
        image_id = (_id(img["cocoid"]) if "cocoid" in img else Path(img["filename"]).stem) or fallback_id
        split = img.get("split") or ""
        rel = posixpath.join(img.get("filepath") or "", img["filename"])
        rows.images.append(_image(image_id, split, rel, where))
        sentences = img.get("sentences")
        if not isinstance(sentences, list):
            rows.images[-1]["error"] = f"sentences: expected a list, found {_kind(sentences)}"
            continue
        for k, sent in enumerate(sentences):
            text, error = _sentence_text(sent)
            rows.captions.append(
                _caption(f"{image_id}#{k}", image_id, split, k, text, f"{where}.sentences[{k}]", error)
            )
    return rows


def _karpathy_image_problem(img: dict[str, Any]) -> str | None:
    if not isinstance(img.get("filename"), str):
        return f"filename: expected a string, found {_kind(img.get('filename'))}"
    for key in ("filepath", "split"):
        if img.get(key) is not None and not isinstance(img[key], str):
            return f"{key}: expected a string, found {_kind(img[key])}"
    if "cocoid" in img and _id(img["cocoid"]) is None:
        return f"cocoid: expected a number or a string, found {_kind(img['cocoid'])}"
    return None


def _sentence_text(sent: object) -> tuple[object, str | None]:
    """A Karpathy sentence's text (``raw``, else its ``tokens`` joined; a non-string is passed on,
    to be refused), or the error of a sentence that is no object."""
    if not isinstance(sent, dict):
        return None, f"caption: the sentence is {_kind(sent)}, expected an object with 'raw' or 'tokens'"
    raw = sent.get("raw")
    if raw:
        return raw, None
    tokens = sent.get("tokens")
    if isinstance(tokens, list) and all(isinstance(t, str) for t in tokens):
        return " ".join(tokens), None
    return (tokens if tokens is not None else raw), None


def read_precomp(directory: Path, split: str, captions_per_image: int) -> SourceRows:
    caps_path = directory / f"{split}_caps.txt"
    ids_path = directory / f"{split}_ids.txt"
    caps = read_lines(caps_path)
    ids: list[str] | None = None
    if ids_path.exists():
        ids = [line.strip() for line in read_lines(ids_path)]
    mapping: Mapping[str, Any] = {}
    mapping_path = directory / "id_mapping.json"
    if mapping_path.exists():
        mapping = _read_json(mapping_path)
        if not isinstance(mapping, dict):
            raise InputError(str(mapping_path), "", f"expected an object of id to path, found {_kind(mapping)}")
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
            path = mapping.get(image_id)
            error = None if image_id else "image_id: empty id"
            if error is None and path is not None and not isinstance(path, str):
                error, path = f"path: {mapping_path} maps it to {_kind(path)}, expected a string", None
            rows.images.append(_image(image_id, split, path or None, ids_where, error))
        k = seen[image_id]
        seen[image_id] += 1
        rows.captions.append(_caption(f"{image_id}#{k}", image_id, split, k, text, where))
    return rows


def read_flickr_token(path: Path, split: str, split_lists: Mapping[str, Path]) -> SourceRows:
    split_of: dict[str, str] = {}
    for name, list_path in split_lists.items():
        for line in read_lines(list_path):
            if line.strip():
                split_of[line.strip()] = name
    rows = SourceRows()
    images: dict[str, dict[str, Any]] = {}
    for line_no, line in enumerate(read_lines(path), start=1):
        where = f"{path}:{line_no}"
        if not line.strip():
            continue  # blank lines carry nothing; not a row
        key, tab, text = line.partition("\t")
        name, hash_, num = key.strip().rpartition("#")
        if not tab or not hash_ or not (num.isascii() and num.isdigit() and len(num) < 10) or not name:
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
        found = _kind(data.get("annotations")) if isinstance(data, dict) else _kind(data)
        raise InputError(str(path), "annotations", f"expected an object with an 'annotations' list, found {found}")
    images = data.get("images")
    if images is not None and not isinstance(images, list):
        raise InputError(str(path), "images", f"expected a list, found {_kind(images)}")
    rows = SourceRows()
    known: set[str] = set()
    for idx, img in enumerate(images or []):
        where = f"{path}:images[{idx}]"
        fallback_id = f"{path.name}:{idx}"
        if not isinstance(img, dict) or _id(img.get("id")) is None:
            found = _kind(img.get("id")) if isinstance(img, dict) else f"an image that is {_kind(img)}"
            rows.images.append(_image(fallback_id, split, None, where, f"id: expected a number or a string, "
                                                                       f"found {found}"))
            continue
        image_id = _id(img["id"])
        assert image_id is not None
        known.add(image_id)
        problem = _coco_image_problem(img)
        if problem is not None:
            rows.images.append(_image(image_id, split, None, where, problem))
        else:
            rows.images.append(_image(image_id, split, img.get("file_name"), where, width=img.get("width"),
                                      height=img.get("height")))
    per_image: dict[str, int] = {}
    for idx, ann in enumerate(data["annotations"]):
        where = f"{path}:annotations[{idx}]"
        image_id, caption_id = (_id(ann.get("image_id")), _id(ann.get("id"))) if isinstance(ann, dict) else (None, None)
        if image_id is None or caption_id is None:
            rows.captions.append(_caption(f"{path.name}:annotations[{idx}]", "", split, -1, None,
                                          where, "image_id: missing image_id or id (a number or a string)"))
            continue
        k = per_image.get(image_id, 0)
        per_image[image_id] = k + 1
        error = None if image_id in known else f"image_id: no image {image_id} in 'images'"
        rows.captions.append(_caption(caption_id, image_id, split, k, ann.get("caption"), where, error))
    return rows


def _coco_image_problem(img: dict[str, Any]) -> str | None:
    if img.get("file_name") is not None and not isinstance(img["file_name"], str):
        return f"file_name: expected a string, found {_kind(img['file_name'])}"
    for key in ("width", "height"):
        value = img.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31):
            return f"{key}: expected a positive integer, found {_kind(value)}"
    return None


# Fields that name things (a control character in one is damage, not data) and may be printed.
_NAME_FIELDS = ("image_id", "caption_id", "split")


def _field_problem(row: dict[str, Any]) -> str | None:
    """Make every string of ``row`` storable (lone surrogates replaced) and say what was wrong with it."""
    problem = None
    for key, value in row.items():
        surrogate = lone_surrogate(value) if isinstance(value, str) and key != "caption" else None
        if surrogate is not None:
            # source is the input's own path (a file name that is not UTF-8): mended, not the row's fault
            if problem is None and key != "source":
                problem = f"{key}: not valid Unicode (lone surrogate {surrogate})"
            row[key] = without_surrogates(value)
    for key in _NAME_FIELDS:
        control = control_character(row[key]) if isinstance(row.get(key), str) else None
        if problem is None and control is not None:
            problem = f"{key}: control character {control}"
    return problem


def check_rows(rows: SourceRows) -> SourceRows:
    """Record problems of single fields (unstorable text, control characters in names) and cross-row
    ones: duplicate ids and image paths that leave the image root."""
    first_image: dict[str, str] = {}
    for row in rows.images:
        problem = _field_problem(row)
        if row["error"] is None:
            row["error"] = problem
        if row["error"] is None and row["path"] is not None:
            row["error"] = path_problem(row["path"])
        if row["image_id"] in first_image and row["error"] is None:
            row["error"] = f"image_id: duplicate of the image at {first_image[row['image_id']]}"
        first_image.setdefault(row["image_id"], row["source"])
    first_caption: dict[str, str] = {}
    for row in rows.captions:
        problem = _field_problem(row)
        if row["error"] is None:
            row["error"] = problem
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
