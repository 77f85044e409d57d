"""Region detection backends and the spatial graph between regions."""
from __future__ import annotations

from pipeline.features import batch_feature_block, batch_features  # moved to pipeline; kept importable here

__all__ = ["batch_feature_block", "batch_features"]
