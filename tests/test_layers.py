"""The packages' layers: each imports only from the layers below it, and no stage imports a stage.

    pipeline                      errors, params, schemas, artifacts, parallel, logs, stage declarations
    text, vision, graph_models    domain libraries, each on pipeline alone
    stages                        one thin module per stage, on the libraries
    sgmatch (the CLI), benchmarks on everything
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import dvc_deps

MAY_IMPORT = {
    "pipeline": {"pipeline"},
    "text": {"pipeline", "text"},
    "vision": {"pipeline", "vision"},
    "graph_models": {"pipeline", "graph_models"},
    "stages": {"pipeline", "text", "vision", "graph_models", "stages"},
    "sgmatch": set(dvc_deps.PACKAGES),
}


def modules(root: Path, package: str) -> list[str]:
    return sorted(".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
                  for p in (root / package).rglob("*.py") if "__pycache__" not in p.parts)


def layer_problems(root: Path) -> list[str]:
    problems = []
    for package, allowed in MAY_IMPORT.items():
        for module in modules(root, package):
            for imported in sorted(dvc_deps.module_imports(root, module)):
                top = imported.split(".")[0]
                if top not in allowed:
                    problems.append(f"{module} imports {imported}: {package} may import only {sorted(allowed)}")
                elif package == "stages" == top and imported != "stages" and module != "stages":
                    problems.append(f"{module} imports {imported}: a stage never imports another stage")
    return problems


def test_every_package_imports_only_from_the_layers_below_it(repo_root: Path) -> None:
    problems = layer_problems(repo_root)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("module", "line", "words"), [
    ("pipeline/schemas.py", "from text.scene_graph.graph import TextSceneGraph", "pipeline may import only"),
    ("graph_models/metrics.py", "from vision.regions import geometry", "graph_models may import only"),
    ("text/phrases.py", "import graph_models.metrics", "text may import only"),
    ("vision/world.py", "from text import formats", "vision may import only"),
    ("stages/train.py", "from stages.extract_labels import LabelParams", "a stage never imports another stage"),
])
def test_an_import_against_the_layers_is_named(tmp_path: Path, repo_root: Path, module: str, line: str,
                                               words: str) -> None:
    for package in MAY_IMPORT:
        for path in (repo_root / package).rglob("*.py"):
            if "__pycache__" not in path.parts:
                target = tmp_path / path.relative_to(repo_root)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(path.read_text())
    path = tmp_path / module
    path.write_text(path.read_text() + f"\n\ndef _late() -> None:\n    {line}  # noqa: F401\n")
    problems = layer_problems(tmp_path)
    assert problems and all(p.startswith(module.removesuffix(".py").replace("/", ".")) and words in p
                            for p in problems)
