"""Which of the project's files a stage runs: its module's imports, followed transitively.

DVC re-runs a stage when one of its ``deps`` changes, so the deps of a stage must name every
file of the project that its ``python -m MODULE`` imports, directly or through other
modules, and the data files those modules read beside themselves; and nothing it does not
import, which would re-run it for nothing. :func:`module_files` finds those files by reading
the code with :mod:`ast` (nothing is imported or run); :func:`check_stage_deps` compares them
with each stage's ``deps`` in ``dvc.yaml`` (the test suite runs it).

Every ``import`` counts, wherever it is (a function that imports a backend lazily still
runs it), and so does the ``__init__.py`` of every package on the way. A module that reads a
file beside itself must name it as ``Path(__file__).with_name("NAME")`` or
``Path(__file__).parent / "NAME"``, the two forms this reader follows; any other use of
``__file__`` is refused, so a data file cannot hide from the check.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

PACKAGES = ("pipeline", "text", "vision", "graph_models", "stages", "sgmatch")  # the project's own packages


def module_path(root: Path, module: str) -> Path | None:
    """The file of ``module`` below ``root`` (``a/b.py`` or ``a/b/__init__.py``), or None."""
    base = root.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _packages_of(module: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: importing a module runs every package above it."""
    parts = module.split(".")
    return [".".join(parts[:k]) for k in range(1, len(parts) + 1)]


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module name ``tree`` imports (candidates: some may be names inside a module)."""
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] in PACKAGES}


def _beside(node: ast.AST) -> bool:
    """``Path(__file__)`` (or ``pathlib.Path(__file__)``)."""
    return (isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "__file__")


def _data_files(tree: ast.AST, path: Path) -> set[Path]:
    """The files ``path``'s code names beside itself; refuses a use of ``__file__`` it cannot follow."""
    found: set[Path] = set()
    followed: set[int] = set()
    for node in ast.walk(tree):
        # Path(__file__).with_name("NAME")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "with_name"
                and _beside(node.func.value) and node.args and isinstance(node.args[0], ast.Constant)):
            found.add(path.with_name(str(node.args[0].value)))
            followed.add(id(node.func.value.args[0]))  # type: ignore[attr-defined]
        # Path(__file__).parent / "NAME"
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.left, ast.Attribute)
              and node.left.attr == "parent" and _beside(node.left.value) and isinstance(node.right, ast.Constant)):
            found.add(path.parent / str(node.right.value))
            followed.add(id(node.left.value.args[0]))  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "__file__" and id(node) not in followed:
            raise ValueError(f"{path}:{node.lineno}: uses __file__ in a way dvc_deps cannot follow; name a data "
                             "file as Path(__file__).with_name('NAME')")
    return found


def module_imports(root: Path, module: str) -> set[str]:
    """The project modules that ``module`` imports itself (not transitively; names inside a module
    resolved to the module), for the layering check of the test suite."""
    path = module_path(Path(root), module)
    if path is None:
        raise ValueError(f"no module {module} below {root}")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = set()
    for name in _imports(tree, module, path.name == "__init__.py"):
        while name and module_path(Path(root), name) is None:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.add(name)
    return out


def module_files(root: Path, module: str) -> set[str]:
    """The project files (POSIX paths relative to ``root``) that ``python -m module`` runs or reads:
    the modules it imports transitively, their packages' ``__init__.py`` and their data files."""
    root = Path(root)
    seen: set[str] = set()
    files: set[Path] = set()
    pending = _packages_of(module)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_path(root, name)
        if path is None:  # a name inside a module (``from pipeline.params import Range``)
            continue
        files.add(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        files.update(_data_files(tree, path))
        for imported in _imports(tree, name, path.name == "__init__.py"):
            pending.extend(_packages_of(imported))
    return {PurePosixPath(p.relative_to(root)).as_posix() for p in files}


def stage_modules(dvc_yaml: Mapping[str, Any]) -> dict[str, str]:
    """Each stage of a parsed ``dvc.yaml`` and the module its ``python -m`` command runs."""
    out = {}
    for name, stage in dvc_yaml.get("stages", {}).items():
        body = stage.get("do", stage)  # foreach stages keep their command under do
        words = str(body.get("cmd", "")).split()
        if "-m" in words[:-1]:
            out[name] = words[words.index("-m") + 1]
    return out


def stage_deps(dvc_yaml: Mapping[str, Any], stage: str) -> list[str]:
    body = dvc_yaml["stages"][stage]
    return [str(d) for d in body.get("do", body).get("deps", [])]


def _under(path: str, dep: str) -> bool:
    return path == dep or path.startswith(dep.rstrip("/") + "/")


def compare(needed: Iterable[str], deps: Iterable[str], root: Path) -> tuple[list[str], list[str]]:
    """(files ``needed`` that no dep covers, project files the deps cover that are not needed).

    A dep may be a file or a directory (which covers every file below it); only deps inside
    the project's packages are judged unneeded, data deps are not this module's business.
    """
    needed, deps = set(needed), list(deps)
    missing = sorted(f for f in needed if not any(_under(f, d) for d in deps))
    unneeded = []
    for dep in deps:
        if dep.split("/")[0] not in PACKAGES:
            continue
        path = Path(root) / dep
        covered = ([PurePosixPath(p.relative_to(root)).as_posix() for p in path.rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts] if path.is_dir() else [dep])
        unneeded += sorted(f for f in covered if f not in needed)
    return missing, unneeded


def check_stage_deps(root: Path) -> list[str]:
    """One line per stage of ``root/dvc.yaml`` whose code deps are not exactly what it imports."""
    dvc_yaml = yaml.safe_load((Path(root) / "dvc.yaml").read_text(encoding="utf-8"))
    problems = []
    for stage, module in stage_modules(dvc_yaml).items():
        missing, unneeded = compare(module_files(root, module), stage_deps(dvc_yaml, stage), root)
        if missing:
            problems.append(f"dvc.yaml stage {stage} ({module}) misses deps it imports: {', '.join(missing)}")
        if unneeded:
            problems.append(f"dvc.yaml stage {stage} ({module}) depends on files it does not import: "
                            f"{', '.join(unneeded)}")
    return problems


def suggested_deps(root: Path, module: str) -> list[str]:
    """The code deps of ``module`` as ``dvc.yaml`` would list them: a package directory when the
    module needs every file in it (and the directory is not a top-level package), else files."""
    root = Path(root)
    needed = module_files(root, module)
    out: set[str] = set()
    for f in needed:
        parent = PurePosixPath(f).parent
        directory = root / parent
        whole = len(parent.parts) > 1 or parent.name not in ("pipeline", "stages")
        files = [PurePosixPath(p.relative_to(root)).as_posix() for p in directory.rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts]
        out.add(parent.as_posix() if whole and all(g in needed for g in files) else f)
    return sorted(d for d in out if not any(d != o and _under(d, o) for o in out))  # "vision" covers "vision/x"


def main() -> int:
    """Print each stage's code deps (``python -m pipeline.dvc_deps``), to paste into ``dvc.yaml``."""
    dvc_yaml = yaml.safe_load(Path("dvc.yaml").read_text(encoding="utf-8"))
    for stage, module in stage_modules(dvc_yaml).items():
        print(f"{stage}:")
        for dep in suggested_deps(Path("."), module):
            print(f"  - {dep}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
