"""The pipeline's stages: one module each, a pure core plus a thin ``main(argv)``.

Run one with ``python -m stages.NAME ...`` or ``sgmatch stage NAME ...``; ``dvc repro``
runs them all as wired in ``dvc.yaml``.
"""

# Stage name -> one-line description, in pipeline order.
STAGES: dict[str, str] = {
    "ingest": "sources (synthetic world or a real dataset) into captions and images",
    "parse_captions": "captions into text scene graphs (objects, attributes, relations)",
    "extract_labels": "phrase-level labels: entities, attribute pairs, triples, with vocabularies",
    "generate_negatives": "typed hard-negative captions made by editing scene graphs, verified",
    "caption_semantics": "semantic vectors of the captions (TF-IDF, truncated SVD) for LSEH's margins",
    "detect_regions": "region boxes, labels, features and the spatial graph (shapes or precomputed)",
    "train": "a graph matcher (vsepp, sgm, fusion) trained with the run's losses; checkpoints and resume",
    "evaluate": "R@1/5/10 and rSum (1K, 5-fold 1K, 5K) and compositional accuracy by negative type",
}
