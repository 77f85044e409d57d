"""The ``torchvision`` backend: Faster R-CNN (ResNet-50 FPN) from a local weights file.

Detections are torchvision's own (score threshold, per-class non-maximum suppression, the
``top_k`` best); each kept box's feature is pooled from the box head: the RoI pooling of the
FPN features over the box, through the two-layer box head (1024 values), as bottom-up
attention pools its 2048. Without a weights file the model runs with random weights, so the
path is tested end to end here; a weights path that does not exist is refused.

Needs the ``torchvision`` extra: ``pip install 'sgmatch[torchvision]'`` (on x86-64 here
``torch==2.14.1 torchvision==0.29.1``). The device is the caller's choice (``cpu``, ``cuda``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from vision.regions.shapes import Detection

log = logging.getLogger(__name__)

# torchvision's COCO category names for the 91-way head (index 0 is the background)
COCO_NAMES = (
    "__background__", "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "N/A", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse",
    "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "N/A", "backpack", "umbrella", "N/A", "N/A", "handbag",
    "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
    "skateboard", "surfboard", "tennis racket", "bottle", "N/A", "wine glass", "cup", "fork", "knife", "spoon",
    "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake",
    "chair", "couch", "potted plant", "bed", "N/A", "dining table", "N/A", "N/A", "toilet", "N/A", "tv", "laptop",
    "mouse", "remote", "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "N/A",
    "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
)


class MissingDependency(RuntimeError):
    pass


def require(weights: str) -> None:
    """Raise unless the packages import and the weights file (if any) exists; builds nothing."""
    try:
        import torch  # noqa: F401
        from torchvision.models.detection import fasterrcnn_resnet50_fpn  # noqa: F401
    except ImportError as exc:
        raise MissingDependency(
            f"the torchvision backend needs torch and torchvision ({exc}): pip install 'sgmatch[torchvision]'"
        ) from None
    if weights and not Path(weights).expanduser().is_file():
        raise FileNotFoundError(f"Faster R-CNN weights file not found: {weights}")


class TorchvisionDetector:
    def __init__(self, weights: str, device: str, top_k: int, score_threshold: float, nms_iou: float) -> None:
        require(weights)
        import torch
        from torchvision.models.detection import fasterrcnn_resnet50_fpn

        self.torch = torch
        self.device = torch.device(device)
        model = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=len(COCO_NAMES),
                                        box_score_thresh=score_threshold, box_nms_thresh=nms_iou,
                                        box_detections_per_img=top_k)
        if weights:
            state = torch.load(Path(weights).expanduser(), map_location="cpu", weights_only=True)
            model.load_state_dict(state)
        else:
            log.warning("torchvision backend: no weights file, running with random weights")
            torch.manual_seed(0)
        self.model = model.eval().to(self.device)

    def detect(self, pixels: np.ndarray) -> Detection:
        """Regions of one (H, W, 3) uint8 image."""
        torch = self.torch
        with torch.inference_mode():
            image = torch.from_numpy(np.array(pixels, copy=True)).permute(2, 0, 1).float().div(255).to(self.device)
            (out,) = self.model([image])
            boxes = out["boxes"]
            if len(boxes) == 0:
                return Detection(np.zeros((0, 4), np.float32), np.zeros(0, np.int32), np.zeros(0, np.float32),
                                 np.zeros((0, 1024), np.float32))
            features = self._box_features(image, boxes)
        return Detection(boxes.cpu().numpy().astype(np.float32), out["labels"].cpu().numpy().astype(np.int32),
                         out["scores"].cpu().numpy().astype(np.float32), features.cpu().numpy().astype(np.float32))

    def _box_features(self, image: Any, boxes: Any) -> Any:
        """Pool the box head's 1024-d feature for boxes given in the image's own coordinates."""
        images, _ = self.model.transform([image])
        scale_h = images.image_sizes[0][0] / image.shape[1]
        scale_w = images.image_sizes[0][1] / image.shape[2]
        scaled = boxes * boxes.new_tensor([scale_w, scale_h, scale_w, scale_h])
        fmap = self.model.backbone(images.tensors)
        pooled = self.model.roi_heads.box_roi_pool(fmap, [scaled], images.image_sizes)
        return self.model.roi_heads.box_head(pooled)
