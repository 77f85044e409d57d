"""The image side: the built-in synthetic world (:mod:`vision.world`) and region detection with
its spatial graph (:mod:`vision.regions`). It depends on :mod:`pipeline` only."""
