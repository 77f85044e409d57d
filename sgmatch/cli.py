"""The ``sgmatch`` command: run stages without DVC and look at artifacts."""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import yaml

import stages
from pipeline import __version__
from pipeline.artifacts import PART_GLOB, open_parquet, read_row_group
from pipeline.errors import InputError
from pipeline.schemas import ALL, NAME_KEY, VERSION_KEY
from pipeline.text import caption_problem, decode_text, normalize_caption, read_text, split_lines


def cmd_stage(argv: Sequence[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: sgmatch stage NAME [options]   (sgmatch stage NAME --help for its options)")
        print("stages:")
        for name in stages.NAMES:
            print(f"  {name:<20} {stages.spec(name).summary}")
        return 0 if argv else 2
    name, rest = argv[0], list(argv[1:])
    if name not in stages.NAMES:
        print(f"sgmatch: unknown stage {name!r}; stages are: {', '.join(stages.NAMES)}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"stages.{name}")
    return int(module.main(rest))


def _describe_artifact(directory: Path) -> str | None:
    parts = sorted(directory.glob(PART_GLOB))
    if not parts:
        return None
    files = [open_parquet(p) for p in parts]
    meta = files[0].schema_arrow.metadata or {}
    rows = sum(f.metadata.num_rows for f in files)
    size = sum(p.stat().st_size for p in parts)
    name = meta.get(NAME_KEY, b"?").decode(errors="replace")
    version = meta.get(VERSION_KEY, b"?").decode(errors="replace")
    return f"{directory}  {name} v{version}: {rows:,} rows in {len(parts)} parts, {size / 1e6:.1f} MB"


def _read_metrics(path: Path) -> str:
    try:
        return json.dumps(json.loads(read_text(path)), sort_keys=True)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}", "", f"not valid JSON: {exc.msg}") from None


def cmd_summary(args: argparse.Namespace) -> int:
    """What the pipeline wrote: each artifact with its rows, each metrics file.

    An unreadable part or metrics file is reported on stderr and the listing goes on; the
    exit status is then 2.
    """
    if not args.dirs:
        args.dirs = sorted({Path(p.parts[0]) for p in workspace_paths().values()})
    bad = 0

    def line(describe: Callable[[], str | None]) -> None:
        nonlocal bad
        try:
            text = describe()
        except InputError as exc:
            bad += 1
            print(f"sgmatch: {exc}", file=sys.stderr)
            return
        if text:
            print(text)

    for root in args.dirs:
        if not root.exists():
            continue
        if root.is_file() and root.suffix == ".json":
            line(lambda root=root: f"{root}: {_read_metrics(root)}")
            continue
        for d in sorted(p for p in [root, *root.rglob("*")] if p.is_dir() and not p.name.startswith(".")):
            if any(d.glob(PART_GLOB)):
                line(lambda d=d: _describe_artifact(d))
            elif d != root and any(d.glob("*.png")):
                print(f"{d}  {sum(1 for _ in d.glob('*.png')):,} PNG images")
        for m in sorted(root.rglob("*.json")) if root.is_dir() else []:
            line(lambda m=m: f"{m}: {_read_metrics(m)}")
    return 2 if bad else 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print the first rows of an artifact as JSON lines."""
    parts = sorted(args.artifact.glob(PART_GLOB))
    if not parts:
        raise InputError(str(args.artifact), "", "not an artifact directory (no part files)")
    shown = 0
    for p in parts:
        pf = open_parquet(p)
        for group in range(pf.num_row_groups):
            for row in read_row_group(pf, p, group).slice(0, max(args.limit - shown, 0)).to_pylist():
                print(json.dumps(row, default=str, ensure_ascii=False))
                shown += 1
            if shown >= args.limit:
                return 0
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    """Captions (one per line) to JSON lines with objects, relations and FACTUAL-style facts."""
    from text.scene_graph.parser import ParserConfig

    config = ParserConfig(backend=args.backend, spacy_model=args.spacy_model, stanza_dir=args.stanza_dir,
                          lexicon=args.lexicon, mode=args.mode)
    parser = _parser_or_input_error(config)
    source = decode_text(sys.stdin.buffer.read(), "-") if str(args.input) == "-" else read_text(args.input)
    # one caption a \n-terminated line, normalised as ingest does: the offsets index the caption printed
    lines = [normalize_caption(line) for line in split_lines(source)]
    for start in range(0, len(lines), 1024):
        batch = lines[start:start + 1024]
        problems = [caption_problem(text) for text in batch]
        readable = [text for text, problem in zip(batch, problems, strict=True) if problem is None]
        parsed = iter(parser.parse(readable))  # type: ignore[attr-defined]
        for text, problem in zip(batch, problems, strict=True):
            item = next(parsed) if problem is None else None
            out: dict[str, object] = {"caption": text}
            if item is None:
                out.update(objects=[], relations=[], facts=[], error=f"caption: {problem}")
            elif item.graph is not None:
                graph = item.graph.to_dict()
                out.update(objects=graph["objects"], relations=graph["relations"], facts=graph["facts"])
            else:
                out.update(objects=[], relations=[], facts=[], error=item.error)
            print(json.dumps(out, ensure_ascii=False))
    return 0


def _open_input(path: Path) -> TextIO:
    """A text file to read, or standard input for ``-``."""
    return sys.stdin if str(path) == "-" else open(path, encoding="utf-8")


def _parser_or_input_error(config: object) -> object:
    from text.scene_graph.backends import ModelNotFound
    from text.scene_graph.parser import CaptionParser

    try:
        return CaptionParser(config)  # type: ignore[arg-type]
    except ModelNotFound as exc:
        raise InputError("command line", f"--{exc.param.replace('_', '-')}", str(exc)) from None


def cmd_diff(args: argparse.Namespace) -> int:
    """The edit between the scene graphs of two captions (or of many pairs, as JSON lines): the
    dominant type with its confidence and every edit, beside the strict verifier's type."""
    from text.negatives.diff import explain
    from text.scene_graph.parser import ParserConfig
    from text.word_tags import WordTagger

    if args.batch is None:
        if len(args.captions) != 2:
            raise InputError("command line", "captions", "give two captions, or --batch FILE")
        pairs = [{"a": args.captions[0], "b": args.captions[1]}]
    else:
        pairs = _read_pairs(args.batch)
    parser = _parser_or_input_error(ParserConfig(lexicon=args.lexicon))
    texts = [t for p in pairs for t in (p["a"], p["b"])]
    parsed = list(parser.parse(texts))  # type: ignore[attr-defined]
    if args.batch is None:
        for side, item in zip(("A", "B"), parsed, strict=True):
            if item.graph is None:
                raise InputError("command line", f"caption {side}", item.error)
    tags = WordTagger().tag([p.graph.tokens if p.graph is not None else [] for p in parsed])
    for k, pair in enumerate(pairs):
        ga, gb = parsed[2 * k], parsed[2 * k + 1]
        if ga.graph is None or gb.graph is None:
            problem = f"a: {ga.error}" if ga.graph is None else f"b: {gb.error}"
            print(json.dumps({**pair, "type": "error", "dominant": "error", "strict": "error", "confidence": 0.0,
                              "edits": [], "error": problem}, ensure_ascii=False))
            continue
        result = explain(ga.graph.to_dict(), gb.graph.to_dict(), tags[2 * k], tags[2 * k + 1])
        if args.batch is None:
            print(result["dominant"])
            print(f"  strict: {result['strict']}   confidence: {result['confidence']:.2f}")
            for edit in result["edits"]:
                print(f"  {edit['type']}: {edit['before']} -> {edit['after']}   (weight {edit['weight']:g})")
        else:
            print(json.dumps({**pair, "type": result["dominant"], **result}, ensure_ascii=False))
    return 0


def _read_pairs(path: Path) -> list[dict[str, str]]:
    """JSON lines ``{"a": ..., "b": ...}`` (blank lines skipped); a bad line names its number."""
    pairs = []
    with _open_input(path) as source:
        for n, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                pair = json.loads(line)
                pairs.append({"a": str(pair["a"]), "b": str(pair["b"])})
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InputError(f"{path}:{n}", "a/b", 'expected a JSON object {"a": ..., "b": ...}') from None
    return pairs


def workspace_paths(dvc_yaml: Path = Path("dvc.yaml")) -> dict[str, Path]:
    """Where the ``dvc.yaml`` of this directory puts each artifact (by schema name), the image
    folder and the metrics files: the commands' defaults, so that paths live only there."""
    if not dvc_yaml.is_file():
        return {}
    from pipeline.params import read_yaml
    from pipeline.stage import wired_paths

    entries = read_yaml(dvc_yaml).get("stages") or {}
    out: dict[str, Path] = {}
    for name in stages.NAMES:
        if name in entries:
            for holds, paths in wired_paths(stages.spec(name), entries[name]).items():
                for path in paths:
                    if "${" not in path:  # a foreach stage's paths are not one artifact
                        out.setdefault(holds, Path(path))
    return out


def _default(args: argparse.Namespace, option: str, holds: str, paths: dict[str, Path]) -> Path | None:
    value = getattr(args, option)
    return value if value is not None else paths.get(holds)


def cmd_inspect(args: argparse.Namespace) -> int:
    """An HTML report of a sample of images, or a terminal view of one caption."""
    from pipeline.artifacts import atomic_write_text
    from sgmatch import report

    paths = workspace_paths()
    args.text_graphs = _default(args, "text_graphs", "text_graphs", paths)
    if args.text_graphs is None:
        raise InputError("sgmatch inspect", "--text-graphs", "give the text_graphs artifact (no dvc.yaml here names it)")
    for option, holds in (("images", "images"), ("image_root", "image_dir"), ("labels", "image_labels"),
                          ("negatives", "negatives"), ("regions", "regions")):
        setattr(args, option, _default(args, option, holds, paths))

    def optional(path: Path | None) -> Path | None:
        return path if path is not None and path.exists() else None

    graphs, images, labels, negatives, regions = report.load(
        args.text_graphs, optional(args.images), optional(args.labels), optional(args.negatives),
        optional(args.regions))
    if args.caption:
        graph = next((g for g in graphs if g["caption_id"] == args.caption), None)
        if graph is None:
            raise InputError(str(args.text_graphs), "caption_id", f"no caption {args.caption!r}")
        print(report.terminal_view(graph, [n for n in negatives if n["caption_id"] == args.caption]))
        return 0
    try:
        ids = report.choose_images(graphs, [i for i in (args.ids or "").split(",") if i], args.sample, args.seed)
    except KeyError as exc:
        raise InputError(str(args.text_graphs), "image_id", str(exc.args[0])) from None
    page = report.build_report(graphs, images, labels, negatives, args.image_root, ids, regions)
    atomic_write_text(args.out, page)
    print(f"wrote {args.out} ({len(ids)} images)")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Evaluation details files of several runs as one table; a run's seeds as mean ± std."""
    from sgmatch import compare

    missing = [str(p) for p in args.metrics if not p.is_file()]
    if missing:
        raise InputError(missing[0], "", "details file not found (run the evaluate stage first)")
    rows = compare.load_rows(args.metrics)
    print(compare.table(rows))
    if args.base:
        print()
        print(f"Paired over seeds against {args.base} (row minus base on the same seeds; "
              "better/worse: beyond one std of the differences):")
        print()
        print(compare.paired_table(rows, args.base))
    if args.plot:
        compare.plot(rows, args.plot)
        print(f"\nwrote {args.plot}")
    return 0


def cmd_ablation(args: argparse.Namespace) -> int:
    """Every loss against one base over seeds on the harder world (see :mod:`sgmatch.ablation`)."""
    import time

    from pipeline.artifacts import atomic_write_text
    from sgmatch import ablation, compare

    plan = ablation.Plan(Path.cwd(), args.params, args.seeds, args.runs, args.epochs)
    if args.dry_run:
        for step in plan.steps.values():
            print(f"{'done' if plan.done(step) else 'todo'}  {step.name}: {shlex.join(step.words)}")
        return 0
    print(f"ablation: {len(plan.runs)} runs x {len(plan.seeds)} seeds under {plan.dir}/ ({args.jobs} at a time)")
    started = time.perf_counter()
    try:
        timings = ablation.execute(plan, args.jobs)
    except RuntimeError as exc:
        print(f"sgmatch: {exc}", file=sys.stderr)
        return 1
    wall = time.perf_counter() - started
    rows = compare.load_rows(plan.details())
    recall = ablation.detector_recall(plan.dir / "data/images", plan.dir / "data/regions")
    trainings = [v for k, v in timings.items() if k.startswith("train/")]
    lines = [compare.table(rows), "",
             f"Paired over seeds against {plan.base} (row minus base on the same seeds; better/worse: beyond one "
             "std of the differences):", "", compare.paired_table(rows, plan.base), "",
             f"shapes detector: recall {recall['recall']:.3f} of {recall['true_shapes']} true shapes "
             f"(IoU >= 0.5), {recall['regions']} regions",
             f"this invocation: {wall / 60:.1f} min wall, {len(timings)} steps ran"
             + (f", {len(trainings)} trainings of {sum(trainings) / len(trainings):.0f} s on average"
                if trainings else "")]
    text = "\n".join(lines)
    print(text)
    atomic_write_text(plan.dir / "ablation.md", text + "\n")
    compare.plot(rows, plan.dir / "ablation.png")
    print(f"wrote {plan.dir / 'ablation.md'} and {plan.dir / 'ablation.png'}")
    return 0


def cmd_schemas(args: argparse.Namespace) -> int:
    for schema in ALL.values():
        print(schema.describe())
        print()
    return 0


def _setting(text: str) -> tuple[str, object]:
    key, eq, value = text.partition("=")
    if not eq or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (e.g. train.epochs=5), got {text!r}")
    return key, yaml.safe_load(value)


def cmd_init(args: argparse.Namespace) -> int:
    """Write a workspace for one dataset (see :mod:`sgmatch.workspace`)."""
    from sgmatch.workspace import Dataset, write_workspace

    def absolute(path: Path | None) -> Path | None:
        return None if path is None else path.expanduser().resolve()

    lists = {}
    for text in args.split_list:
        split, eq, path = text.partition("=")
        if not eq or not split or not path:
            raise InputError("--split-list", text, "expected SPLIT=PATH")
        lists[split] = absolute(Path(path))
    data = Dataset(
        format=args.format, captions=absolute(args.captions), split=args.split, split_lists=lists,
        features=absolute(args.features), features_format=args.features_format, images=absolute(args.images),
        detector_weights=absolute(args.detector_weights), device=args.device, runs=tuple(args.runs),
        train_split=args.train_split, val_split=args.val_split, test_split=args.test_split,
        settings=dict(args.set),
    )
    names = write_workspace(args.directory, data, force=args.force, git=not args.no_git)
    print(f"sgmatch init: {args.directory}: dvc.yaml and params.yaml for {len(names)} stages: {', '.join(names)}")
    if data.region_backend is None:
        print("  the text side alone (no region features given: --features, or --images with --detector-weights)")
    print(f"  next: cd {args.directory} && dvc repro")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sgmatch",
        description="Scene-graph based image-text matching: pipeline stages and tools.",
        epilog=f"stages (sgmatch stage for what each does, sgmatch stage NAME --help for its options):\n  "
               f"{', '.join(stages.NAMES)}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sgmatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("stage", help="run one pipeline stage: sgmatch stage NAME [options]",
                   add_help=False)
    p = sub.add_parser("summary", help="list the artifacts and metrics under some directories")
    p.add_argument("dirs", nargs="*", type=Path,
                   help="directories or metrics files (default: the top folders of what dvc.yaml writes)")
    p.set_defaults(func=cmd_summary)
    p = sub.add_parser("show", help="print the first rows of an artifact as JSON lines")
    p.add_argument("artifact", type=Path)
    p.add_argument("--limit", type=int, default=5)
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("parse", help="parse captions (one per line) into scene graphs, as JSON lines")
    p.add_argument("input", nargs="?", type=Path, default=Path("-"), help="a file, or - for standard input")
    p.add_argument("--backend", default="spacy", choices=["spacy", "stanza"])
    p.add_argument("--spacy-model", default="en_core_web_sm")
    p.add_argument("--stanza-dir", default="models/stanza")
    p.add_argument("--mode", default="learned", choices=["learned", "rules"],
                   help="learned (the network trained on FACTUAL, the default) or rules (faster)")
    p.add_argument("--lexicon", default="factual", help="rules mode: factual, none, or a lexicon JSON path")
    p.set_defaults(func=cmd_parse)
    p = sub.add_parser("diff", help="the typed edit between two captions' scene graphs (dominant and strict)")
    p.add_argument("captions", nargs="*", help='two captions: sgmatch diff "caption A" "caption B"')
    p.add_argument("--batch", type=Path, help='JSON lines {"a": ..., "b": ...} from a file or - (stdin); '
                   'writes each with type (= dominant), dominant, strict, confidence and edits')
    p.add_argument("--lexicon", default="factual")
    p.set_defaults(func=cmd_diff)
    p = sub.add_parser("inspect", help="an HTML report of images, captions, graphs, labels and negatives")
    where = " (default: where this directory's dvc.yaml puts it)"
    p.add_argument("--text-graphs", type=Path, help="the text_graphs artifact" + where)
    p.add_argument("--images", type=Path, help="images artifact (optional)" + where)
    p.add_argument("--image-root", type=Path, help="where image paths point" + where)
    p.add_argument("--labels", type=Path, help="image_labels (optional)" + where)
    p.add_argument("--negatives", type=Path, help="negatives (optional)" + where)
    p.add_argument("--regions", type=Path, help="regions (optional)" + where)
    p.add_argument("--out", type=Path, default=Path("report.html"))
    p.add_argument("--sample", type=int, default=20, help="how many images, drawn at random")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ids", help="comma-separated image ids instead of a sample")
    p.add_argument("--caption", help="print one caption (by caption_id) in the terminal instead")
    p.set_defaults(func=cmd_inspect)
    p = sub.add_parser("compare", help="several runs' evaluation details as one table, mean ± std over seeds")
    p.add_argument("metrics", nargs="+", type=Path, help="details files of the evaluate stage (--details)")
    p.add_argument("--base", help="a run to compare every other with, paired over their common seeds")
    p.add_argument("--plot", type=Path, help="also draw the table as a PNG (rSum and compositional accuracy)")
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("init", help="write a DVC workspace (dvc.yaml, params.yaml) for a dataset; then: "
                       "cd DIR && dvc repro",
                       description="Write DIR/dvc.yaml and DIR/params.yaml with the stages the inputs allow (the text "
                       "side from captions alone; with features or a detector also detect_regions, train, evaluate), "
                       "and git/dvc init DIR. The project's repository is never touched.")
    p.add_argument("directory", type=Path)
    p.add_argument("--format", required=True, choices=["karpathy", "coco_json", "flickr_token", "precomp", "synthetic"],
                   help="karpathy: dataset_flickr30k.json / dataset_coco.json; coco_json: captions_SPLIT2014.json; "
                   "flickr_token: Flickr8k/30k results token file; precomp: a SCAN {split}_caps.txt folder; "
                   "synthetic: the built-in world")
    p.add_argument("--captions", type=Path, help="the caption file (or the precomp folder)")
    p.add_argument("--split", default="test",
                   help="precomp: the splits to read, e.g. train,dev,test (their features too); "
                   "coco_json: the split the file holds (default: test)")
    p.add_argument("--split-list", action="append", default=[], metavar="SPLIT=PATH",
                   help="flickr_token: a file listing one split's images (repeatable)")
    p.add_argument("--features", type=Path, help="precomputed region features: a bottom-up-attention TSV "
                   "or a precomp folder with {split}_ims.npy")
    p.add_argument("--features-format", default="npy", choices=["npy", "tsv"])
    p.add_argument("--images", type=Path, help="the images folder (the torchvision detector)")
    p.add_argument("--detector-weights", type=Path, help="a torchvision Faster R-CNN state dict (.pth)")
    p.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N (parser, detector, train, evaluate)")
    p.add_argument("--runs", nargs="+", default=["vsepp", "fusion"], help="runs of params.yaml to train")
    p.add_argument("--train-split", default="train")
    p.add_argument("--val-split", default="val")
    p.add_argument("--test-split", default="test")
    p.add_argument("--set", action="append", default=[], type=_setting, metavar="KEY=VALUE",
                   help="any params.yaml value, e.g. --set train.epochs=30 (repeatable)")
    p.add_argument("--force", action="store_true", help="replace a dvc.yaml already there")
    p.add_argument("--no-git", action="store_true", help="no git init (dvc init --no-scm; dvc exp needs git)")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("ablation", help="every loss against one base, over seeds, on the harder world (resumes)")
    p.add_argument("--params", type=Path, default=Path("params.yaml"), help="with its ablation section")
    p.add_argument("--seeds", type=int, nargs="+", help="instead of ablation.seeds (a reduced ablation)")
    p.add_argument("--runs", nargs="+", help="instead of ablation.runs")
    p.add_argument("--epochs", type=int, help="instead of the epochs the ablation's train section has")
    p.add_argument("--jobs", type=int, default=2, help="trainings at once (default 2, one a core)")
    p.add_argument("--dry-run", action="store_true", help="list the steps, done or to do, and stop")
    p.set_defaults(func=cmd_ablation)
    p = sub.add_parser("schemas", help="list every artifact schema")
    p.set_defaults(func=cmd_schemas)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "stage":
        return cmd_stage(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args))
    except InputError as exc:
        print(f"sgmatch: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
