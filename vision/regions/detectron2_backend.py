"""The ``detectron2`` backend: a detectron2 Faster R-CNN from a local config and weights file.

detectron2 is not on PyPI: it is used when it is importable (build it from source, or use
``docker/Dockerfile.cuda``, which does), otherwise the stage stops with how to install it.
Boxes, classes and scores are the predictor's; each box's feature is pooled from the box head
(the RoI pooler over the config's box-head input features, then the box head), as bottom-up
attention does. This path could not be run on the project's machines (no detectron2 there);
the error paths are tested. A ``.pkl`` weights file is refused unless
``detectron2_allow_pickle`` is set (see :func:`refuse_pickle`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vision.regions.shapes import Detection
from vision.regions.torchvision_backend import MissingDependency

INSTALL = (
    "detectron2 is not installed (it is not on PyPI). Build it from source with "
    "pip install 'git+https://github.com/facebookresearch/detectron2.git' (needs torch, a C++ compiler "
    "and, for the GPU, CUDA), or run the stage in docker/Dockerfile.cuda, which builds it."
)


class PickleRefused(ValueError):
    pass


def refuse_pickle(weights: str, allow_pickle: bool) -> None:
    """Refuse a ``.pkl`` weights file unless the user opted in: detectron2 loads ``.pkl`` with
    ``pickle.load``, which runs whatever code the file holds. ``.pth`` files go through
    ``torch.load``, which (PyTorch 2.6 and later) reads tensors only."""
    if Path(weights).suffix.lower() == ".pkl" and not allow_pickle:
        raise PickleRefused(
            f"{weights!r} is a pickle, and detectron2 unpickles .pkl weights, which runs any code the file "
            "holds: convert it to a .pth state dict, or set detect_regions.detectron2_allow_pickle: true "
            "for a file you trust")


def require(config: str, weights: str, allow_pickle: bool = False) -> None:
    """Raise unless the weights are not a refused pickle, detectron2 imports and both files exist;
    builds nothing."""
    refuse_pickle(weights, allow_pickle)
    try:
        import detectron2.modeling  # noqa: F401
    except ImportError:
        raise MissingDependency(INSTALL) from None
    for label, path in (("config", config), ("weights", weights)):
        if not path or not Path(path).expanduser().is_file():
            raise FileNotFoundError(f"detectron2 {label} file not found: {path!r}")


class Detectron2Detector:
    def __init__(self, config: str, weights: str, device: str, top_k: int, score_threshold: float,
                 allow_pickle: bool = False) -> None:
        require(config, weights, allow_pickle)
        import torch
        from detectron2.checkpoint import DetectionCheckpointer
        from detectron2.config import get_cfg
        from detectron2.modeling import build_model

        cfg = get_cfg()
        cfg.merge_from_file(str(Path(config).expanduser()))
        cfg.MODEL.DEVICE = device
        cfg.MODEL.ROI_HEADS.SCORE_THRESH_TEST = score_threshold
        cfg.TEST.DETECTIONS_PER_IMAGE = top_k
        self.torch = torch
        self.model = build_model(cfg).eval()
        DetectionCheckpointer(self.model).load(str(Path(weights).expanduser()))
        self.input_format = cfg.INPUT.FORMAT

    def detect(self, pixels: np.ndarray) -> Detection:
        torch = self.torch
        from detectron2.modeling.postprocessing import detector_postprocess

        image = pixels[:, :, ::-1] if self.input_format == "BGR" else pixels
        h, w = pixels.shape[:2]
        with torch.inference_mode():
            inputs = [{"image": torch.as_tensor(np.ascontiguousarray(image).transpose(2, 0, 1)), "height": h, "width": w}]
            images = self.model.preprocess_image(inputs)
            features = self.model.backbone(images.tensor)
            proposals, _ = self.model.proposal_generator(images, features, None)
            instances, _ = self.model.roi_heads(images, features, proposals, None)
            heads = self.model.roi_heads
            pooled = heads.box_pooler([features[f] for f in heads.box_in_features], [i.pred_boxes for i in instances])
            box_features = heads.box_head(pooled)
            result: Any = detector_postprocess(instances[0], h, w)
        return Detection(result.pred_boxes.tensor.cpu().numpy().astype(np.float32),
                         result.pred_classes.cpu().numpy().astype(np.int32),
                         result.scores.cpu().numpy().astype(np.float32),
                         box_features.cpu().numpy().astype(np.float32))
